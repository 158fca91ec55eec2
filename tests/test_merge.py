"""Fleet scans end to end on local folders: two shards, `preflight merge`, every format from the merge."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from checker.cli import main
from checker.models import Report
from helpers import ROOT

FOLDERS = [str(ROOT / "tests" / "live" / "cluster" / name) for name in ("shop", "batch")]


def _scan(tmp_path: Path, name: str, *extra: str) -> Report:
    out = tmp_path / name
    main(["scan", *FOLDERS, *extra, "-f", "json", "-o", str(out)])
    return Report.from_json(out.read_text())


def _keys(report: Report) -> set[str]:
    return {json.dumps(dataclasses.asdict(r), sort_keys=True) for r in report.results}


def _failures(report: Report) -> set[tuple[str, str | None, str | None]]:
    return {(r.rule_id, r.location and r.location.file, r.location and r.location.object) for r in report.results if r.status == "fail"}


def test_two_shards_merged_hold_every_result_of_both(tmp_path: Path) -> None:
    first, second = _scan(tmp_path, "shard-0.json", "--shard", "0/2"), _scan(tmp_path, "shard-1.json", "--shard", "1/2")
    assert len(first.paths) == len(second.paths) == 1 and set(first.paths + second.paths) == set(FOLDERS)
    assert main(["merge", str(tmp_path / "shard-0.json"), str(tmp_path / "shard-1.json"), "-o", str(tmp_path / "all.json")]) == 0
    merged = Report.from_json((tmp_path / "all.json").read_text())
    assert _keys(first) | _keys(second) == _keys(merged)
    assert sorted(merged.paths) == sorted(FOLDERS)
    assert [(m.file, m.results) for m in merged.merged_from or []] == [
        (str(tmp_path / "shard-0.json"), len(first.results)), (str(tmp_path / "shard-1.json"), len(second.results))]
    whole = _scan(tmp_path, "whole.json")
    assert _failures(merged) == _failures(whole) and _failures(first) and _failures(second)
    assert (merged.summary.score, merged.summary.failed_by_severity) == (whole.summary.score, whole.summary.failed_by_severity)
    assert merged.summary.score < 100


def test_every_format_renders_from_the_merged_report(tmp_path: Path) -> None:
    _scan(tmp_path, "shard-0.json", "--shard", "0/2")
    _scan(tmp_path, "shard-1.json", "--shard", "1/2")
    inputs = [str(tmp_path / "shard-0.json"), str(tmp_path / "shard-1.json")]
    assert main(["merge", *inputs, "-o", str(tmp_path / "all.json")]) == 0
    assert main(["report", str(tmp_path / "all.json"), "-f", "sarif", "-o", str(tmp_path / "all.sarif")]) == 0
    sarif = (tmp_path / "all.sarif").read_text()
    assert "shop/app.yaml" in sarif and "batch/jobs.yaml" in sarif
    assert main(["merge", *inputs, "--output-dir", str(tmp_path / "out"), "-f", "html", "-f", "junit", "-f", "markdown"]) == 0
    assert {p.name for p in (tmp_path / "out").iterdir()} == {"report.html", "report.xml", "report.md"}


def test_reports_from_different_rule_sets_merge_with_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _scan(tmp_path, "a.json", "--shard", "0/2")
    other = json.loads((tmp_path / "a.json").read_text())
    other["tool"]["rules_sha256"] = "0" * 64
    (tmp_path / "b.json").write_text(json.dumps(other))
    assert main(["merge", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "-o", str(tmp_path / "all.json")]) == 0
    assert "2 different rule sets" in capsys.readouterr().err
    merged = json.loads((tmp_path / "all.json").read_text())
    assert merged["tool"]["rules_sha256"] == "mixed"
    assert [m["rules_sha256"] for m in merged["merged_from"]][1] == "0" * 64
    assert len(merged["results"]) == len(other["results"])  # the same results twice are kept once


def test_a_file_that_is_not_a_report_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.json").write_text('{"results": []}')
    assert main(["merge", str(tmp_path / "bad.json")]) == 2
    assert "bad.json: not a preflight JSON report" in capsys.readouterr().err


def test_a_plain_scan_report_has_no_merged_from_field(tmp_path: Path) -> None:
    _scan(tmp_path, "a.json")
    assert "merged_from" not in json.loads((tmp_path / "a.json").read_text())
