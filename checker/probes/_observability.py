"""Reading Prometheus, Alertmanager, Grafana and logging configuration out of a project's documents.

Helpers for the monitoring-coverage probe: which workloads a scrape
configuration, a ServiceMonitor / PodMonitor or an annotation covers, and
every alerting rule wherever it is written (rule files, PrometheusRule objects,
Grafana alert provisioning), with the recording rules it uses expanded.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Iterator, NamedTuple

from checker.inputs.document import Document, Setting
from checker.inputs.paths import Path
from checker.probes._ops import FALSE_WORDS, Pattern, compile_pattern, text
from checker.probes._databases import repository
from checker.probes._workloads import Workload
from checker.secrets import key_matches

_LOOPBACK = re.compile(r"^([a-z]+://)?(localhost|127\.0\.0\.1|\[?::1\]?)([:/]|$)", re.IGNORECASE)
SCRAPE_ANNOTATIONS = ("prometheus.io/scrape", "prometheus.io.scrape", "prometheus_io_scrape")
SERVICE_MONITORS = ("ServiceMonitor", "VMServiceScrape")  # Prometheus Operator, VictoriaMetrics Operator
POD_MONITORS = ("PodMonitor", "PodMonitoring", "ClusterPodMonitoring", "VMPodScrape")  # ... and GKE Managed Prometheus


class Alert(NamedTuple):
    doc: Document
    path: Path
    name: str
    text: str  # name, expression and the expressions of the recording rules it uses


class ScrapeConfig(NamedTuple):
    names: set[str]  # job names and static target hosts
    k8s_all: bool  # a kubernetes_sd job that keeps every target
    docker_all: bool  # a docker_sd / dockerswarm_sd job that keeps every target
    keep: list[Pattern]  # `keep` regexes on labels other than the scrape annotation


MONITORING_KINDS = ("prometheus", "prometheus-rules", "alertmanager", "grafana")
MONITORING_OBJECTS = SERVICE_MONITORS + POD_MONITORS + (
    "PrometheusRule", "AlertmanagerConfig", "Prometheus", "Alertmanager", "VMAgent", "VMRule", "GrafanaDashboard")
# images of a metrics and alerting stack: Prometheus, Grafana, VictoriaMetrics, agents that scrape for a SaaS
MONITORING_IMAGES = re.compile(r"^(prometheus|grafana|victoria-metrics|vmagent|vmalert|alloy|grafana-agent|"
                               r"datadog-agent|newrelic-infrastructure|netdata|zabbix|thanos|mimir|cortex)")
# `agent` alone is a name any team gives its own image: Datadog's only under its own repositories
DATADOG_AGENT = re.compile(r"(^|/)datadog(hq)?/(agent|dogstatsd|cluster-agent)$")


# agents that watch every container of their host (compose) or node (a DaemonSet) without a scrape config
HOST_AGENTS = re.compile(r"^(zabbix-agent2?|datadog-agent|netdata|newrelic-infrastructure|elastic-agent|dd-agent)")


def host_agent_units(workloads: Iterable[Workload]) -> set[str]:
    """The deployment units in which a host monitoring agent runs: compose services of the project, or a
    Kubernetes DaemonSet (one agent per node).

    `agent` alone is Datadog's only as `gcr.io/datadoghq/agent` or `datadog/agent`, not `registry.example.com/shop/agent`."""
    units: set[str] = set()
    for workload in workloads:
        if workload.source == "k8s" and workload.kind != "DaemonSet":
            continue
        if any(HOST_AGENTS.match(_image_name(i)) or DATADOG_AGENT.search(repository(i)) for i in workload.images):
            units.add(str(workload.doc.meta.get("unit", "")))
    return units


