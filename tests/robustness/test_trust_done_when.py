"""Issue 12's "done when": one hostile repository, every output, offline, no canary anywhere.

The repository holds a hostile `.preflight.yaml` (live probes, endpoints and a TCP Docker API on a
listener this test runs on 127.0.0.1), `env_file: /etc/passwd` and `../outside/creds.env`, an
`extends` and an `include` of files outside, a symlinked `.env` and attestations file pointing
outside, an nginx `include` outside and a `proxy_pass` with a password, a malformed env line with
a secret, a YAML merge-key bomb, a 10,000-line Dockerfile and an env file with 20,000 secret-looking
keys. `scan` (every format), `evidence` and `baseline` run on it in a child whose sockets refuse
every connection. Nothing reaches the listener, no canary (nor a line of /etc/passwd, nor any of
the 20,000 values) is in any output, the tree is unchanged, and every reference outside is a
finding. The 10-second bound is measured by benchmarks/trust_done_when.py (speed is not a test).
"""
from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import Iterator

import pytest

from helpers import ROOT
from robustness.hostile import MERGE_KEY_BOMB, _dockerfile_10k
from test_config_trust import Listener, _run

sys.path.insert(0, str(ROOT / "benchmarks"))

from redaction import env_file  # noqa: E402

FORMATS = ("text", "json", "sarif", "junit", "markdown", "html")
CANARIES = ("OUTSIDE-CANARY", "Canary-Pw-9f3k", "Nginx-Canary-pw7", "Canary-Malformed-q9", "Canary-Link-k3")
PASSWD_LINE = "root:x:0:0"


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def hostile_repo(root: Path, port: int) -> Path:
    """The repository of the issue's done-when, with its canaries outside it in `root/outside`."""
    outside = root / "outside"
    outside.mkdir()
    (outside / "creds.env").write_text("SECRET_TOKEN=OUTSIDE-CANARY-env-4k2\nLINKED_PASSWORD=Canary-Link-k3\n")
    (outside / "base.yaml").write_text("services:\n  x:\n    environment: [CANARY=OUTSIDE-CANARY-extends]\n")
    (outside / "inc.yaml").write_text("services:\n  y:\n    image: OUTSIDE-CANARY-include:1\n")
    (outside / "snippet.conf").write_text("add_header X-Canary OUTSIDE-CANARY-nginx;\n")
    (outside / "attestations.yaml").write_text("attestations:\n  - id: BAK-010\n    by: OUTSIDE-CANARY-attest\n")
    repo = root / "repo"
    repo.mkdir()
    (repo / ".preflight.yaml").write_text(
        "live: true\n"
        f"endpoints: ['redis://:Canary-Pw-9f3k@127.0.0.1:{port}', 'http://127.0.0.1:{port}/']\n"
        f"docker: true\ndocker_host: tcp://127.0.0.1:{port}\n")
    (repo / "docker-compose.yml").write_text(
        "include: [../outside/inc.yaml]\n"
        "services:\n  app:\n    image: app:1.2\n    env_file: [/etc/passwd, ../outside/creds.env]\n"
        "    extends: {file: ../outside/base.yaml, service: x}\n")
    (repo / ".env").symlink_to(outside / "creds.env")
    (repo / ".preflight").mkdir()
    (repo / ".preflight" / "attestations.yaml").symlink_to(outside / "attestations.yaml")
    (repo / "nginx.conf").write_text(
        "events {}\nhttp {\n  include ../outside/snippet.conf;\n  server {\n    listen 80;\n"
        "    location / { proxy_pass http://admin:Nginx-Canary-pw7@backend:8080; }\n  }\n}\n")
    (repo / "broken.env").write_text("DEBUG=false\nDB_PASSWORD Canary-Malformed-q9\n")
    (repo / "bomb.yaml").write_bytes(MERGE_KEY_BOMB)
    _dockerfile_10k(repo / "Dockerfile")
    (repo / ".env.production").write_text(env_file(20_000))
    return repo


def _fingerprint(tree: Path) -> dict[str, str]:
    found = {}
    for folder, _dirs, files in os.walk(tree):
        for name in files:
            path = Path(folder, name)
            stat = path.lstat()
            content = os.readlink(path) if path.is_symlink() else hashlib.sha256(path.read_bytes()).hexdigest()
            found[str(path.relative_to(tree))] = f"{content} {stat.st_mtime_ns} {stat.st_mode}"
    return found


def _texts(folder: Path) -> list[str]:
    return [p.read_text(errors="replace") for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()]


def test_the_hostile_repository_is_scanned_offline_with_no_canary_in_any_output(tmp_path: Path,
                                                                                listener: Listener) -> None:
    repo = hostile_repo(tmp_path, listener.port)
    before = _fingerprint(repo)
    out = tmp_path / "out"
    formats = [arg for fmt in FORMATS for arg in ("-f", fmt)]
    scan = _run(tmp_path, repo, "scan", ".", *formats, "--output-dir", str(out), guard=True)
    evidence = _run(tmp_path, repo, "evidence", ".", "--framework", "soc2", "-o", str(tmp_path / "bundle"), guard=True)
    baseline = _run(tmp_path, repo, "baseline", ".", "-o", str(tmp_path / "baseline.json"), guard=True)
    assert (scan.returncode, evidence.returncode, baseline.returncode) == (1, 0, 0), scan.stderr + evidence.stderr
    runs = (scan, evidence, baseline)
    assert listener.accepted == 0 and not any("NETWORK ATTEMPT" in r.stderr for r in runs)
    assert not any("Traceback" in r.stderr for r in runs)
    texts = [r.stdout for r in runs] + [r.stderr for r in runs] + _texts(out) + _texts(tmp_path / "bundle")
    texts.append((tmp_path / "baseline.json").read_text())
    assert len(_texts(out)) == len(FORMATS)
    for canary in (*CANARIES, PASSWD_LINE):
        assert not [t[:80] for t in texts if canary in t], canary
    values = [line.split("=", 1)[1] for line in env_file(20_000).splitlines()]
    assert not [v for v in values[::97] if any(v in t for t in texts)]  # every 97th of the 20,000
    assert _fingerprint(repo) == before  # nothing written into the scanned tree

    report = next(t for p, t in zip(sorted(out.iterdir()), _texts(out)) if p.suffix == ".json")
    for refused in ("/etc/passwd", "../outside/creds.env", "../outside/base.yaml", "../outside/inc.yaml",
                    "../outside/snippet.conf"):
        assert refused in report, f"no finding names {refused}"
    assert "alias bomb" in report or "merge" in report
    assert "ignored `live: true` from .preflight.yaml" in scan.stderr
