"""What a YAML document is, besides compose files and Kubernetes objects (decided in load.py).

    classify(display path, data) -> "prometheus" | "prometheus-rules" | "alertmanager" | "logging"
                                   | "grafana" | "github-workflow" | "helm-values" | "yaml"

Decided from the file's place and name first (`.github/workflows/*.yml` with
`jobs:`; `values*.yaml` beside a `Chart.yaml` or a `templates/` folder), then
from its top-level keys:

    prometheus        scrape_configs, or global + rule_files / alerting
    prometheus-rules  groups: [{rules: [{alert: ...} | {record: ...}]}]  (Prometheus and Loki rule files)
    alertmanager      route + receivers
    logging           Fluent Bit YAML (pipeline:), Vector (sources + sinks), Filebeat (filebeat.inputs),
                      Promtail (clients + scrape_configs), OpenTelemetry Collector with a logs pipeline
    grafana           provisioning files: apiVersion + datasources / providers / alerting groups ...

"yaml" means: parsed, but no rule reads it. Grafana dashboards are JSON and
Logstash / Fluent Bit classic / Fluentd configs are not YAML: none is read.

fill_settings(doc) gives a Helm values file its settings: scalar leaves whose
key names a secret (`rootPassword`, `apiKey`) or looks like an environment
variable (`MONGODB_URI`, and `{name, value}` env entries), so the secret rules
and masking see them as they see an env file.
"""
from __future__ import annotations

import re
from pathlib import Path as FilePath
from typing import Any, Iterator

from checker.inputs.document import Document, Setting
from checker.inputs.paths import Path, format_path
from checker.secrets import is_secret_key

_VALUES_NAME = re.compile(r"^values([._-][^/]*)?\.ya?ml$", re.IGNORECASE)
_ENV_KEY = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$|^[A-Z]{2,}[0-9]*$")
_NOT_SECRET_LEAF = re.compile(r"^existing|(password|secret|token)(key|name|ref)s?$|secretname$", re.IGNORECASE)
_GRAFANA_KEYS = {"datasources", "deleteDatasources", "providers", "contactPoints", "policies", "muteTimes", "templates"}


def classify(display: str, data: Any) -> str:
    normal = "/" + display.replace("\\", "/")
    if "/.github/workflows/" in normal and isinstance(data, dict) and isinstance(data.get("jobs"), dict):
        return "github-workflow"
    if isinstance(data, dict) and _VALUES_NAME.match(normal.rsplit("/", 1)[-1]) and _in_chart(display):
        return "helm-values"
    if not isinstance(data, dict):
        return "yaml"
    if "apiVersion" in data and (_GRAFANA_KEYS & set(data) or _grafana_alert_groups(data)):
        return "grafana"
    if _is_logging(data):
        return "logging"
    if isinstance(data.get("route"), dict) and isinstance(data.get("receivers"), list):
        return "alertmanager"
    if _is_rule_file(data):
        return "prometheus-rules"
    if isinstance(data.get("scrape_configs"), list) or (
        isinstance(data.get("global"), dict) and ("rule_files" in data or "alerting" in data)
    ):
        return "prometheus"
    return "yaml"


def _in_chart(display: str) -> bool:
    if display == "-":
        return False
    folder = FilePath(display).parent
    return (folder / "Chart.yaml").is_file() or (folder / "Chart.yml").is_file() or (folder / "templates").is_dir()


def _is_logging(data: dict[str, Any]) -> bool:
    if isinstance(data.get("pipeline"), dict) and {"inputs", "outputs"} & set(data["pipeline"]):
        return True  # Fluent Bit YAML
    if isinstance(data.get("sources"), dict) and isinstance(data.get("sinks"), dict):
        return True  # Vector
    if "filebeat.inputs" in data or (isinstance(data.get("filebeat"), dict) and "inputs" in data["filebeat"]):
        return True  # Filebeat
    if isinstance(data.get("clients"), list) and isinstance(data.get("scrape_configs"), list):
        return True  # Promtail
    service = data.get("service")
    pipelines = service.get("pipelines") if isinstance(service, dict) else None
    if "receivers" in data and "exporters" in data and isinstance(pipelines, dict):
        return any(str(name).split("/")[0] == "logs" for name in pipelines)  # OpenTelemetry Collector
    return False


def _is_rule_file(data: dict[str, Any]) -> bool:
    groups = data.get("groups")
    if not isinstance(groups, list):
        return False
    return any(
        isinstance(group, dict) and isinstance(group.get("rules"), list)
        and any(isinstance(rule, dict) and ("alert" in rule or "record" in rule) for rule in group["rules"])
        for group in groups
    )


def _grafana_alert_groups(data: dict[str, Any]) -> bool:
    groups = data.get("groups")
    return isinstance(groups, list) and any(isinstance(g, dict) and "folder" in g for g in groups)


def fill_settings(doc: Document) -> None:
    """Settings of a Helm values file (other kinds get theirs elsewhere, or have none)."""
    if doc.kind != "helm-values":
        return
    doc.settings.extend(_value_settings(doc.data, ()))


def _value_settings(node: Any, path: Path) -> Iterator[Setting]:
    if isinstance(node, dict):
        name, value = node.get("name"), node.get("value")
        if isinstance(name, str) and _ENV_KEY.match(name) and _scalar(value) and set(node) <= {"name", "value"}:
            text = _text(value)
            yield Setting(name, text, text, path + ("value",), True, _scope(path))
            return
        for key, child in node.items():
            if _scalar(child) and isinstance(key, str) and _is_setting_key(key):
                text = _text(child)
                yield Setting(key, text, text, path + (key,), True, _scope(path))
            elif isinstance(child, (dict, list)):
                yield from _value_settings(child, path + (key,))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _value_settings(child, path + (index,))


def _is_setting_key(key: str) -> bool:
    return bool(_ENV_KEY.match(key)) or (is_secret_key(key) and not _NOT_SECRET_LEAF.search(key))


def _scalar(value: Any) -> bool:
    return value is not None and not isinstance(value, (dict, list))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _scope(path: Path) -> str:
    return f"values {format_path(path)}" if path else "values"
