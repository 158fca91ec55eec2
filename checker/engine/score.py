"""Readiness score: the share of severity weight held by rules that pass.

Each rule that produced a decided result (pass or fail) counts once, with its
severity's weight; a rule passes when none of its results fail. Errors count
as failures (a check that could not run is not evidence of readiness), and so
do waived results (baselined, waivers file, inline or annotation): accepting a
finding lets the gate (`--fail-on`) pass, it does not make the deployment more
ready. Skipped and manual results do not count either way.
"""
from __future__ import annotations

from checker.models import Result

WEIGHTS = {"info": 0, "low": 1, "medium": 3, "high": 7, "critical": 12}
GRADES = ((90, "A"), (80, "B"), (70, "C"), (60, "D"), (0, "F"))


def readiness(results: list[Result]) -> tuple[int, str]:
    state: dict[str, tuple[str, bool]] = {}
    for result in results:
        if result.status not in ("pass", "fail", "error", "waived") or result.rule_id == "PF-INPUT":
            continue
        severity, ok = state.get(result.rule_id, (result.severity, True))
        state[result.rule_id] = (severity, ok and result.status == "pass")
    total = sum(WEIGHTS[s] for s, _ in state.values())
    if total == 0:
        return 100, "A"
    score = round(100 * sum(WEIGHTS[s] for s, ok in state.values() if ok) / total)
    return score, next(grade for floor, grade in GRADES if score >= floor)
