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
    assert _scan(tmp_path, "SEC-080") == [("SEC-080", "fail", "compose.yaml", 3)]  # at its image
    (tmp_path / "config.monitoring").write_text("GF_SECURITY_ADMIN_PASSWORD=Zq8vN3rT6wKp2LxB\n")
    assert _scan(tmp_path, "SEC-080") == [("SEC-080", "pass", None, None)]


def test_a_grafana_only_a_development_overlay_adds_is_not_judged(tmp_path: Path) -> None:
    tmp_path = tmp_path / "deploy"  # pytest's folder name says "development" for the whole tree
    _write(tmp_path, {"docker-compose.yml": "services:\n  api:\n    image: ghcr.io/x/api:1.2.3\n",
                      "docker-compose.dev.yml": GRAFANA})
    assert [s for _, s, _, _ in _scan(tmp_path, "SEC-080")] == ["skip"]  # no Grafana in production
    (tmp_path / "docker-compose.prod.yml").write_text(GRAFANA)  # the same service in the production overlay
    assert _scan(tmp_path, "SEC-080") == [("SEC-080", "fail", "docker-compose.prod.yml", 3)]  # its image line


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


# --- SEC-082 / SEC-083 / SEC-084: exposed endpoints -----------------------------------------------


def test_envoy_admin_is_found_through_its_bootstrap_port(tmp_path: Path) -> None:
    _write(tmp_path, {"compose.yaml": "services:\n  edge:\n    image: envoyproxy/envoy:v1.31.2\n    ports:\n"
                      "      - '10000:10000'\n      - '8001:8001'\n",
                      "envoy.yaml": "admin:\n  address:\n    socket_address: {address: 0.0.0.0, port_value: 8001}\n"
                      "static_resources: {listeners: []}\n"})
    assert _scan(tmp_path, "SEC-082") == [("SEC-082", "fail", "compose.yaml", 6)]


def test_an_envoy_bootstrap_alone_fails_at_its_address_one_step_lower(tmp_path: Path) -> None:
    _write(tmp_path, {"envoy.yaml": "static_resources: {listeners: []}\nadmin:\n  address:\n"
                      "    socket_address:\n      address: 0.0.0.0\n      port_value: 9901\n"})
    report = scan_paths([str(tmp_path)], select=["SEC-082"], today=TODAY)
    (result,) = [r for r in report.results if r.rule_id == "SEC-082"]
    assert (result.status, result.location.line, result.severity) == ("fail", 5, "medium")


def test_traefik_1_serves_its_dashboard_with_api_alone(tmp_path: Path) -> None:
    service = "services:\n  traefik:\n    image: traefik:{tag}\n    command: [--api, --docker]\n    ports:\n      - '8080:8080'\n"
    _write(tmp_path, {"compose.yaml": service.format(tag="v1.7.12-alpine")})
    assert _scan(tmp_path, "SEC-082") == [("SEC-082", "fail", "compose.yaml", 6)]
    _write(tmp_path, {"compose.yaml": service.format(tag="v3.1.4")})  # Traefik 3 needs api.insecure for that
    assert _scan(tmp_path, "SEC-082") == [("SEC-082", "pass", None, None)]


def test_a_nodeport_service_exposes_prometheus_through_a_named_port(tmp_path: Path) -> None:
    _write(tmp_path, {"prometheus.yaml": """apiVersion: apps/v1
kind: Deployment
metadata: {name: prometheus, namespace: monitoring}
spec:
  selector: {matchLabels: {app: prometheus}}
  template:
    metadata: {labels: {app: prometheus}}
    spec:
      containers:
        - {name: prometheus, image: quay.io/prometheus/prometheus:v2.53.0, ports: [{name: web, containerPort: 9090}]}
---
apiVersion: v1
kind: Service
metadata: {name: prometheus, namespace: monitoring}
spec:
  type: NodePort
  selector: {app: prometheus}
  ports:
    - {port: 80, targetPort: web, nodePort: 30090}
"""})
    report = scan_paths([str(tmp_path)], select=["SEC-082"], today=TODAY)
    (result,) = [r for r in report.results if r.rule_id == "SEC-082"]
    assert (result.status, result.location.line) == ("fail", 19)
    assert "Service/prometheus in monitoring (type NodePort)" in (result.message or "")


