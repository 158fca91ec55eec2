"""Env files: debug off and log level info (safe), edited on the finding's line only.

Only the value changes: `export`, quotes, spacing and a trailing comment are
kept. Compose `environment:` entries and live containers are not env files
and are left to a reviewer.
"""
from __future__ import annotations

import re
from typing import Any

from checker.fixes import Edit, NotOffered, Proposal, Safety, first_line
from checker.models import Result

RULES: dict[str, Safety] = {
    "SEC-060": "safe",  # debug-enabled -> false
    "MON-020": "safe",  # log-level-debug -> info
}
LINE = re.compile(r"^(?P<head>\s*(?:export\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*)(?P<quote>['\"]?)(?P<value>[^'\"#]*?)(?P=quote)(?P<tail>\s*(?:#.*)?)$")
_OFF = {"true": "false", "yes": "no", "on": "off", "1": "0", "enabled": "disabled"}


def propose(result: Result, context: Any) -> Proposal:
    line = first_line(result)
    file = result.location.file if result.location else None
    if file is None or file.endswith((".yaml", ".yml", ".json")) or "." in (result.location.object or "."):  # type: ignore[union-attr]
        raise NotOffered("not an env file")
    lines = context.lines(file)
    match = LINE.match(lines[line]) if line < len(lines) else None
    if match is None or match["key"] != result.location.object:  # type: ignore[union-attr]
        raise NotOffered("the line is not a plain KEY=value")
    value = _fixed(result.rule_id, match["value"])
    new = match["head"] + match["quote"] + value + match["quote"] + match["tail"]
    return Proposal(result.rule_id, RULES[result.rule_id], file, edits=(Edit(line, 1, [new]),))


def _fixed(rule_id: str, value: str) -> str:
    if rule_id == "MON-020":
        return "INFO" if value.isupper() else "info"
    off = _OFF.get(value.lower())
    if off is None:
        raise NotOffered(f"no known 'off' for {value!r}")
    return off.upper() if value.isupper() else off.capitalize() if value[:1].isupper() else off
