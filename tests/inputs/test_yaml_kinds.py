"""YAML kinds besides compose and Kubernetes: classification by place, name and shape; Helm values settings."""
from __future__ import annotations

from pathlib import Path

import pytest

from checker.inputs.discover import discover
from checker.inputs.document import Document
from checker.inputs.load import load
from checker.inputs.yaml_kinds import classify, fill_settings
from checker.inputs.yaml_source import load_all
from helpers import CORPUS

PROMETHEUS_GUIDE = """\
# Prometheus configuration (the deployment guide's Monitoring Stack)
global:
  scrape_interval: 15s

scrape_configs:
  - job_name: 'fastgpt'
    static_configs:
      - targets: ['app:3000']
    metrics_path: '/metrics'
    scrape_interval: 5s
"""

SHAPES = [
    ("prometheus", PROMETHEUS_GUIDE),
    ("prometheus", "global: {evaluation_interval: 30s}\nrule_files: [alerts/*.yml]\n"),
    ("prometheus", "global: {scrape_interval: 15s}\nalerting: {alertmanagers: [{static_configs: [{targets: ['am:9093']}]}]}\n"),
    ("prometheus-rules", "groups:\n  - name: api\n    rules:\n      - alert: ApiDown\n        expr: up == 0\n"),
    ("prometheus-rules", "groups: [{name: rec, rules: [{record: 'job:up:sum', expr: sum(up) by (job)}]}]\n"),
    ("yaml", "groups: [{name: admins, members: [ana, ben]}]\n"),
    ("alertmanager", "route: {receiver: oncall}\nreceivers: [{name: oncall, slack_configs: [{channel: '#ops'}]}]\n"),
    ("logging", "service: {flush: 1}\npipeline:\n  inputs: [{name: tail, path: /var/log/containers/*.log}]\n"
                "  outputs: [{name: loki, match: '*', host: loki}]\n"),
    ("logging", "sources: {docker: {type: docker_logs}}\nsinks: {es: {type: elasticsearch, inputs: [docker]}}\n"),
    ("logging", "filebeat.inputs:\n  - type: container\n    paths: ['/var/lib/docker/containers/*/*.log']\n"
                "output.logstash: {hosts: ['logstash:5044']}\n"),
    ("logging", "filebeat:\n  inputs: [{type: log, paths: [/var/log/app.log]}]\n"),
    ("logging", "server: {http_listen_port: 9080}\nclients: [{url: 'http://loki:3100/loki/api/v1/push'}]\n"
                "scrape_configs: [{job_name: system, static_configs: [{targets: [localhost]}]}]\n"),
    ("logging", "receivers: {filelog: {include: [/var/log/*.log]}}\nexporters: {otlphttp: {endpoint: 'https://otel.example.com'}}\n"
                "service: {pipelines: {logs/app: {receivers: [filelog], exporters: [otlphttp]}}}\n"),
    ("yaml", "receivers: {otlp: {}}\nexporters: {prometheus: {}}\nservice: {pipelines: {metrics: {receivers: [otlp]}}}\n"),
    ("grafana", "apiVersion: 1\ndatasources: [{name: Prometheus, type: prometheus, url: 'http://prometheus:9090'}]\n"),
    ("grafana", "apiVersion: 1\nproviders: [{name: default, type: file, options: {path: /var/lib/grafana/dashboards}}]\n"),
    ("grafana", "apiVersion: 1\ngroups: [{orgId: 1, name: api, folder: Shop, rules: [{uid: a1, title: Errors}]}]\n"),
    ("yaml", "name: my-app\nversion: 1.0.0\n"),
    ("yaml", "- just\n- a list\n"),
]


@pytest.mark.parametrize(("kind", "text"), SHAPES, ids=[f"{k}-{i}" for i, (k, _) in enumerate(SHAPES)])
def test_classified_by_top_level_shape(kind: str, text: str) -> None:
    (document,) = load_all(text)
    assert classify("deploy/config.yml", document.data) == kind


def test_github_workflow_by_place_and_jobs() -> None:
    workflow = {"on": {"push": {"branches": ["main"]}}, "jobs": {"test": {"runs-on": "ubuntu-latest"}}}
    assert classify(".github/workflows/deploy.yml", workflow) == "github-workflow"
    assert classify("repo/.github/workflows/deploy.yaml", workflow) == "github-workflow"
    assert classify("repo\\.github\\workflows\\deploy.yml", workflow) == "github-workflow"
    assert classify("deploy/workflow.yml", workflow) == "yaml"  # the same jobs elsewhere are not a workflow
    assert classify(".github/workflows/labels.yml", {"labels": ["bug"]}) == "yaml"
    assert classify(".github/dependabot.yml", {"version": 2, "updates": []}) == "yaml"


def _chart(tmp_path: Path, marker: str) -> Path:
    chart = tmp_path / "charts" / "shop"
    chart.mkdir(parents=True)
    if marker == "templates":
        (chart / "templates").mkdir()
    else:
        (chart / "Chart.yaml").write_text("apiVersion: v2\nname: shop\nversion: 0.1.0\n", encoding="utf-8")
    return chart


