"""Whether the project's monitoring files cover what it runs: scrape targets, alerts, logs, dashboards.

Looks at every document of the scan (target `project`) whose environment the
rule applies to. Application workloads are Kubernetes Deployments and
StatefulSets and compose services (not those with `profiles:` or `restart:
"no"`) whose image and name do not match `exclude` (databases, proxies and
the monitoring stack itself). `check` picks one question:

    scrape-target     every application workload is scraped: a ServiceMonitor (through a Service) or a
                      PodMonitor selects it, its pod or Service has `prometheus.io/scrape: "true"`, a
                      Prometheus `scrape_configs` job names it (job name or static target host) or
                      discovers every target, or it pushes metrics itself (`push_keys` settings, e.g.
                      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT). One finding per workload.
    alert-rules       at least one alerting rule: a Prometheus rule file, a PrometheusRule object or
                      Grafana alert provisioning.
    alert-delivery    alerts reach someone: a Prometheus config that loads rules names an Alertmanager;
                      the Alertmanager's (or AlertmanagerConfig's) default receiver has an integration.
                      Skipped when neither is in the scan.
    error-rate-alert  an alert whose name or expression (recording rules expanded) matches `pattern`;
    latency-alert     by default: 5xx / error / failure; histogram_quantile(0.95|0.99) / latency /
    resource-alert    duration; cpu / memory / disk / filesystem.
    log-shipping      logs leave the host: a logging config (Fluent Bit, Vector, Filebeat, Promtail, OTel
                      Collector logs pipeline), a log shipper workload, a compose `logging.driver` other
                      than json-file / local / journald / none, or a `log_keys` setting (e.g. LOG_OTEL_URL).
    dashboards        dashboards are provisioned: Grafana dashboard providers, a ConfigMap labelled
                      grafana_dashboard, a GrafanaDashboard object, or a Grafana container mounting a
                      dashboards folder.

With no application workload in scope, a check that would fail is skipped instead
(alert-delivery does not need one; found alerting rules are judged anyway). A
finding about the whole scan ("no alerting rule in scope") is located at the
first application workload, where it shows in code scanning and can be waived.

Params: check, exclude, pattern, push_keys, log_keys.

Fails (check: alert-rules):  a compose file with `services: {api: {build: .}}` and no rule file
Passes:                      the same with `alerts.yml`: `groups: [{name: api, rules: [{alert: ApiDown, expr: up == 0}]}]`
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterator, Literal, Optional

from checker.inputs.document import Document
from checker.models import STRICT
from checker.probes import _observability as obs
from checker.probes._ops import compile_pattern, text
from checker.probes.compose_service import one_off
from checker.probes._workloads import (LONG_RUNNING_KINDS, Scope, Workload, data_store, image_name, image_path, in_environments,
                                      in_scope, is_object_storage, workloads)
from checker.probes.base import Context, Observation

NAME = "monitoring-coverage"
TARGETS = ("project",)

NOT_APPLICATIONS = (
    r"^(db|database|proxy|.*[-_]proxy|postgres|postgis|pgvector|timescale|mongo|mysql|mariadb|percona|redis|valkey|keydb"
    r"|memcached|cassandra|scylla|cockroach|elasticsearch|opensearch|clickhouse|neo4j|couchdb|influxdb|milvus|weaviate"
    r"|qdrant|etcd|minio|seaweedfs|rabbitmq|(cp-)?kafka|zookeeper|nats|prometheus|grafana|alertmanager|loki|promtail"
    r"|tempo|jaeger|zipkin|otel|opentelemetry|fluent|vector|filebeat|metricbeat|logstash|kibana|.*exporter|cadvisor"
    r"|kube-state-metrics|nginx|traefik|haproxy|envoy|caddy|squid|pgbouncer|pgadmin|adminer|portainer|busybox|alpine"
    r"|smtp|exim|postfix|mailhog|velero|restic|loadgenerator|locust|acme|letsencrypt|certbot|cron|.*[-_]cron$)"
)
PATTERNS = {
    "error-rate-alert": r'"5(\.\.|xx|\d\d)|5xx|error|fail|exception|grpc_code\s*!=',
    "latency-alert": r'histogram_quantile\s*\(\s*0?\.9[059]|quantile\s*=\s*"0?\.9[059]|latency|duration|response_?time|slow',
    "resource-alert": r"cpu|memory|\bmem|disk|filesystem|volume_stats|inode|oom|swap|saturation|node_load\d*|\bload\d*\b",
}
WHAT = {"error-rate-alert": "error rate", "latency-alert": "latency", "resource-alert": "resource usage"}
LOG_SHIPPERS = re.compile(r"^(fluent-?bit|fluentd|vector|promtail|filebeat|logstash|alloy|grafana-agent|elastic-agent|splunk)")
SHIPPING_DRIVERS_NOT = {"", "json-file", "local", "journald", "none"}
Check = Literal[
    "scrape-target", "alert-rules", "alert-delivery", "error-rate-alert", "latency-alert", "resource-alert",
    "log-shipping", "dashboards",
]


@dataclass
class Params:
    __pydantic_config__ = STRICT
    check: Check
    exclude: str = NOT_APPLICATIONS
    pattern: Optional[str] = None
    push_keys: list[str] = field(default_factory=lambda: [
        "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "*METRICS_OTEL_URL*", "*STATSD_HOST*",
        "*STATSD_ADDR*", "DD_AGENT_HOST", "TRACELOOP_BASE_URL",  # Traceloop's OpenLLMetry SDK exports metrics there too
    ])
    log_keys: list[str] = field(default_factory=lambda: [
        "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "*LOG_OTEL_URL*", "*LOKI_URL*", "*FLUENTD_HOST*", "*SYSLOG_HOST*",
    ])

    def __post_init__(self) -> None:
        compile_pattern(self.exclude)
        if self.pattern is not None:
            compile_pattern(self.pattern)


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    documents = in_scope(doc, context.environments)
    if params.check == "alert-delivery":
        yield from _alert_delivery(documents)
        return
    # a service a development overlay adds (compose.tests.yaml's frontendTests) is judged by that overlay's environment
    apps = [w for w in workloads(documents) if _is_application(w, params)
            and in_environments(w.doc, image_path(w), context.environments)]
    if apps and params.check in DEPENDS_ON_A_STACK:
        watched = obs.host_agent_units(workloads(documents))
        if watched and all(_unit(a.doc) in watched for a in apps):
            yield Observation((), "watched by a host monitoring agent (Zabbix, Datadog, Netdata, New Relic) whose checks, "
                              "alerting and dashboards live in its own server, which the scan does not read", status="skip")
            return
        apps = [a for a in apps if _unit(a.doc) not in watched]
    observations = list(CHECKS[params.check](documents, apps, params))
    if apps and params.check in DEPENDS_ON_A_STACK:
        failing = {_unit(o.document) if o.document is not None else None for o in observations if o.status == "fail"}
        passing = {_unit(o.document) for o in observations if o.status == "pass" and o.document is not None}
        bare = {u for u in _units_without_monitoring(documents, apps, params)
                if (u in failing or None in failing) and u not in passing}
        if bare:  # one cause: said once per unit, not once per rule and app; other units are judged as usual
            yield from _no_monitoring([a for a in apps if _unit(a.doc) in bare], params.check)
            apps = [a for a in apps if _unit(a.doc) not in bare]
            if not apps:
                return
            documents = Scope(d for d in documents if _unit(d) not in bare)
            observations = list(CHECKS[params.check](documents, apps, params))
    if apps and params.check in PATTERNS and not obs.alerts(documents):
        yield Observation((), f"no alerting in scope, so no alert on {WHAT[params.check]} to judge (MON-201 reports "
                          "the missing alerting rules)" + _missing_rule_files(documents), status="skip")
        return
    judged = params.check in PATTERNS and bool(obs.alerts(documents))  # rules in a monitoring-only repo
    if not apps and not judged and (not observations or any(o.status == "fail" for o in observations)):
        scope = f"{'/'.join(context.environments)} " if context.environments else ""
        yield Observation((), f"no {scope}application workload in scope", status="skip")
        return
    for observation in observations:  # a finding about the whole scan is shown (and waived) at the first workload
        if observation.status == "fail" and observation.document is None and apps:
            observation = observation._replace(path=apps[0].path, document=apps[0].doc)
        yield observation


# checks that judge what an observability stack does: with no monitoring at all in scope, MON-200 reports
# that once per deployment unit and these skip (log shipping is a question of its own: MON-206)
DEPENDS_ON_A_STACK = ("scrape-target", "alert-rules", "error-rate-alert", "latency-alert", "resource-alert", "dashboards")


def _unit(doc: Document) -> str:
    return str(doc.meta.get("unit", ""))


def _units_without_monitoring(documents: list[Document], apps: list[Workload], params: Params) -> set[str]:
    """The deployment units of `apps` in which nothing scrapes, alerts or receives pushed metrics: a
    Prometheus of another unit (another compose project, another kustomization) does not watch them."""
    by_unit: dict[str, list[Document]] = {}
    for document in documents:  # grouped once: per-unit filtering of every document was quadratic in units
        by_unit.setdefault(_unit(document), []).append(document)
    bare: set[str] = set()
    for unit in {_unit(app.doc) for app in apps}:
        members = by_unit.get(unit, [])
        if obs.monitoring_in_scope(members, list(workloads(members)), params.push_keys) is None:
            bare.add(unit)
    return bare


def _no_monitoring(apps: list[Workload], check: str) -> Iterator[Observation]:
    if check != "scrape-target":
        yield Observation((), "no monitoring in scope (no Prometheus, Alertmanager or Grafana config, operator object, "
                          "scrape annotation or metrics push): reported once per unit by MON-200", status="skip")
        return
    units: dict[str, list[Workload]] = {}
    for app in apps:
        units.setdefault(str(app.doc.meta.get("unit", "")), []).append(app)
    for members in units.values():
        first = members[0]
        yield Observation(first.path, f"no monitoring in scope: nothing scrapes or alerts on {_names(members)} (no "
                          "Prometheus config, ServiceMonitor, scrape annotation or metrics push)", document=first.doc)


def _is_application(workload: Workload, params: Params) -> bool:
    spec = workload.spec
    if workload.source == "k8s" and workload.kind not in LONG_RUNNING_KINDS:
        return False
    if workload.source == "compose" and (spec.get("profiles") or one_off(workload.name, spec, set())):
        return False  # optional tooling, and jobs that run to completion (migrations, init, setup)
    if data_store(workload) or is_object_storage(workload):  # databases, caches, queues, poolers: not the app
        return False
    exclude = compile_pattern(params.exclude)
    return not exclude.search(workload.name) and not any(exclude.search(image_name(i)) for i in workload.images)


def _scrape_target(documents: list[Document], apps: list[Workload], params: Params) -> Iterator[Observation]:
    config = obs.scrape_config(documents)
    # by deployment unit and namespace: each app is compared with its neighbours only (inputs/units.py)
    services: dict[tuple[str, str], list[Document]] = {}
    for service in obs.k8s_objects(documents, "Service"):
        place = str(service.meta.get("unit", ""))
        services.setdefault((place, str(service.meta.get("k8s_namespace") or "")), []).append(service)
        services.setdefault((place, "\x00any"), []).append(service)
    service_monitors = obs.k8s_objects(documents, *obs.SERVICE_MONITORS)
    pod_monitors = obs.k8s_objects(documents, *obs.POD_MONITORS)
    for app in apps:
        names = {app.name} | {str(app.spec.get(k)) for k in ("container_name", "hostname") if app.spec.get(k)}
        if app.source == "k8s":
            place = str(app.doc.meta.get("unit", ""))
            if app.namespace:
                nearby = services.get((place, app.namespace), []) + services.get((place, ""), [])
            else:
                nearby = services.get((place, "\x00any"), [])
            mine = [s for s in nearby if obs.selects_workload(s, app)]
            names |= {str(s.meta.get("k8s_name")) for s in mine}
            if (
                config.k8s_all or _annotated(app.annotations) or any(_annotated(obs.annotations_of(s)) for s in mine)
                or any(obs.monitor_selects(m, s) for m in service_monitors for s in mine)
                or any(obs.monitor_selects_pod(m, app) for m in pod_monitors)
            ):
                continue
        elif config.docker_all or _annotated(app.labels):
            continue
        if names & config.names or any(p.fullmatch(v) for p in config.keep for v in [*names, *app.labels.values()]):
            continue
        if obs.pushes(app, params.push_keys):
            continue
        yield Observation(app.path, f"{app.label()} is not scraped by Prometheus and pushes no metrics", document=app.doc)


def _annotated(annotations: dict[str, str]) -> bool:
    return any(annotations.get(key, "").lower() == "true" for key in obs.SCRAPE_ANNOTATIONS)


def _alert_rules(documents: list[Document], apps: list[Workload], params: Params) -> Iterator[Observation]:
    found = obs.alerts(documents)
    if found:
        files = list(dict.fromkeys(a.doc.path for a in found))
        yield Observation(found[0].path, f"{len(found)} alerting rules in {len(files)} file(s)", status="pass",
                          document=found[0].doc)
        return
    yield Observation((), "no alerting rule in scope" + _missing_rule_files(documents))


def _missing_rule_files(documents: list[Document]) -> str:
    names = obs.rule_files(documents)
    return f" (the Prometheus config loads {', '.join(names[:3])}, which was not scanned)" if names else ""


def _alert_on(documents: list[Document], apps: list[Workload], params: Params, check: str) -> Iterator[Observation]:
    what = WHAT[check]
    found = obs.alerts(documents)
    if not found:
        yield Observation((), f"no alerting rule in scope, so none on {what}" + _missing_rule_files(documents))
        return
    pattern = compile_pattern(params.pattern or PATTERNS[check])
    hit = next((a for a in found if pattern.search(a.text)), None)
    if hit:
        yield Observation(hit.path, f"alert {hit.name} watches {what}", status="pass", document=hit.doc)
        return
    names = ", ".join(a.name for a in found[:4]) + (" ..." if len(found) > 4 else "")
    first = found[0]
    yield Observation(first.path[:-3] or first.path, f"none of the {len(found)} alerting rules ({names}) watches {what}",
                      document=first.doc)


def _alert_delivery(documents: list[Document]) -> Iterator[Observation]:
    has_rules = bool(obs.alerts(documents))
    prometheus = [d for d in documents if d.kind == "prometheus" and (d.data.get("rule_files") or has_rules)]
    managers = [(d, ()) for d in documents if d.kind == "alertmanager"] + [
        (d, ("spec",)) for d in obs.k8s_objects(documents, "AlertmanagerConfig")
    ]
    if not prometheus and not managers:
        yield Observation((), "no Prometheus config that loads alerting rules and no Alertmanager config in scope", status="skip")
        return
    delivered = []
    for doc in prometheus:
        alerting = doc.data.get("alerting")
        if isinstance(alerting, dict) and obs.alertmanager_targets(alerting.get("alertmanagers")):
            delivered.append("Prometheus names an Alertmanager")
            continue
        where = ("rule_files",) if "rule_files" in doc.data else ()
        yield Observation(where, "Prometheus evaluates alerting rules but names no Alertmanager (alerting.alertmanagers)",
                          document=doc)
    for doc, base in managers:
        config = doc.data.get("spec") if base else doc.data
        config = config if isinstance(config, dict) else {}
        route = config.get("route")
        name = route.get("receiver") if isinstance(route, dict) else None
        receivers = {str(r.get("name")): r for r in config.get("receivers") or [] if isinstance(r, dict)}
        integrations = obs.receiver_configs(receivers.get(str(name)))
        if name is None or str(name) not in receivers:
            yield Observation(base + ("route",), f"the default route's receiver {name!r} is not defined", document=doc)
        elif not integrations:
            yield Observation(base + ("route", "receiver"), f"the default receiver {name!r} notifies nobody (no *_configs)",
                              str(name), document=doc)
        else:
            delivered.append(f"receiver {name} notifies through {', '.join(integrations)}")
    if len(delivered) == len(prometheus) + len(managers):
        yield Observation((), "; ".join(dict.fromkeys(delivered)), status="pass")


def _log_shipping(documents: list[Document], apps: list[Workload], params: Params) -> Iterator[Observation]:
    config = next((d for d in documents if d.kind == "logging"), None)
    if config is not None:  # a shipper's configuration: read scan-wide, as scrape configs are
        yield Observation((), f"log shipping configured in {config.path}", status="pass", document=config)
        return
    every = list(workloads(documents))
    for unit, members in _by_unit(apps, every):  # a shipper in one deployment unit ships no other's logs
        shipped = next((o for o in map(lambda w: _ships_logs(w, params), members[1]) if o is not None), None)
        if shipped is not None:
            yield shipped
            continue
        where = members[0][0]
        yield Observation(where.path, f"logs of {_names(members[0])} stay on the host: no log shipper, logging driver "
                                      "or log endpoint", document=where.doc if unit is not None else None)


def _ships_logs(workload: Workload, params: Params) -> Observation | None:
    shipper = next((i for i in workload.images if LOG_SHIPPERS.match(image_name(i))), None)
    if shipper:
        return Observation(workload.path, f"{workload.label()} ships logs ({shipper})", status="pass", document=workload.doc)
    logging = workload.spec.get("logging") if workload.source == "compose" else None
    driver = text(logging.get("driver")) if isinstance(logging, dict) else ""
    if driver not in SHIPPING_DRIVERS_NOT:
        return Observation(workload.path + ("logging", "driver"), f"{workload.label()} logs to the {driver} driver",
                           status="pass", document=workload.doc)
    setting = obs.pushes(workload, params.log_keys)
    if setting:
        where = setting.path if setting.scope else workload.path  # else: from an env_file
        return Observation(where, f"{workload.label()} sends logs to {setting.key}", status="pass", document=workload.doc)
    return None


def _by_unit(apps: list[Workload], every: list[Workload]) -> list[tuple[str | None, tuple[list[Workload], list[Workload]]]]:
    """(unit, (its applications, all its workloads)) for each unit with an application; one scan-wide group
    (unit None) when every application is in one unit."""
    units: dict[str, tuple[list[Workload], list[Workload]]] = {}
    for app in apps:
        units.setdefault(str(app.doc.meta.get("unit", "")), ([], []))[0].append(app)
    if len(units) <= 1:
        return [(None, (apps, every))] if apps else []
    for workload in every:
        group = units.get(str(workload.doc.meta.get("unit", "")))
        if group is not None:
            group[1].append(workload)
    return [(unit, group) for unit, group in units.items()]


def _dashboards(documents: list[Document], apps: list[Workload], params: Params) -> Iterator[Observation]:
    for doc in documents:  # provisioning files and dashboard objects: read scan-wide
        data = doc.data if isinstance(doc.data, dict) else {}
        kind = doc.meta.get("k8s_kind")
        if (doc.kind == "grafana" and data.get("providers")) or kind == "GrafanaDashboard" or (
            kind == "ConfigMap" and "grafana_dashboard" in obs.labels_of(doc)
        ):
            yield Observation((), f"dashboards provisioned by {doc.meta.get('label') or doc.path}", status="pass", document=doc)
            return
    for unit, (unit_apps, members) in _by_unit(apps, list(workloads(documents))):  # a Grafana serves its own unit
        mounted = None
        for workload in members:
            if any(image_name(i).startswith("grafana") for i in workload.images):
                mount = next((m for m in workload.mounts if "dashboards" in m.target), None)
                if mount:
                    mounted = Observation(mount.path, f"{workload.label()} mounts dashboards at {mount.target}",
                                          status="pass", document=workload.doc)
                    break
        if mounted is not None:
            yield mounted
            continue
        first = unit_apps[0]
        yield Observation(first.path, f"no dashboard is provisioned for {_names(unit_apps)}",
                          document=first.doc if unit is not None else None)


def _names(apps: list[Workload]) -> str:
    names = list(dict.fromkeys(a.name for a in apps))
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


CHECKS: dict[str, Callable[[list[Document], list[Workload], Params], Iterator[Observation]]] = {
    "scrape-target": _scrape_target,
    "alert-rules": _alert_rules,
    "error-rate-alert": lambda d, a, p: _alert_on(d, a, p, "error-rate-alert"),
    "latency-alert": lambda d, a, p: _alert_on(d, a, p, "latency-alert"),
    "resource-alert": lambda d, a, p: _alert_on(d, a, p, "resource-alert"),
    "log-shipping": _log_shipping,
    "dashboards": _dashboards,
}
