"""One self-contained HTML page for people: engineers fixing findings, auditors reading controls.

The page is rendered from `reports/report.html.j2` (in a wheel: `checker/reports/`) with
Jinja2 autoescaping. It has inline CSS only: no scripts, fonts or images from anywhere,
so it can be mailed, archived or opened offline. The only outside addresses are a
rule's own `links`, shown as plain anchors.

The compliance view needs each rule's `compliance:` mapping, which results do not
carry: pass the scan's rules as `rules=`, else the shipped checklists are loaded
(from the rule cache). Controls come from the catalogs in rules/frameworks/ and are
judged by checker/evidence/controls.py; with `framework=` only that one is shown.
The PDF (checker/reporters/pdf.py) prints this same page with `print_mode=True`.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, NamedTuple, Sequence

from checker.models import STATUSES, Report, Result, severity_rank
from checker.reporters.trend import TrendPoint

if TYPE_CHECKING:
    from checker.engine.rules import Rule
    from checker.evidence.records import Written

FORMAT, SUFFIX = "html", ".html"
TEMPLATE = "report.html.j2"


class Cover(NamedTuple):
    """The PDF's first page: what was scanned, for which period, by which tool, sealed by which hash and key."""
    title: str
    scope: list[str]
    period: str
    tool_version: str
    bundle_hash: str
    signer: str | None


def reports_dir() -> Path:
    here = Path(__file__).resolve().parent.parent
    packaged = here / "reports"  # inside an installed wheel
    return packaged if packaged.is_dir() else here.parent / "reports"  # a source checkout


def render(report: Report, rules: Iterable[Rule] | None = None, *, framework: str | None = None,
           history: Sequence[TrendPoint] | None = None, evidence: Written | None = None,
           cover: Cover | None = None, print_mode: bool = False, **_: Any) -> str:
    """The page. `framework` shows that framework's controls only (default: every catalog);
    `history` (date, failures) per run draws the trend; `evidence` links controls into a bundle;
    `cover` and `print_mode` are for the PDF (a cover page, every collapsed part open)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined
    from markupsafe import Markup

    from checker.engine.frameworks import FRAMEWORKS
    from checker.evidence.controls import build_view
    from checker.reporters.trend import trend_svg

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
    links = (evidence.populations, evidence.records) if evidence is not None else None
    keys = [framework] if framework is not None else list(FRAMEWORKS)
    passes = _ordered(r for r in results if r.status == "pass")
    return env.get_template(TEMPLATE).render(
        report=report,
        statuses=STATUSES,
        totals={s: sum(c.get(s, 0) for c in report.summary.counts.values()) for s in STATUSES},
        failures=_ordered(r for r in results if r.status in ("fail", "error")),
        manual=_ordered(r for r in results if r.status == "manual"),
        waived=_ordered(r for r in results if r.waiver is not None or r.status == "waived"),
        passes=passes,
        populations=_populations(passes, results, links[0] if links else {}),
        not_scanned=[r for r in results if r.rule_id == "PF-INPUT" and r.status == "skip"],
        not_applicable=_not_applicable(results),
        links={rule_id: rule.links for rule_id, rule in by_id.items()},
        frameworks=[build_view(key, by_id.values(), results, links) for key in keys],
        severities=sorted(report.summary.failed_by_severity.items(), key=lambda kv: -severity_rank(kv[0])),
        trend=Markup(trend_svg(history)) if history else None,
        cover=cover, print_mode=print_mode,
    )


def _populations(passes: list[Result], results: list[Result], links: dict[str, str]) -> list[dict[str, Any]]:
    """Per rule with passes: N passed of N examined (skips are not examined), the link, the items."""
    examined: dict[str, int] = {}
    for r in results:
        if r.status != "skip":
            examined[r.rule_id] = examined.get(r.rule_id, 0) + 1
    grouped: dict[str, list[Result]] = {}
    for r in passes:
        grouped.setdefault(r.rule_id, []).append(r)
    return [{"rule_id": rule_id, "title": items[0].title, "passed": len(items), "examined": examined[rule_id],
             "link": links.get(rule_id), "results": items} for rule_id, items in sorted(grouped.items())]


def _not_applicable(results: list[Result]) -> list[dict[str, Any]]:
    """Rules that judged nothing here, one line each with why (the skip messages, deduplicated)."""
    judged = {r.rule_id for r in results if r.status != "skip"}
    reasons: dict[str, dict[str, Any]] = {}
    for r in results:
        if r.status == "skip" and r.rule_id not in judged and r.rule_id != "PF-INPUT":
            entry = reasons.setdefault(r.rule_id, {"rule_id": r.rule_id, "title": r.title, "why": []})
            why = r.message or r.reason or "not applicable"
            if why not in entry["why"]:
                entry["why"].append(why)
    return [reasons[k] for k in sorted(reasons)]


def _ordered(results: Iterable[Result]) -> list[Result]:
    return sorted(results, key=lambda r: (-severity_rank(r.severity), r.rule_id, str(r.location or r.target)))


def _value(value: Any) -> str:
    """An evidence value as compact text (the template escapes it)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)
