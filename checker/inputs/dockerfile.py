"""Dockerfiles (and Containerfiles), parsed with dockerfile-parse into one Document.

`data` is plain data, stage by stage and as one flat list:

    {"stages": [{"index": 0, "name": "build", "from": "node:20-alpine", "image": "node:20-alpine",
                 "base_stage": None, "line": 1, "instructions": [...]}],
     "instructions": [{"instruction": "RUN", "value": "apt-get update && ...", "arguments": "...",
                       "flags": {"mount": ["type=cache,target=/root/.cache"]}, "line": 4, "end_line": 6,
                       "stage": 0, "stage_name": "build"}, ...]}

`value` is the instruction as written after line continuations are joined
(comment lines inside a continuation dropped, heredoc bodies appended);
`arguments` is `value` without the leading `--flag`s (an exec-form `["a", "b"]`
becomes `a b`, and its `words` are kept). ENV and ARG instructions carry their `pairs` (an ARG without a
default maps to None); FROM carries `image`, `name`, `platform`. Instructions
before the first FROM (global ARGs) have `stage: None`. Every instruction and
stage has a position (1-based line), so do ENV/ARG keys. ENV and ARG pairs
are also `settings`, so the secret rules can read them.

A file dockerfile-parse reads but Docker would not build (an unknown
instruction, an instruction without arguments, nothing but ARG before FROM, no
FROM at all) is an InputError with its line.
"""
from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from checker.errors import InputError
from checker.inputs.document import Document, Position, Setting
from checker.inputs.paths import Path as DocPath

INSTRUCTIONS = {
    "FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER",
    "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
}
MAX_CONTINUED_LINES = 5_000  # the longest real RUN we know of has a few hundred
_FLAG = re.compile(r"\s*--(?P<name>[A-Za-z][\w-]*)(?:=(?P<value>\"[^\"]*\"|'[^']*'|\S*))?(?=\s|$)")
_HEREDOC = re.compile(r"<<(?P<dash>-?)\s*(?P<q>[\"']?)(?P<word>[A-Za-z_][\w]*)(?P=q)")
_VARIABLE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_]\w*)(?::?(?P<op>[-+])(?P<word>[^}]*))?\}|(?P<plain>[A-Za-z_]\w*))")


def parse(display: str, path: Path, text: str, environment: str) -> list[Document]:
    from dockerfile_parse import DockerfileParser  # imported here: only a scan with Dockerfiles pays for it

    check_continuations(text)
    parsed_text = continued_over_blank_lines(text)
    parser = DockerfileParser(fileobj=io.BytesIO(parsed_text.encode("utf-8")), env_replace=False)
    try:
        structure = [item for item in parser.structure if item["instruction"] != "COMMENT"]
    except Exception as exc:  # dockerfile-parse is lenient; anything it raises means it could not read the file
        raise InputError(f"dockerfile-parse could not read the file: {exc}") from None
    raw_lines = text.splitlines()
    structure = _join_heredocs(structure, raw_lines)
    data: dict[str, Any] = {"stages": [], "instructions": []}
    positions: dict[DocPath, Position] = {}
    settings: list[Setting] = []
    global_args: dict[str, str | None] = {}
    stage: dict[str, Any] | None = None
    for item in structure:
        line = item["startline"] + 1
        name = item["instruction"]
        value = str(item["value"] or "").strip()
        if name not in INSTRUCTIONS:
            # the word up to any `=`: `DB_PASSWORD=x` on a line of its own must not be quoted whole
            raise InputError(f"unknown instruction {name.split()[0].split('=')[0][:40]}", line)
        if not value:
            raise InputError(f"{name} has no arguments", line)
        if stage is None and name not in ("FROM", "ARG"):
            raise InputError(f"{name} before the first FROM (only ARG may come before it)", line)
        instruction = _instruction(name, value, line, item["endline"] + 1)
        if name == "FROM":
            stage = _stage(instruction, data["stages"], global_args, line)
            data["stages"].append(stage)
            positions[("stages", len(data["stages"]) - 1)] = (line, _column(raw_lines, line))
        index = len(data["instructions"])
        instruction["stage"] = stage["index"] if stage else None
        instruction["stage_name"] = stage["name"] if stage else None
        data["instructions"].append(instruction)
        where: DocPath = ("instructions", index)
        positions[where] = (line, _column(raw_lines, line))
        if stage is not None:
            local = len(stage["instructions"])
            stage["instructions"].append(instruction)
            positions[("stages", stage["index"], "instructions", local)] = positions[where]
        if name in ("ENV", "ARG"):
            scope = f"stage {stage['name'] or 'FROM ' + stage['from']}" if stage else "global ARG"
            key_lines = _key_lines(raw_lines, line, item["endline"] + 1)
            for key, raw in instruction["pairs"].items():
                positions[where + ("pairs", key)] = key_lines.get(key) or (line, _column(raw_lines, line, key))
                settings.append(Setting(key, raw or "", raw or "", where + ("pairs", key), raw is not None and "$" not in raw, scope))
            if stage is None:
                global_args.update(instruction["pairs"])
    if not data["stages"]:
        raise InputError("no FROM instruction: not a Dockerfile", 1)
    doc = Document(display, "dockerfile", data, positions, environment, text, settings)
    doc.meta["final_stage"] = len(data["stages"]) - 1
    return [doc]


