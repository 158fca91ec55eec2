"""Worker processes (--jobs): the report is the same as a one-process scan's, result for result."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from checker.api import scan_paths
from checker.engine import parallel
from helpers import ROOT, TODAY, preflight




def comparable(report_json: str) -> dict:
    data = json.loads(report_json)
    data.pop("started_at"), data.pop("finished_at")
    return data


@pytest.fixture()
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    # workers for any scan, three files per batch: every rule sees documents spread over many batches
    monkeypatch.setattr(parallel, "MIN_FILES", 2)
    monkeypatch.setattr(parallel, "BATCH_FILES", 3)


def test_workers_give_the_same_report_on_every_fixture(small_batches: None, monkeypatch: pytest.MonkeyPatch):
    fixtures = str(ROOT / "tests" / "fixtures")
    alone = scan_paths([fixtures], today=TODAY, jobs=1)
    calls = []
    real = parallel.load_and_judge
    monkeypatch.setattr(parallel, "load_and_judge", lambda *args: calls.append(args) or real(*args))
    shared = scan_paths([fixtures], today=TODAY, jobs=2)
    assert len(calls) == 1 and len(alone.results) > 5000
    assert comparable(shared.to_json()) == comparable(alone.to_json())


def test_workers_report_unparsable_files_and_skips_like_one_process(small_batches: None, tmp_path: Path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    (tmp_path / "examples" / "broken.yaml").write_text("a: [1, 2\n")
    (tmp_path / "examples" / "values.yaml").write_text("image: {{ .Values.image }}\n")
    alone = scan_paths([str(tmp_path)], today=TODAY, jobs=1)
    shared = scan_paths([str(tmp_path)], today=TODAY, jobs=2)
    assert {r.status for r in shared.results if r.rule_id == "PF-INPUT"} == {"error", "skip"}
    assert comparable(shared.to_json()) == comparable(alone.to_json())


def test_env_file_named_by_compose_in_another_batch_is_loaded_once(small_batches: None, tmp_path: Path):
    for index in range(4):  # several compose files in several batches name the same env file
        folder = tmp_path / f"svc{index}"
        folder.mkdir()
        (folder / "docker-compose.yml").write_text(
            "services:\n  app:\n    image: app:1.2\n    env_file: ../settings/app.vars\n")
    (tmp_path / "settings").mkdir()
    (tmp_path / "settings" / "app.vars").write_text("POSTGRES_PASSWORD=postgres\n")
    alone = scan_paths([str(tmp_path)], today=TODAY, jobs=1)
    shared = scan_paths([str(tmp_path)], today=TODAY, jobs=2)
    weak = [r for r in shared.results if r.status == "fail" and r.location and str(r.location.file).endswith("app.vars")]
    assert len(weak) == len([r for r in alone.results if r.status == "fail" and r.location
                             and str(r.location.file).endswith("app.vars")]) > 0
    assert comparable(shared.to_json()) == comparable(alone.to_json())


def test_small_scans_stay_in_one_process():
    assert not parallel.worth_it(jobs=8, files=parallel.MIN_FILES - 1)
    assert not parallel.worth_it(jobs=1, files=10_000)
    assert parallel.worth_it(jobs=2, files=parallel.MIN_FILES)


def test_jobs_flag_is_accepted_and_reported_in_help():
    done = preflight("scan", "--help")
    assert "--jobs" in done.stdout and "--concurrency" in done.stdout
    done = preflight("scan", str(ROOT / "examples" / "deploy"), "--jobs", "2", "-q")
    assert done.returncode == 1  # the example deployment has findings; the flag itself is fine


def test_inline_suppression_of_a_whole_deployment_finding_holds_with_workers(small_batches: None, tmp_path: Path):
    # the parent judges PERF-113 (PodDisruptionBudget) with documents that came back from the workers
    for index in range(4):
        ignore = "  # preflight: ignore[PERF-113] batch workers, drained by hand" if index == 2 else ""
        (tmp_path / f"app{index}.yaml").write_text(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app{index}}}\n"
            f"spec:\n  replicas: 3{ignore}\n  selector: {{matchLabels: {{app: app{index}}}}}\n"
            f"  template:\n    metadata: {{labels: {{app: app{index}}}}}\n"
            f"    spec: {{containers: [{{name: app, image: 'app:1.2'}}]}}\n")
    alone = scan_paths([str(tmp_path)], today=TODAY, jobs=1, select=["PERF-113"])
    shared = scan_paths([str(tmp_path)], today=TODAY, jobs=2, select=["PERF-113"])
    statuses = sorted((Path(str(r.location.file)).name, r.status) for r in shared.results if r.location)
    assert statuses == [("app0.yaml", "fail"), ("app1.yaml", "fail"), ("app2.yaml", "waived"), ("app3.yaml", "fail")]
    assert comparable(shared.to_json()) == comparable(alone.to_json())


def test_a_worker_that_dies_ends_the_scan_with_one_line_and_exit_4(small_batches: None, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import os
    import signal

    from checker.cli import INTERNAL_ERROR, main

    for index in range(6):
        (tmp_path / f"app{index}.env").write_text("DEBUG=false\n")
    parent = os.getpid()
    real = parallel.load

    def killed_in_a_worker(*args, **kwargs):  # the OOM killer's SIGKILL, in a forked worker only
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)

    monkeypatch.setattr(parallel, "load", killed_in_a_worker)
    code = main(["scan", str(tmp_path), "--jobs", "2"])  # a multiprocessing.Pool waited here for ever
    err = capsys.readouterr().err
    assert code == INTERNAL_ERROR
    assert "internal error: BrokenProcessPool" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_bug_in_a_worker_is_one_masked_line_and_exit_4(small_batches: None, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    from checker.cli import INTERNAL_ERROR, main

    for index in range(6):
        (tmp_path / f"app{index}.env").write_text("DB_PASSWORD=Zq8rT2vX9kLm4Wp7\n")

    def buggy(*args, **kwargs):
        raise ValueError("cannot use Zq8rT2vX9kLm4Wp7")  # a bug whose message holds a secret of the scan

    monkeypatch.setattr(parallel, "load", buggy)
    code = main(["scan", str(tmp_path), "--jobs", "2"])
    err = capsys.readouterr().err
    assert code == INTERNAL_ERROR and "internal error: ValueError at checker/engine/parallel.py:" in err
    assert "Zq8rT2vX9kLm4Wp7" not in err and "Traceback" not in err
