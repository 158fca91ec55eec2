"""A folder of hostile files scans to completion in every output format; each one is `error` or `skip`, never `pass`.

The files come from tests/robustness/hostile.py (alias bomb, 60 MiB file,
10,000-deep nesting, invalid UTF-8, NUL bytes, symlink loops and links out of the
tree, a FIFO, a device ...). Per-file bounds are checked in a child process of
its own: its peak memory is asserted, its time only against a hang (speed is
measured, see docs/security.md and tests/robustness/measure.py, not asserted).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from checker.api import scan_paths
from checker.models import Result
from helpers import ROOT
from robustness.hostile import HANG_SECONDS, HOSTILE, build_tree, measure_scan

FORMATS = ("text", "json", "sarif", "junit", "markdown", "html")
MAX_RSS_MB = 250  # per file, the whole process included (~45 MB of it is Python and preflight)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("hostile")
    # the 5,000-service file (30,000 findings, seconds per format) has its own test below
    made = build_tree(root, tuple(name for name in HOSTILE if name != "many-services.compose.yaml"))
    return root / "tree", made


def own_results(results: list[Result], tree: Path, name: str) -> list[Result]:
    return [r for r in results if r.location and r.location.file and Path(r.location.file).name == name
            or Path(r.target).name == name]


def test_every_hostile_file_is_an_error_or_a_skip_with_its_reason(tree: tuple[Path, list[str]]) -> None:
    root, made = tree
    report = scan_paths([str(root)])
    for name in made:
        case = HOSTILE[name]
        results = own_results(report.results, root, name)
        assert results, f"{name}: no result at all"
        statuses = {r.status for r in results}
        assert statuses <= case.statuses, (name, statuses)
        problems = [r for r in results if r.rule_id == "PF-INPUT"]
        if case.reason:
            assert len(problems) == 1 and case.reason in problems[0].message, (name, problems)
        else:  # parsed and judged: the failure planted in it is found
            assert not problems and "fail" in statuses, (name, problems, statuses)
    # the good file next to them is still checked
    assert [(r.rule_id, r.status) for r in own_results(report.results, root, ".env.production") if r.rule_id == "SEC-001"] == [
        ("SEC-001", "fail")
    ]
    assert not (root / "pwned").exists() and not Path("pwned").exists()  # the !!python tag was never run


def test_links_out_of_the_tree_and_loops_are_never_followed(tree: tuple[Path, list[str]]) -> None:
    root, _ = tree
    report = scan_paths([str(root)], select=["SEC-001"])
    targets = {r.target for r in report.results}
    assert not any("outside" in Path(t).parts for t in targets)  # outside/.env holds a failing password
    assert not any("up" in Path(t).parts for t in targets)  # tree/up -> .. would scan everything twice


def test_the_scan_completes_in_every_output_format(tree: tuple[Path, list[str]], tmp_path: Path) -> None:
    root, made = tree
    out = tmp_path / "out"
    out.mkdir()
    args = [arg for fmt in FORMATS for arg in ("-f", fmt, "-o", str(out / f"report.{fmt}"))]
    done = subprocess.run(  # -v: the text report names the files it skipped
        [sys.executable, "-m", "checker", "scan", str(root), "-v", *args], capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1"}, timeout=300,
    )
    assert done.returncode == 1, done.stderr
    for fmt in FORMATS:
        text = (out / f"report.{fmt}").read_text(encoding="utf-8")
        missing = [name for name in made if name not in text]
        assert not missing, (fmt, missing)
    results = json.loads((out / "report.json").read_text())["results"]
    for name in made:
        statuses = {r["status"] for r in results if Path(r["target"]).name == name}
        assert statuses and statuses <= HOSTILE[name].statuses, (name, statuses)


def test_the_evidence_bundle_is_written_too(tree: tuple[Path, list[str]], tmp_path: Path) -> None:
    root, made = tree
    bundle = tmp_path / "bundle"
    done = subprocess.run(
        [sys.executable, "-m", "checker", "evidence", str(root), "--framework", "soc2", "-o", str(bundle)],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "NO_COLOR": "1"}, timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr
    results = json.loads((bundle / "report.json").read_text())["results"]
    for name in made:
        statuses = {r["status"] for r in results if Path(r["target"]).name == name}
        assert statuses and statuses <= HOSTILE[name].statuses, (name, statuses)
    html = (bundle / "report.html").read_text()
    assert all(name in html for name in made)


@pytest.mark.parametrize("name", list(HOSTILE))
def test_each_hostile_file_stays_within_its_memory_bound(name: str, tmp_path: Path) -> None:
    made = build_tree(tmp_path, (name,))
    if name not in made:
        pytest.skip(f"{name}: this machine cannot make that kind of file (see hostile.py)")
    seconds, rss_mb, code = measure_scan(tmp_path / "tree")  # the folder: a link loop named on the command line is exit 2
    assert code == 1  # the good file's failure; the hostile file did not stop the scan
    assert rss_mb < MAX_RSS_MB, f"{name}: {rss_mb:.0f} MB"
    assert seconds < HANG_SECONDS  # a hang guard, not a speed target
