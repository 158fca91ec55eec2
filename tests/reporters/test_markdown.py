"""Markdown for a pull-request comment: score, counts, a failure table, passes folded, a size cap."""
from __future__ import annotations

import dataclasses
from pathlib import Path

from checker.models import Report
from checker.reporters import markdown


def test_title_counts_and_failures(small_report: Report, tree: Path) -> None:
    text = markdown.render(small_report)
    summary = small_report.summary
    assert text.startswith(f"## preflight: readiness {summary.score}/100 (grade {summary.grade})\n")
    for checklist, counts in summary.counts.items():
        assert any(line.startswith(f"| {checklist} |") for line in text.splitlines())
    row = next(line for line in text.splitlines() if "`SEC-020`" in line)
    assert f"`{tree / 'compose.yaml'}:7:" in row and "port 5432 on all interfaces" in row and "high" in row
    error_row = next(line for line in text.splitlines() if "`PF-INPUT`" in line)
    assert "(error)" in error_row and "could not check" in error_row
    passes = small_report.status_counts()["pass"]
    assert f"<details><summary>{passes} passed</summary>" in text
    waived_line = [line for line in text.splitlines() if "test-only" in line]
    assert waived_line == []  # waived findings are not failures


def test_failure_rows_come_first_by_severity(small_report: Report) -> None:
    text = markdown.render(small_report)
    table = text.split("### Failures and errors")[1].split("<details>")[0]
    severities = [line.split("|")[1].split()[-1] for line in table.splitlines() if line.startswith("| ") and "`" in line]
    ranks = {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0, "(error)": -1}
    assert [ranks[s] for s in severities] == sorted((ranks[s] for s in severities), reverse=True)


def test_pipes_and_newlines_are_escaped(small_report: Report) -> None:
    result = next(r for r in small_report.results if r.status == "fail")
    odd = dataclasses.replace(result, message="a | b\nc <script>")
    text = markdown.render(dataclasses.replace(small_report, results=[odd]))
    row = next(line for line in text.splitlines() if "a \\| b c &lt;script&gt;" in line)
    assert row.count(" | ") == 3


def test_large_report_is_truncated(small_report: Report) -> None:
    result = next(r for r in small_report.results if r.status == "fail")
    many = [dataclasses.replace(result, message=f"finding number {i} " + "x" * 200) for i in range(2000)]
    text = markdown.render(dataclasses.replace(small_report, results=many))
    assert len(text.encode("utf-8")) < 65_536
    shown = text.count("finding number")
    assert 0 < shown < 2000
    assert f"… and {2000 - shown} more" in text


def test_fastgpt_fits(fastgpt_report: Report) -> None:
    text = markdown.render(fastgpt_report)
    assert len(text.encode("utf-8")) < 65_536
    assert "### Failures and errors" in text