def _instruction(name: str, value: str, line: int, end_line: int) -> dict[str, Any]:
    instruction: dict[str, Any] = {"instruction": name, "value": value, "line": line, "end_line": end_line}
    flags: dict[str, list[str]] = {}
    rest = value
    if name in ("FROM", "RUN", "COPY", "ADD", "HEALTHCHECK"):
        while True:
            match = _FLAG.match(rest)
            if not match:
                break
            flags.setdefault(match.group("name").lower(), []).append((match.group("value") or "").strip("\"'"))
            rest = rest[match.end():]
    rest = rest.strip()
    if rest.startswith("[") and name in ("RUN", "CMD", "ENTRYPOINT", "SHELL", "ADD", "COPY", "VOLUME"):
        try:
            import json  # here: a scan without exec-form instructions never needs it (tests/test_startup.py)

            words = json.loads(rest)
        except ValueError:
            words = None
        if isinstance(words, list) and all(isinstance(w, str) for w in words):
            rest = " ".join(words)
            instruction["exec_form"] = True
            instruction["words"] = words  # the JSON words themselves: a word may hold a blank
    instruction["flags"] = flags
    instruction["arguments"] = rest
    if name in ("ENV", "ARG"):
        instruction["pairs"] = _pairs(name, rest, line)
    return instruction


def _pairs(name: str, value: str, line: int) -> dict[str, str | None]:
    from dockerfile_parse.util import WordSplitter, extract_key_values

    try:
        if name == "ENV":
            return {key: val for key, val in extract_key_values(env_replace=False, args={}, envs={}, instruction_value=value)}
        pairs: dict[str, str | None] = {}
        for word in WordSplitter(value).split(dequote=False):
            key, sep, default = word.partition("=")
            pairs[WordSplitter(key).dequote()] = WordSplitter(default).dequote() if sep else None
        return pairs
    except (ValueError, IndexError) as exc:
        raise InputError(f"{name}: {exc}", line) from None


def _stage(instruction: dict[str, Any], stages: list[dict[str, Any]], global_args: dict[str, str | None], line: int) -> dict[str, Any]:
    words = instruction["arguments"].split()
    if len(words) not in (1, 3) or (len(words) == 3 and words[1].lower() != "as"):
        raise InputError("FROM takes an image and an optional `AS name`", line)
    image = words[0]
    name = words[2] if len(words) == 3 else None
    instruction["image"], instruction["name"] = image, name
    instruction["platform"] = (instruction["flags"].get("platform") or [None])[0]
    resolved = substitute(image, global_args)
    known = {str(s["name"]).lower(): s["index"] for s in stages if s["name"]}
    base_stage = known.get(resolved.lower()) if resolved is not None else None
    return {
        "index": len(stages), "name": name, "from": image, "image": resolved, "base_stage": base_stage,
        "line": line, "instructions": [],
    }