def monitoring_in_scope(documents: list[Document], workloads: list[Workload], push_keys: list[str]) -> str | None:
    """What monitors the scan, if anything: a Prometheus/Alertmanager/Grafana config, an operator object, a
    monitoring workload, a scrape annotation, or a workload that pushes metrics. None: no monitoring at all."""
    for doc in documents:
        if doc.kind in MONITORING_KINDS:
            return f"{doc.kind} config {doc.path}"
        if doc.kind == "k8s" and doc.meta.get("k8s_kind") in MONITORING_OBJECTS:
            return f"{doc.meta.get('k8s_kind')} {doc.meta.get('k8s_name')}"
    for workload in workloads:
        image = next((i for i in workload.images
                      if MONITORING_IMAGES.match(_image_name(i)) or DATADOG_AGENT.search(repository(i))), None)
        if image:
            return f"{workload.label()} ({image})"
        if any(workload.annotations.get(k, workload.labels.get(k, "")).lower() == "true" for k in SCRAPE_ANNOTATIONS):
            return f"{workload.label()} (scrape annotation)"
        if pushes(workload, push_keys):
            return f"{workload.label()} (pushes metrics)"
    return None


def _image_name(image: str) -> str:
    return image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0].lower()


def k8s_objects(documents: list[Document], *kinds: str) -> list[Document]:
    return [d for d in documents if d.kind == "k8s" and d.meta.get("k8s_kind") in kinds]


def configured(setting: Setting) -> bool:
    """A setting that sends data somewhere: set, not false, not loopback; a required ${VAR:?} counts, and so
    does a value given at deploy time (a bare compose `environment:` entry, a Kubernetes `valueFrom`): unknown
    here, but named to be set."""
    if not setting.resolved:
        return ":?" in setting.raw or setting.raw == ""
    value = setting.value.strip()
    return value.lower() not in FALSE_WORDS and not _LOOPBACK.match(value)


def pushes(workload: Workload, keys: list[str]) -> Setting | None:
    include = tuple(keys)
    return next((s for s in workload.settings if key_matches(s.key, include) and configured(s)), None)


def scrape_config(documents: list[Document]) -> ScrapeConfig:
    names: set[str] = set()
    k8s_all = docker_all = False
    keep: list[Pattern] = []
    for doc in documents:
        if doc.kind != "prometheus":
            continue
        jobs = doc.data.get("scrape_configs")
        for job in jobs if isinstance(jobs, list) else []:
            if not isinstance(job, dict):
                continue
            names.add(str(job.get("job_name", "")))
            for static in job.get("static_configs") or []:
                for target in (static.get("targets") or []) if isinstance(static, dict) else []:
                    names.add(_host(str(target)))
            keeps = [r for r in job.get("relabel_configs") or [] if isinstance(r, dict) and r.get("action") == "keep"]
            on_labels = [r for r in keeps if not any("scrape" in str(s) for s in r.get("source_labels") or [])]
            for rule in on_labels:
                try:  # a scanned file's regex: RE2, as Prometheus itself uses, never a backtracking engine
                    keep.append(compile_pattern(str(rule.get("regex", "(.*)")), ignore_case=False))
                except ValueError:
                    continue
            if not keeps:
                k8s_all = k8s_all or bool(job.get("kubernetes_sd_configs"))
                docker_all = docker_all or bool(job.get("docker_sd_configs") or job.get("dockerswarm_sd_configs"))
    names.discard("")
    return ScrapeConfig(names, k8s_all, docker_all, keep)


def _host(target: str) -> str:
    host = target.split("://", 1)[-1].split("/", 1)[0]
    host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return host.split(".", 1)[0]


def selects(selector: Any, labels: dict[str, str]) -> bool:
    """A label selector ({matchLabels} or a plain map) against labels; matchExpressions are not judged (they match)."""
    if not isinstance(selector, dict):
        return False
    wanted = selector.get("matchLabels") if "matchLabels" in selector or "matchExpressions" in selector else selector
    wanted = wanted if isinstance(wanted, dict) else {}
    return all(labels.get(str(k)) == text(v) for k, v in wanted.items())


def same_namespace(a: str, b: str) -> bool:
    return not a or not b or a == b


def monitor_namespaces(monitor: Document) -> list[str] | None:
    """Namespaces a ServiceMonitor / PodMonitor looks in; None for any."""
    spec = monitor.data.get("spec") if isinstance(monitor.data.get("spec"), dict) else {}
    chooser = spec.get("namespaceSelector")
    if isinstance(chooser, dict) and chooser.get("any") is True:
        return None
    if isinstance(chooser, dict) and isinstance(chooser.get("matchNames"), list):
        return [str(n) for n in chooser["matchNames"]]
    own = monitor.meta.get("k8s_namespace")
    return [str(own)] if own else None


