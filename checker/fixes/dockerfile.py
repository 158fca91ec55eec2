"""Dockerfiles: `apk add --no-cache` and `pip install --no-cache-dir` (safe), edited inside the one RUN.

The flag goes right after the sub-command, on whichever line of the RUN
(continued with `\\`) writes it, for each install that lacks it.
"""
from __future__ import annotations

import re
from typing import Any

from checker.fixes import Edit, NotOffered, Proposal, Safety, first_line
from checker.models import Result

RULES: dict[str, Safety] = {
    "PERF-221": "safe",  # apk add --no-cache
    "PERF-222": "safe",  # pip install --no-cache-dir
}
COMMANDS = {
    "PERF-221": (re.compile(r"\bapk\s+add\b"), " --no-cache"),
    "PERF-222": (re.compile(r"\bpip3?\s+install\b"), " --no-cache-dir"),
}


def propose(result: Result, context: Any) -> Proposal:
    start = first_line(result)
    file = str(result.location.file) if result.location else ""
    lines = context.lines(file)
    pattern, flag = COMMANDS[result.rule_id]
    end = start
    while end < len(lines) - 1 and lines[end].rstrip().endswith("\\"):
        end += 1
    edits = []
    for number in range(start, end + 1):
        line = lines[number]
        # each install that does not already say so, from the right so that earlier offsets hold
        for match in reversed([m for m in pattern.finditer(line) if not _has_flag(line[m.end():], flag)]):
            line = line[:match.end()] + flag + line[match.end():]
        if line != lines[number]:
            edits.append(Edit(number, 1, [line]))
    if not edits:
        raise NotOffered("no install command on the RUN's lines")
    return Proposal(result.rule_id, RULES[result.rule_id], file, edits=tuple(edits))


def _has_flag(rest: str, flag: str) -> bool:
    """Whether the same command (up to `&&`, `;` or `|`) already has the flag."""
    command = re.split(r"&&|;|\|\|", rest, maxsplit=1)[0]
    return flag.strip() in command.split()
