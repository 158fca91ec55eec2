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
import shutil
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
    # issue #12: secrets found by their form or under secret-ish keys of any input kind
    "nginx-proxy-pass": 9, "dockerfile-npm-token": 14, "env-query-token": 13, "github-token": 36,
    "aws-key": 16, "jwt-payload": 24, "private-key": 40, "prometheus-password": 15,
    # ... and in error paths: parse errors of env, Dockerfile, nginx and compose files
    "env-malformed": 10, "env-unterminated": 12, "dockerfile-unknown": 11, "nginx-broken": 10, "compose-broken": 13,
}
_ALPHABET = "ghjklmnpqrstvwxzGHJKLMNPQRSTVWXZ"
_random = random.Random(20261127)
CANARIES = {name: "".join(_random.choice(_ALPHABET) for _ in range(length)) for name, length in LENGTHS.items()}
C = CANARIES
UPPER = {"aws-key"}  # an AWS access key id is upper-case letters and digits
for _name in UPPER:
    CANARIES[_name] = CANARIES[_name].upper()
# error paths where the parsers no longer quote the value at all: with masking off they leak nothing
NEVER_QUOTED = {"env-malformed", "env-unterminated", "dockerfile-unknown", "nginx-broken", "compose-broken"}
# values that the rules which fail on them never quote (they say "(secret)" or name the key only)
NEVER_QUOTED |= {"compose-command", "k8s-secret-data"}