def annotations_of(doc: Document) -> dict[str, str]:
    metadata = doc.data.get("metadata")
    values = metadata.get("annotations") if isinstance(metadata, dict) else None
    return {str(k): text(v) for k, v in values.items()} if isinstance(values, dict) else {}


def labels_of(doc: Document) -> dict[str, str]:
    metadata = doc.data.get("metadata")
    values = metadata.get("labels") if isinstance(metadata, dict) else None
    return {str(k): text(v) for k, v in values.items()} if isinstance(values, dict) else {}


def selects_workload(service: Document, app: Workload) -> bool:
    spec = service.data.get("spec")
    selector = spec.get("selector") if isinstance(spec, dict) else None
    return (
        bool(selector) and same_namespace(str(service.meta.get("k8s_namespace") or ""), app.namespace)
        and selects(selector, app.labels)
    )


def monitor_selects(monitor: Document, service: Document) -> bool:
    spec = monitor.data.get("spec") if isinstance(monitor.data.get("spec"), dict) else {}
    namespaces = monitor_namespaces(monitor)
    namespace = str(service.meta.get("k8s_namespace") or "")
    in_namespace = namespaces is None or not namespace or namespace in namespaces
    return in_namespace and selects(spec.get("selector") or {"matchLabels": {}}, labels_of(service))


def monitor_selects_pod(monitor: Document, app: Workload) -> bool:
    spec = monitor.data.get("spec") if isinstance(monitor.data.get("spec"), dict) else {}
    namespaces = monitor_namespaces(monitor)
    in_namespace = namespaces is None or not app.namespace or app.namespace in namespaces
    return in_namespace and selects(spec.get("selector") or {"matchLabels": {}}, app.labels)


def alerts(documents: list[Document]) -> list[Alert]:
    found: list[Alert] = []
    records: dict[str, str] = {}
    for doc, base, groups in _rule_groups(documents):
        for g, group in enumerate(groups):
            rules = group.get("rules") if isinstance(group, dict) else None
            for r, rule in enumerate(rules if isinstance(rules, list) else []):
                if not isinstance(rule, dict):
                    continue
                expr = text(rule.get("expr")) + " " + " ".join(
                    text(d.get("model", {}).get("expr")) for d in rule.get("data") or [] if isinstance(d, dict)
                    and isinstance(d.get("model"), dict)
                )
                if "record" in rule:
                    records[str(rule["record"])] = expr
                elif "alert" in rule or "title" in rule:
                    name = str(rule.get("alert") or rule.get("title"))
                    found.append(Alert(doc, base + (g, "rules", r), name, f"{name} {expr}"))
    expanded = []
    for alert in found:
        used = " ".join(expr for record, expr in records.items() if record in alert.text)
        expanded.append(alert._replace(text=f"{alert.text} {used}"))
    return expanded


def _rule_groups(documents: list[Document]) -> Iterator[tuple[Document, Path, list[Any]]]:
    for doc in documents:
        data = doc.data if isinstance(doc.data, dict) else {}
        if doc.kind in ("prometheus-rules", "grafana") and isinstance(data.get("groups"), list):
            yield doc, ("groups",), data["groups"]
        elif doc.kind == "k8s" and doc.meta.get("k8s_kind") == "PrometheusRule":
            spec = data.get("spec")
            if isinstance(spec, dict) and isinstance(spec.get("groups"), list):
                yield doc, ("spec", "groups"), spec["groups"]


def rule_files(documents: list[Document]) -> list[str]:
    return [
        str(f) for d in documents if d.kind == "prometheus" and isinstance(d.data.get("rule_files"), list)
        for f in d.data["rule_files"]
    ]


def receiver_configs(receiver: Any) -> list[str]:
    """The notification integrations of one Alertmanager receiver (slack_configs, emailConfigs ...)."""
    if not isinstance(receiver, dict):
        return []
    return [str(k) for k, v in receiver.items() if str(k).lower().endswith("configs") and v]


def alertmanager_targets(entries: Any) -> bool:
    """Whether `alerting.alertmanagers` reaches any Alertmanager: a static target or a service discovery."""
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        if any(str(k).endswith("_sd_configs") and v for k, v in entry.items()):
            return True
        if any(isinstance(c, dict) and c.get("targets") for c in entry.get("static_configs") or []):
            return True
    return False
