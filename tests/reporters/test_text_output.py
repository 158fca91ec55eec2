"""Text output as a terminal and a CI log show it: -q, the header's file count, wrapping at the width."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from helpers import ROOT, preflight


def test_quiet_prints_only_the_summary_line_with_the_failing_count() -> None:
    deploy = str(ROOT / "examples" / "deploy")
    quiet = preflight("scan", deploy, "-q")
    summary = json.loads(preflight("scan", deploy, "-f", "json").stdout)["summary"]
    failing = sum(summary["failed_by_severity"].values())
    assert quiet.returncode == 1
    assert quiet.stdout.count("\n") == 1, quiet.stdout
    assert quiet.stdout.startswith(f"preflight: {failing} failing (")
    assert f"readiness {summary['score']}/100 ({summary['grade']})" in quiet.stdout
    assert "docker-compose.yml" not in quiet.stdout and "fix:" not in quiet.stdout


def test_quiet_on_a_clean_file_says_zero_failing(tmp_path: Path) -> None:
    (tmp_path / "app.env").write_text("DEBUG=false\n")
    run = preflight("scan", str(tmp_path / "app.env"), "--select", "SEC-060", "-q")
    assert (run.returncode, run.stdout) == (0, "preflight: 0 failing - readiness 100/100 (A)\n")


def test_header_counts_the_files_read_not_the_files_with_results(tmp_path: Path) -> None:
    (tmp_path / "app.env").write_text("POSTGRES_PASSWORD=postgres\n")
    (tmp_path / "worker.env").write_text("DEBUG=false\n")
    (tmp_path / "settings.yaml").write_text("colour: blue\n")  # YAML no rule judges: read all the same
    (tmp_path / "notes.txt").write_text("not read\n")
    run = preflight("scan", str(tmp_path), "--select", "SEC-001")
    assert " - 3 file(s) - " in run.stdout.splitlines()[0], run.stdout
    report = json.loads(preflight("scan", str(tmp_path), "--select", "SEC-001", "-f", "json").stdout)
    assert report["files_read"] == 3


@pytest.mark.parametrize("columns", [40, 60, 100])
def test_text_wraps_at_the_terminal_width_between_words(columns: int, tmp_path: Path) -> None:
    deploy = str(ROOT / "examples" / "deploy")
    unwrapped = tmp_path / "report.txt"
    preflight("scan", deploy, "-o", str(unwrapped))  # a file: never wrapped
    run = preflight("scan", deploy, env={"COLUMNS": str(columns)})
    assert max(len(line) for line in unwrapped.read_text().splitlines()) > columns
    for line in run.stdout.splitlines():
        if len(line) > columns and not line.startswith(("|", "+")):  # the table keeps its shape
            assert len(line.split()) == 1, line  # only a word longer than the width may stick out
    # no word was broken or lost: the same words, in the same order
    assert run.stdout.split() == unwrapped.read_text().split()


def test_scanning_examples_keeps_each_folders_attestations() -> None:
    """examples/deploy's .preflight/attestations.yaml counts when its parent folder is scanned."""
    alone = json.loads(preflight("scan", str(ROOT / "examples" / "deploy"), "-f", "json").stdout)
    both = json.loads(preflight("scan", str(ROOT / "examples"), "-f", "json").stdout)

    def attested(report: dict) -> dict[str, str]:
        return {r["rule_id"]: r["status"] for r in report["results"] if r["message"].startswith("attested by")}

    assert attested(alone) and attested(both) == attested(alone)


def test_scanning_examples_does_not_merge_the_two_deployments() -> None:
    """Whole-deployment findings of each example folder, scanned alone, are the same inside `scan examples/`."""
    def project_findings(path: Path) -> set[tuple[str, str]]:
        report = json.loads(preflight("scan", str(path), "-f", "json").stdout)
        return {(r["rule_id"], re.sub(r"\(.*\)", "", r["message"])) for r in report["results"]
                if r["status"] == "fail" and r["target"] == "project"}

    separate = project_findings(ROOT / "examples" / "deploy") | project_findings(ROOT / "examples" / "fastgpt-enterprise")
    assert project_findings(ROOT / "examples") == separate
