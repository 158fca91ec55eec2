"""Terminal output: failures grouped by checklist and rule, then a summary table and the score.

Colour (through rich) only on a terminal with NO_COLOR unset. Otherwise plain
ASCII built without importing rich, so pre-commit and CI logs stay readable
and a one-file scan does not pay for rich's start-up.
"""
from __future__ import annotations

import io
from typing import Any, Callable

from checker.models import STATUSES, Report, Result, severity_rank

FORMAT, SUFFIX = "text", ".txt"
SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}
MARKS = {"fail": "FAIL", "error": "ERROR", "waived": "WAIVED", "manual": "MANUAL", "skip": "SKIP"}
Paint = Callable[[str, str], str]


def render(
    report: Report, color: bool = False, verbose: bool = False, quiet: bool = False, width: int | None = None, **_: Any
) -> str:
    """`quiet`: only the summary line with the failing count. `width`: wrap lines at this many columns
    (the terminal's, COLUMNS honoured, when printing to standard output), between words only."""
    if quiet:
        return summary_line(report) + "\n"
    paint = _rich_paint() if color else (lambda text, style: text)
    lines = _body(report, paint, verbose)
    rows = [[checklist] + [str(counts.get(s, 0)) for s in _columns(report)] for checklist, counts in report.summary.counts.items()]
    header = ["checklist"] + _columns(report)
    table = _rich_table(header, rows, width) if color else _ascii_table(header, rows)
    failed = ", ".join(
        f"{n} {s}" for s, n in sorted(report.summary.failed_by_severity.items(), key=lambda kv: -severity_rank(kv[0]))
    )
    score = paint(f"{report.summary.score}/100 ({report.summary.grade})", "bold")
    tail = [f"Readiness: {score}" + (f" - failed: {failed}" if failed else "")]
    if report.baseline is not None:
        use = report.baseline
        tail.append(f"Baseline {use.file}: {use.matched} of {use.entries} entries matched"
                    + (f", {use.unmatched} match no finding" if use.unmatched else ""))
    if report.changed_since is not None:
        unchanged = sum(1 for r in report.results if r.waiver is not None and r.waiver.source == "unchanged")
        tail.append(f"Changed since {report.changed_since}: {unchanged} unchanged finding(s) not shown (-v shows them)")
    if color:
        return _to_ansi("\n".join(lines + ["", "Summary", table] + tail) + "\n", width)
    wrapped = [part for line in lines for part in _wrap(line, width)]
    return "\n".join(wrapped + ["", "Summary", table] + [part for line in tail for part in _wrap(line, width)]) + "\n"


def summary_line(report: Report) -> str:
    """One line: how many results fail (by severity) or could not be checked, and the score."""
    failing = sum(report.summary.failed_by_severity.values())
    errors = sum(1 for r in report.results if r.status == "error")
    by_severity = ", ".join(
        f"{n} {s}" for s, n in sorted(report.summary.failed_by_severity.items(), key=lambda kv: -severity_rank(kv[0]))
    )
    return (f"preflight: {failing} failing" + (f" ({by_severity})" if by_severity else "")
            + (f", {errors} error(s)" if errors else "")
            + f" - readiness {report.summary.score}/100 ({report.summary.grade})")


def _wrap(line: str, width: int | None) -> list[str]:
    """A long line broken between words; continuation lines indented under its text. Paths and URLs,
    which have no spaces, are never broken."""
    if width is None or len(line) <= width:
        return [line]
    import textwrap

    indent = " " * (len(line) - len(line.lstrip(" ")) + 2)
    return textwrap.wrap(line, width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False,
                         replace_whitespace=False) or [line]


