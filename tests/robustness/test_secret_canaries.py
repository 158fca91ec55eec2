"""Canary secrets planted in every input kind, in places that fail rules, appear in no byte of any output.

Each canary is a random mixed-case string: a leak of the whole value, or of
any 6 characters past the 2-character prefix a mask may show, is found. Outputs:
text (-v, which prints observed values), JSON, SARIF, JUnit, Markdown, HTML, and
the evidence bundle (every file in it).
"""
from __future__ import annotations

import base64
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT

# name -> length of the secret planted there. Secrets are random consonants of both cases (no
# English word, no hexadecimal digit), so 6 characters of one are found nowhere by chance.
LENGTHS = {
    "env-short": 8, "env-long-reused": 24, "env-uri": 15, "env-uri-short": 8, "env-export": 15,
    "compose-env": 13, "compose-env-list": 14, "compose-command": 15, "compose-uri": 16,
    "k8s-env": 15, "k8s-secret": 19, "k8s-secret-data": 17, "k8s-configmap": 16,
    "dockerfile-env": 17, "dockerfile-arg": 17, "helm-values": 16,
}
_ALPHABET = "ghjklmnpqrstvwxzGHJKLMNPQRSTVWXZ"
_random = random.Random(20261127)
CANARIES = {name: "".join(_random.choice(_ALPHABET) for _ in range(length)) for name, length in LENGTHS.items()}
C = CANARIES

FILES = {
    ".env.production": f"""REDIS_PASSWORD={C['env-short']}
JWT_SECRET={C['env-long-reused']}
DATABASE_URL=postgres://app:{C['env-uri']}@db.example.com:5432/app
MONGODB_URI=mongodb://root:{C['env-uri-short']}@mongo:27017/?authSource=admin
export SESSION_SECRET="{C['env-export']}"
DEBUG=true
""",
    "docker-compose.yml": f"""services:
  app:
    image: example/app
    privileged: true
    ports: ["5432:5432"]
    command: ["redis-server", "--requirepass", "{C['compose-command']}"]
    environment:
      DB_PASSWORD: {C['compose-env']}
      JWT_SECRET: {C['env-long-reused']}
      REDIS_URL: redis://:{C['compose-uri']}@cache:6379/0
  worker:
    image: example/worker:latest
    environment:
      - API_TOKEN={C['compose-env-list']}
""",
    "k8s/deploy.yaml": f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: api}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: api}}}}
  template:
    metadata: {{labels: {{app: api}}}}
    spec:
      containers:
        - name: api
          image: example/api:latest
          securityContext: {{privileged: true}}
          env:
            - name: DB_PASSWORD
              value: {C['k8s-env']}
---
apiVersion: v1
kind: Secret
metadata: {{name: api}}
stringData:
  password: {C['k8s-secret']}
data:
  token: {base64.b64encode(C['k8s-secret-data'].encode()).decode()}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: api}}
data:
  DB_PASSWORD: {C['k8s-configmap']}
""",
    "Dockerfile": f"""FROM python:latest
ARG DB_PASSWORD={C['dockerfile-arg']}
ENV API_TOKEN={C['dockerfile-env']}
RUN pip install app
""",
    "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 1.0.0\n",
    "chart/values.yaml": f"""postgresql:
  auth:
    password: {C['helm-values']}
""",
}
FORMATS = ("text", "json", "sarif", "junit", "markdown", "html")


def leaks(data: bytes) -> list[str]:
    """Canaries (or 6 characters of one past its maskable prefix, or its base64) found in `data`."""
    found = []
    for name, secret in CANARIES.items():
        tail = secret[2:]
        pieces = {tail[i:i + 6] for i in range(len(tail) - 5)} | {base64.b64encode(secret.encode()).decode()}
        if any(piece.encode() in data for piece in pieces):
            found.append(name)
    return found


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("canaries") / "deploy"
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "checker", *args], capture_output=True, cwd=ROOT, env={**os.environ, "NO_COLOR": "1"},
        timeout=300,
    )


def test_canaries_are_planted_where_rules_fail(planted: Path) -> None:
    done = run("scan", str(planted), "-f", "json")
    assert done.returncode == 1
    # the planted files hold them (the test would prove nothing otherwise) ...
    assert set(leaks(b"".join(p.read_bytes() for p in planted.rglob("*") if p.is_file()))) == set(CANARIES)
    # ... and rules fail on every file that holds one
    import json

    failing = {Path(r["target"]).name for r in json.loads(done.stdout)["results"] if r["status"] == "fail"}
    assert {Path(name).name for name in FILES if "Chart" not in name} <= failing


def test_no_canary_in_any_report_format(planted: Path, tmp_path: Path) -> None:
    args = [a for fmt in FORMATS for a in ("-f", fmt, "-o", str(tmp_path / f"report.{fmt}"))]
    done = run("scan", str(planted), "-v", *args)
    assert done.returncode == 1, done.stderr
    stdout = run("scan", str(planted), "-v")  # the terminal report, observed values included
    outputs = {fmt: (tmp_path / f"report.{fmt}").read_bytes() for fmt in FORMATS}
    outputs["stdout"] = stdout.stdout + stdout.stderr + done.stdout + done.stderr
    assert {fmt: leaks(data) for fmt, data in outputs.items() if leaks(data)} == {}
    assert b"chars)" in outputs["json"]  # masks were written: the values were seen and masked, not missed


@pytest.mark.parametrize("framework", ["soc2", "gdpr"])
def test_no_canary_in_any_file_of_the_evidence_bundle(planted: Path, tmp_path: Path, framework: str) -> None:
    bundle = tmp_path / "bundle"
    done = run("evidence", str(planted), "--framework", framework, "-o", str(bundle))
    assert done.returncode in (0, 1), done.stderr
    files = [p for p in bundle.rglob("*") if p.is_file()]
    assert len(files) > 5
    leaked = {str(p.relative_to(bundle)): leaks(p.read_bytes()) for p in files}
    assert {name: found for name, found in leaked.items() if found} == {}
    assert not leaks(done.stdout + done.stderr)
