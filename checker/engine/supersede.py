"""One cause, one finding: a rule may name the rules that already say what it would say (`superseded_by:`).

SEC-006 ("a secret is written inline") and SEC-004 ("low entropy") restate SEC-001 ("a known
default password") or SEC-003 ("too short") when they fail on the same setting: one weak
password made three findings (issue 14). When a rule that supersedes another fails at the same
place (file, line and object), the superseded result becomes `skip`, naming that rule, so the
report and the gate count the cause once and the reader still sees why the rule said nothing.
"""
from __future__ import annotations

from checker.engine.rules import Rule
from checker.models import Result

Place = tuple[str | None, int | None, str | None]


def apply(results: list[Result], rules: list[Rule]) -> list[Result]:
    superseding = {rule.id: rule.superseded_by for rule in rules if rule.superseded_by}
    if not superseding:
        return results
    failed: dict[Place, set[str]] = {}
    for result in results:
        if result.status == "fail" and result.location is not None:
            failed.setdefault(_place(result), set()).add(result.rule_id)
    for result in results:
        by = superseding.get(result.rule_id)
        if not by or result.status != "fail" or result.location is None:
            continue
        found = sorted(failed.get(_place(result), set()) & set(by))
        if found:
            result.status, result.reason = "skip", "superseded"
            result.message = f"{result.message} (said by {', '.join(found)} at the same place)"
            result.remediation = None
    return results


def _place(result: Result) -> Place:
    location = result.location
    assert location is not None
    return location.file, location.line, location.object