def test_a_port_a_development_overlay_publishes_is_not_judged(tmp_path: Path) -> None:
    tmp_path = tmp_path / "deploy"  # pytest's folder name says "development" for the whole tree
    _write(tmp_path, {"docker-compose.yml": "services:\n  prometheus:\n    image: prom/prometheus:v2.53.0\n",
                      "docker-compose.dev.yml": "services:\n  prometheus:\n    ports: ['9090:9090']\n"})
    assert [s for _, s, _, _ in _scan(tmp_path, "SEC-082")] == ["pass"]
    (tmp_path / "docker-compose.prod.yml").write_text("services:\n  prometheus:\n    ports: ['9090:9090']\n")
    assert _scan(tmp_path, "SEC-082") == [("SEC-082", "fail", "docker-compose.prod.yml", 3)]


@pytest.mark.parametrize("command, ports, status", [
    ("nodemon --inspect=0.0.0.0 server.js", "['9229:9229']", "fail"),  # the inspector's default port
    ("nodemon --inspect=0.0.0.0 server.js", "['127.0.0.1:9229:9229']", "pass"),
    ("node --inspect server.js", "['9229:9229']", "pass"),  # bound to 127.0.0.1 inside the container: unreachable
    ("python -m debugpy --listen 0.0.0.0:5678 app.py", "['5678:5678']", "fail"),
    ("./api --pprof-addr=:6060", "['6060:6060']", "fail"),
    ("./api --pprof-addr=:6060", "[]", "pass"),
])
def test_debuggers(tmp_path: Path, command: str, ports: str, status: str) -> None:
    text = f"services:\n  api:\n    image: ghcr.io/x/api:1.2.3\n    command: {command}\n    ports: {ports}\n"
    assert [r.status for r in run_snippet("SEC-083", text, "compose", tmp_path)] == [status]


def test_plain_http_on_an_insecure_dashboard_is_said_once_by_sec_082(tmp_path: Path) -> None:
    _write(tmp_path, {"compose.yaml": "services:\n  traefik:\n    image: traefik:v3.1.4\n"
                      "    command: [--api.insecure=true]\n    ports:\n      - '80:80'\n      - '8080:8080'\n"})
    assert _scan(tmp_path, "SEC-082", "SEC-084") == [
        ("SEC-082", "fail", "compose.yaml", 7), ("SEC-084", "fail", "compose.yaml", 6), ("SEC-084", "skip", "compose.yaml", 7)]


def test_plain_http_passes_with_an_nginx_config_that_listens_with_ssl(tmp_path: Path) -> None:
    _write(tmp_path, {"compose.yaml": "services:\n  web:\n    image: nginx:1.27.3\n    ports: ['80:80']\n",
                      "nginx.conf": "events {}\nhttp {\n  server {\n    listen 80;\n    listen 443 ssl;\n  }\n}\n"})
    assert _scan(tmp_path, "SEC-084") == [("SEC-084", "pass", None, None)]
    (tmp_path / "nginx.conf").write_text("events {}\nhttp {\n  server {\n    listen 80;\n  }\n}\n")
    assert _scan(tmp_path, "SEC-084") == [("SEC-084", "fail", "compose.yaml", 4)]


def test_a_loadbalancer_with_a_certificate_annotation_passes(tmp_path: Path) -> None:
    _write(tmp_path, {"svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n"
                      "    service.beta.kubernetes.io/aws-load-balancer-ssl-cert: arn:aws:acm:eu-west-1:1:certificate/x\n"
                      "spec:\n  type: LoadBalancer\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080}]\n"})
    assert _scan(tmp_path, "SEC-084") == [("SEC-084", "pass", None, None)]
