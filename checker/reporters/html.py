"""One self-contained HTML page for people: engineers fixing findings, auditors reading controls.

The page is rendered from `reports/report.html.j2` (in a wheel: `checker/reports/`) with
Jinja2 autoescaping. It has inline CSS only: no scripts, fonts or images from anywhere,
so it can be mailed, archived or opened offline. The only outside addresses are a
rule's own `links`, shown as plain anchors.

The compliance view needs each rule's `compliance:` mapping, which results do not
carry: pass the scan's rules as `rules=`, else the shipped checklists are loaded
(from the rule cache). Controls come from the catalogs in rules/frameworks/.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from checker.models import STATUSES, Report, Result, severity_rank

if TYPE_CHECKING:
    from checker.engine.rules import Rule

FORMAT, SUFFIX = "html", ".html"
TEMPLATE = "report.html.j2"
GAP = "gap"
NOT_RUN = "not run"
# the status that stands for a rule (or a control) with several results: the worst one first
_WORST = ("fail", "error", "manual", "waived", "pass", "skip", NOT_RUN)


def reports_dir() -> Path:
    here = Path(__file__).resolve().parent.parent
    packaged = here / "reports"  # inside an installed wheel
    return packaged if packaged.is_dir() else here.parent / "reports"  # a source checkout


def render(report: Report, rules: Iterable[Rule] | None = None, **_: Any) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    if rules is None:
        from checker.engine.rules import load_rules

        rules = load_rules().rules
    by_id = {rule.id: rule for rule in rules}
    env = Environment(
        loader=FileSystemLoader(str(reports_dir())), autoescape=True, undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters["value"] = _value
    results = report.results
    return env.get_template(TEMPLATE).render(
        report=report,
        statuses=STATUSES,
        totals={s: sum(c.get(s, 0) for c in report.summary.counts.values()) for s in STATUSES},
        failures=_ordered(r for r in results if r.status in ("fail", "error")),
        manual=_ordered(r for r in results if r.status == "manual"),
        waived=_ordered(r for r in results if r.waiver is not None or r.status == "waived"),
        passes=_ordered(r for r in results if r.status == "pass"),
        not_scanned=[r for r in results if r.rule_id == "PF-INPUT" and r.status == "skip"],
        links={rule_id: rule.links for rule_id, rule in by_id.items()},
        frameworks=_compliance(results, list(by_id.values())),
        severities=sorted(report.summary.failed_by_severity.items(), key=lambda kv: -severity_rank(kv[0])),
    )


def _ordered(results: Iterable[Result]) -> list[Result]:
    return sorted(results, key=lambda r: (-severity_rank(r.severity), r.rule_id, str(r.location or r.target)))


def _worst(statuses: Iterable[str]) -> str:
    return min(statuses, key=_WORST.index, default=NOT_RUN)


def _compliance(results: list[Result], rules: list[Rule]) -> list[dict[str, Any]]:
    """Per framework, per control of its catalog: the rules mapped to it, their status and evidence."""
    from checker.engine.frameworks import catalogs

    by_rule: dict[str, list[Result]] = {}
    for result in results:
        by_rule.setdefault(result.rule_id, []).append(result)
    frameworks = []
    for catalog in catalogs():
        controls = []
        for control in catalog.controls:
            mapped: list[dict[str, Any]] = [
                {
                    "id": rule.id, "name": rule.name, "title": rule.title,
                    "automated": rule.probe != "attestation",
                    "status": _worst(r.status for r in by_rule.get(rule.id, [])),
                    "results": len(by_rule.get(rule.id, [])),
                    "evidence": sum(1 for r in by_rule.get(rule.id, []) if r.evidence),
                }
                for rule in sorted(rules, key=lambda r: r.id)
                if control.id in rule.compliance.get(catalog.key, [])
            ]
            mapped.sort(key=lambda m: _WORST.index(m["status"]))  # stable: by id within a status
            automated = any(m["automated"] for m in mapped)
            status = _worst(m["status"] for m in mapped) if automated else GAP
            controls.append({"control": control, "rules": mapped, "status": status})
        frameworks.append({
            "key": catalog.key, "name": catalog.name, "controls": controls,
            "gaps": sum(1 for c in controls if c["status"] == GAP),
            "failing": sum(1 for c in controls if c["status"] in ("fail", "error")),
        })
    return frameworks


def _value(value: Any) -> str:
    """An evidence value as compact text (the template escapes it)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)
