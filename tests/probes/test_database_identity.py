"""checker/probes/_databases.py: what is a database, from image, command and ports together (issue 14).

One module decides for every rule (SEC-020 compose ports, SEC-161 Kubernetes Services,
SEC-601 running containers, the backup and monitoring coverage); these tests pin the
decision and then that each rule follows it.
"""
from __future__ import annotations

import pytest

from checker.probes._databases import identify
from helpers import FIXTURES, run_rule


@pytest.mark.parametrize(
    ("images", "command", "ports", "expected"),
    [
        (["postgres:16.4"], "", [], ("postgres", "database", "high")),
        (["docker.io/bitnami/postgresql:16"], "", [], ("postgres", "database", "high")),
        (["mcr.microsoft.com/mssql/server:2022-latest"], "", [], ("mssql", "database", "high")),
        (["milvusdb/milvus:v2.4.13"], "milvus run standalone", [19530, 9091], ("milvus", "database", "high")),
        (["quay.io/coreos/etcd:v3.5.16"], "", [2379], ("etcd", "database", "high")),
        (["docker.elastic.co/elasticsearch/elasticsearch:8.15.0"], "", [], ("elasticsearch", "search", "high")),
        (["minio/minio:RELEASE.2024-10-13T13-34-11Z"], "minio server /data", [9000], ("minio", "object-storage", "high")),
        (["edoburu/pgbouncer:1.22"], "", [5432], ("pgbouncer", "proxy", "high")),
        (["mysql-router:8.0"], "", [6446], ("proxysql", "proxy", "high")),
        # the command tells when the image name does not
        (["ghcr.io/acme/cache:2"], "redis-server --requirepass ${REDIS_PASSWORD}", [], ("redis", "cache", "high")),
        (["ghcr.io/acme/db:2"], "docker-entrypoint.sh postgres -c max_connections=200", [], ("postgres", "database", "high")),
        (["ghcr.io/acme/store:1"], "/usr/bin/mongod --auth --bind_ip_all", [], ("mongodb", "database", "high")),
        # a port alone decides only when nothing else is known, and only as a guess
        (["weaveworksdemos/user-db:0.3.0"], "", [27017], ("mongodb", "database", "low")),
        ([], "", [5432], ("postgres", "database", "low")),
    ],
)
def test_identifies_the_engine_and_how_sure(images: list[str], command: str, ports: list[int],
                                            expected: tuple[str, str, str]) -> None:
    found = identify(images, command, ports)
    assert found is not None and (found.engine, found.kind, found.confidence) == expected


@pytest.mark.parametrize(
    ("images", "command", "ports"),
    [
        (["ghcr.io/acme/orders-grpc:1.3"], "", [9001]),  # the gRPC service on 9001
        (["ghcr.io/acme/api:1"], "", [9000, 8080, 9091]),  # ports shared by many servers never decide alone
        (["bitnami/redis-exporter:1.62"], "", [9121, 6379]),
        (["oliver006/redis_exporter:v1.62.0"], "", []),
        (["mongo-express:1.0.2"], "", [8081]),
        (["dpage/pgadmin4:8.12"], "", [80]),
        (["prodrigestivill/postgres-backup-local:16"], "", []),
        (["redis/redisinsight:2.58"], "", [5540]),
        (["envoyproxy/envoy:v1.31"], "", [9042]),  # a known image that is no store: its port does not matter
        (["node:20"], "psql -h /var/run/postgres -c 'select 1'", []),  # a client, and a path, not the server
        (["ghcr.io/acme/api:1"], "etcdctl get /x", []),
        (["ghcr.io/acme/backup:1"], "pg_dump -h db app | gzip", []),
        (["registry.k8s.io/kube-apiserver:v1.31"], "kube-apiserver --etcd-servers=https://etcd:2379", []),
    ],
)
def test_is_not_a_database(images: list[str], command: str, ports: list[int]) -> None:
    assert identify(images, command, ports) is None


def test_rule_parameters_add_image_names_and_replace_the_deciding_ports() -> None:
    found = identify(["ghcr.io/acme/ledger:3"], extra_images=["ledger"])
    assert found is not None and found.confidence == "high"
    assert identify(["ghcr.io/acme/api:1"], ports=[5432], port_alone=[]) is None
    guessed = identify(["ghcr.io/acme/api:1"], ports=[7000], port_alone=[7000])
    assert guessed is not None and (guessed.engine, guessed.confidence) == ("unknown", "low")


# --- the rules follow the one decision -----------------------------------------------------------


def test_compose_grpc_service_and_database_tools_pass() -> None:
    assert [r.status for r in run_rule("SEC-020", FIXTURES / "SEC-020" / "pass-grpc-and-db-tools.compose.yaml")] == ["pass"]


def test_compose_port_alone_fails_one_severity_lower_and_says_it_guessed() -> None:
    (r,) = run_rule("SEC-020", FIXTURES / "SEC-020" / "fail-built-image-on-mongo-port.compose.yaml")
    assert (r.status, r.severity, r.location.line) == ("fail", "medium", 6)  # the rule is high
    assert r.message == "service users-db publishes port 27017 on all interfaces (mongodb, guessed from port 27017 alone)"
    assert r.evidence["confidence"] == "low"


def test_compose_server_command_fails_at_full_severity() -> None:
    (r,) = run_rule("SEC-020", FIXTURES / "SEC-020" / "fail-redis-by-command.compose.yaml")
    assert (r.status, r.severity, r.location.line, r.message) == (
        "fail", "high", 7, "service sessions publishes port 6380 on all interfaces")
    assert r.evidence["decided_by"] == "command redis-server"


def test_k8s_service_is_judged_by_what_it_selects_not_its_port() -> None:
    results = run_rule("SEC-161", FIXTURES / "SEC-161" / "pass-proxy-on-database-port.yaml")
    assert [r.status for r in results] == ["pass"]


def test_k8s_service_selecting_nothing_in_scope_is_a_guess_by_port() -> None:
    (r,) = run_rule("SEC-161", FIXTURES / "SEC-161" / "fail-postgres-load-balancer.yaml")
    assert (r.status, r.severity) == ("fail", "medium")
    assert r.message.endswith("port 5432, and it selects no workload in scope")


def test_docker_container_grpc_on_9001_passes() -> None:
    assert [r.status for r in run_rule("SEC-601", FIXTURES / "SEC-601" / "pass-grpc-on-9001.docker-inspect.json")] == ["pass"]
