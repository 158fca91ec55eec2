"""PR mode, `scan --changed-since REF` / `--diff REF`, on real git repositories in temporary folders."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from checker.engine.changes import parse_diff
from helpers import preflight

pytestmark = pytest.mark.skipif(subprocess.run(["git", "--version"], capture_output=True).returncode != 0,
                                reason="git is not installed")
GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
COMPOSE = "services:\n  db:\n    image: postgres:16.2\n    ports: ['5432:5432']\n    restart: always\n"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, env=GIT_ENV, check=True, capture_output=True, text=True,
                          timeout=60).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """main: an old default password and a published database port; branch `pr` checked out from it."""
    root = tmp_path / "repo"
    (root / "deploy").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "deploy" / "app.env").write_text("DEBUG=false\nPOSTGRES_PASSWORD=postgres\nAPP_NAME=shop\n")
    (root / "deploy" / "docker-compose.yml").write_text(COMPOSE)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "pr")
    return root


def _scan(repo: Path, *args: str, cwd: Path | None = None) -> tuple[int, list[dict]]:
    run = preflight("scan", "deploy", "--changed-since", "main", "-f", "json", *args, cwd=cwd or repo)
    assert run.returncode in (0, 1), run.stderr
    return run.returncode, json.loads(run.stdout)["results"]


def _new(results: list[dict]) -> set[tuple[str, int | None]]:
    return {(r["rule_id"], (r["location"] or {}).get("line")) for r in results if r["status"] in ("fail", "error")}


def test_only_findings_on_changed_lines_are_reported(repo: Path) -> None:
    env = repo / "deploy" / "app.env"
    env.write_text("DEBUG=false\nPOSTGRES_PASSWORD=postgres\nAPP_NAME=shop\nMYSQL_ROOT_PASSWORD=root\n")
    git(repo, "commit", "-qam", "add mysql")
    code, results = _scan(repo)
    assert code == 1
    assert ("SEC-001", 4) in _new(results)  # the new line
    assert ("SEC-001", 2) not in _new(results)  # the old password, untouched
    assert not any(r["rule_id"] == "SEC-020" and r["status"] == "fail" for r in results)  # compose file unchanged
    old = [r for r in results if r["rule_id"] == "SEC-001" and r["location"]["line"] == 2]
    assert old[0]["status"] == "waived" and old[0]["waiver"]["source"] == "unchanged"


def test_nothing_new_passes_the_gate_and_keeps_the_score(repo: Path) -> None:
    (repo / "deploy" / "app.env").write_text("DEBUG=false\nPOSTGRES_PASSWORD=postgres\nAPP_NAME=shop-2\n")
    git(repo, "commit", "-qam", "rename")
    code, results = _scan(repo)
    assert code == 0 and not _new(results)
    full = json.loads(preflight("scan", "deploy", "-f", "json", cwd=repo).stdout)["summary"]
    pr = json.loads(preflight("scan", "deploy", "--diff", "main", "-f", "json", cwd=repo).stdout)["summary"]
    assert pr["score"] == full["score"]  # unchanged findings still count against readiness


def test_uncommitted_and_untracked_changes_count_and_paths_work_from_a_subfolder(repo: Path) -> None:
    (repo / "deploy" / "docker-compose.yml").write_text(COMPOSE.replace("image: postgres:16.2", "image: postgres"))
    (repo / "deploy" / "worker.env").write_text("REDIS_PASSWORD=redis\n")  # untracked
    run = preflight("scan", ".", "--changed-since", "main", "-f", "json", cwd=repo / "deploy")
    new = _new(json.loads(run.stdout)["results"])
    assert ("SEC-025", 3) in new  # the unpinned image, on the edited line
    assert ("SEC-020", 4) not in new  # the port line did not change
    assert any(rule == "SEC-001" for rule, _ in new)  # the untracked file is new as a whole


def test_a_new_whole_deployment_finding_is_reported_an_old_one_is_not(repo: Path) -> None:
    # the base already lacks metrics (MON-001, project-wide); the change removes the restart policy's neighbour
    (repo / "deploy" / "app.env").write_text("DEBUG=false\nPOSTGRES_PASSWORD=postgres\nAPP_NAME=shop\n"
                                             "METRICS_ENABLED=true\n")
    git(repo, "commit", "-qam", "metrics")
    _, with_metrics = _scan(repo)
    git(repo, "checkout", "-q", "main")
    git(repo, "checkout", "-q", "-b", "pr2")
    _, unchanged = _scan(repo)
    project_fails = {r["rule_id"] for r in unchanged if r["target"] == "project" and r["status"] == "fail"}
    assert not project_fails  # nothing changed: the base's own whole-deployment findings are not new
    # on `main` after metrics landed, a branch that switches METRICS_ENABLED off brings MON-001 back: new
    git(repo, "checkout", "-q", "pr")
    git(repo, "branch", "-f", "main", "pr")
    git(repo, "checkout", "-q", "-b", "pr3")
    (repo / "deploy" / "app.env").write_text("DEBUG=false\nPOSTGRES_PASSWORD=postgres\nAPP_NAME=shop\nMETRICS_ENABLED=false\n")
    git(repo, "commit", "-qam", "metrics off")
    _, dropped = _scan(repo)
    assert "MON-001" in {r["rule_id"] for r in dropped if r["target"] == "project" and r["status"] == "fail"}
    assert not any(r["rule_id"] == "MON-001" and r["status"] == "fail" for r in with_metrics)


def test_sarif_marks_new_and_unchanged_results(repo: Path, tmp_path: Path) -> None:
    (repo / "deploy" / "app.env").write_text("DEBUG=false\nPOSTGRES_PASSWORD=postgres\nAPP_NAME=shop\n"
                                             "MYSQL_ROOT_PASSWORD=root\n")
    git(repo, "commit", "-qam", "add mysql")
    out = tmp_path / "pr.sarif"
    run = preflight("scan", "deploy", "--changed-since", "main", "-f", "sarif", "-o", str(out), cwd=repo)
    assert run.returncode == 1, run.stderr
    results = json.loads(out.read_text())["runs"][0]["results"]
    states = {(r["ruleId"], r["locations"][0]["physicalLocation"].get("region", {}).get("startLine")): r
              for r in results if r.get("locations")}
    assert states[("SEC-001", 4)]["baselineState"] == "new"
    assert states[("SEC-001", 2)]["baselineState"] == "unchanged" and "suppressions" not in states[("SEC-001", 2)]
    assert all("baselineState" in r for r in results)
    # the saved JSON re-renders the same states
    saved = tmp_path / "pr.json"
    preflight("scan", "deploy", "--diff", "main", "-f", "json", "-o", str(saved), cwd=repo)
    again = json.loads(preflight("report", str(saved), "-f", "sarif").stdout)["runs"][0]["results"]
    assert sorted(r["baselineState"] for r in again) == sorted(r["baselineState"] for r in results)


def test_the_repository_is_not_written_to(repo: Path) -> None:
    (repo / "deploy" / "app.env").write_text("DEBUG=true\nPOSTGRES_PASSWORD=postgres\nAPP_NAME=shop\n")
    before = git(repo, "status", "--porcelain", "--ignored") + git(repo, "worktree", "list")
    _scan(repo)
    assert git(repo, "status", "--porcelain", "--ignored") + git(repo, "worktree", "list") == before


def test_outside_git_or_an_unknown_ref_is_exit_2(repo: Path, tmp_path: Path) -> None:
    run = preflight("scan", "deploy", "--changed-since", "no-such-branch", cwd=repo)
    assert run.returncode == 2 and "no-such-branch" in run.stderr and "fetch-depth" in run.stderr
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "app.env").write_text("DEBUG=false\n")
    run = preflight("scan", str(plain), "--changed-since", "main")
    assert run.returncode == 2 and "not inside a git repository" in run.stderr


def test_parse_diff_marks_added_changed_and_deleted_lines() -> None:
    diff = ("diff --git a/x.env b/x.env\n--- a/x.env\n+++ b/x.env\n@@ -2 +2 @@\n-A=1\n+A=2\n"
            "@@ -5,2 +4,0 @@\n-B=1\n-C=1\n@@ -9,0 +8,3 @@\n+D=1\n+E=1\n+F=1\n"
            "diff --git a/gone.env b/gone.env\n--- a/gone.env\n+++ /dev/null\n@@ -1 +0,0 @@\n-X=1\n")
    assert parse_diff(diff) == {"x.env": {2, 4, 5, 8, 9, 10}}
