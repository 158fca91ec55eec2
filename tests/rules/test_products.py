"""Product defaults (rules/security-products.yaml): Grafana's admin / admin and anonymous roles (SEC-080/081/085),
admin and debug endpoints published (SEC-082/083), plain-HTTP entry points (SEC-084)."""
from __future__ import annotations

from pathlib import Path

import pytest

from checker.api import scan_paths
from helpers import TODAY, run_snippet


def _scan(root: Path, *rules: str) -> list[tuple[str, str, str | None, int | None]]:
    report = scan_paths([str(root)], select=list(rules), today=TODAY)
    return sorted((r.rule_id, r.status, Path(r.location.file).name if r.location and r.location.file else None,
                   r.location.line if r.location else None) for r in report.results if r.rule_id in rules)


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


GRAFANA = "services:\n  grafana:\n    image: grafana/grafana:11.2.0\n    restart: unless-stopped\n"


def test_admin_in_an_ini_file_fails_on_its_line_masked(tmp_path: Path) -> None:
    _write(tmp_path, {"grafana/grafana.ini": "[server]\nhttp_port = 3000\n\n[security]\nadmin_password = admin\n"})
    report = scan_paths([str(tmp_path)], select=["SEC-080"], today=TODAY)
    (result,) = [r for r in report.results if r.rule_id == "SEC-080"]
    assert (result.status, result.location.file.endswith("grafana/grafana.ini"), result.location.line) == ("fail", True, 5)
    assert result.observed != "admin"


def test_written_out_admin_is_said_once_by_sec_001(tmp_path: Path) -> None:
    _write(tmp_path, {"compose.yaml": GRAFANA + "    environment: [GF_SECURITY_ADMIN_PASSWORD=admin]\n"})
    assert _scan(tmp_path, "SEC-001", "SEC-080") == [("SEC-001", "fail", "compose.yaml", 5), ("SEC-080", "skip", "compose.yaml", 5)]


@pytest.mark.parametrize("environment, status", [
    ("    environment:\n      - GF_SECURITY_ADMIN_PASSWORD=${GRAFANA_PASSWORD}\n", "pass"),  # unset ${VAR}: cannot tell
    ("    environment: [GF_SECURITY_ADMIN_PASSWORD=Zq8vN3rT6wKp2LxB]\n", "pass"),
    ("    environment: [GF_SECURITY_DISABLE_INITIAL_ADMIN_CREATION=true]\n", "pass"),
    ("    env_file: [grafana.env]\n", "pass"),  # an env file the scan did not read: cannot tell
    ("    volumes: ['./conf/grafana.ini:/etc/grafana/grafana.ini:ro']\n", "pass"),  # its ini is not in the tree
    ("    environment: [GF_USERS_ALLOW_SIGN_UP=false]\n", "fail"),
])
def test_admin_password_sources(tmp_path: Path, environment: str, status: str) -> None:
    assert [r.status for r in run_snippet("SEC-080", GRAFANA + environment, "compose", tmp_path)] == [status]


def test_an_env_file_that_sets_it_passes_and_one_that_does_not_fails_at_the_service(tmp_path: Path) -> None:
    _write(tmp_path, {"compose.yaml": GRAFANA + "    env_file: [config.monitoring]\n",
                      "config.monitoring": "GF_USERS_ALLOW_SIGN_UP=false\n"})
    assert _scan(tmp_path, "SEC-080") == [("SEC-080", "fail", "compose.yaml", 2)]
    (tmp_path / "config.monitoring").write_text("GF_SECURITY_ADMIN_PASSWORD=Zq8vN3rT6wKp2LxB\n")
    assert _scan(tmp_path, "SEC-080") == [("SEC-080", "pass", None, None)]


def test_a_grafana_only_a_development_overlay_adds_is_not_judged(tmp_path: Path) -> None:
    _write(tmp_path, {"docker-compose.yml": "services:\n  api:\n    image: ghcr.io/x/api:1.2.3\n",
                      "docker-compose.dev.yml": GRAFANA})
    assert [s for _, s, _, _ in _scan(tmp_path, "SEC-080")] == ["skip"]  # no Grafana in production


DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: grafana}}
spec:
  selector: {{matchLabels: {{app: grafana}}}}
  template:
    metadata: {{labels: {{app: grafana}}}}
    spec:
      containers:
        - name: grafana
          image: docker.io/grafana/grafana:11.2.0
{extra}"""


@pytest.mark.parametrize("extra, status", [
    ("", "fail"),
    ("          envFrom: [{secretRef: {name: grafana}}]\n", "pass"),
    ("          env: [{name: GF_SECURITY_ADMIN_PASSWORD, valueFrom: {secretKeyRef: {name: g, key: p}}}]\n", "pass"),
])
def test_kubernetes_grafana(tmp_path: Path, extra: str, status: str) -> None:
    results = run_snippet("SEC-080", DEPLOYMENT.format(extra=extra), "yaml", tmp_path)
    assert [(r.status, r.location.line if status == "fail" else None) for r in results] == [(status, 3 if status == "fail" else None)]


def test_anonymous_role_from_the_ini_and_the_variable_wins_over_it(tmp_path: Path) -> None:
    _write(tmp_path, {"grafana.ini": "[security]\nadmin_password = $__env{A}\n[auth.anonymous]\nenabled = true\norg_role = Editor\n"})
    assert _scan(tmp_path, "SEC-081", "SEC-085") == [("SEC-081", "fail", "grafana.ini", 5), ("SEC-085", "pass", None, None)]
    _write(tmp_path, {"compose.yaml": GRAFANA + "    environment: [GF_AUTH_ANONYMOUS_ENABLED=false]\n"})
    assert _scan(tmp_path, "SEC-081", "SEC-085") == [("SEC-081", "pass", None, None), ("SEC-085", "pass", None, None)]


def test_anonymous_viewer_is_the_low_rule_and_the_default_role(tmp_path: Path) -> None:
    _write(tmp_path, {"compose.yaml": GRAFANA + "    environment: [GF_AUTH_ANONYMOUS_ENABLED=true]\n"})
    assert _scan(tmp_path, "SEC-081", "SEC-085") == [("SEC-081", "pass", None, None), ("SEC-085", "fail", "compose.yaml", 5)]


def test_an_ini_that_is_not_grafanas_is_not_read(tmp_path: Path) -> None:
    _write(tmp_path, {"php.ini": "[PHP]\nadmin_password = admin\n[security]\nlimit = 1\n"})
    assert _scan(tmp_path, "SEC-080") == [("SEC-080", "skip", None, None)]
