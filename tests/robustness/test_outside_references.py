"""Each kind of reference to a file outside the scanned tree, one at a time, in every output format (issue 12 item 2).

A canary file lies next to the repository, never inside it. Each case names it one way (compose
`env_file` absolute or relative, `include`, `extends`, an nginx `include`, a symlinked `.env` that
compose interpolates from, a symlinked attestations file). The scan must not read it: the canary is
in no output, and the reference itself is a finding (SEC-018) at its line, or a `skip` for a link.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, NamedTuple

import pytest

from helpers import preflight

FORMATS = ("text", "json", "sarif", "junit", "markdown", "html")
CANARY = "OUTSIDE-CANARY-7q"


class Case(NamedTuple):
    build: Callable[[Path], None]  # writes the repository (the canary file is ../outside/)
    expected: str  # in the JSON report: the finding that names the reference


def _compose(body: str) -> Callable[[Path], None]:
    return lambda repo: (repo / "docker-compose.yml").write_text(body)


def _env_link(repo: Path) -> None:
    (repo / ".env").symlink_to(repo.parent / "outside" / "creds.env")
    (repo / "docker-compose.yml").write_text("services:\n  app:\n    image: app:1.2\n    environment:\n"
                                             "      TOKEN: ${SECRET_TOKEN:-none}\n")


def _attestations_link(repo: Path) -> None:
    (repo / ".preflight").mkdir()
    (repo / ".preflight" / "attestations.yaml").symlink_to(repo.parent / "outside" / "attestations.yaml")
    (repo / ".env").write_text("DEBUG=false\n")


def _nginx(repo: Path) -> None:
    (repo / "nginx.conf").write_text("events {}\nhttp {\n  include ../outside/snippet.conf;\n"
                                     "  server { listen 80; }\n}\n")


CASES = {
    "env_file absolute": Case(_compose("services:\n  app:\n    image: app:1.2\n    env_file: /etc/passwd\n"),
                              '"message": "env_file points outside the repository: /etc/passwd (not read)"'),
    "env_file relative": Case(_compose("services:\n  app:\n    image: app:1.2\n    env_file: ../outside/creds.env\n"),
                              "env_file points outside the repository: ../outside/creds.env"),
    "include": Case(_compose("include: [../outside/inc.yaml]\nservices:\n  app:\n    image: app:1.2\n"),
                    "include points outside the repository: ../outside/inc.yaml"),
    "extends": Case(_compose("services:\n  app:\n    image: app:1.2\n"
                             "    extends: {file: ../outside/base.yaml, service: x}\n"),
                    "extends file points outside the repository: ../outside/base.yaml"),
    "nginx include": Case(_nginx, "nginx include points outside the repository: ../outside/snippet.conf"),
    "symlinked .env": Case(_env_link, "symbolic link: not followed"),
    "symlinked attestations": Case(_attestations_link, "symbolic link: not followed"),
}


def _outside(root: Path) -> None:
    outside = root / "outside"
    outside.mkdir()
    (outside / "creds.env").write_text(f"SECRET_TOKEN={CANARY}-env\n")
    (outside / "base.yaml").write_text(f"services:\n  x:\n    environment: [C={CANARY}-extends]\n")
    (outside / "inc.yaml").write_text(f"services:\n  y:\n    image: {CANARY.lower()}-include:1\n")
    (outside / "snippet.conf").write_text(f"add_header X-Canary {CANARY}-nginx;\n")
    (outside / "attestations.yaml").write_text(f"attestations:\n  - id: BAK-010\n    by: {CANARY}-attest\n")


@pytest.mark.parametrize("kind", list(CASES))
def test_a_reference_outside_is_reported_and_never_read(tmp_path: Path, kind: str) -> None:
    _outside(tmp_path)
    repo = tmp_path / "repo"
    repo.mkdir()
    CASES[kind].build(repo)
    out = tmp_path / "reports"
    formats = [arg for fmt in FORMATS for arg in ("-f", fmt)]
    done = preflight("scan", ".", *formats, "--output-dir", str(out), cwd=repo)
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stderr
    reports = {p.suffix: p.read_text() for p in out.iterdir()}
    assert len(reports) == len(FORMATS)
    for text in [done.stdout, done.stderr, *reports.values()]:
        assert CANARY not in text and CANARY.lower() not in text and "root:x:0:0" not in text
    assert CASES[kind].expected in reports[".json"], kind
    evidence = preflight("evidence", ".", "--framework", "soc2", "-o", str(tmp_path / "bundle"), cwd=repo)
    assert evidence.returncode == 0, evidence.stderr
    for path in (tmp_path / "bundle").rglob("*"):
        if path.is_file():
            assert CANARY not in path.read_text(errors="replace"), path
