"""Waivers file: a reviewed, expiring exception for findings a team accepts for now.

    # .preflight/waivers.yaml
    waivers:
      - rule: SEC-001                    # rule id or name
        target: "deploy/*.env"           # optional glob, matched against the result's file or URL; default: all
        justification: Staging-only password, rotated by the vault migration (OPS-123).
        approver: Jane Doe <jane@example.com>
        expires: 2027-01-31              # the waiver applies up to and including this day

A matching, in-date waiver turns a `fail` into `waived` (source "waivers-file"),
keeping its evidence. An expired one suppresses nothing: the failure says when
the waiver ran out. The file is validated like attestation files: a bad one
stops the run (exit 2) naming the file, the line and the field.
"""
from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import Optional

from checker.errors import UsageError
from checker.inputs.data_file import load_entries
from checker.models import STRICT, Report, Result, Waiver

DEFAULT_LOCATION = ".preflight/waivers.yaml"


@dataclass
class WaiverEntry:
    __pydantic_config__ = STRICT
    rule: str
    justification: str
    approver: str
    expires: dt.date
    target: Optional[str] = None
    file: str = ""  # filled in on load
    line: int = 0

    def __post_init__(self) -> None:
        for name in ("rule", "justification", "approver"):
            if not getattr(self, name).strip():
                raise ValueError(f"{name}: must not be empty")

    def matches(self, result: Result) -> bool:
        if self.rule not in (result.rule_id, result.rule_name):
            return False
        if not self.target:
            return True
        location = result.location
        where = (location.url or location.file) if location else None
        where = where or result.target
        return fnmatch(where, self.target) or fnmatch(where, "*/" + self.target)


@dataclass
class WaiverFile:
    __pydantic_config__ = STRICT
    waivers: Optional[list[WaiverEntry]] = None  # an empty `waivers:` (all commented out) waives nothing

    def entries(self) -> list[WaiverEntry]:
        return self.waivers or []


def default_file(paths: list[str]) -> Path | None:
    """`.preflight/waivers.yaml` beside the first scanned path; not one whose real path leads outside the scan
    roots (a link planted in the tree: warned about, not read)."""
    from checker.inputs import containment

    for given in paths[:1]:
        root = Path(given)
        root = root if root.is_dir() else root.parent
        if (root / DEFAULT_LOCATION).is_file():
            if containment.inside(root / DEFAULT_LOCATION, containment.scan_roots(paths)) is None:
                print(f"preflight: warning: {root / DEFAULT_LOCATION}: leads outside the scanned folders; not read",
                      file=sys.stderr)
                return None
            return root / DEFAULT_LOCATION
    return None


def load(path: Path, roots: tuple[str, ...] | None = None) -> list[WaiverEntry]:
    if not path.is_file():
        raise UsageError(f"{path}: waivers file not found")
    entries: list[WaiverEntry] = load_entries(path, WaiverFile, "waiver", "waivers", roots)
    return entries


def apply_waivers(report: Report, waivers_file: str | None, paths: list[str], today: dt.date | None = None) -> Report:
    path = Path(waivers_file) if waivers_file else default_file(paths)
    if path is None:
        return report
    from checker.inputs import containment

    entries = load(path, None if waivers_file else containment.scan_roots(paths))  # a found one: inside only
    if not entries:
        return report
    today = today or dt.date.today()
    changed = False
    for result in report.results:
        if result.status != "fail":
            continue
        matching = [e for e in entries if e.matches(result)]
        live = [e for e in matching if e.expires >= today]
        if live:
            entry = live[0]
            result.status = "waived"
            result.waiver = Waiver(source="waivers-file", reason=entry.justification, by=entry.approver,
                                   until=entry.expires.isoformat())
            changed = True
        elif matching:
            expired = max(e.expires for e in matching).isoformat()
            result.message = f"{result.message} (waiver expired on {expired})"
            result.evidence = {**result.evidence, "waiver_expired": expired}
    return resummarize(report) if changed else report


def resummarize(report: Report) -> Report:
    """The same report with its summary (counts, score, failed_by_severity) recomputed from its results."""
    from checker.engine.run import build_report

    fresh = build_report(report.results, report.paths, report.environment, report.tool.rules_sha256, report.started_at)
    report.summary = fresh.summary
    return report
