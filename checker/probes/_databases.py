"""What is a database: one decision from image, command and ports together, used by every rule.

A compose service, a Kubernetes workload and a running container all say what they run in
the same three ways: the image, the command line and the ports. `identify()` reads them
in that order of trust:

1. the image names a data store (`postgres:16`, `bitnami/redis`, `mcr.microsoft.com/mssql/server`)
   -> high confidence; an image that is a *tool* named after one (`redis-exporter`,
   `mongo-express`, `pgadmin4`, `postgres-backup-local`) is not the data store, and
   settles the question: not a database;
2. the command starts a data store's server (`redis-server --appendonly yes`, `mongod --auth`,
   `docker-entrypoint.sh postgres -c ...`, `milvus run standalone`) -> high confidence; client
   and dump commands (`redis-cli`, `pg_dump`, `etcdctl`, `psql postgres://...`) are not;
3. only when neither tells anything, a port that names one engine (5432, 27017, 6379 ...)
   -> *low* confidence. Ports shared by many kinds of servers (9000, 9001, 8080, 9091) never
   decide alone: a gRPC service on 9001 is not a database.

>>> identify(["postgres:16"]).engine, identify(["postgres:16"]).confidence
('postgres', 'high')
>>> identify(["ghcr.io/acme/api:1.2"], ports=[9001]) is None
True
>>> identify(["ghcr.io/acme/users-db:0.3"], ports=[27017])[:3]
('mongodb', 'database', 'low')
>>> identify(["bitnami/redis-exporter:1.62"], ports=[6379]) is None
True
>>> identify(["ghcr.io/acme/cache:1"], command="redis-server --requirepass x").reason
'command redis-server'
>>> identify(["edoburu/pgbouncer:1.22"], ports=[5432]).kind
'proxy'
>>> identify(["envoyproxy/envoy:v1.31"], ports=[9042]) is None
True
>>> found = identify(["mongo:7.0"])
>>> starts_server(found, ""), starts_server(found, "--replSet rs0"), starts_server(found, "sh -c mongodump --uri=$URI")
(True, True, False)

`kind` says what sort of data store it is: `database`, `cache`, `search`, `queue`,
`object-storage`, or `proxy` (a pooler that speaks a database's protocol). Rules about
exposure take every kind; rules about backups take the ones that hold data.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Literal, NamedTuple

from checker.probes.image_pinned import split_image

Kind = Literal["database", "cache", "search", "queue", "object-storage", "proxy"]
Confidence = Literal["high", "low"]
HOLDS_DATA: tuple[Kind, ...] = ("database", "cache", "search")


class Engine(NamedTuple):
    name: str
    kind: Kind
    image: str  # regex on the image repository path (registry and tag removed), anchored at a path segment
    command: str  # regex on the command line: the server executable as a word, not its clients
    ports: tuple[int, ...]  # the ports it serves (client, admin, cluster)
    telling: tuple[int, ...] = ()  # those that name this engine when nothing else is known


_EXE = r"(?:^|(?<=[\s\"'])|(?<=bin/))"  # a command word: `redis-server`, `/usr/bin/mongod`, not `/run/postgres`
_NEVER = r"(?!)"
_END = r"(?=$|[\s\"',;])"
ENGINES: tuple[Engine, ...] = (
    Engine("postgres", "database", r"postgres|postgis|pgvector|timescale|spilo|patroni|crunchy-postgres|cloudnative-pg"
           r"|cloudnative-pg/postgresql|paradedb|supabase/postgres",
           rf"{_EXE}(?:postgres|postmaster|pg_ctl){_END}", (5432,), (5432,)),
    Engine("mysql", "database", r"mysql|mariadb|percona", rf"{_EXE}(?:mysqld|mariadbd|mysqld_safe){_END}",
           (3306, 33060), (3306, 33060)),
    Engine("mongodb", "database", r"mongo|mongodb|percona-server-mongodb", rf"{_EXE}mongod{_END}",
           (27017, 27018, 27019), (27017, 27018, 27019)),
    Engine("redis", "cache", r"redis|valkey|keydb|dragonfly|garnet", rf"{_EXE}(?:redis-server|valkey-server|keydb-server|dragonfly){_END}",
           (6379, 6380, 16379), (6379, 6380)),
    Engine("memcached", "cache", r"memcached", rf"{_EXE}memcached{_END}", (11211,), (11211,)),
    Engine("cassandra", "database", r"cassandra|scylla", rf"{_EXE}(?:cassandra|scylla){_END}", (9042, 7000, 7001), (9042,)),
    Engine("cockroach", "database", r"cockroach", rf"{_EXE}cockroach\s+start", (26257, 8080), (26257,)),
    Engine("elasticsearch", "search", r"elasticsearch|opensearch(?!-dashboards)", rf"{_EXE}(?:elasticsearch|opensearch){_END}",
           (9200, 9300), (9200, 9300)),
    Engine("clickhouse", "database", r"clickhouse", rf"{_EXE}clickhouse(?:-server|\s+server){_END}",
           (8123, 9000, 9009, 9440), (8123,)),
    Engine("milvus", "database", r"milvus", rf"{_EXE}milvus\s+run", (19530, 9091), (19530,)),
    Engine("etcd", "database", r"etcd", rf"{_EXE}etcd{_END}", (2379, 2380), (2379, 2380)),
    Engine("mssql", "database", r"mssql/server|mssql-server|azure-sql-edge", rf"{_EXE}sqlservr{_END}", (1433,), (1433,)),
    Engine("oracle", "database", r"oracle-xe|oracle-free|database/(?:enterprise|express|free)", _NEVER, (1521,), (1521,)),
    Engine("couchdb", "database", r"couchdb", rf"{_EXE}couchdb{_END}", (5984,), (5984,)),
    Engine("neo4j", "database", r"neo4j", rf"{_EXE}neo4j\s+console", (7474, 7687), (7687,)),
    Engine("influxdb", "database", r"influxdb", rf"{_EXE}influxd{_END}", (8086,), (8086,)),
    Engine("qdrant", "database", r"qdrant", rf"{_EXE}qdrant{_END}", (6333, 6334), (6333, 6334)),
    Engine("weaviate", "database", r"weaviate", rf"{_EXE}weaviate{_END}", (8080, 50051)),
    Engine("arangodb", "database", r"arangodb", rf"{_EXE}arangod{_END}", (8529,), (8529,)),
    Engine("minio", "object-storage", r"minio", rf"{_EXE}minio\s+server", (9000, 9001)),
    Engine("rabbitmq", "queue", r"rabbitmq", rf"{_EXE}rabbitmq-server{_END}", (5672, 5671, 15672), (5672, 15672)),
    Engine("kafka", "queue", r"kafka|cp-kafka|redpanda", rf"{_EXE}(?:kafka-server-start(?:\.sh)?|redpanda){_END}",
           (9092, 9093), (9092,)),
    Engine("zookeeper", "queue", r"zookeeper", rf"{_EXE}zkServer\.sh", (2181,), (2181,)),
    Engine("pgbouncer", "proxy", r"pgbouncer|pgpool|odyssey|pgcat|supavisor", rf"{_EXE}(?:pgbouncer|pgpool){_END}",
           (5432, 6432), (6432,)),
    Engine("proxysql", "proxy", r"proxysql|mysql-router", rf"{_EXE}proxysql{_END}", (6033, 6032, 3306)),
    Engine("cloud-sql-proxy", "proxy", r"cloud-sql-proxy|cloudsql-proxy|gce-proxy", _NEVER, (5432, 3306, 1433)),
)
# poolers first: `mysql-router` is ProxySQL's kind, not MySQL
_IMAGE_RES = tuple((engine, re.compile(rf"(?:^|/)(?:{engine.image})[^/]*$"))
                   for engine in sorted(ENGINES, key=lambda e: e.kind != "proxy"))
_COMMAND_RES = tuple((engine, re.compile(engine.command)) for engine in ENGINES)
# Tools named after the data store they serve: they hold no data and are not the server.
TOOL = re.compile(r"exporter|express|commander|insight|admin|backup|operator|client|dashboard|browser|-ui$|-web$|"
                  r"-cli$|^mc$|kibana|-gui$|migrat|init|webhook|sidecar|agent")
# Well-known images that are not data stores, whatever port they listen on: a known image tells.
NOT_A_STORE = re.compile(r"^(?:nginx|nginx-unprivileged|httpd|caddy|traefik|envoy|haproxy|grafana|prometheus|alertmanager|"
                         r"loki|promtail|tempo|jaeger|otel|opentelemetry-collector|node|python|golang|openjdk|"
                         r"eclipse-temurin|php|ruby|busybox|alpine|ubuntu|debian|keycloak|vault|consul|nats)(?:$|[-_.])")
TELLING_PORTS: tuple[int, ...] = tuple(sorted({p for e in ENGINES for p in e.telling}))
BY_NAME = {engine.name: engine for engine in ENGINES}


class Database(NamedTuple):
    engine: str  # postgres, mysql, mongodb, redis, milvus, etcd, elasticsearch ...
    kind: Kind
    confidence: Confidence  # high: image or command; low: a port alone
    reason: str  # how it was decided: "image postgres:16", "command redis-server", "port 5432"
    ports: tuple[int, ...]  # the ports this engine serves

    def holds_data(self) -> bool:
        return self.kind in HOLDS_DATA


def describe(found: Database) -> str:
    """What a finding adds to its message: nothing when image or command told, else ` (redis, guessed from port 6379 alone)`."""
    if found.confidence == "high":
        return ""
    return f" ({found.engine if found.engine != 'unknown' else 'a database'}, guessed from {found.reason} alone)"


def evidence(found: Database) -> dict[str, str]:
    """For the auditor: which engine, decided how, how sure."""
    return {"engine": found.engine, "kind": found.kind, "decided_by": found.reason, "confidence": found.confidence}


def repository(image: str) -> str:
    """`docker.io/library/postgres:16@sha256:..` -> `library/postgres`; the registry host is dropped."""
    name = split_image(str(image or "").strip())[0].lower()
    first, _, rest = name.partition("/")
    return rest if rest and ("." in first or ":" in first or first == "localhost") else name


def image_name(image: str) -> str:
    """The last path segment of an image, without tag or digest: `bitnami/postgresql:16` -> `postgresql`."""
    return repository(image).rsplit("/", 1)[-1]


def is_tool(image: str) -> bool:
    """An image named after a data store that is not one: exporters, admin UIs, backup jobs, operators, clients."""
    return bool(TOOL.search(image_name(image)))


def identify(
    images: Iterable[str] = (), command: str = "", ports: Iterable[int] = (), *,
    extra_images: Iterable[str] = (), port_alone: Iterable[int] | None = None,
) -> Database | None:
    """The data store these images, command and ports run, or None.

    `extra_images` are more image names (last path segment) that count as databases, as a
    rule's parameters may add; `port_alone` replaces the ports that decide when nothing else
    does (default `TELLING_PORTS`).
    """
    return _identify(tuple(str(i) for i in images if i), command or "", tuple(ports), tuple(extra_images),
                     None if port_alone is None else tuple(port_alone))


@lru_cache(maxsize=4096)  # asked by several rules about every workload; a fleet has a few hundred distinct images
def _identify(images: tuple[str, ...], command: str, ports: tuple[int, ...], extra: tuple[str, ...],
              port_alone: tuple[int, ...] | None) -> Database | None:
    tools = False
    for image in images:
        if is_tool(image):
            tools = True
            continue
        path, name = repository(image), image_name(image)
        for engine, pattern in _IMAGE_RES:
            if pattern.search(path):
                return Database(engine.name, engine.kind, "high", f"image {image}", engine.ports)
        if name in extra:
            return Database(name, "database", "high", f"image {image}", ())
    if tools:  # pgadmin talks to 5432, redis-exporter to 6379: neither holds the data
        return None
    known = [image for image in images if NOT_A_STORE.match(image_name(image))]
    for engine, pattern in _COMMAND_RES:
        found = pattern.search(command)
        if found:
            word = found.group(0).split()[0]
            return Database(engine.name, engine.kind, "high", f"command {word}", engine.ports)
    if known and len(known) == len(images):  # envoy on 9042 is a proxy, not Cassandra
        return None
    deciding = TELLING_PORTS if port_alone is None else port_alone
    for port in ports:
        if port in deciding:
            engine_for_port = next((e for e in ENGINES if port in e.telling), None)
            if engine_for_port is None:  # a port a rule names that no engine claims
                return Database("unknown", "database", "low", f"port {port}", (port,))
            return Database(engine_for_port.name, engine_for_port.kind, "low", f"port {port}", engine_for_port.ports)
    return None


_STARTS = re.compile(r"docker-entrypoint|/opt/bitnami/|/entrypoint|run\.sh|start[-_]?\w*\.sh")


def starts_server(found: Database, command: str) -> bool:
    """Does a workload whose image is this data store start its server, or use the image for a job?

    No command, or only arguments (`--replSet rs0`, `-c max_connections=200`: the image's entrypoint
    takes them), the server's own executable, or an entrypoint or start script: the server runs. Any
    other command (`sh -c "mongodump ..."`, `redis-cli ...`, `pg_dump`) runs a tool from the image: no server.
    """
    words = command.split()
    if not words or words[0].startswith("-"):
        return True
    engine = BY_NAME.get(found.engine)
    if engine is not None and re.search(engine.command, command):
        return True
    return bool(_STARTS.search(command))
