"""The real pre-commit, running this repository's hooks (`pre-commit try-repo`) on a throwaway git repository.

try-repo clones the hook repository and pip-installs it into a fresh
virtualenv: slow (a minute or two, from PyPI), hence the generous subprocess
timeout. Pointed at a working tree, try-repo takes HEAD plus the uncommitted
changes to *tracked* files only, so a new, not yet added module would be
missing; the test therefore snapshots this working tree (tracked and untracked,
not ignored files) into a temporary repository with one commit, and runs
try-repo on that. Nothing is committed in this repository.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

pytest.importorskip("pre_commit")
pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

TIMEOUT = 900  # seconds: try-repo builds a virtualenv and installs preflight and its dependencies


def _git_env() -> dict[str, str]:
    return {
        **os.environ, "NO_COLOR": "1", "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com", "PRE_COMMIT_COLOR": "never",
    }


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env=_git_env(), check=True, capture_output=True, timeout=60)


def _snapshot(into: Path) -> Path:
    """This working tree as it is now, committed in a repository of its own."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True, timeout=60,
    ).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / name)
    _git(into, "init", "-q")
    _git(into, "add", "-A")
    _git(into, "commit", "-q", "-m", "snapshot")
    return into


def _try_repo(cwd: Path, hooks: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hooks), *args],
        cwd=cwd, env=_git_env(), capture_output=True, text=True, timeout=TIMEOUT,
    )


def test_try_repo_hook_fails_on_default_password_then_passes(tmp_path: Path) -> None:
    hooks = _snapshot(tmp_path / "preflight")
    repo = tmp_path / "project"
    repo.mkdir()
    _git(repo, "init", "-q")
    env_file = repo / ".env"
    env_file.write_text("DEBUG=false\nPOSTGRES_PASSWORD=postgres\n")
    _git(repo, "add", ".env")

    failed = _try_repo(repo, hooks, "preflight", "--files", ".env")
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "Failed" in output
    assert "SEC-001" in output and "POSTGRES_PASSWORD" in output

    env_file.write_text("DEBUG=false\nPOSTGRES_PASSWORD=Vb3q9rT2xLm8Zp4wKc7yHn5sJd6fGa1e\n")
    _git(repo, "add", ".env")
    # every hook: preflight, preflight-strict and preflight-env pass; preflight-manifests has no file to check
    passed = _try_repo(repo, hooks, "--files", ".env")
    output = passed.stdout + passed.stderr
    assert passed.returncode == 0, output
    for name in ("preflight (pre-deployment checks)", "preflight (every severity)", "preflight (env files)"):
        assert any(line.startswith(name) and line.rstrip().endswith("Passed") for line in output.splitlines()), output
    assert any(line.startswith("preflight (YAML manifests)") and "no files to check" in line
               for line in output.splitlines()), output
