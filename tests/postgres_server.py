"""A private PostgreSQL 15 server on 127.0.0.1 for the tests that need the real one (live probes, history).

initdb and pg_ctl run as the `postgres` user (they refuse root), in a temporary folder; the server
listens on a free port of 127.0.0.1 only and is stopped and removed when the block ends. The
superuser is `postgres` with password `postgres`; `host ... trusty` logins are trusted (the live
probes' open-server case).
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

PG_BIN = Path("/usr/lib/postgresql/15/bin")
SUPERUSER_PASSWORD = "postgres"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["runuser", "-u", "postgres", "--", *command], capture_output=True, text=True, check=True,
                          timeout=120)


def skip_unless_available() -> None:
    if not (PG_BIN / "initdb").exists():
        pytest.skip("PostgreSQL 15 (initdb, pg_ctl) is not installed")
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.skip("initdb must run as the postgres user: needs root and runuser")


@contextlib.contextmanager
def running_postgres() -> Iterator[int]:
    """The port of a fresh server (skips the test when PostgreSQL cannot run here)."""
    skip_unless_available()
    home = tempfile.mkdtemp(prefix="preflight-pg-", dir="/tmp")
    shutil.chown(home, "postgres", "postgres")
    data, pwfile = f"{home}/data", f"{home}/pw"
    Path(pwfile).write_text(SUPERUSER_PASSWORD + "\n", encoding="utf-8")
    shutil.chown(pwfile, "postgres", "postgres")
    port = _free_port()
    try:
        _as_postgres(str(PG_BIN / "initdb"), "-D", data, "-U", "postgres", "--pwfile", pwfile,
                     "--auth-local=trust", "--auth-host=scram-sha-256")
        hba = Path(data) / "pg_hba.conf"
        hba.write_text("host all trusty 127.0.0.1/32 trust\n" + hba.read_text(encoding="utf-8"), encoding="utf-8")
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", data, "-l", f"{home}/log", "-w", "-o",
                     f"-p {port} -k {home} -c listen_addresses=127.0.0.1", "start")
        yield port
    finally:
        subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D", data, "-m", "fast", "-w",
                        "stop"], capture_output=True, timeout=60)
        shutil.rmtree(home, ignore_errors=True)
