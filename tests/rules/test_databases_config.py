"""SEC-070..076: database servers started without authentication, from compose, manifests and Helm values."""
from __future__ import annotations

import base64
from pathlib import Path

from helpers import CORPUS, FIXTURES, run_rule

import pytest


def _write(folder: Path, files: dict[str, str]) -> Path:
    for name, body in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(body, encoding="utf-8")
    return folder


def _found(rule_id: str, *paths: Path) -> list[tuple[str, str, int | None, str, str]]:
    """(status, file name, line, severity, message) of the rule's results."""
    return [(r.status, Path(r.location.file).name if r.location and r.location.file else "", r.location.line if r.location else None,
             r.severity, r.message or "") for r in run_rule(rule_id, *paths) if r.rule_id == rule_id]


# --- Redis ---------------------------------------------------------------------------------------


def test_redis_published_without_password_is_critical_and_names_the_unread_env() -> None:
    ((status, name, line, severity, message),) = _found("SEC-070", FIXTURES / "SEC-070" / "fail-published.yaml")
    assert (status, name, line, severity) == ("fail", "fail-published.yaml", 4, "critical")
    assert "does not read REDIS_PASSWORD" in message and "published on all interfaces" in message


def test_redis_conf_from_a_folder_mount_is_read_and_found_wanting() -> None:
    ((status, _, line, severity, message),) = _found("SEC-070", FIXTURES / "SEC-070" / "fail-redis-conf")
    assert (status, line, severity) == ("fail", 4, "high")  # internal only: one step lower
    assert "valkey.conf sets neither" in message and "(valkey)" in message and "compose network" in message


def test_redis_conf_acl_user_passes() -> None:
    assert [r[0] for r in _found("SEC-070", FIXTURES / "SEC-070" / "pass-redis-conf")] == ["pass"]


def test_redis_conf_in_a_configmap_behind_a_load_balancer() -> None:
    ((status, name, line, severity, message),) = _found("SEC-070", FIXTURES / "SEC-070" / "fail-k8s-configmap")
    assert (status, name, line, severity) == ("fail", "redis.yaml", 15, "critical")
    assert "Service/cache (type LoadBalancer)" in message


@pytest.mark.parametrize(("conf", "status"), [("requirepass Xk3r9Lq2Vw7zBn4TpQ8s\n", "pass"), ("maxmemory 64mb\n", "fail")])
def test_redis_conf_in_a_secret_is_decoded(tmp_path: Path, conf: str, status: str) -> None:
    encoded = base64.b64encode(conf.encode()).decode()
    _write(tmp_path, {"redis.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: cache}\nspec:\n"
                      "  selector: {matchLabels: {app: c}}\n  template:\n    metadata: {labels: {app: c}}\n    spec:\n"
                      "      containers:\n        - {name: redis, image: 'redis:7.2', command: [redis-server], args: [/conf/redis.conf],"
                      " volumeMounts: [{name: conf, mountPath: /conf}]}\n"
                      "      volumes: [{name: conf, secret: {secretName: redis-conf}}]\n---\n"
                      f"apiVersion: v1\nkind: Secret\nmetadata: {{name: redis-conf}}\ndata:\n  redis.conf: {encoded}\n"})
    assert [r[0] for r in _found("SEC-070", tmp_path)] == [status]


def test_redis_conf_that_is_not_in_the_tree_cannot_be_told(tmp_path: Path) -> None:
    _write(tmp_path, {"compose.yaml": 'services: {cache: {image: "redis:7.2", command: "redis-server /etc/redis/redis.conf",'
                                      ' volumes: ["./missing:/etc/redis"]}}\n'})
    ((status, _, _, _, message),) = _found("SEC-070", tmp_path)
    assert status == "skip" and "cannot tell" in message and "/etc/redis/redis.conf" in message


def test_redis_command_from_an_unset_variable_cannot_be_told(tmp_path: Path) -> None:
    _write(tmp_path, {"compose.yaml": 'services: {cache: {image: "redis:7.2", command: "${REDIS_COMMAND}"}}\n'})
    assert [(r[0], "unset ${VAR}" in r[4]) for r in _found("SEC-070", tmp_path)] == [("skip", True)]


def test_bitnami_redis_allow_empty_password_points_at_the_setting(tmp_path: Path) -> None:
    _write(tmp_path, {"compose.yaml": "services:\n  cache:\n    image: bitnami/redis:7.2\n    environment:\n"
                                      "      - ALLOW_EMPTY_PASSWORD=yes\n"})
    assert [(r[0], r[2]) for r in _found("SEC-070", tmp_path)] == [("fail", 5)]


def test_redis_args_of_redis_stack_and_loopback_ports(tmp_path: Path) -> None:
    _write(tmp_path, {"compose.yaml": 'services: {stack: {image: "redis/redis-stack-server:7.2.0-v10",'
                                      ' environment: {REDIS_ARGS: "--requirepass ${PW}"}, ports: ["127.0.0.1:6379:6379"]}}\n'})
    assert [r[0] for r in _found("SEC-070", tmp_path)] == ["pass"]


