"""JUnit XML: one suite per checklist, one case per result, counts that add up."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from checker.models import Report
from checker.reporters import junit


def parse(report: Report) -> ET.Element:
    return ET.fromstring(junit.render(report))


def test_suites_and_counts(small_report: Report) -> None:
    root = parse(small_report)
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [c for c, _ in small_report.by_checklist()]
    for suite, (_, results) in zip(suites, small_report.by_checklist()):
        cases = suite.findall("testcase")
        assert int(suite.get("tests", "")) == len(cases) == len(results)
        assert int(suite.get("failures", "")) == len(suite.findall("testcase/failure")) == sum(r.status == "fail" for r in results)
        assert int(suite.get("errors", "")) == len(suite.findall("testcase/error"))
        assert int(suite.get("skipped", "")) == len(suite.findall("testcase/skipped"))
    counts = small_report.status_counts()
    assert int(root.get("tests", "")) == len(small_report.results)
    assert int(root.get("failures", "")) == counts["fail"]
    assert int(root.get("errors", "")) == counts["error"] == 1
    assert int(root.get("skipped", "")) == counts["skip"] + counts["manual"] + counts["waived"]


def test_failure_names_rule_object_message_and_line(small_report: Report, tree: Path) -> None:
    root = parse(small_report)
    (case,) = [c for c in root.iter("testcase") if c.get("classname") == "SEC-020"]
    assert case.get("name") == f"{tree / 'compose.yaml'} services.db.ports[0]"
    assert (case.get("file"), case.get("line")) == (str(tree / "compose.yaml"), "7")
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == "service db publishes port 5432 on all interfaces"
    (result,) = [r for r in small_report.results if r.rule_id == "SEC-020"]
    assert failure.get("type") == result.severity
    assert f"{tree / 'compose.yaml'}:7" in (failure.text or "")


def test_waiver_reason_and_error(small_report: Report) -> None:
    root = parse(small_report)
    skipped = [c.find("skipped") for c in root.iter("testcase") if c.get("classname") == "SEC-001"]
    messages = [s.get("message") for s in skipped if s is not None]
    assert messages == ["waived (inline): test-only credentials"]
    (error_case,) = [c for c in root.iter("testcase") if c.find("error") is not None]
    assert error_case.get("classname") == "PF-INPUT" and error_case.get("name", "").endswith("broken.yaml")


def test_fastgpt_counts(fastgpt_report: Report) -> None:
    root = parse(fastgpt_report)
    assert int(root.get("failures", "")) == fastgpt_report.status_counts()["fail"] == len(list(root.iter("failure")))
