"""SARIF 2.1.0: schema-valid, located, with stable fingerprints and suppressions for waivers."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Callable

import jsonschema
import pytest

from checker.models import Location, Report, Result
from checker.reporters import sarif

SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "schemas" / "sarif-schema-2.1.0.json").read_text("utf-8"))


def render(report: Report) -> dict[str, Any]:
    log = json.loads(sarif.render(report))
    jsonschema.validate(log, SCHEMA)
    return log


def results_of(log: dict[str, Any]) -> list[dict[str, Any]]:
    (run,) = log["runs"]
    return run["results"]  # type: ignore[no-any-return]


def test_schema_file_is_the_sarif_schema() -> None:
    assert SCHEMA["$schema"].startswith("http://json-schema.org/")
    assert "2.1.0" in SCHEMA["title"]


def test_fastgpt_scan_is_valid_sarif(fastgpt_report: Report) -> None:
    log = render(fastgpt_report)
    assert log["version"] == "2.1.0"
    results = results_of(log)
    fails = [r for r in fastgpt_report.results if r.status in ("fail", "error", "waived")]
    assert len(results) == len(fails) > 0
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert {d["id"] for d in rules} == {r.rule_id for r in fails}
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_small_tree_results_are_located(small_report: Report, tree: Path) -> None:
    log = render(small_report)
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "preflight" and driver["version"] == small_report.tool.version
    by_rule = {(r["ruleId"], r["properties"]["status"]): r for r in results_of(log)}
    published = by_rule[("SEC-020", "fail")]
    location = published["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == str(tree / "compose.yaml")
    assert location["physicalLocation"]["region"]["startLine"] == 7
    assert location["logicalLocations"] == [{"fullyQualifiedName": "services.db.ports[0]"}]
    assert "5432" in published["message"]["text"]
    error = by_rule[("PF-INPUT", "error")]
    assert error["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("broken.yaml")


def test_rule_descriptor_and_levels(small_report: Report) -> None:
    log = render(small_report)
    rules = {d["id"]: d for d in log["runs"][0]["tool"]["driver"]["rules"]}
    default_password = rules["SEC-001"]
    assert default_password["name"] == "default-password"
    assert default_password["shortDescription"]["text"] == "Default and well-known passwords are changed"
    assert default_password["properties"]["security-severity"] == "9.5"
    assert default_password["defaultConfiguration"]["level"] == "error"
    assert default_password["fullDescription"]["text"]
    levels = {r["ruleId"]: r["level"] for r in results_of(log)}
    assert levels["SEC-001"] == "error"
    assert {sarif.LEVEL[s] for s in ("medium", "low", "info")} == {"warning", "note"}


def test_waived_finding_is_suppressed_in_source(small_report: Report) -> None:
    log = render(small_report)
    waived = [r for r in results_of(log) if r["properties"]["status"] == "waived"]
    assert len(waived) == 1
    assert waived[0]["suppressions"][0]["kind"] == "inSource"
    assert waived[0]["suppressions"][0]["justification"] == "test-only credentials"
    assert waived[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 12
    failed = [r for r in results_of(log) if r["properties"]["status"] == "fail"]
    assert all("suppressions" not in r for r in failed)


def test_fingerprints_are_stable_across_scans_and_distinct(tree: Path, rescan: Callable[[Path], Report]) -> None:
    scan = rescan
    first = render(scan(tree))
    second = render(scan(tree))
    prints = [r["partialFingerprints"]["preflight/v1"] for r in results_of(first)]
    assert prints == [r["partialFingerprints"]["preflight/v1"] for r in results_of(second)]
    assert len(set(prints)) == len(prints)


def test_fingerprint_survives_a_line_shift(tree: Path, rescan: Callable[[Path], Report]) -> None:
    scan = rescan
    before = {r["message"]["text"]: r["partialFingerprints"] for r in results_of(render(scan(tree)))}
    compose = tree / "compose.yaml"
    compose.write_text("# a new first line\n" + compose.read_text("utf-8"), encoding="utf-8")
    after = {r["message"]["text"]: r["partialFingerprints"] for r in results_of(render(scan(tree)))}
    key = "service db publishes port 5432 on all interfaces"
    assert before[key] == after[key]


def test_live_result_uses_the_url(small_report: Report) -> None:
    live = Result(
        rule_id="LIVE-001", rule_name="tls-expiry", checklist="security", title="TLS certificate is valid",
        severity="high", status="fail", target="https://example.test", message="certificate expires in 3 days",
        location=Location(url="https://example.test"),
    )
    report = dataclasses.replace(small_report, results=[live])
    (result,) = results_of(render(report))
    assert result["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": "https://example.test"}}
    assert result["level"] == "error"


@pytest.mark.parametrize("status", ["pass", "skip", "manual"])
def test_only_fail_error_and_waived_are_results(small_report: Report, status: str) -> None:
    kept = [r for r in small_report.results if r.status == status]
    report = dataclasses.replace(small_report, results=kept)
    log = render(report)
    assert results_of(log) == [] and log["runs"][0]["tool"]["driver"]["rules"] == []