def test_redis_exporter_and_port_guesses_are_not_judged(tmp_path: Path) -> None:
    _write(tmp_path, {"compose.yaml": 'services: {exp: {image: "oliver006/redis_exporter:v1.62.0"},'
                                      ' cache: {build: ., ports: ["6379:6379"]}}\n'})
    assert [r[0] for r in _found("SEC-070", tmp_path)] == ["skip"]  # no Redis server in scope


def test_helm_values_auth_disabled(tmp_path: Path) -> None:
    _write(tmp_path, {"chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 1.0.0\n",
                      "chart/values.yaml": "redis:\n  auth:\n    enabled: false\nmongodb:\n  enabled: false\n  auth:\n    enabled: false\n"})
    assert [(r[0], r[1], r[2], r[3]) for r in _found("SEC-070", tmp_path)] == [("fail", "values.yaml", 3, "high")]
    assert [r[0] for r in _found("SEC-071", tmp_path)] == ["skip"]  # that subchart is not installed


# --- MongoDB, PostgreSQL -------------------------------------------------------------------------


def test_mongodb_without_root_user(tmp_path: Path) -> None:
    ((status, _, line, severity, _),) = _found("SEC-071", FIXTURES / "SEC-071" / "fail-no-auth.yaml")
    assert (status, line, severity) == ("fail", 3, "critical")


@pytest.mark.parametrize("service", [
    '{image: "mongo:5.0.18", command: "mongod --keyFile /data/mongodb.key --replSet rs0"}',
    '{image: "mongo:7.0", command: "mongod --auth"}',
    '{image: "bitnami/mongodb:7.0", environment: {MONGODB_ROOT_PASSWORD: "${PW}"}}',
])
def test_mongodb_auth_switches_pass(tmp_path: Path, service: str) -> None:
    _write(tmp_path, {"compose.yaml": f"services: {{mongo: {service}}}\n"})
    assert [r[0] for r in _found("SEC-071", tmp_path)] == ["pass"]


def test_an_image_used_for_a_job_is_no_server(tmp_path: Path) -> None:
    # examples/deploy's mongo-backup: mongo:7 running mongodump in a loop starts no mongod
    _write(tmp_path, {"compose.yaml": 'services: {mongo-backup: {image: "mongo:7.0.14", entrypoint: ["sh", "-c",'
                                      ' "while true; do mongodump --uri=$$URI; sleep 86400; done"]},'
                                      ' cache-ping: {image: "redis:7.2", command: "redis-cli -h cache ping"}}\n'})
    assert [r[0] for r in _found("SEC-071", tmp_path)] == ["skip"]
    assert [r[0] for r in _found("SEC-070", tmp_path)] == ["skip"]


def test_mongodb_only_a_password_is_not_enough_for_the_official_image(tmp_path: Path) -> None:
    _write(tmp_path, {"compose.yaml": 'services: {mongo: {image: "mongo:7.0", environment: {MONGO_INITDB_ROOT_PASSWORD: x}}}\n'})
    assert [r[0] for r in _found("SEC-071", tmp_path)] == ["fail"]


def test_mongod_conf_with_authorization_passes(tmp_path: Path) -> None:
    _write(tmp_path, {"compose.yaml": 'services: {mongo: {image: "mongo:7.0", command: "mongod --config /etc/mongod.conf",'
                                      ' volumes: ["./mongod.conf:/etc/mongod.conf"]}}\n',
                      "mongod.conf": "security:\n  authorization: enabled\n"})
    assert [r[0] for r in _found("SEC-071", tmp_path)] == ["pass"]


def test_postgres_trust_in_pg_hba_points_at_the_line() -> None:
    ((status, name, line, severity, message),) = _found("SEC-072", FIXTURES / "SEC-072" / "fail-pg-hba")
    assert (status, name, line, severity) == ("fail", "pg_hba.conf", 4, "critical")  # 127.0.0.1/32 and local lines pass
    assert "10.0.0.0 255.0.0.0" in message


def test_postgres_trust_from_an_unset_variable_cannot_be_told(tmp_path: Path) -> None:
    _write(tmp_path, {"compose.yaml": 'services: {db: {image: "postgres:16", environment: {POSTGRES_HOST_AUTH_METHOD: "${METHOD}"}}}\n'})
    assert [r[0] for r in _found("SEC-072", tmp_path)] == ["skip"]


# --- Milvus, etcd, search ------------------------------------------------------------------------


def test_milvus_yaml_false_points_at_the_key() -> None:
    ((status, name, line, severity, _),) = _found("SEC-073", FIXTURES / "SEC-073" / "fail-milvus-yaml")
    assert (status, name, line, severity) == ("fail", "milvus.yaml", 3, "medium")


