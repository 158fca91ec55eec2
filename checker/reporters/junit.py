"""JUnit XML for CI test tabs: one testsuite per checklist, one testcase per result.

fail -> <failure>, error -> <error>, skip and manual -> <skipped> with the reason,
waived -> <skipped> with the waiver's reason. The line of a located finding is in
the testcase's `file`/`line` attributes (as pytest writes them) and in the body.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from checker.models import Report, Result

FORMAT, SUFFIX = "junit", ".xml"


def render(report: Report, **_: Any) -> str:
    root = ET.Element("testsuites", name="preflight")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for checklist, results in report.by_checklist():
        counts = _counts(results)
        attributes = {"name": checklist, **{k: str(v) for k, v in counts.items()}, "time": "0"}
        suite = ET.SubElement(root, "testsuite", attributes)
        for result in results:
            _testcase(suite, result)
        for key, value in counts.items():
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _counts(results: list[Result]) -> dict[str, int]:
    return {
        "tests": len(results),
        "failures": sum(r.status == "fail" for r in results),
        "errors": sum(r.status == "error" for r in results),
        "skipped": sum(r.status in ("skip", "manual", "waived") for r in results),
    }


def _testcase(suite: ET.Element, result: Result) -> None:
    where = result.location
    name = result.target + (f" {where.object}" if where and where.object else "")
    case = ET.SubElement(suite, "testcase", classname=result.rule_id, name=name, time="0")
    if where and (where.file or where.url):
        case.set("file", where.url or where.file or "")
        if where.line:
            case.set("line", str(where.line))
    message = result.message or result.title
    if result.status == "fail":
        element = ET.SubElement(case, "failure", message=message, type=result.severity)
        element.text = _body(result)
    elif result.status == "error":
        element = ET.SubElement(case, "error", message=message, type=result.reason or "error")
        element.text = _body(result)
    elif result.status == "waived":
        reason = result.waiver.reason if result.waiver else ""
        source = result.waiver.source if result.waiver else "waiver"
        ET.SubElement(case, "skipped", message=f"waived ({source}): {reason}")
    elif result.status in ("skip", "manual"):
        ET.SubElement(case, "skipped", message=f"{result.status}: {result.reason or result.message or result.title}")


def _body(result: Result) -> str:
    lines = [f"{result.severity.upper()} {result.rule_id} {result.rule_name}: {result.title}"]
    lines.append(f"at {result.location}" if result.location else f"target {result.target}")
    lines.append(result.message)
    if result.observed is not None:
        lines.append(f"observed: {result.observed}")  # already masked for secrets
    if result.remediation:
        lines.append(f"fix: {result.remediation}")
    return "\n".join(line for line in lines if line)
