"""Edge cases of the monitoring-config, backups-config and security-workflows rules (MON-2xx, BAK-1xx, SEC-40x).

These rules read a whole scan at once (target `project`) or GitHub workflow
files. Each test pins (status, file, line, object) of every result; the catalog
test already checks that every fixture fails or passes. Files are written under
a folder named `deploy` (no environment in the name: production applies).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from checker.models import Result
from helpers import CORPUS, FIXTURES, run_rule, statuses

Row = tuple[str, "str | None", "int | None", "str | None"]


def rows(results: list[Result]) -> list[Row]:
    """(status, file name, line, object) of every result."""
    return [
        (r.status, Path(r.location.file).name if r.location and r.location.file else None,
         r.location.line if r.location else None, r.location.object if r.location else None)
        for r in results
    ]


def write(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "deploy"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def deployment(name: str, image: str = "", extra: str = "", namespace: str = "shop") -> str:
    image = image or f"registry.example.com/shop/{name}:2.4.1"
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {namespace}\n"
        f"spec:\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n"
        f"    spec:\n      containers:\n        - name: {name}\n          image: {image}\n{extra}"
    )


# --- MON-200 scrape targets --------------------------------------------------------------------


def test_mon200_unscraped_deployment_is_the_only_finding() -> None:
    results = run_rule("MON-200", FIXTURES / "MON-200" / "fail-unscraped.yaml")
    assert rows(results) == [("fail", "fail-unscraped.yaml", 5, "Deployment/api metadata.name")]
    assert results[0].message == "Deployment/api is not scraped by Prometheus and pushes no metrics"


def test_mon200_static_targets_name_compose_services() -> None:
    results = run_rule("MON-200", FIXTURES / "MON-200" / "fail-compose-static-targets")
    assert rows(results) == [("fail", "compose.yaml", 5, "services.worker")]
    assert statuses(run_rule("MON-200", FIXTURES / "MON-200" / "pass-compose-static-targets")) == ["pass"]


def test_mon200_service_monitor_in_another_namespace_must_look_there(tmp_path: Path) -> None:
    text = (FIXTURES / "MON-200" / "pass-service-monitor.yaml").read_text().replace("matchNames: [shop]", "matchNames: [billing]")
    root = write(tmp_path, {"shop.yaml": text})
    assert rows(run_rule("MON-200", root)) == [("fail", "shop.yaml", 4, "Deployment/api metadata.name")]


@pytest.mark.parametrize("monitor", [
    "apiVersion: monitoring.coreos.com/v1\nkind: PodMonitor\nmetadata: {name: api, namespace: shop}\n"
    "spec: {selector: {matchLabels: {app: api}}, podMetricsEndpoints: [{port: http}]}\n",
    "apiVersion: monitoring.googleapis.com/v1\nkind: PodMonitoring\nmetadata: {name: api, namespace: shop}\n"
    "spec: {selector: {matchLabels: {app: api}}, endpoints: [{port: 3000}]}\n",
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  namespace: shop\n  annotations: {prometheus.io/scrape: 'true'}\n"
    "spec: {selector: {app: api}, ports: [{port: 80}]}\n",
])
def test_mon200_pod_monitors_and_service_annotations_count(tmp_path: Path, monitor: str) -> None:
    root = write(tmp_path, {"api.yaml": deployment("api") + "---\n" + monitor})
    assert statuses(run_rule("MON-200", root)) == ["pass"]


def test_mon200_kubernetes_sd_without_keep_scrapes_everything(tmp_path: Path) -> None:
    prometheus = "scrape_configs:\n  - job_name: pods\n    kubernetes_sd_configs: [{role: pod}]\n"
    root = write(tmp_path, {"api.yaml": deployment("api"), "prometheus.yml": prometheus})
    assert statuses(run_rule("MON-200", root)) == ["pass"]
    keep = prometheus + (
        "    relabel_configs:\n      - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]\n"
        "        action: keep\n        regex: 'true'\n"
    )
    root = write(tmp_path / "keep", {"api.yaml": deployment("api"), "prometheus.yml": keep})
    assert rows(run_rule("MON-200", root)) == [("fail", "api.yaml", 4, "Deployment/api metadata.name")]


def test_mon200_pushed_metrics_count_but_not_to_loopback_or_empty(tmp_path: Path) -> None:
    compose = (
        "services:\n"
        "  api:\n    image: registry.example.com/shop/api:2.4.1\n"
        "    environment: {OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'https://otel.example.com:4318'}\n"
        "  relay:\n    image: registry.example.com/shop/relay:2.4.1\n"
        "    environment: {RELAY_STATSD_ADDR: '127.0.0.1:8125'}\n"
        "  app:\n    image: registry.example.com/shop/app:2.4.1\n"
        "    environment: {METRICS_OTEL_URL: '${METRICS_OTEL_URL:?required}'}\n"
        "  web:\n    image: registry.example.com/shop/web:2.4.1\n"
        "    environment: {SENTRY_STATSD_ADDR: '${STATSD_ADDR:-}'}\n"
    )
    results = run_rule("MON-200", write(tmp_path, {"compose.yaml": compose}))
    assert rows(results) == [("fail", "compose.yaml", 5, "services.relay"), ("fail", "compose.yaml", 11, "services.web")]


def test_mon200_databases_proxies_and_one_shot_services_are_not_applications(tmp_path: Path) -> None:
    compose = (
        "services:\n"
        "  db: {image: 'postgres:16.4'}\n"
        "  cache: {image: 'valkey/valkey:8.0'}\n"
        "  proxy: {build: ./proxy}\n"
        "  migrate: {image: 'registry.example.com/shop/api:2.4.1', restart: 'no'}\n"
        "  puller: {image: 'registry.example.com/shop/sandbox:2.4.1', profiles: [images]}\n"
        "  files: {image: 'minio/minio:RELEASE.2024-10-13T13-34-11Z'}\n"
        "  users: {image: 'registry.example.com/shop/user-db:1.0', ports: ['27017']}\n"
    )
    (result,) = run_rule("MON-200", write(tmp_path, {"compose.yaml": compose}))
    assert (result.status, result.message) == ("skip", "no production application workload in scope")


def test_mon200_development_files_are_out_of_scope(tmp_path: Path) -> None:
    root = write(tmp_path, {"docker-compose.dev.yml": "services: {api: {build: .}}\n"})
    assert statuses(run_rule("MON-200", root)) == ["skip"]


# --- MON-201 .. MON-205 alerting --------------------------------------------------------------


def test_mon201_no_rules_is_one_finding_at_the_first_workload_naming_missing_rule_files() -> None:
    (result,) = run_rule("MON-201", FIXTURES / "MON-201" / "fail-rule-file-not-scanned")
    assert rows([result]) == [("fail", "compose.yaml", 2, "services.api")]
    assert result.message == (
        "no alerting rule in scope (the Prometheus config loads /etc/prometheus/rules/*.rules, which was not scanned)"
    )


def test_mon201_passes_on_grafana_alert_provisioning() -> None:
    results = run_rule("MON-201", FIXTURES / "MON-201" / "pass-grafana-alerting")
    assert rows(results) == [("pass", "alert-rules.yaml", 8, "groups[0].rules[0]")]
    assert results[0].message == "1 alerting rules in 1 file(s)"


def test_mon201_skips_without_application_workloads(tmp_path: Path) -> None:
    root = write(tmp_path, {"compose.yaml": "services: {db: {image: 'postgres:16.4'}}\n"})
    assert statuses(run_rule("MON-201", root)) == ["skip"]


@pytest.mark.parametrize(("rule_id", "what"), [("MON-203", "error rate"), ("MON-204", "latency"), ("MON-205", "resource usage")])
def test_alert_kind_missing_points_at_the_rule_groups(rule_id: str, what: str) -> None:
    (result,) = run_rule(rule_id, FIXTURES / rule_id / "fail-availability-only.yaml")
    assert rows([result]) == [("fail", "fail-availability-only.yaml", 16, "groups")]
    assert result.message == f"none of the 2 alerting rules (ApiDown, ApiRestarting) watches {what}"


def test_mon204_recording_rule_used_by_the_alert_is_expanded() -> None:
    results = run_rule("MON-204", FIXTURES / "MON-204" / "pass-recorded-p95.yaml")
    assert rows(results) == [("pass", "pass-recorded-p95.yaml", 21, "groups[0].rules[1]")]
    assert results[0].message == "alert ApiObjectiveBreached watches latency"


def test_alert_rules_in_a_monitoring_only_folder_are_judged(tmp_path: Path) -> None:
    root = write(tmp_path, {"alerts.yml": "groups: [{name: a, rules: [{alert: ApiDown, expr: up == 0}]}]\n"})
    assert rows(run_rule("MON-203", root)) == [("fail", "alerts.yml", 1, "groups")]
    assert statuses(run_rule("MON-201", root)) == ["pass"]
    assert statuses(run_rule("MON-203", write(tmp_path / "none", {"x.yaml": "a: 1\n"}))) == ["skip"]


def test_no_monitoring_at_all_is_one_finding_per_unit_and_the_dependent_rules_skip(tmp_path: Path) -> None:
    # issue 14: no Prometheus in scope produced ~9 findings per workload; now the cause is said once
    root = write(tmp_path, {"api.yaml": deployment("api") + "---\n" + deployment("worker")})
    (scrape,) = run_rule("MON-200", root)
    assert rows([scrape]) == [("fail", "api.yaml", 4, "Deployment/api metadata.name")]
    assert scrape.message.startswith("no monitoring in scope: nothing scrapes or alerts on api, worker")
    for rule in ("MON-201", "MON-203", "MON-204", "MON-205", "MON-207"):
        (result,) = run_rule(rule, root)
        assert (result.status, result.message.split(" (")[0]) == ("skip", "no monitoring in scope"), rule


def test_prometheus_without_alerting_rules_fails_once_and_the_alert_kinds_skip(tmp_path: Path) -> None:
    prometheus = "scrape_configs:\n  - job_name: api\n    static_configs: [{targets: ['api:8080']}]\n"
    root = write(tmp_path, {"api.yaml": deployment("api"), "prometheus.yml": prometheus})
    (rules,) = run_rule("MON-201", root)
    assert (rules.status, rules.message) == ("fail", "no alerting rule in scope")
    (resource,) = run_rule("MON-205", root)
    assert resource.status == "skip" and resource.message.startswith("no alerting in scope, so no alert on resource usage")


def test_a_finding_about_the_whole_scan_can_be_waived_at_the_first_workload(tmp_path: Path) -> None:
    compose = "services:\n  api:  # preflight: ignore[MON-206] the platform collects stdout\n    build: .\n"
    (result,) = run_rule("MON-206", write(tmp_path, {"compose.yaml": compose}))
    assert (result.status, result.waiver is not None) == ("waived", True)


# --- MON-202 alert delivery --------------------------------------------------------------------


def test_mon202_prometheus_without_alertmanager_points_at_rule_files() -> None:
    results = run_rule("MON-202", FIXTURES / "MON-202" / "fail-no-alertmanager")
    assert rows(results) == [("fail", "prometheus.yml", 3, "rule_files")]


def test_mon202_default_receiver_without_integration() -> None:
    results = run_rule("MON-202", FIXTURES / "MON-202" / "fail-silent-receiver.yaml")
    assert rows(results) == [("fail", "fail-silent-receiver.yaml", 4, "route.receiver")]
    assert results[0].message == "the default receiver 'default' notifies nobody (no *_configs)"


def test_mon202_undefined_receiver_and_operator_config(tmp_path: Path) -> None:
    config = (
        "apiVersion: monitoring.coreos.com/v1alpha1\nkind: AlertmanagerConfig\nmetadata: {name: shop}\n"
        "spec:\n  route: {receiver: team}\n  receivers:\n    - name: team\n      slackConfigs: [{channel: '#shop'}]\n"
        "---\nroute: {receiver: ghost}\nreceivers: [{name: oncall, webhook_configs: [{url: 'https://hooks.example.com'}]}]\n"
    )
    results = run_rule("MON-202", write(tmp_path, {"alerting.yaml": config}))
    assert rows(results) == [("fail", "alerting.yaml", 10, "route")]
    assert results[0].message == "the default route's receiver 'ghost' is not defined"


def test_mon202_skips_without_prometheus_or_alertmanager(tmp_path: Path) -> None:
    assert statuses(run_rule("MON-202", write(tmp_path, {"api.yaml": deployment("api")}))) == ["skip"]
    # a Prometheus that loads no rules has nothing to deliver, even with an empty alertmanagers list
    prometheus = "global: {}\nalerting: {alertmanagers: [{static_configs: [{targets: []}]}]}\nscrape_configs: []\n"
    assert statuses(run_rule("MON-202", write(tmp_path / "p", {"prometheus.yml": prometheus}))) == ["skip"]


def test_mon202_empty_alertmanager_targets_deliver_nothing(tmp_path: Path) -> None:
    prometheus = "rule_files: [alerts.yml]\nalerting: {alertmanagers: [{static_configs: [{targets: []}]}]}\nscrape_configs: []\n"
    assert rows(run_rule("MON-202", write(tmp_path, {"prometheus.yml": prometheus}))) == [
        ("fail", "prometheus.yml", 1, "rule_files")
    ]


def test_mon202_pass_names_what_delivers() -> None:
    (result,) = run_rule("MON-202", FIXTURES / "MON-202" / "pass-routed")
    assert result.message == "Prometheus names an Alertmanager; receiver oncall notifies through slack_configs"


# --- MON-206 logs, MON-207 dashboards ----------------------------------------------------------


@pytest.mark.parametrize(("service", "line", "obj"), [
    ("    logging: {driver: gelf, options: {gelf-address: 'udp://logs.example.com:12201'}}\n", 4, "services.api.logging.driver"),
    ("    environment: {LOG_OTEL_URL: '${LOG_OTEL_URL:?required}'}\n", 4, "services.api.environment.LOG_OTEL_URL"),
])
def test_mon206_logging_driver_or_log_endpoint(tmp_path: Path, service: str, line: int, obj: str) -> None:
    compose = "services:\n  api:\n    image: registry.example.com/shop/api:2.4.1\n" + service
    assert rows(run_rule("MON-206", write(tmp_path, {"compose.yaml": compose}))) == [("pass", "compose.yaml", line, obj)]


def test_mon206_env_file_of_the_service_counts(tmp_path: Path) -> None:
    compose = "services:\n  api:\n    image: registry.example.com/shop/api:2.4.1\n    env_file: api.env\n"
    root = write(tmp_path, {"compose.yaml": compose, "api.env": "LOG_OTEL_URL=https://otel.example.com/v1/logs\n"})
    results = run_rule("MON-206", root)
    assert rows(results) == [("pass", "compose.yaml", 2, "services.api")]
    assert results[0].message == "service api sends logs to LOG_OTEL_URL"


def test_mon206_local_drivers_do_not_ship(tmp_path: Path) -> None:
    compose = "services:\n  api:\n    image: registry.example.com/shop/api:2.4.1\n    logging: {driver: journald}\n"
    (result,) = run_rule("MON-206", write(tmp_path, {"compose.yaml": compose}))
    assert (result.status, result.message) == ("fail", "logs of api stay on the host: no log shipper, logging driver or log endpoint")


def test_mon207_grafana_mounting_dashboards(tmp_path: Path) -> None:
    compose = (
        "services:\n  api: {build: .}\n  grafana:\n    image: grafana/grafana:11.3.0\n"
        "    volumes: ['./dashboards:/var/lib/grafana/dashboards:ro']\n"
    )
    assert rows(run_rule("MON-207", write(tmp_path, {"compose.yaml": compose}))) == [
        ("pass", "compose.yaml", 5, "services.grafana.volumes[0]")
    ]
    (result,) = run_rule("MON-207", FIXTURES / "MON-207" / "fail-datasources-only")
    assert (result.status, result.message) == ("fail", "no dashboard is provisioned for api")


# --- BAK-100 Kubernetes database backups -------------------------------------------------------


def statefulset(name: str, image: str, namespace: str = "shop", claim: bool = True) -> str:
    volumes = (
        "          volumeMounts: [{name: data, mountPath: /data}]\n"
        "  volumeClaimTemplates:\n    - metadata: {name: data}\n      spec: {resources: {requests: {storage: 10Gi}}}\n"
    ) if claim else ""
    return (
        f"apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {name}\n  namespace: {namespace}\nspec:\n"
        f"  template:\n    spec:\n      containers:\n        - name: {name}\n          image: {image}\n{volumes}"
    )


def cronjob(name: str, command: str, extra: str = "", namespace: str = "shop") -> str:
    return (
        f"apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: {name}\n  namespace: {namespace}\nspec:\n"
        f"  schedule: '0 3 * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n"
        f"          containers:\n            - name: job\n              image: alpine:3.20\n"
        f"              command: [sh, -c, {command!r}]\n{extra}"
    )


def test_bak100_wrong_engine_dump_does_not_count() -> None:
    results = run_rule("BAK-100", FIXTURES / "BAK-100" / "fail-wrong-dump-tool.yaml")
    assert rows(results) == [("fail", "fail-wrong-dump-tool.yaml", 5, "StatefulSet/postgres metadata.name")]
    assert results[0].message == (
        "StatefulSet/postgres (postgres) has no scheduled backup: no CronJob dumps it and no Velero/K8up Schedule covers its namespace"
    )


def test_bak100_file_backup_mounting_the_claim_counts(tmp_path: Path) -> None:
    mounts = (
        "              volumeMounts: [{name: data, mountPath: /data, readOnly: true}]\n"
        "          volumes: [{name: data, persistentVolumeClaim: {claimName: data-redis}}]\n"
    )
    files = {
        "redis.yaml": statefulset("redis", "redis:7.4.1"),
        "backup.yaml": cronjob("redis-files", "restic backup /data", mounts),
    }
    assert statuses(run_rule("BAK-100", write(tmp_path, files))) == ["pass"]
    other = dict(files, **{"backup.yaml": cronjob("redis-files", "restic backup /data", mounts.replace("data-redis", "other"))})
    assert rows(run_rule("BAK-100", write(tmp_path / "other", other))) == [("fail", "redis.yaml", 4, "StatefulSet/redis metadata.name")]


def test_bak100_redis_without_a_volume_is_a_cache(tmp_path: Path) -> None:
    root = write(tmp_path, {"redis.yaml": statefulset("redis", "redis:7.4.1", claim=False)})
    assert statuses(run_rule("BAK-100", root)) == ["skip"]


def test_bak100_database_without_volume_says_so(tmp_path: Path) -> None:
    (result,) = run_rule("BAK-100", write(tmp_path, {"db.yaml": statefulset("orders", "mariadb:11.4", claim=False)}))
    assert result.message.startswith("StatefulSet/orders (mysql) has no scheduled backup and no persistent volume")


@pytest.mark.parametrize(("schedule", "status"), [
    ("apiVersion: velero.io/v1\nkind: Schedule\nmetadata: {name: all, namespace: velero}\nspec: {schedule: '@daily', template: {}}\n", "pass"),
    ("apiVersion: velero.io/v1\nkind: Schedule\nmetadata: {name: all, namespace: velero}\n"
     "spec: {schedule: '@daily', template: {excludedNamespaces: [shop]}}\n", "fail"),
    ("apiVersion: velero.io/v1\nkind: Schedule\nmetadata: {name: b, namespace: velero}\n"
     "spec: {schedule: '@daily', template: {includedNamespaces: [billing]}}\n", "fail"),
    ("apiVersion: k8up.io/v1\nkind: Schedule\nmetadata: {name: s, namespace: shop}\nspec: {backup: {schedule: '@daily'}}\n", "pass"),
    ("apiVersion: k8up.io/v1\nkind: Schedule\nmetadata: {name: s, namespace: billing}\nspec: {backup: {schedule: '@daily'}}\n", "fail"),
])
def test_bak100_schedules_cover_their_namespaces(tmp_path: Path, schedule: str, status: str) -> None:
    root = write(tmp_path, {"db.yaml": statefulset("mongo", "mongo:7.0.14") + "---\n" + schedule})
    assert statuses(run_rule("BAK-100", root)) == [status]


def test_bak100_compose_databases_are_left_to_bak001(tmp_path: Path) -> None:
    root = write(tmp_path, {"compose.yaml": "services: {db: {image: 'mongo:7.0.14', volumes: ['db:/data/db']}}\n"})
    assert statuses(run_rule("BAK-100", root)) == ["skip"]


# --- BAK-101 off-host copies, BAK-102 retention ------------------------------------------------


def test_bak101_and_bak102_point_at_the_job() -> None:
    assert rows(run_rule("BAK-101", FIXTURES / "BAK-101" / "fail-dump-to-pvc.yaml")) == [
        ("fail", "fail-dump-to-pvc.yaml", 4, "CronJob/postgres-backup metadata.name")
    ]
    assert rows(run_rule("BAK-101", FIXTURES / "BAK-101" / "fail-backup-on-host.compose.yaml")) == [
        ("fail", "fail-backup-on-host.compose.yaml", 5, "services.backup")
    ]
    assert rows(run_rule("BAK-102", FIXTURES / "BAK-102" / "fail-no-expiry.yaml")) == [
        ("fail", "fail-no-expiry.yaml", 4, "CronJob/mongo-backup metadata.name")
    ]


@pytest.mark.parametrize(("command", "offsite"), [
    ("pg_dump -Fc shop | gsutil cp - gs://backups/shop.dump", True),
    ("rsync -a /backups/ backup@vault.example.com:/srv/shop/", True),
    ("borg create ssh://borg@vault.example.com/./shop::{now} /backups", True),
    ("restic -r /mnt/backups backup /data", False),
    ("rsync -a /backups/ /mnt/nas/shop/", False),
    ("mongodump --archive=/backups/shop.gz && rclone copy /backups remote:shop", True),
])
def test_bak101_what_counts_as_off_host(tmp_path: Path, command: str, offsite: bool) -> None:
    root = write(tmp_path, {"backup.yaml": cronjob("backup", command)})
    assert statuses(run_rule("BAK-101", root)) == ["pass" if offsite else "fail"]


@pytest.mark.parametrize(("command", "kept"), [
    ("pg_dump -Fc shop > /b/$(date +%F).dump && ls -t /b/*.dump | tail -n +15 | xargs rm --", True),
    ("restic backup /data && restic forget --keep-within 30d", True),
    ("pg_dump -Fc shop > /b/$(date +%F).dump && find /b -mtime +14 -delete", True),
    ("pg_dump -Fc shop > /b/$(date +%F).dump", False),
])
def test_bak102_what_counts_as_retention(tmp_path: Path, command: str, kept: bool) -> None:
    root = write(tmp_path, {"backup.yaml": cronjob("backup", command)})
    assert statuses(run_rule("BAK-102", root)) == ["pass" if kept else "fail"]


def test_bak101_bak102_velero_schedule_passes_and_no_job_skips(tmp_path: Path) -> None:
    velero = "apiVersion: velero.io/v1\nkind: Schedule\nmetadata: {name: d, namespace: velero}\nspec: {schedule: '@daily', template: {ttl: 240h}}\n"
    root = write(tmp_path, {"schedule.yaml": velero})
    assert (statuses(run_rule("BAK-101", root)), statuses(run_rule("BAK-102", root))) == (["pass"], ["pass"])
    empty = write(tmp_path / "none", {"compose.yaml": "services: {db: {image: 'postgres:16.4'}}\n"})
    assert statuses(run_rule("BAK-101", empty)) == ["skip"]


# --- BAK-103 uploaded files --------------------------------------------------------------------


def test_bak103_fixtures_point_at_the_mount() -> None:
    assert rows(run_rule("BAK-103", FIXTURES / "BAK-103" / "fail-uploads-not-mounted.compose.yaml")) == [
        ("fail", "fail-uploads-not-mounted.compose.yaml", 6, "services.app.volumes[1]")
    ]
    results = run_rule("BAK-103", FIXTURES / "BAK-103" / "fail-minio-statefulset.yaml")
    assert rows(results) == [
        ("fail", "fail-minio-statefulset.yaml", 17, "StatefulSet/minio spec.template.spec.containers[0].volumeMounts[0]")
    ]
    assert results[0].message == (
        "claim data-minio of StatefulSet/minio at /data holds uploaded or object-storage files; no backup job mounts it"
    )


def test_bak103_a_volume_two_services_share_is_one_finding(tmp_path: Path) -> None:
    compose = (
        "services:\n  app:\n    image: nextcloud:29.0.7-fpm\n    volumes: ['html:/var/www/html']\n"
        "  cron:\n    image: nextcloud:29.0.7-fpm\n    entrypoint: /cron.sh\n    volumes: ['html:/var/www/html']\n"
        "volumes:\n  html:\n"
    )
    assert rows(run_rule("BAK-103", write(tmp_path, {"compose.yaml": compose}))) == [
        ("fail", "compose.yaml", 4, "services.app.volumes[0]")
    ]


def test_bak103_config_files_read_only_and_ephemeral_mounts_are_not_uploads(tmp_path: Path) -> None:
    compose = (
        "services:\n  app:\n    image: registry.example.com/shop/app:2.4.1\n"
        "    volumes: ['./config.json:/app/data/config.json', './media:/srv/media:ro', '/app/uploads']\n"
        "    tmpfs: [/tmp]\n"
    )
    assert statuses(run_rule("BAK-103", write(tmp_path, {"compose.yaml": compose}))) == ["skip"]


def test_bak103_velero_covers_kubernetes_volumes(tmp_path: Path) -> None:
    text = (FIXTURES / "BAK-103" / "fail-minio-statefulset.yaml").read_text() + (
        "---\napiVersion: velero.io/v1\nkind: Schedule\nmetadata: {name: storage, namespace: velero}\n"
        "spec: {schedule: '@daily', template: {includedNamespaces: [storage]}}\n"
    )
    assert statuses(run_rule("BAK-103", write(tmp_path, {"minio.yaml": text}))) == ["pass"]


# --- BAK-104 recovery runbook ------------------------------------------------------------------


def test_bak104_runbook_in_a_parent_folder_of_the_scanned_files(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "RUNBOOK.md": "# Runbook\n\nRestore: `mongorestore --archive=last.gz --gzip --drop`\n",
        "compose/compose.yaml": "services: {db: {image: 'mongo:7.0.14'}}\n",
        "k8s/db.yaml": statefulset("mongo", "mongo:7.0.14"),
    })
    (result,) = run_rule("BAK-104", root / "compose", root / "k8s")
    assert (result.status, result.evidence) == ("pass", {"runbook": str(root / "RUNBOOK.md")})


def test_bak104_a_runbook_that_never_mentions_restoring_does_not_count(tmp_path: Path) -> None:
    root = write(tmp_path, {"docs/runbook.md": "# Runbook\n\nTODO\n", "compose.yaml": "services: {db: {image: 'mongo:7.0.14'}}\n"})
    (result,) = run_rule("BAK-104", root)
    assert (result.status, result.message) == (
        "manual", "no recovery runbook found (*runbook*.md, *recovery*.md, *backup-restore*.md ...) and no attestation yet"
    )


def test_bak104_expired_attestation_fails_without_a_runbook() -> None:
    (result,) = run_rule("BAK-104", FIXTURES / "BAK-104" / "fail-expired-attestation")
    assert (result.status, result.message) == (
        "fail", "attestation by Jonas Berg <jonas.berg@example.com> on 2025-06-01 expired on 2026-06-01"
    )


FASTGPT = CORPUS / "fastgpt"


@pytest.mark.skipif(not FASTGPT.exists(), reason="corpus not present")
def test_bak104_finds_fastgpts_backup_restore_runbook() -> None:
    (result,) = [r for r in run_rule("BAK-104", FASTGPT / "deploy") if r.rule_id == "BAK-104"]
    assert (result.status, Path(result.evidence["runbook"]).name) == ("pass", "backup-restore.md")


# --- SEC-400 .. SEC-403 GitHub Actions workflows -----------------------------------------------


def workflow(tmp_path: Path, text: str, name: str = "deploy.yml") -> Path:
    return write(tmp_path, {f".github/workflows/{name}": text})


def test_sec400_guide_pipeline_passes_and_unlinked_rollout_fails() -> None:
    assert statuses(run_rule("SEC-400", FIXTURES / "SEC-400" / "pass-guide-pipeline")) == ["pass"]
    results = run_rule("SEC-400", FIXTURES / "SEC-400" / "fail-deploy-without-needs")
    assert rows(results) == [("fail", "deploy.yml", 21, "jobs.rollout")]
    assert results[0].message == "deploy job rollout runs without tests: neither it nor a job it needs runs them"


def test_sec400_sec401_workflows_that_do_not_deploy_get_no_result(tmp_path: Path) -> None:
    root = workflow(tmp_path, "on: [push]\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    steps: [{run: ruff check .}]\n", "lint.yml")
    assert statuses(run_rule("SEC-400", root)) == ["skip"]
    assert statuses(run_rule("SEC-401", root)) == ["skip"]


def test_sec400_after_another_workflow_passes(tmp_path: Path) -> None:
    text = (
        "on:\n  workflow_run:\n    workflows: [checks]\n    types: [completed]\njobs:\n"
        "  deploy:\n    runs-on: ubuntu-latest\n    steps: [{run: helm upgrade --install api ./chart}]\n"
    )
    assert statuses(run_rule("SEC-400", workflow(tmp_path, text))) == ["pass"]


def test_sec401_guide_deploy_job_has_no_environment() -> None:
    results = run_rule("SEC-401", FIXTURES / "SEC-401" / "fail-no-environment")
    assert rows(results) == [("fail", "deploy.yml", 26, "jobs.deploy")]


def test_sec402_each_unpinned_use_is_a_finding() -> None:
    results = run_rule("SEC-402", FIXTURES / "SEC-402" / "fail-tag-pinned")
    assert rows(results) == [
        ("fail", "publish.yml", 12, "jobs.image.steps[1].uses"),
        ("fail", "publish.yml", 17, "jobs.image.steps[2].uses"),
        ("fail", "publish.yml", 21, "jobs.image.steps[3].uses"),
    ]
    assert [r.observed for r in results] == ["docker/login-action@v3", "docker/build-push-action@v6", "docker://alpine:3.20"]


def test_sec402_reusable_workflows_are_uses_too(tmp_path: Path) -> None:
    text = "on: [push]\njobs:\n  call:\n    uses: example/workflows/.github/workflows/deploy.yml@main\n"
    assert rows(run_rule("SEC-402", workflow(tmp_path, text))) == [("fail", "deploy.yml", 4, "jobs.call.uses")]


def test_sec403_findings_name_the_step() -> None:
    results = run_rule("SEC-403", FIXTURES / "SEC-403" / "fail-echo-secret")
    assert rows(results) == [("fail", "deploy.yml", 14, "jobs.deploy.steps[0].run"), ("fail", "deploy.yml", 15, "jobs.deploy.steps[1].run")]
    assert [r.message for r in results] == [
        "step 1 of job deploy prints secrets.KUBE_TOKEN (as $KUBE_TOKEN) to the log",
        "step 2 of job deploy prints secrets.REGISTRY_URL to the log",
    ]
    results = run_rule("SEC-403", FIXTURES / "SEC-403" / "fail-pr-target-head")
    assert rows(results) == [("fail", "preview.yml", 13, "jobs.preview.steps[0].with.ref")]


def test_sec403_pr_head_checkout_is_fine_without_privileged_trigger_and_tojson_is_not(tmp_path: Path) -> None:
    text = (
        "on: [pull_request]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n        with: {ref: '${{ github.event.pull_request.head.sha }}'}\n"
        "      - run: ./build.sh\n        env: {ALL: '${{ toJSON(secrets) }}'}\n"
    )
    results = run_rule("SEC-403", workflow(tmp_path, text, "build.yml"))
    assert rows(results) == [("fail", "build.yml", 5, "jobs.build.steps")]
    assert results[0].message == "job build passes every secret at once (toJSON(secrets))"


def test_sec400_what_is_not_a_deploy_job(tmp_path: Path) -> None:
    text = (
        "on: [push]\njobs:\n"
        "  e2e:\n    runs-on: ubuntu-latest\n    steps: [{run: kind create cluster && kubectl apply -f k8s/}]\n"
        "  pages:\n    runs-on: ubuntu-latest\n    environment: {name: github-pages}\n    steps: [{uses: actions/deploy-pages@v4}]\n"
        "  release:\n    runs-on: ubuntu-latest\n    steps: [{run: gh release create $TAG}]\n"
    )
    root = workflow(tmp_path, text, "docs.yml")
    assert statuses(run_rule("SEC-400", root)) == ["skip"]
    assert statuses(run_rule("SEC-401", root)) == ["skip"]


def test_sec400_a_step_named_test_is_not_a_test(tmp_path: Path) -> None:
    text = (
        "on: [workflow_dispatch]\njobs:\n  ship:\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n"
        "      - name: Test version name\n        run: echo \"${{ github.ref_name }}\" | grep -P '^v[0-9]+'\n"
        "      - run: kubectl --kubeconfig /tmp/kube.yml set image statefulset/api api=registry.example.com/api:${{ github.ref_name }}\n"
    )
    assert rows(run_rule("SEC-400", workflow(tmp_path, text))) == [("fail", "deploy.yml", 3, "jobs.ship")]


def test_sec402_trusted_owners_and_local_actions(tmp_path: Path) -> None:
    text = (
        "on: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n      - uses: github/codeql-action/init@v3\n      - uses: ./tools/action\n"
        "      - uses: Azure/k8s-deploy@v5\n"
    )
    assert rows(run_rule("SEC-402", workflow(tmp_path, text, "build.yml"))) == [("fail", "build.yml", 9, "jobs.build.steps[3].uses")]


def test_bak100_tools_named_after_a_database_are_not_databases(tmp_path: Path) -> None:
    files = {
        "tools.yaml": deployment("mongo-express", "mongo-express:1.0.2") + "---\n"
        + deployment("pg-metrics", "quay.io/prometheuscommunity/postgres-exporter:v0.15.0") + "---\n"
        + deployment("redis-ui", "rediscommander/redis-commander:latest") + "---\n"
        + deployment("pool", "edoburu/pgbouncer:v1.25.2-p0", "          ports: [{containerPort: 5432}]\n"),
    }
    assert statuses(run_rule("BAK-100", write(tmp_path, files))) == ["skip"]


def test_a_load_average_alert_is_a_resource_alert(tmp_path: Path) -> None:
    # vegasbrianc/prometheus alerts on node_load1: the host's CPU saturation (issue 14 evaluation)
    rules = "groups:\n  - name: host\n    rules:\n      - alert: high_load\n        expr: node_load1 > 0.5\n"
    (result,) = run_rule("MON-205", write(tmp_path, {"api.yaml": deployment("api"), "alert.yml": rules}))
    assert (result.status, result.message) == ("pass", "alert high_load watches resource usage")