def _body(report: Report, paint: Paint, verbose: bool) -> list[str]:
    files = report.files_read
    if files is None:  # a merged report: the files with results
        files = len({r.target for r in report.results if r.location and r.location.file and r.rule_id != "PF-CONFIG"})
    environment = report.environment or "inferred per file (default production)"
    lines = [f"{paint('preflight ' + report.tool.version, 'bold')} - {files} file(s) - environment: {environment}"]
    shown_statuses = ("fail", "error", "waived", "manual") if verbose else ("fail", "error")
    for checklist, results in report.by_checklist():
        # -v also names the files that were not scanned (links, FIFOs, Helm templates ...)
        shown = [r for r in results if r.status in shown_statuses or (verbose and r.status == "skip" and r.rule_id == "PF-INPUT")
                 or (r.rule_id == "PF-CONFIG" and (verbose or r.reason == "config-ignored"))]  # what a found config tried
        if not shown:
            continue
        lines += ["", paint(checklist.upper(), "bold underline")]
        for rule_id, group in _by_rule(shown):
            first = group[0]
            label = paint(f"{MARKS[first.status]:<6} {first.severity.upper():<8}", SEVERITY_STYLE[first.severity])
            lines.append(f" {label} {paint(rule_id, 'bold')} {first.rule_name}: {first.title}")
            for result in group:
                where = str(result.location) if result.location else result.target
                lines.append(f"    {where}  {result.message}")
                if result.observed is not None and verbose:
                    lines.append(f"      observed: {result.observed}")
                if result.waiver is not None:
                    lines.append(f"      waived ({result.waiver.source}): {result.waiver.reason}")
            if first.remediation and first.status == "fail":
                lines.append(f"    {paint('fix:', 'dim')} {first.remediation}")
    manual = sorted({r.rule_id for r in report.results if r.status == "manual"})
    if manual and not verbose:
        lines += ["", f"{len(manual)} item(s) need a human attestation (see `preflight explain ID`): {', '.join(manual)}"]
    return lines


def _columns(report: Report) -> list[str]:
    return [s for s in STATUSES if any(s in c for c in report.summary.counts.values())]


def _by_rule(results: list[Result]) -> list[tuple[str, list[Result]]]:
    groups: dict[str, list[Result]] = {}
    for result in sorted(results, key=lambda r: (-severity_rank(r.severity), r.rule_id)):
        groups.setdefault(result.rule_id, []).append(result)
    return list(groups.items())


def _ascii_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [header] + rows) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))) + " |"

    rule = "+-" + "-+-".join("-" * w for w in widths) + "-+"
    return "\n".join([rule, line(header), rule] + [line(r) for r in rows] + [rule])


# --- colour, through rich, imported only when used -------------------------------------

_MARKUP = "\x00"  # placeholder around styled spans until rich renders them


def _rich_paint() -> Paint:
    from rich.markup import escape

    return lambda text, style: f"{_MARKUP}[{style}]{_MARKUP}{escape(text)}{_MARKUP}[/]{_MARKUP}"


def _rich_table(header: list[str], rows: list[list[str]], width: int | None = None) -> str:
    from rich import box
    from rich.table import Table

    from rich.console import Console

    table = Table(*header, box=box.SIMPLE)
    for row in rows:
        table.add_row(*row)
    out = io.StringIO()
    Console(file=out, force_terminal=True, width=width or 100).print(table)
    return out.getvalue().rstrip("\n")


def _to_ansi(text: str, width: int | None = None) -> str:
    """Render the styled spans; everything outside them is printed verbatim."""
    from rich.console import Console
    from rich.markup import escape
    from rich.text import Text

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, highlight=False, emoji=False, soft_wrap=width is None,
                      width=width or 80)
    for line in text.split("\n"):
        if "\x1b" in line:  # the summary table, already rendered to its width
            console.print(Text(line), end="\n", soft_wrap=True)
            continue
        parts = line.split(_MARKUP)
        markup = "".join(part if i % 2 else escape(part) for i, part in enumerate(parts))
        console.print(Text.from_markup(markup) if _MARKUP in line else Text(line), end="\n")
    return out.getvalue()
