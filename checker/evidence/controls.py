"""The controls view: one row per control of one framework, judged from a scan's results.

Status of a control:
- `operating`   rules in scope ran and every result passed (or a valid attestation covers it);
- `exceptions`  at least one result failed, errored or was waived (open exceptions are listed with
                their waiver: approver and expiry);
- `not tested`  rules are mapped but nothing in this scope was judged (all not applicable, or
                attestations still pending while an automated rule exists but saw nothing);
- `gap`         no automated rule is mapped and no attestation covers it.

Rules whose results are all `skip` (or that produced none) are folded into one "not applicable
to this scope" line per control instead of one row each.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from checker.evidence.records import EXCEPTIONS
from checker.models import Result

if TYPE_CHECKING:
    from checker.engine.rules import Rule

OPERATING, EXCEPTION, NOT_TESTED, GAP = "operating", "exceptions", "not tested", "gap"
ATTESTATION_PROBE = "attestation"


@dataclass
class RuleRow:
    id: str
    title: str
    automated: bool
    counts: dict[str, int]  # status -> results, skips excluded
    population: str | None = None  # bundle-relative link to the passes' population file
    records: list[str] = field(default_factory=list)  # bundle-relative links to the other records


@dataclass
class ControlRow:
    id: str
    title: str
    description: str
    status: str
    rules: list[RuleRow]
    not_applicable: list[str]  # rule ids with nothing in scope
    exceptions: list[Result]
    attestations: list[dict[str, Any]]
    note: str = ""

    def counts(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for row in self.rules:
            for status, n in row.counts.items():
                total[status] = total.get(status, 0) + n
        return total


@dataclass
class FrameworkView:
    key: str
    name: str
    controls: list[ControlRow]

    def by_status(self) -> dict[str, int]:
        counts = {OPERATING: 0, EXCEPTION: 0, NOT_TESTED: 0, GAP: 0}
        for control in self.controls:
            counts[control.status] += 1
        return counts


def _attestation(result: Result) -> dict[str, Any]:
    evidence = result.evidence
    return {"rule_id": result.rule_id, "by": evidence.get("by"), "date": evidence.get("date"),
            "evidence": evidence.get("evidence"), "until": evidence.get("expires"),
            "note": evidence.get("note"), "message": result.message}


def build_view(framework: str, rules: Iterable[Rule], results: list[Result],
               links: tuple[dict[str, str], dict[str, list[str]]] | None = None) -> FrameworkView:
    """The controls of `framework`'s catalog (in catalog order); `links` = (populations, records) in a bundle."""
    from checker.engine.frameworks import catalog

    populations, records = links if links is not None else ({}, {})
    by_rule: dict[str, list[Result]] = {}
    for result in results:
        by_rule.setdefault(result.rule_id, []).append(result)
    cat = catalog(framework)
    ordered = sorted(rules, key=lambda r: r.id)
    controls = []
    for control in cat.controls:
        mapped = [rule for rule in ordered if control.id in rule.compliance.get(framework, [])]
        rows: list[RuleRow] = []
        not_applicable: list[str] = []
        exceptions: list[Result] = []
        attestations: list[dict[str, Any]] = []
        for rule in mapped:
            judged = [r for r in by_rule.get(rule.id, []) if r.status != "skip"]
            automated = rule.probe != ATTESTATION_PROBE
            if not judged:
                not_applicable.append(rule.id)
                continue
            counts: dict[str, int] = {}
            for r in judged:
                counts[r.status] = counts.get(r.status, 0) + 1
            rows.append(RuleRow(rule.id, rule.title, automated, counts, populations.get(rule.id),
                                list(records.get(rule.id, []))))
            exceptions += [r for r in judged if r.status in EXCEPTIONS]
            if not automated:
                attestations += [_attestation(r) for r in judged if r.status == "pass"]
        status, note = _status(mapped, rows, exceptions, attestations)
        controls.append(ControlRow(control.id, control.title, control.description, status, rows, not_applicable,
                                   exceptions, attestations, note))
    return FrameworkView(cat.key, cat.name, controls)


def _status(mapped: list[Rule], rows: list[RuleRow], exceptions: list[Result],
            attestations: list[dict[str, Any]]) -> tuple[str, str]:
    automated = [rule for rule in mapped if rule.probe != ATTESTATION_PROBE]
    if exceptions:
        return EXCEPTION, f"{len(exceptions)} open exception{'s' if len(exceptions) != 1 else ''}"
    if not automated and not attestations:
        pending = [rule.id for rule in mapped]
        return GAP, ("no automated rule and no attestation" +
                     (f": attest it with {', '.join(pending)}" if pending else ": attest it manually"))
    passed = any(row.counts.get("pass") for row in rows if row.automated) or bool(attestations)
    if passed:
        return OPERATING, "attested" if not automated else ""
    return NOT_TESTED, "nothing in this scope was judged by the rules mapped here"
