"""Without --live no socket is opened, and no scan writes, renames or deletes anything in the scanned tree.

In-process, every way to reach the network (connect, connect_ex,
create_connection, getaddrinfo) is replaced by one that fails the test; one more
run goes through the real command line in a child whose sitecustomize does the
same. The trees scanned are every rule fixture and every example, fingerprinted
(path, type, size, mode, mtime and SHA-256 of every entry) before and after.
"""
from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from checker.cli import main
from helpers import FIXTURES, ROOT

TREES = [FIXTURES, ROOT / "examples"]
FORMATS = ("text", "json", "sarif", "junit", "markdown", "html")


class NetworkAttempt(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    attempts: list[str] = []

    def refuse(what: str) -> Any:
        def attempt(*args: Any, **kwargs: Any) -> Any:
            attempts.append(f"{what}{args!r}")
            raise NetworkAttempt(f"offline scan tried {what}{args!r}")
        return attempt

    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    yield attempts
    assert attempts == []  # caught here too, should a probe have swallowed the exception


def fingerprint(root: Path) -> dict[str, tuple[Any, ...]]:
    entries: dict[str, tuple[Any, ...]] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            info = path.lstat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() and not path.is_symlink() else ""
            entries[str(path.relative_to(root))] = (info.st_mode, info.st_size, info.st_mtime_ns, digest)
    return entries


def test_the_guard_catches_a_connection(no_network: list[str]) -> None:
    with pytest.raises(NetworkAttempt):
        socket.create_connection(("127.0.0.1", 9))
    no_network.clear()


def test_offline_scans_open_no_socket_and_write_nothing_in_the_tree(
    no_network: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    before = {str(tree): fingerprint(tree) for tree in TREES}
    trees = [str(tree) for tree in TREES]
    outputs = [a for fmt in FORMATS for a in ("-f", fmt, "-o", str(tmp_path / f"report.{fmt}"))]
    runs = [
        ["scan", *trees, *outputs],
        ["scan", *trees, "-v"],
        ["scan", *trees, "--per-file", "-f", "sarif"],
        ["scan", *trees, "--output-dir", str(tmp_path / "all")],
        ["baseline", *trees, "-o", str(tmp_path / "baseline.json")],
        ["evidence", *trees, "--framework", "soc2", "-o", str(tmp_path / "bundle")],
    ]
    for argv in runs:
        code = main(argv)
        assert code in (0, 1), (argv, code, capsys.readouterr().err)
    assert no_network == []
    assert {str(tree): fingerprint(tree) for tree in TREES} == before
    assert (tmp_path / "bundle" / "manifest.json").is_file() and (tmp_path / "report.html").is_file()


SITECUSTOMIZE = '''
import socket, sys

def _refuse(what):
    def attempt(*args, **kwargs):
        sys.stderr.write(f"NETWORK ATTEMPT: {what}{args!r}\\n")
        raise OSError(f"network attempt in an offline scan: {what}")
    return attempt

socket.socket.connect = _refuse("connect")
socket.socket.connect_ex = _refuse("connect_ex")
socket.create_connection = _refuse("create_connection")
socket.getaddrinfo = _refuse("getaddrinfo")
'''


def test_the_command_line_opens_no_socket_either(tmp_path: Path) -> None:
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(SITECUSTOMIZE)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(guard), os.environ.get("PYTHONPATH", "")]), "NO_COLOR": "1"}
    before = fingerprint(FIXTURES)
    done = subprocess.run(
        [sys.executable, "-m", "checker", "scan", str(FIXTURES), str(ROOT / "examples"), "-f", "json"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert "NETWORK ATTEMPT" not in done.stderr
    assert fingerprint(FIXTURES) == before
    # and the guard works: the same child with --live does try the network
    live = subprocess.run(
        [sys.executable, "-m", "checker", "scan", "--endpoint", "https://127.0.0.1:9/", "--select", "SEC-500"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
    )
    assert "NETWORK ATTEMPT" in live.stderr
