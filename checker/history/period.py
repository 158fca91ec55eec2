"""The content of a period report, computed from verified runs (pure: no store, no clock, no files).

Days are UTC dates. For each control of the framework, over the period [since, until]:

- the runs that tested it: a run tests a control when one of the rules mapped to it (in that run's
  scope.json) has a result other than `skip`;
- exception days: the days on which some run had a `fail` on such a rule (a waived result is an
  accepted exception, listed under waivers, not counted);
- exceptions: each finding (rule + target, see records.py) from the run in which it started
  failing (first seen, which may lie before the period) to the first later run that evaluated its
  rule and did not report it (fixed); age = fixed - first seen, or until - first seen while open;
  a finding that fails again later is a new exception;
- coverage gaps: the days on which no run tested it; and for the whole period, the days with no run;
- status: `gap` (no rule maps to it), `not tested` (rules, but no run tested it), `exceptions`
  (at least one exception day), else `operating`.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, Iterable, NamedTuple, Sequence

from checker.history.records import ResultRow, RunRecord, decompress

TESTED = ("pass", "fail", "error", "waived", "manual")


class TrendPoint(NamedTuple):
    """One run of the trend line: when it ran and how many `fail` results it had."""
    day: dt.date
    scanned_at: str
    failures: int


@dataclass
class Run:
    record: RunRecord
    rows: list[ResultRow]
    day: dt.date = field(init=False)
    controls: dict[str, tuple[str | None, list[str]]] = field(init=False)  # id -> (title, rules) from scope.json

    def __post_init__(self) -> None:
        self.day = dt.date.fromisoformat(self.record.scan_day)
        scope = json.loads(decompress(self.record.scope_json))
        self.controls = {str(c["id"]): (c.get("title"), [str(r) for r in c.get("rules") or []])
                         for c in scope.get("controls") or []}

    def evaluated(self) -> set[str]:
        return {row.rule_id for row in self.rows if row.status in TESTED}


def trend(runs: Iterable[Run]) -> list[TrendPoint]:
    """Failures per run, in time order: the series of the HTML trend line."""
    ordered = sorted(runs, key=lambda run: (run.record.scanned_at, run.record.seq))
    return [TrendPoint(run.day, run.record.scanned_at, sum(row.status == "fail" for row in run.rows)) for run in ordered]


def _days(since: dt.date, until: dt.date) -> list[dt.date]:
    return [since + dt.timedelta(days=n) for n in range((until - since).days + 1)]


def ranges(days: Iterable[dt.date]) -> list[dict[str, Any]]:
    """Consecutive days folded into {from, to, days}."""
    spans: list[list[dt.date]] = []
    for day in sorted(days):
        if spans and (day - spans[-1][1]).days == 1:
            spans[-1][1] = day
        else:
            spans.append([day, day])
    return [{"from": a.isoformat(), "to": b.isoformat(), "days": (b - a).days + 1} for a, b in spans]


def episodes(runs: Sequence[Run], until: dt.date) -> list[dict[str, Any]]:
    """Every exception (a finding's stretch of failing or waived runs) up to `until`, in order of first sight."""
    open_: dict[str, dict[str, Any]] = {}
    done: list[dict[str, Any]] = []
    for run in runs:
        evaluated = run.evaluated()
        present = {row.finding: row for row in run.rows if row.status in ("fail", "waived")}
        for finding, row in present.items():
            episode = open_.get(finding)
            if episode is None:
                episode = open_[finding] = {
                    "finding": finding, "rule_id": row.rule_id, "severity": row.severity, "target": row.target,
                    "message": row.message, "first_seen": run.day, "first_seen_bundle": run.record.bundle_sha256,
                    "fixed": None, "fixed_bundle": None, "fail_days": set(), "waived_days": set()}
            (episode["fail_days"] if row.status == "fail" else episode["waived_days"]).add(run.day)
            episode["last_status"] = row.status
        for finding in [f for f, e in open_.items() if f not in present and e["rule_id"] in evaluated]:
            episode = open_.pop(finding)
            episode["fixed"], episode["fixed_bundle"] = run.day, run.record.bundle_sha256
            done.append(episode)
    done.extend(open_.values())
    for episode in done:
        end = episode["fixed"] or until
        episode["age_days"] = (end - episode["first_seen"]).days
    return sorted(done, key=lambda e: (e["first_seen"], e["rule_id"], e["target"]))


def build(runs: Sequence[Run], *, framework: str, since: dt.date, until: dt.date) -> dict[str, Any]:
    """The period report's body. `runs`: every verified run of the framework scanned up to `until`, in order."""
    runs = sorted(runs, key=lambda run: (run.record.scanned_at, run.record.seq))
    inside = [run for run in runs if since <= run.day <= until]
    period_days = _days(since, until)
    run_days = {run.day for run in inside}
    all_episodes = [e for e in episodes(runs, until) if e["first_seen"] <= until and (e["fixed"] is None or e["fixed"] >= since)]
    controls: dict[str, tuple[str | None, set[str]]] = {}
    for run in inside:
        for ident, (title, rules) in run.controls.items():
            known = controls.setdefault(ident, (title, set()))
            controls[ident] = (known[0] or title, known[1] | set(rules))
    return {
        "framework": framework,
        "period": {"since": since.isoformat(), "until": until.isoformat(), "days": len(period_days)},
        "runs": [_run_entry(run) for run in inside],
        "days_with_runs": len(run_days),
        "coverage_gaps": ranges(d for d in period_days if d not in run_days),
        "controls": [_control(ident, title, rules, inside, all_episodes, period_days, since)
                     for ident, (title, rules) in controls.items()],
        "waivers": _waivers(inside),
        "trend": [{"day": p.day.isoformat(), "scanned_at": p.scanned_at, "failures": p.failures} for p in trend(inside)],
        "built_from": [run.record.bundle_sha256 for run in inside],
        "simulated_clock_runs": [run.record.seq for run in inside if run.record.clock != "system"],
    }


def _counts(rows: Iterable[ResultRow]) -> dict[str, int]:
    counts = {status: 0 for status in ("pass", "fail", "error", "waived")}
    for row in rows:
        if row.status in counts:
            counts[row.status] += 1
    return counts


def _run_entry(run: Run) -> dict[str, Any]:
    record = run.record
    recorded = dt.date.fromisoformat(record.recorded_at[:10])
    return {"seq": record.seq, "scanned_at": record.scanned_at, "recorded_at": record.recorded_at,
            "recorded_late_days": max(0, (recorded - run.day).days), "bundle_sha256": record.bundle_sha256,
            "signer": record.signer, "tool_version": record.tool_version, "rules_sha256": record.rules_sha256,
            "environment": record.environment, "clock": record.clock, "results": _counts(run.rows)}


def _control(ident: str, title: str | None, rules: set[str], runs: Sequence[Run], all_episodes: list[dict[str, Any]],
             period_days: list[dt.date], since: dt.date) -> dict[str, Any]:
    tested_runs: list[dict[str, Any]] = []
    tested_days: set[dt.date] = set()
    exception_days: set[dt.date] = set()
    error_days: set[dt.date] = set()
    for run in runs:
        mine = [row for row in run.rows if row.rule_id in rules]
        counts = _counts(mine)
        if not any(row.status in TESTED for row in mine):
            continue
        tested_runs.append({"seq": run.record.seq, "day": run.day.isoformat(), **counts})
        tested_days.add(run.day)
        if counts["fail"]:
            exception_days.add(run.day)
        if counts["error"]:
            error_days.add(run.day)
    mine_episodes = [_episode_entry(e, since) for e in all_episodes if e["rule_id"] in rules]
    status = "gap" if not rules else "not tested" if not tested_runs else "exceptions" if exception_days else "operating"
    return {
        "id": ident, "title": title, "status": status, "rules": sorted(rules),
        "runs_tested": len(tested_runs), "days_tested": len(tested_days), "runs": tested_runs,
        "exception_days": sorted(d.isoformat() for d in exception_days), "exception_day_count": len(exception_days),
        "error_days": sorted(d.isoformat() for d in error_days),
        "coverage_gaps": ranges(d for d in period_days if d not in tested_days) if rules else [],
        "exceptions": mine_episodes,
    }


def _episode_entry(episode: dict[str, Any], since: dt.date) -> dict[str, Any]:
    return {
        "finding": episode["finding"], "rule_id": episode["rule_id"], "severity": episode["severity"],
        "target": episode["target"], "message": episode["message"],
        "first_seen": episode["first_seen"].isoformat(), "first_seen_before_period": episode["first_seen"] < since,
        "fixed": episode["fixed"].isoformat() if episode["fixed"] else None, "open": episode["fixed"] is None,
        "age_days": episode["age_days"], "status": episode.get("last_status", "fail"),
        "days_failing_in_period": len([d for d in episode["fail_days"] if d >= since]),
        "days_waived_in_period": len([d for d in episode["waived_days"] if d >= since]),
        "first_seen_bundle": episode["first_seen_bundle"], "fixed_bundle": episode["fixed_bundle"],
    }


def _waivers(runs: Sequence[Run]) -> list[dict[str, Any]]:
    """Each waiver that suppressed a finding in a run of the period, with the days it was in use."""
    found: dict[tuple[str, str, str], dict[str, Any]] = {}
    for run in runs:
        for row in run.rows:
            if row.status != "waived" or row.waiver is None:
                continue
            waiver = json.loads(row.waiver)
            key = (row.rule_id, row.target, row.waiver)
            entry = found.setdefault(key, {"rule_id": row.rule_id, "target": row.target, "approver": waiver.get("by"),
                                           "expires": waiver.get("until"), "justification": waiver.get("reason"),
                                           "first_day": run.day.isoformat(), "days": set()})
            entry["days"].add(run.day)
            entry["last_day"] = run.day.isoformat()
    out = []
    for entry in found.values():
        entry["days_in_use"] = len(entry.pop("days"))
        out.append(entry)
    return sorted(out, key=lambda e: (e["rule_id"], e["target"], e["first_day"]))
