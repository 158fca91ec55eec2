"""`helm template ... | preflight scan -`: a YAML stream on standard input is scanned like a file."""
from __future__ import annotations

import json

from helpers import preflight

MANIFESTS = """\
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: app
          image: ghcr.io/example/web:1.2.0
          env:
            - name: DB_PASSWORD
              value: postgres
"""


def test_stdin_stream_is_scanned_with_lines() -> None:
    done = preflight("scan", "-", "--select", "SEC-001", "-f", "json", input=MANIFESTS)
    assert done.returncode == 1, done.stderr
    (failure,) = [r for r in json.loads(done.stdout)["results"] if r["status"] == "fail"]
    assert (failure["location"]["file"], failure["location"]["line"]) == ("<stdin>", 17)
    assert failure["location"]["object"] == "Deployment/web spec.template.spec.containers[0].env[0].value"


def test_invalid_stdin_is_an_error_naming_stdin_and_line() -> None:
    done = preflight("scan", "-", "-f", "json", input="a: [\n")
    errors = [r for r in json.loads(done.stdout)["results"] if r["status"] == "error"]
    assert [(r["location"]["file"], r["location"]["line"]) for r in errors] == [("<stdin>", 2)]
