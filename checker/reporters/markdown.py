"""Markdown for a pull-request comment: score, counts per checklist, files not scanned, the failures, passes folded away.

GitHub rejects comments over 65,536 characters, so the failure table stops at a
budget with an "... and N more" line, and the folded pass list does the same.
"""
from __future__ import annotations

from typing import Any

from checker.models import STATUSES, Report, Result, severity_rank

FORMAT, SUFFIX = "markdown", ".md"
MAX_CHARS = 60_000
ICONS = {"critical": "🔴", "high": "🟠", "medium": "🟡", "low": "🔵", "info": "⚪"}


def render(report: Report, max_chars: int = MAX_CHARS, **_: Any) -> str:
    summary = report.summary
    lines = [f"## preflight: readiness {summary.score}/100 (grade {summary.grade})", ""]
    failed = ", ".join(
        f"{n} {s}" for s, n in sorted(summary.failed_by_severity.items(), key=lambda kv: -severity_rank(kv[0])) if n
    )
    lines += [f"Failed: {failed}." if failed else "No failures.", ""]
    lines += _counts_table(report) + [""]
    budget = max_chars - 2_000  # room for the closing lines
    inputs = [r for r in report.results if r.rule_id == "PF-INPUT" and r.status in ("error", "skip")]
    if inputs:  # first, with a budget of its own: a flood of failures must not hide a file that was never checked
        lines += [f"### Files not scanned ({len(inputs)})", "", "| file | status | why |", "|---|---|---|"]
        lines += _fit([_input_row(r) for r in inputs], 6_000)
        lines.append("")
    config = [r for r in report.results if r.rule_id == "PF-CONFIG"]
    if config:  # a reviewer sees what the pull request's own config narrowed, or tried to turn on
        lines += [f"### Configuration found in the tree ({len(config)})", ""]
        lines += _fit([f"- {'**refused**: ' if r.reason == 'config-ignored' else ''}{_cell(r.message or '')} "
                       f"(`{_cell(str(r.location or r.target))}`)" for r in config], 3_000)
        lines.append("")
    problems = sorted(
        (r for r in report.results if r.status in ("fail", "error")),
        key=lambda r: (r.status != "fail", -severity_rank(r.severity), r.rule_id, str(r.location or r.target)),
    )
    if problems:
        lines += [f"### Failures and errors ({len(problems)})", "", "| severity | rule | location | message |", "|---|---|---|---|"]
        lines += _fit([_problem_row(r) for r in problems], budget - _size(lines) - 6_000)
        lines.append("")
    passes = [r for r in report.results if r.status == "pass"]
    if passes:
        lines += [f"<details><summary>{len(passes)} passed</summary>", "", "| rule | title | where |", "|---|---|---|"]
        lines += _fit([_pass_row(r) for r in passes], budget - _size(lines))
        lines += ["", "</details>", ""]
    lines.append(f"<sub>preflight {_cell(report.tool.version)}</sub>")
    return "\n".join(lines) + "\n"


def _counts_table(report: Report) -> list[str]:
    columns = [s for s in STATUSES if any(s in c for c in report.summary.counts.values())]
    rows = ["| checklist | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    for checklist, counts in report.summary.counts.items():
        rows.append(f"| {_cell(checklist)} | " + " | ".join(str(counts.get(s, 0)) for s in columns) + " |")
    return rows


def _problem_row(result: Result) -> str:
    severity = f"{ICONS.get(result.severity, '')} {result.severity}" + (" (error)" if result.status == "error" else "")
    where = str(result.location) if result.location and (result.location.file or result.location.url) else result.target
    message = result.message or result.title
    if result.status == "error" and result.reason:
        message = f"could not check ({result.reason}): {message}"
    return f"| {severity} | `{_code(result.rule_id)}` {_cell(result.rule_name)} | `{_code(where)}` | {_cell(message)} |"


def _input_row(result: Result) -> str:
    where = str(result.location) if result.location and result.location.file else result.target
    return f"| `{_code(where)}` | {result.status} | {_cell(result.message or result.title)} |"


def _pass_row(result: Result) -> str:
    where = str(result.location) if result.location and (result.location.file or result.location.url) else result.target
    return f"| `{_code(result.rule_id)}` | {_cell(result.title)} | `{_code(where)}` |"


def _fit(rows: list[str], budget: int) -> list[str]:
    """As many rows as fit in `budget` characters, then one line saying how many were left out."""
    kept: list[str] = []
    used = 0
    for index, row in enumerate(rows):
        if used + len(row) + 1 > budget:
            return kept + ["", f"… and {len(rows) - index} more"]
        kept.append(row)
        used += len(row) + 1
    return kept


def _size(lines: list[str]) -> int:
    return sum(len(line) + 1 for line in lines)


def _cell(text: str) -> str:
    """Text safe inside a table cell: no line breaks, pipes escaped, no raw HTML."""
    text = " ".join(text.split())
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _code(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|").replace("`", "'")
