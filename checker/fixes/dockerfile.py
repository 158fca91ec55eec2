"""Dockerfiles: `apk add --no-cache` and `pip install --no-cache-dir` (safe), edited inside the one RUN.

The flag goes right after the sub-command, on whichever line of the RUN
(continued with `\\`) writes it; a RUN that installs twice is left alone.
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
    lines = context.lines(result.location.file)  # type: ignore[union-attr]
    pattern, flag = COMMANDS[result.rule_id]
    end = start
    while end < len(lines) - 1 and lines[end].rstrip().endswith("\\"):
        end += 1
    hits = [(number, match) for number in range(start, end + 1) for match in pattern.finditer(lines[number])]
    if len(hits) != 1:
        raise NotOffered(f"the RUN has {len(hits)} such commands")
    number, match = hits[0]
    line = lines[number]
    new = line[:match.end()] + flag + line[match.end():]
    return Proposal(result.rule_id, RULES[result.rule_id], result.location.file, edits=(Edit(number, 1, [new]),))  # type: ignore[union-attr]
