"""A chart's values.yaml is scanned for the secrets it holds (issue #3: Helm values)."""
from __future__ import annotations

from pathlib import Path

from helpers import run_rule

VALUES = """\
replicaCount: 2
image:
  repository: ghcr.io/example/api
  tag: "2.4.1"
mongodb:
  auth:
    rootUser: root
    rootPassword: password
postgresql:
  auth:
    postgresPassword: q7Vn2pR9tLx4mK8sW3zY6bH1
"""


def _chart(tmp_path: Path) -> Path:
    chart = tmp_path / "charts" / "api"
    (chart / "templates").mkdir(parents=True)
    (chart / "templates" / "deployment.yaml").write_text("kind: Deployment\nspec: {{ .Values.replicaCount }}\n")
    (chart / "values.yaml").write_text(VALUES)
    return chart / "values.yaml"


def test_default_password_in_chart_values_fails_on_its_line(tmp_path: Path) -> None:
    results = [r for r in run_rule("SEC-001", _chart(tmp_path)) if r.status == "fail"]
    assert [(r.location.line, r.message) for r in results] == [
        (8, "rootPassword (values mongodb.auth) is a known default or weak value"),
    ]
    assert all("password" not in (r.observed or "") for r in results)


def test_literal_secrets_in_chart_values_count_as_inline(tmp_path: Path) -> None:
    results = [r for r in run_rule("SEC-006", _chart(tmp_path)) if r.status == "fail"]
    assert [r.location.line for r in results] == [8, 11]