def test_milvus_user_yaml_overrides_milvus_yaml(tmp_path: Path) -> None:
    _write(tmp_path, {"compose.yaml": 'services: {milvus: {image: "milvusdb/milvus:v2.4.3", command: [milvus, run, standalone],'
                                      ' volumes: ["./user.yaml:/milvus/configs/user.yaml", "./milvus.yaml:/milvus/configs/milvus.yaml"]}}\n',
                      "milvus.yaml": "common:\n  security:\n    authorizationEnabled: false\n",
                      "user.yaml": "common:\n  security:\n    authorizationEnabled: true\n    defaultRootPassword: Milvus\n"})
    assert [r[0] for r in _found("SEC-073", tmp_path)] == ["pass"]
    assert [(r[0], r[1], r[2]) for r in _found("SEC-074", tmp_path)] == [("fail", "user.yaml", 4)]


def test_milvus_root_password_never_set_is_a_guess(tmp_path: Path) -> None:
    _write(tmp_path, {"compose.yaml": 'services: {milvus: {image: "milvusdb/milvus:v2.4.3", command: [milvus, run, standalone],'
                                      ' ports: ["19530:19530"], environment: {COMMON_SECURITY_AUTHORIZATIONENABLED: "true"}}}\n'})
    assert [(r[0], r[3]) for r in _found("SEC-074", tmp_path)] == [("fail", "medium")]  # published, but a guess


def test_fastgpt_milvus_stack() -> None:
    compose = CORPUS / "fastgpt" / "deploy" / "docker" / "docker-compose-milvus.yml"
    if not compose.exists():
        pytest.skip("shared corpus not here")
    assert [(r[0], r[2]) for r in _found("SEC-073", compose)] == [("fail", 49)]
    assert [(r[0], r[2]) for r in _found("SEC-075", compose)] == [("fail", 40)]
    for rule_id in ("SEC-070", "SEC-071", "SEC-072"):  # requirepass, a root user and --keyFile, no trust
        assert [r[0] for r in _found(rule_id, compose)] == ["pass"], rule_id


def test_etcd_bitnamilegacy_copy_reads_bitnami_env(tmp_path: Path) -> None:
    _write(tmp_path, {"compose.yaml": "services:\n  etcd:\n    image: bitnamilegacy/etcd:3.5.11\n    environment:\n"
                                      "      ALLOW_NONE_AUTHENTICATION: \"yes\"\n"})
    assert [(r[0], r[2]) for r in _found("SEC-075", tmp_path)] == [("fail", 5)]


def test_etcd_subchart_rbac_off_in_values(tmp_path: Path) -> None:
    _write(tmp_path, {"milvus/Chart.yaml": "apiVersion: v2\nname: milvus\nversion: 1.0.0\n",
                      "milvus/values.yaml": "etcd:\n  enabled: true\n  auth:\n    rbac:\n      enabled: false\n      create: false\n"})
    assert [(r[0], r[2], r[3]) for r in _found("SEC-075", tmp_path)] == [("fail", 6, "medium")]


def test_etcd_client_cert_auth_false_fails(tmp_path: Path) -> None:
    _write(tmp_path, {"compose.yaml": 'services: {etcd: {image: "quay.io/coreos/etcd:v3.5.5", command: "etcd --client-cert-auth=false"}}\n'})
    assert [r[0] for r in _found("SEC-075", tmp_path)] == ["fail"]


def test_search_legacy_default_and_explicit_switch() -> None:
    found = _found("SEC-076", FIXTURES / "SEC-076" / "fail-xpack-off.yaml")
    assert [(r[0], r[2], r[3]) for r in found] == [("fail", 6, "critical"), ("fail", 10, "high")]
    assert "before 8.0" in found[1][4]


def test_opensearch_manifest_names_opensearch() -> None:
    ((status, _, line, _, message),) = _found("SEC-076", FIXTURES / "SEC-076" / "fail-opensearch.yaml")
    assert (status, line) == ("fail", 20) and "(opensearch)" in message and "inside the cluster" in message


def test_kustomize_overlays_of_one_base_say_it_once(tmp_path: Path) -> None:
    base = {"base/kustomization.yaml": "resources: [redis.yaml]\n",
            "base/redis.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: cache}\nspec:\n  selector: {matchLabels: {app: c}}\n"
                               "  template:\n    metadata: {labels: {app: c}}\n    spec:\n      containers:\n"
                               "        - {name: redis, image: 'redis:7.2'}\n"}
    overlays = {f"{env}/kustomization.yaml": f"namespace: {env}\nresources: [../base]\n" for env in ("staging", "production")}
    _write(tmp_path, {**base, **overlays})
    assert [(r[0], r[1], r[2]) for r in _found("SEC-070", tmp_path)] == [("fail", "redis.yaml", 10)]
