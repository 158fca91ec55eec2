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


def _sha(repo: Path) -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True,
                          timeout=60).stdout.strip()


def test_config_with_rev_sha_blocks_a_commit_then_lets_the_fix_through(tmp_path: Path) -> None:
    """docs/ci.md's pre-commit recipe as written: `repo:` a clone, `rev:` a commit SHA (no tag needed),
    `pre-commit install`, then a real `git commit`."""
    hooks = _snapshot(tmp_path / "preflight")
    repo = tmp_path / "project"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks}\n    rev: {_sha(hooks)}\n    hooks:\n      - id: preflight\n"
    )
    env = {**_git_env(), "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, env=env, check=True,
                   capture_output=True, timeout=60)
    (repo / ".env").write_text("DEBUG=false\nPOSTGRES_PASSWORD=postgres\n")
    _git(repo, "add", ".env", ".pre-commit-config.yaml")

    def commit() -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", "commit", "-m", "deploy settings"], cwd=repo, env=env, capture_output=True,
                              text=True, timeout=TIMEOUT)

    blocked = commit()
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "SEC-001" in output and "POSTGRES_PASSWORD" in output
    assert "pathspec" not in output  # the failure of `rev: v0.1.0`, a tag that does not exist
    assert subprocess.run(["git", "rev-parse", "--verify", "-q", "HEAD"], cwd=repo, capture_output=True).returncode != 0

    (repo / ".env").write_text("DEBUG=false\nPOSTGRES_PASSWORD=Vb3q9rT2xLm8Zp4wKc7yHn5sJd6fGa1e\n")
    _git(repo, "add", ".env")
    passed = commit()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout + passed.stderr


def test_pip_install_from_a_git_url_and_from_a_wheel(tmp_path: Path) -> None:
    """docs/ci.md's install lines without a published package: `pip wheel` from `git+URL@SHA` builds the wheel
    (the same build `pip install git+URL@SHA` does), and the wheel installs with its dependencies and scans."""
    clone = _snapshot(tmp_path / "preflight")
    dist = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(dist), f"git+file://{clone}@{_sha(clone)}"],
        capture_output=True, text=True, timeout=TIMEOUT,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = dist.glob("preflight_checker-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=TIMEOUT)
    installed = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)], capture_output=True,
                               text=True, timeout=TIMEOUT)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    project = tmp_path / "project"
    project.mkdir()
    (project / ".env").write_text("POSTGRES_PASSWORD=postgres\n")
    scanned = subprocess.run([str(venv / "bin" / "preflight"), "scan", ".env"], cwd=project, capture_output=True,
                             text=True, timeout=120, env={**os.environ, "NO_COLOR": "1"})
    assert scanned.returncode == 1, scanned.stdout + scanned.stderr
    assert "SEC-001" in scanned.stdout
    assert str(venv) in subprocess.run(  # the wheel's own copy ran, not this checkout's
        [str(venv / "bin" / "python"), "-c", "import checker; print(checker.__file__)"],
        capture_output=True, text=True, cwd=project, timeout=60,
    ).stdout
