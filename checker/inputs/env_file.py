"""`.env` files: KEY=value lines with line numbers, parsed by python-dotenv.

python-dotenv's parser already handles `export`, single and double quotes,
escapes, inline comments and multi-line quoted values the way the tools that
read these files do, so we reuse it rather than write another. On top of it:
duplicate keys (last wins; each duplicate is recorded) and `${VAR}` references
to earlier keys, expanded with the Compose rules (single-quoted values stay literal).
"""
from __future__ import annotations

import importlib.util
import io
import os
import re
from types import ModuleType
from typing import Any, Iterator, NamedTuple

from checker.errors import InputError
from checker.inputs.document import Duplicate, Position, Setting
from checker.inputs.interpolate import interpolate


class EnvEntry(NamedTuple):
    key: str
    value: str  # references expanded
    raw: str  # as written
    line: int
    resolved: bool


class ParsedEnv(NamedTuple):
    entries: list[EnvEntry]  # every assignment, duplicates included, in file order
    errors: list[InputError]  # malformed lines; parsing goes on past them


def parse_stream(stream: io.StringIO) -> Iterator[Any]:
    """python-dotenv's own parser (dotenv.parser.parse_stream)."""
    global _parser
    if _parser is None:
        _parser = _load_dotenv_parser()
    bindings: Iterator[Any] = _parser.parse_stream(stream)
    return bindings


_parser: ModuleType | None = None


def _load_dotenv_parser() -> ModuleType:
    """dotenv/parser.py, loaded without running dotenv/__init__.py.

    `import dotenv.parser` runs the package's __init__, which imports dotenv.main
    and with it logging and tempfile: about 20 ms, an eighth of the pre-commit
    hook's whole budget, for code we never call. The parser module imports only
    the standard library. Should python-dotenv ever move it, the plain import
    still works, only slower.
    """
    found = importlib.util.find_spec("dotenv")
    locations = found.submodule_search_locations if found else None
    spec = importlib.util.spec_from_file_location("dotenv.parser", os.path.join(list(locations)[0], "parser.py")) if locations else None
    if spec is None or spec.loader is None or not os.path.isfile(str(spec.origin)):
        import dotenv.parser

        return dotenv.parser
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_env(text: str, outer: dict[str, str] | None = None) -> ParsedEnv:
    known: dict[str, str] = dict(outer or {})
    entries: list[EnvEntry] = []
    errors: list[InputError] = []
    for binding in parse_stream(io.StringIO(text)):
        original = binding.original.string
        # python-dotenv counts blank lines before a binding as part of it: the key is on a later line
        leading = original[: len(original) - len(original.lstrip())]
        line = binding.original.line + leading.count("\n") + leading.count("\r") - leading.count("\r\n")  # CR-only files too
        if binding.error:
            errors.append(InputError(f"malformed line (expected KEY=value): {_without_value(binding.original.string)}", line))
            continue
        if binding.key is None:
            continue  # blank line or comment
        raw = binding.value or ""
        literal = binding.original.string.split("=", 1)[-1].lstrip().startswith("'")
        if literal or "$" not in raw:
            value, resolved = raw, True
        else:
            expanded = interpolate(raw, known)
            value, resolved = expanded.value, not expanded.unset
        known[binding.key] = value
        entries.append(EnvEntry(binding.key, value, raw, line, resolved))
    return ParsedEnv(entries, errors)


_KEY = re.compile(r"(?:export\s+)?[A-Za-z_][A-Za-z0-9_.-]{0,127}")


def _without_value(original: str) -> str:
    """What a parse error may quote of a malformed line: its key, never its value (it may be a secret)."""
    text = original.strip()
    first = text.splitlines()[0] if text else ""
    key = _KEY.match(first)
    if key is None:
        return f"a line that does not start with a key ({len(first)} characters, not shown)"
    rest = first[key.end():].lstrip()
    if not rest.startswith("="):
        return f"`{key.group()}` with no `=` after it (the rest of the line is not shown)"
    value = rest[1:].lstrip()
    quote = value[:1] if value[:1] in ("'", '"') else ""
    if quote and value.count(quote) < 2:
        return f"`{key.group()}=` with an unterminated {quote} quote (the value is not shown)"
    return f"`{key.group()}=` (the value is not shown)"


def to_document_parts(
    parsed: ParsedEnv,
) -> tuple[dict[str, str], dict[tuple[str | int, ...], Position], list[Setting], list[Duplicate]]:
    data: dict[str, str] = {}
    positions: dict[tuple[str | int, ...], Position] = {(): (1, 1)}
    duplicates: list[Duplicate] = []
    latest: dict[str, Setting] = {}
    for entry in parsed.entries:
        path = (entry.key,)
        if entry.key in data:
            duplicates.append(Duplicate(path, positions[path][0]))
        data[entry.key] = entry.value
        positions[path] = (entry.line, 1)
        latest[entry.key] = Setting(entry.key, entry.value, entry.raw, path, entry.resolved)
    return data, positions, list(latest.values()), duplicates
