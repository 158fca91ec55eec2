"""Terminal output: failures grouped by checklist and rule, then a summary table and the score.

Colour only on a terminal and when NO_COLOR is unset; otherwise plain ASCII,
so logs and pre-commit output stay readable.
"""
from __future__ import annotations

import io
from typing import Any

from checker.models import STATUSES, Report, Result, severity_rank

FORMAT, SUFFIX = "text", ".txt"
SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}
SHOWN = ("fail", "error")


def render(report: Report, color: bool = False, verbose: bool = False, width: int = 110, **_: Any) -> str:
    from rich import box
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    out = io.StringIO()
    console = Console(file=out, force_terminal=color, no_color=not color, width=width, highlight=False, emoji=False, soft_wrap=True)
    files = len({r.target for r in report.results if r.location and r.location.file})
    environment = report.environment or "inferred per file (default production)"
    console.print(f"[bold]preflight {report.tool.version}[/] - {files} file(s) - environment: {environment}")

    for checklist, results in report.by_checklist():
        shown = [r for r in results if r.status in SHOWN or (verbose and r.status in ("waived", "manual"))]
        if not shown:
            continue
        console.print()
        console.print(f"[bold underline]{checklist.upper()}[/]")
        for rule_id, group in _by_rule(shown):
            first = group[0]
            style = SEVERITY_STYLE[first.severity]
            mark = {"fail": "FAIL", "error": "ERROR", "waived": "WAIVED", "manual": "MANUAL"}[first.status]
            console.print(f" [{style}]{mark:<6} {first.severity.upper():<8}[/] [bold]{rule_id}[/] {first.rule_name}: {escape(first.title)}")
            for result in group:
                where = str(result.location) if result.location else result.target
                console.print(f"    {escape(where)}  {escape(result.message)}")
                if result.observed is not None and verbose:
                    console.print(f"      observed: {escape(result.observed)}")
            if first.remediation and first.status == "fail":
                console.print(f"    [dim]fix:[/] {escape(first.remediation)}")

    manual = sorted({r.rule_id for r in report.results if r.status == "manual"})
    if manual and not verbose:
        console.print()
        console.print(f"{len(manual)} item(s) need a human attestation (see `preflight explain ID`): {', '.join(manual)}")

    console.print()
    table = Table(box=box.SIMPLE if color else box.ASCII, title="Summary", title_justify="left")
    table.add_column("checklist")
    columns = [s for s in STATUSES if any(s in c for c in report.summary.counts.values())]
    for status in columns:
        table.add_column(status, justify="right")
    for checklist, counts in report.summary.counts.items():
        table.add_row(checklist, *(str(counts.get(s, 0)) for s in columns))
    console.print(table)
    failed = ", ".join(
        f"{n} {s}" for s, n in sorted(report.summary.failed_by_severity.items(), key=lambda kv: -severity_rank(kv[0]))
    )
    console.print(f"Readiness: [bold]{report.summary.score}/100 ({report.summary.grade})[/]" + (f" - failed: {failed}" if failed else ""))
    return out.getvalue()


def _by_rule(results: list[Result]) -> list[tuple[str, list[Result]]]:
    groups: dict[str, list[Result]] = {}
    for result in sorted(results, key=lambda r: (-severity_rank(r.severity), r.rule_id)):
        groups.setdefault(result.rule_id, []).append(result)
    return list(groups.items())