FILES = {
    ".env.production": f"""REDIS_PASSWORD={C['env-short']}
JWT_SECRET={C['env-long-reused']}
DATABASE_URL=postgres://app:{C['env-uri']}@db.example.com:5432/app
MONGODB_URI=mongodb://root:{C['env-uri-short']}@mongo:27017/?authSource=admin
export SESSION_SECRET="{C['env-export']}"
DEBUG=true
PUBLIC_URL=http://app.example.com/callback?token={C['env-query-token']}
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
    "Dockerfile.tokens": f"""FROM python:3.12
RUN echo "//registry.npmjs.org/:_authToken={C['dockerfile-npm-token']}" > .npmrc && apt-get update && apt-get install -y git
RUN curl -H "X-Auth: ghp_{C['github-token']}" https://example.com/a && apt-get install -y curl
RUN aws-setup AKIA{C['aws-key']} {C['prometheus-password']} && apt-get install -y awscli
RUN echo eyJhbGciOiJIUzI1NiJ9.eyJ{C['jwt-payload']}.sig0sig0sig0 && apt-get install -y jq
RUN printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\\n{C['private-key']}\\n-----END OPENSSH PRIVATE KEY-----' > k && apt-get install -y ssh
USER app
""",
    "nginx/nginx.conf": f"""events {{}}
http {{
  server {{
    listen 80;
    location / {{ proxy_pass http://app:{C['nginx-proxy-pass']}@backend:8080; }}
  }}
}}
""",
    "prometheus/prometheus.yml": f"""scrape_configs:
  - job_name: app
    basic_auth: {{username: scraper, password: {C['prometheus-password']}}}
    static_configs: [{{targets: ["app:9090"]}}]
""",
    "broken/.env.staging": f"""DB_PASSWORD {C['env-malformed']}
API_TOKEN="{C['env-unterminated']}
""",
    "broken/Dockerfile": f"""FROM alpine:3.20
DB_PASSWORD={C['dockerfile-unknown']}
""",
    "broken/nginx/nginx.conf": f"""events {{}}
http {{ server {{ listen 80; location / {{ proxy_pass http://u:{C['nginx-broken']}@b:80 }} }}
""",
    "broken/docker-compose.yml": f"""services:
  db:
    environment:
      DB_PASSWORD: "{C['compose-broken']}
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
    assert set(leaks(b"".join(p.read_bytes() for p in planted.rglob("*") if p.is_file()))) == set(LENGTHS)
    # ... and rules fail on every file that holds one
    import json

    results = [r for r in json.loads(done.stdout)["results"] if r["target"].startswith(str(planted))]
    failing = {str(Path(r["target"]).relative_to(planted)) for r in results if r["status"] in ("fail", "error")}
    # (the Prometheus password reaches the outputs through a flagged Dockerfile RUN line)
    assert {name for name in FILES if "Chart" not in name and "prometheus" not in name} <= failing
    broken = {str(Path(r["target"]).relative_to(planted)) for r in results if r["rule_id"] == "PF-INPUT"}
    assert {name for name in FILES if name.startswith("broken/")} <= broken  # every parse-error path is taken


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


@pytest.mark.skipif(not (shutil.which("pdftotext") and shutil.which("/usr/bin/chromium")),
                    reason="needs chromium and pdftotext (poppler-utils)")
def test_no_canary_in_the_text_of_the_bundle_pdf(planted: Path, tmp_path: Path) -> None:
    """The PDF's streams are compressed, so its bytes prove nothing: its extracted text is checked."""
    bundle = tmp_path / "bundle"
    done = run("evidence", str(planted), "--framework", "soc2", "-f", "pdf", "-o", str(bundle))
    assert done.returncode in (0, 1), done.stderr
    text = subprocess.run(["pdftotext", str(bundle / "report.pdf"), "-"], capture_output=True, check=True).stdout
    assert b"chars)" in text  # masked values were printed ...
    assert leaks(text.replace(b"\n", b"")) == [] and leaks(text) == []  # ... and no secret (lines joined too)


def test_no_canary_in_the_baseline_file(planted: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    done = run("baseline", str(planted), "-o", str(baseline))
    assert done.returncode == 0, done.stderr
    assert b"chars)" in baseline.read_bytes()  # the messages that held secrets are recorded, masked
    assert leaks(baseline.read_bytes() + done.stdout + done.stderr) == []


# Live error paths: --endpoint URLs with passwords (short ones too) and ?token= against a closed port.
ENDPOINT_CANARIES = {"endpoint-http": 8, "endpoint-query": 14, "endpoint-redis": 9, "endpoint-postgres": 10}
ENDPOINT_SECRETS = {name: "".join(_random.choice(_ALPHABET) for _ in range(n)) for name, n in ENDPOINT_CANARIES.items()}
CANARIES.update(ENDPOINT_SECRETS)


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the block ends: connections are refused


def _endpoints() -> list[str]:
    port, E = _closed_port(), ENDPOINT_SECRETS
    return [
        f"http://admin:{E['endpoint-http']}@127.0.0.1:{port}/?token={E['endpoint-query']}",
        f"redis://:{E['endpoint-redis']}@127.0.0.1:{port}/0",
        f"postgres://app:{E['endpoint-postgres']}@127.0.0.1:{port}/app",
    ]


def test_no_canary_in_live_error_messages_of_any_format(tmp_path: Path) -> None:
    endpoints = [a for url in _endpoints() for a in ("--endpoint", url)]
    args = [a for fmt in FORMATS for a in ("-f", fmt, "-o", str(tmp_path / f"live.{fmt}"))]
    done = run("scan", *endpoints, "--timeout", "1", "-v", *args)
    assert done.returncode == 1, done.stderr
    outputs = {fmt: (tmp_path / f"live.{fmt}").read_bytes() for fmt in FORMATS}
    assert b"unreachable" in outputs["json"]  # the probes ran and failed: their error messages are the error path
    outputs["std"] = done.stdout + done.stderr
    assert {fmt: leaks(data) for fmt, data in outputs.items() if leaks(data)} == {}


def test_no_canary_in_the_evidence_bundle_of_a_live_scan(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / ".env").write_text("DEBUG=false\n")
    bundle = tmp_path / "bundle"
    endpoints = [a for url in _endpoints() for a in ("--endpoint", url)]
    done = run("evidence", str(tree), "--framework", "soc2", "--live", *endpoints, "-o", str(bundle))
    assert done.returncode in (0, 1), done.stderr
    scope = (bundle / "scope.json").read_bytes()
    assert b"127.0.0.1" in scope  # the endpoints are named in the scope, without their secrets
    leaked = {str(p.relative_to(bundle)): leaks(p.read_bytes()) for p in bundle.rglob("*") if p.is_file()}
    assert {name: found for name, found in leaked.items() if found} == {}
    assert not leaks(done.stdout + done.stderr)


# The canary check itself can fail: with masking switched off (mask() returns its input and the
# redactor masks nothing), every canary that some output quotes is found.
MASKING_OFF = """
import checker.secrets
checker.secrets.mask = lambda value: value
import checker.engine.redact
checker.engine.redact.Redactor.masked = lambda self, text, message=False: text
"""


def test_with_masking_off_the_canaries_are_found(planted: Path, tmp_path: Path) -> None:
    (tmp_path / "sitecustomize.py").write_text(MASKING_OFF)
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"}
    args = [a for fmt in FORMATS for a in ("-f", fmt, "-o", str(tmp_path / f"report.{fmt}"))]
    done = subprocess.run([sys.executable, "-m", "checker", "scan", str(planted), "-v", *args],
                          capture_output=True, cwd=ROOT, env=env, timeout=300)
    assert done.returncode == 1, done.stderr
    found = set(leaks(b"".join((tmp_path / f"report.{fmt}").read_bytes() for fmt in FORMATS) + done.stdout))
    assert found >= set(LENGTHS) - NEVER_QUOTED, sorted(set(LENGTHS) - NEVER_QUOTED - found)
