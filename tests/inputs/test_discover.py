"""Discovery: what is scanned, what is skipped, and that nothing outside regular files is opened."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from checker.inputs.discover import classify, discover
from helpers import ROOT


def write(path: Path, text: str = "A=1\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def found(tmp_path: Path, *paths: str, exclude: list[str] = []) -> list[tuple[str, str]]:
    """(path relative to tmp_path, kind) of every candidate."""
    return [(str(c.path.relative_to(tmp_path)), c.kind) for c in discover([str(tmp_path / p) for p in paths] or [str(tmp_path)], exclude)]


def scan_subprocess(*args: str) -> subprocess.CompletedProcess[str]:
    # own short timeout: a scan that opens a FIFO blocks forever
    return subprocess.run(
        [sys.executable, "-m", "checker", "scan", *args], capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1"}, timeout=30,
    )


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        (".env", "env"), (".env.production", "env"), ("app.env", "env"), ("env.example", "env"),
        ("compose.yaml", "compose"), ("docker-compose.yml", "compose"), ("docker-compose.prod.yml", "compose"),
        ("compose-dev.yaml", "compose"), ("values.yaml", "yaml"), ("deploy.yml", "yaml"),
        ("Dockerfile", "dockerfile"), ("api.Dockerfile", "dockerfile"), ("nginx.conf", "nginx"),
        ("README.md", None), ("environment.py", None), ("envfile", None),
    ],
)
def test_classify(name: str, kind: str | None):
    assert classify(Path("deploy") / name) == kind


def test_walk_finds_known_kinds_in_order(tmp_path: Path):
    write(tmp_path / ".env")
    write(tmp_path / "compose.yaml", "services: {}\n")
    write(tmp_path / "README.md", "# hi\n")
    write(tmp_path / "deploy/k8s/app.yaml", "kind: Pod\n")
    write(tmp_path / "deploy/.env.production")
    assert found(tmp_path) == [
        (".env", "env"), ("compose.yaml", "compose"), ("deploy/.env.production", "env"), ("deploy/k8s/app.yaml", "yaml"),
    ]


def test_skips_vcs_dependency_and_virtualenv_folders(tmp_path: Path):
    for folder in (".git", "node_modules", ".venv", "venv", "__pycache__", "vendor"):
        write(tmp_path / folder / ".env")
    write(tmp_path / "myenv/pyvenv.cfg", "home = /usr/bin\n")
    write(tmp_path / "myenv/lib/.env")
    write(tmp_path / "myenv/.env")
    write(tmp_path / "app/.env")
    assert found(tmp_path) == [("app/.env", "env")]


def test_exclude_globs(tmp_path: Path, monkeypatch):
    write(tmp_path / ".env")
    write(tmp_path / "legacy/.env")
    write(tmp_path / "legacy/old/compose.yaml", "services: {}\n")
    write(tmp_path / "deploy/values.yaml", "a: 1\n")
    write(tmp_path / "deploy/.env.production")
    assert found(tmp_path, exclude=["legacy"]) == [(".env", "env"), ("deploy/.env.production", "env"), ("deploy/values.yaml", "yaml")]
    assert found(tmp_path, exclude=["*.yaml"]) == [(".env", "env"), ("deploy/.env.production", "env"), ("legacy/.env", "env")]
    monkeypatch.chdir(tmp_path)
    relative = [c.display for c in discover(["."], ["legacy/*", "deploy/.env.*"])]
    assert relative == [".env", "deploy/values.yaml"]


def test_exclude_applies_to_files_named_explicitly(tmp_path: Path):
    write(tmp_path / "a.env")
    assert found(tmp_path, "a.env", exclude=["*.env"]) == []


def test_explicit_files_are_scanned_whatever_their_name(tmp_path: Path):
    write(tmp_path / "notes.txt", "hello\n")
    (candidate,) = discover([str(tmp_path / "notes.txt")])
    assert (candidate.kind, candidate.explicit) == ("unknown", True)


def test_a_file_given_twice_is_scanned_once(tmp_path: Path):
    write(tmp_path / ".env")
    assert found(tmp_path, ".env", ".", ".env") == [(".env", "env")]


def test_symlinks_are_not_followed(tmp_path: Path):
    tree, outside = tmp_path / "tree", tmp_path / "outside"
    write(outside / ".env")
    write(tree / "real/.env")
    (tree / "dir-link").symlink_to(outside, target_is_directory=True)
    (tree / "file-link.env").symlink_to(outside / ".env")
    (tree / "real/loop").symlink_to(tree, target_is_directory=True)
    (tree / "real/self").symlink_to(tree / "real/self")  # a dangling self-loop
    # the link named like an env file is reported (a skip result), never opened; the others are passed over
    assert [(str(c.path.relative_to(tree)), c.kind) for c in discover([str(tree)])] == [
        ("file-link.env", "symlink"), ("real/.env", "env"),
    ]


def test_symlink_loop_scan_finishes(tmp_path: Path):
    write(tmp_path / "a/.env.production", "POSTGRES_PASSWORD=postgres\n")
    (tmp_path / "a/b").symlink_to(tmp_path / "a", target_is_directory=True)
    (tmp_path / "a/c").symlink_to(tmp_path, target_is_directory=True)
    done = scan_subprocess(str(tmp_path), "--select", "SEC-001", "-f", "json")
    assert done.returncode == 1, done.stderr
    assert done.stdout.count('"status": "fail"') == 1


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_in_the_tree_is_never_opened(tmp_path: Path):
    write(tmp_path / ".env.production", "POSTGRES_PASSWORD=postgres\n")
    os.mkfifo(tmp_path / "pipe.env")
    os.mkfifo(tmp_path / "compose.yaml")
    assert found(tmp_path) == [(".env.production", "env"), ("compose.yaml", "special"), ("pipe.env", "special")]
    done = scan_subprocess(str(tmp_path), "--select", "SEC-001")
    assert done.returncode == 1, done.stderr
    assert f"{tmp_path}/.env.production:1:1" in done.stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_named_on_the_command_line_is_an_error_not_a_hang(tmp_path: Path):
    os.mkfifo(tmp_path / "pipe.env")
    done = scan_subprocess(str(tmp_path / "pipe.env"), "--select", "SEC-001", "-f", "json")
    assert done.returncode == 1, done.stderr
    assert '"message": "not a regular file (FIFO, socket or device): not read"' in done.stdout
