"""Fixers: turn one failing result into a minimal, reviewable edit of its file.

One module per kind of file. Each declares `RULES` (rule id -> safety) and
`propose(result, context) -> Proposal`, raising `NotOffered(reason)` when no
line-precise fix exists. The engine (`checker.fixes.plan`), not the fixer,
merges proposals, checks that only the target lines change, re-scans the
result and drops any fix that does not make its finding pass.

Safety follows ruff: `safe` fixes keep behaviour for a well-behaved service
and `--write` applies them; `unsafe` fixes need a reviewer's judgement and
are applied only with `--unsafe-fixes`.
"""
from __future__ import annotations

import importlib
from functools import lru_cache
from typing import Any, Callable, Literal, NamedTuple

from checker.models import Result

Safety = Literal["safe", "unsafe"]

# kind -> module; explicit, imported on first use (no globbing, no import side effects)
FIXERS: dict[str, str] = {
    "kubernetes": "checker.fixes.kubernetes",
    "compose": "checker.fixes.compose",
    "env": "checker.fixes.env",
    "nginx": "checker.fixes.nginx",
    "dockerfile": "checker.fixes.dockerfile",
    "secrets": "checker.fixes.secret_values",
}


class NotOffered(Exception):
    """No fix that changes only its target lines; the message says why."""


class Edit(NamedTuple):
    """Replace `remove` lines from 0-based `line` with `lines` (written without line endings)."""

    line: int
    remove: int
    lines: list[str]


class Want(NamedTuple):
    """A YAML change: merge `desired` into the node at `path` of document `doc` (merged with other wants there)."""

    doc: int
    path: tuple[str | int, ...]
    desired: Any


class Proposal(NamedTuple):
    rule_id: str
    safety: Safety
    file: str  # as the result names it
    edits: tuple[Edit, ...] = ()  # line formats: env, nginx, Dockerfile
    wants: tuple[Want, ...] = ()  # YAML
    secrets: tuple[str, ...] = ()  # keys whose generated values go to the untracked secrets file
    note: str = ""


Propose = Callable[[Result, Any], Proposal]


@lru_cache(maxsize=1)
def registry() -> dict[str, tuple[Safety, Propose]]:
    """rule id -> (safety, the fixer's propose function)."""
    table: dict[str, tuple[Safety, Propose]] = {}
    for module_name in FIXERS.values():
        module = importlib.import_module(module_name)
        for rule_id, safety in module.RULES.items():
            table[rule_id] = (safety, module.propose)
    return table


def safety_of(rule_id: str) -> str:
    """`safe`, `unsafe` or `none`: what `preflight explain` and `rules` show."""
    entry = registry().get(rule_id)
    return entry[0] if entry else "none"


def first_line(result: Result) -> int:
    """The result's 0-based line, or NotOffered when it has none."""
    if result.location is None or not result.location.line or not result.location.file:
        raise NotOffered("the finding has no file and line")
    return result.location.line - 1
