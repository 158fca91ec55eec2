"""`.env` files: KEY=value lines with line numbers, read as `docker compose` reads them.

The statements are split by `dotenv_compose` (compose-go's rules: quotes, escapes, ` #` comments,
`export`, `KEY: value`), checked against the Compose v2 binary in tests/inputs/test_dotenv_compose.py;
python-dotenv reads several of these differently (`A=b#c`, `\\$`, `KEY: v`). On top of it:
duplicate keys (last wins; each duplicate is recorded) and `$VAR` / `${VAR}` references to earlier
keys, expanded with the Compose rules (single-quoted values stay literal).
"""
from __future__ import annotations

import re
from typing import NamedTuple

from checker.errors import InputError
from checker.inputs.document import Duplicate, Position, Setting
from checker.inputs import dotenv_compose
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


def parse_env(text: str, outer: dict[str, str] | None = None) -> ParsedEnv:
    """Every statement with its line, read as Compose reads it (inputs/dotenv_compose.py), `$` expanded
    with the keys set before it (and `outer`'s): a value Compose would expand is the value it deploys."""
    known: dict[str, str] = dict(outer or {})
    entries: list[EnvEntry] = []
    if "\r" in text and "\n" not in text:  # an old-Mac file: Compose would read one long line; we read its lines
        text = text.replace("\r", "\n")
    bindings, problems = dotenv_compose.parse(text)
    errors = [InputError(f"malformed line (expected KEY=value): {_without_value(p.statement)}", p.line) for p in problems]
    for binding in bindings:
        if binding.inherited:  # `KEY` alone: Compose takes the shell's value, unknown here
            entries.append(EnvEntry(binding.key, "", "", binding.line, False))
            continue
        raw = binding.raw
        if binding.quote == "'" or "$" not in raw:
            value, resolved = raw, True
        else:
            expanded = interpolate(raw, known)
            value = expanded.value
            # `A=Xk3r9$Lq2` is `Xk3r9` to Compose (Lq2 unset, a warning): a `$` inside a generated secret,
            # judged as Compose reads it. A braced `${NAME}` is a deliberate reference, usually to the
            # shell that runs compose: unknown, as is a value Compose refuses (`${X:?}`) or made only of
            # unset references
            braced = any(_braced_reference(raw, u.name) for u in expanded.unset)
            resolved = not any(u.required for u in expanded.unset) and not (expanded.unset and value == "") \
                and not expanded.unknown and not braced
        known[binding.key] = value
        entries.append(EnvEntry(binding.key, value, raw, binding.line, resolved))
    return ParsedEnv(entries, errors)


def _braced_reference(raw: str, name: str) -> bool:
    return re.search(r"(?<!\$)\$\{" + re.escape(name) + r"(?=[}:?+-])", raw.replace("$$", "")) is not None


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