def substitute(text: str, variables: dict[str, str | None]) -> str | None:
    """`text` with $VAR, ${VAR}, ${VAR:-default} and ${VAR:+alt} replaced; None when a variable has no value."""
    unresolved = False

    def replace(match: re.Match[str]) -> str:
        nonlocal unresolved
        name = match.group("braced") or match.group("plain")
        value = variables.get(name)
        op, word = match.group("op"), match.group("word") or ""
        if op == "-" and not value:
            return word
        if op == "+":
            return word if value else ""
        if value is None:
            unresolved = True
            return ""
        return value

    result = _VARIABLE.sub(replace, text)
    return None if unresolved else result


def _join_heredocs(structure: list[dict[str, Any]], lines: list[str]) -> list[dict[str, Any]]:
    """Append heredoc bodies (`RUN <<EOF ... EOF`) to their instruction; dockerfile-parse reads them as instructions."""
    joined: list[dict[str, Any]] = []
    skip_until = -1
    for item in structure:
        if item["startline"] <= skip_until:
            continue
        markers = _HEREDOC.findall(str(item["value"] or "")) if item["instruction"] in ("RUN", "COPY", "ADD") else []
        if markers:
            item = dict(item)
            number = item["endline"] + 1
            bodies = []
            for _dash, _quote, word in markers:
                body = []
                while number < len(lines) and lines[number].strip() != word:
                    body.append(lines[number])
                    number += 1
                bodies.append("\n".join(body))
                number += 1
            item["value"] = str(item["value"]) + "\n" + "\n".join(bodies)
            item["endline"] = min(number - 1, len(lines) - 1)
            skip_until = item["endline"]
        joined.append(item)
    return joined


def _column(lines: list[str], line: int, word: str | None = None) -> int:
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    if word:
        found = text.find(word)
        if found >= 0:
            return found + 1
    return len(text) - len(text.lstrip()) + 1


_KEY_WORD = re.compile(r"""(?:^|(?<=[\s"']))["']?([^\s"'=]+)["']?(?==|\s|$)""")


def _key_lines(lines: list[str], start: int, end: int) -> dict[str, Position]:
    """The first line (start..end) naming each word that may be an ENV/ARG key: one scan per instruction.

    Looking each key up from the instruction's first line again cost keys x lines:
    an ENV of 20,000 continued lines took 38 s.
    """
    found: dict[str, Position] = {}
    for number in range(start, min(end, len(lines)) + 1):
        text, skipped = lines[number - 1], 0
        if number == start:
            skipped = len(text) - len(text.lstrip()) + 3  # skip the ENV / ARG keyword itself
        for match in _KEY_WORD.finditer(text, skipped):
            found.setdefault(match.group(1), (number, match.start(1) + 1))
    return found


_ESCAPE_DIRECTIVE = re.compile(r"^#\s*escape\s*=\s*(\S)\s*$", re.IGNORECASE)


def continued_over_blank_lines(text: str) -> str:
    r"""Blank and comment lines inside a continued instruction, as Docker reads them: skipped, the
    instruction goes on (dockerfile-parse ends it there and reads the next line as an instruction of its
    own: `WRITE-HOST` in a PowerShell RUN). Each such line becomes a lone escape character, so line
    numbers stay those of the file.

    >>> continued_over_blank_lines("RUN a && \\\n\n    b\n")
    'RUN a && \\\n\\\n    b\n'
    """
    lines = text.split("\n")
    escape = "\\"
    for line in lines:  # parser directives come first, before any instruction or other comment
        found = _ESCAPE_DIRECTIVE.match(line.strip())
        if found:
            escape = found.group(1)
            break
        if line.strip() and not line.lstrip().startswith("#"):
            break
    continued = False
    for index, line in enumerate(lines):
        stripped = line.strip()
        if continued and (not stripped or stripped.startswith("#")):
            lines[index] = escape
            continue
        continued = stripped.endswith(escape) and not stripped.startswith("#")
    return "\n".join(lines)


def check_continuations(text: str) -> None:
    """Refuse an instruction continued over more than MAX_CONTINUED_LINES lines before dockerfile-parse reads it:
    it joins continued lines by `+=` on a dict value, which is quadratic (40,000 lines: 6 s)."""
    run = 0
    for number, line in enumerate(text.splitlines(), 1):
        run = run + 1 if line.rstrip().endswith(("\\", "`")) else 0
        if run > MAX_CONTINUED_LINES:
            raise InputError(f"an instruction continues over more than {MAX_CONTINUED_LINES:,} lines", number - run + 1)