@pytest.mark.parametrize("marker", ["Chart.yaml", "templates"])
def test_helm_values_beside_a_chart(tmp_path: Path, marker: str) -> None:
    chart = _chart(tmp_path, marker)
    for name in ("values.yaml", "values-prod.yaml", "values.staging.yml", "VALUES.yaml"):
        assert classify(str(chart / name), {"replicaCount": 1}) == "helm-values", name
    assert classify(str(chart / "my-values.yaml"), {"replicaCount": 1}) == "yaml"
    assert classify(str(tmp_path / "values.yaml"), {"replicaCount": 1}) == "yaml"  # no chart beside it
    assert classify("-", {"replicaCount": 1}) == "yaml"


def test_helm_values_win_over_the_shape_of_their_content(tmp_path: Path) -> None:
    chart = _chart(tmp_path, "Chart.yaml")
    assert classify(str(chart / "values.yaml"), {"scrape_configs": [], "groups": []}) == "helm-values"


def _values_doc(text: str) -> Document:
    (part,) = load_all(text)
    doc = Document("charts/shop/values.yaml", "helm-values", part.data, part.positions)
    fill_settings(doc)
    return doc


def test_helm_values_settings_are_secret_keys_and_env_like_keys() -> None:
    doc = _values_doc(
        "auth:\n"
        "  rootPassword: \"123456\"\n"
        "  existingSecret: mongo-auth\n"
        "  existingSecretPasswordKey: password\n"
        "  rootUser: root\n"
        "api:\n"
        "  apiKey: sk-live-0123456789\n"
        "  env:\n"
        "    - name: MONGODB_URI\n"
        "      value: mongodb://root:123456@mongo:27017/shop\n"
        "    - name: FROM_SECRET\n"
        "      valueFrom: {secretKeyRef: {name: shop, key: token}}\n"
        "  extraEnv: {LOG_LEVEL: debug, REPLICAS: 3}\n"
        "replicaCount: 1\n"
        "imagePullSecrets: []\n"
    )
    got = [(s.key, s.value, s.path, s.scope) for s in doc.settings]
    assert got == [
        ("rootPassword", "123456", ("auth", "rootPassword"), "values auth"),
        ("apiKey", "sk-live-0123456789", ("api", "apiKey"), "values api"),
        ("MONGODB_URI", "mongodb://root:123456@mongo:27017/shop", ("api", "env", 0, "value"), "values api.env[0]"),
        ("LOG_LEVEL", "debug", ("api", "extraEnv", "LOG_LEVEL"), "values api.extraEnv"),
        ("REPLICAS", "3", ("api", "extraEnv", "REPLICAS"), "values api.extraEnv"),
    ]


def test_other_kinds_get_no_settings_from_fill_settings() -> None:
    (part,) = load_all("route: {receiver: x}\nreceivers: [{name: x}]\nSMTP_PASSWORD: hunter2hunter2\n")
    doc = Document("alertmanager.yml", "alertmanager", part.data, part.positions)
    fill_settings(doc)
    assert doc.settings == []


def test_loading_a_chart_folder_classifies_its_values_and_fills_settings(tmp_path: Path) -> None:
    chart = _chart(tmp_path, "Chart.yaml")
    (chart / "values.yaml").write_text("postgresql:\n  auth:\n    postgresPassword: postgres\n", encoding="utf-8")
    loaded = load(list(discover([str(chart)])))
    kinds = {Path(d.path).name: d.kind for d in loaded.documents}
    assert kinds == {"Chart.yaml": "yaml", "values.yaml": "helm-values"}
    (values,) = [d for d in loaded.documents if d.kind == "helm-values"]
    assert [(s.key, s.value, s.path) for s in values.settings] == [
        ("postgresPassword", "postgres", ("postgresql", "auth", "postgresPassword"))
    ]


def test_compose_and_kubernetes_files_keep_their_kinds(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services: {api: {image: 'api:1.0'}}\n", encoding="utf-8")
    (tmp_path / "alerts.yaml").write_text("groups: [{name: a, rules: [{alert: Down, expr: up == 0}]}]\n", encoding="utf-8")
    (tmp_path / "rule.yaml").write_text(
        "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: r}\nspec: {groups: []}\n", encoding="utf-8"
    )
    loaded = load(list(discover([str(tmp_path)])))
    assert sorted((Path(d.path).name, d.kind) for d in loaded.documents) == [
        ("alerts.yaml", "prometheus-rules"), ("compose.yaml", "compose"), ("rule.yaml", "k8s"),
    ]


FASTGPT_VALUES = CORPUS / "fastgpt" / "deploy" / "helm" / "fastgpt" / "values.yaml"


@pytest.mark.skipif(not FASTGPT_VALUES.exists(), reason="corpus not present")
def test_fastgpt_helm_values_from_the_corpus() -> None:
    loaded = load(list(discover([str(FASTGPT_VALUES)])))
    (doc,) = loaded.documents
    assert doc.kind == "helm-values"
    assert [(s.key, s.value, doc.position(s.path)) for s in doc.settings] == [
        ("rootPassword", "123456", (125, 5)),
        ("postgresPassword", "postgres", (139, 9)),
    ]
