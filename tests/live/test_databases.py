"""Live database probes against real local servers, started and stopped by the fixtures below.

Redis and PostgreSQL are the real servers (redis-server; PostgreSQL 15's initdb/pg_ctl, run as
the `postgres` user). No real MongoDB can be installed here, so MongoDB is covered by two
stand-ins: `nx-27017`, a MongoDB wire-protocol server without authentication, for the open
server, and `mockupdb`, a scripted wire-protocol server, for the replies of a server that
requires authentication. Every test is skipped with a reason when its server is missing.
"""
from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator

import pytest

from checker.api import scan_paths
from checker.models import Result

OPTIONS = {"timeout": 3}


def live(uri: str, *rule_ids: str) -> list[Result]:
    report = scan_paths([], endpoints=[uri], select=list(rule_ids), live_options=OPTIONS)
    return [r for r in report.results if r.rule_id in rule_ids]


def one(uri: str, rule_id: str) -> Result:
    (result,) = live(uri, rule_id)
    return result


def dumped(results: list[Result]) -> str:
    return repr([dataclasses.asdict(r) for r in results])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes] | None = None, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- Redis ---------------------------------------------------------------------------------

needs_redis = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[object]:
    started: list[subprocess.Popen[bytes]] = []

    def start(*extra: str) -> int:
        port = free_port()
        process = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(tmp_path), *extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        started.append(process)
        wait_for_port(port, process)
        return port

    yield start
    for process in started:
        stop(process)


@needs_redis
def test_redis_without_password_fails_no_auth_and_skips_the_guessing(redis_server) -> None:  # type: ignore[no-untyped-def]
    port = redis_server()
    uri = f"redis://127.0.0.1:{port}/0"
    no_auth = one(uri, "SEC-550")
    assert no_auth.status == "fail" and f"127.0.0.1:{port}" in (no_auth.message or "")
    assert no_auth.evidence["auth"] == "not required" and no_auth.evidence["version"]
    assert one(uri, "SEC-551").status == "skip"


@needs_redis
def test_redis_with_a_default_password_fails_without_showing_it(redis_server) -> None:  # type: ignore[no-untyped-def]
    port = redis_server("--requirepass", "foobared")
    uri = f"redis://:foobared@127.0.0.1:{port}"
    assert one(uri, "SEC-550").status == "pass"
    weak = one(uri, "SEC-551")
    assert weak.status == "fail" and weak.evidence["auth"] == "default password accepted (8 chars)"
    assert "foobared" not in dumped([weak])


@needs_redis
def test_redis_with_a_strong_password_passes_with_evidence(redis_server) -> None:  # type: ignore[no-untyped-def]
    port = redis_server("--requirepass", "Zq8vR2mN7xK4pL9sT3wY6bH1")
    uri = f"redis://:Zq8vR2mN7xK4pL9sT3wY6bH1@127.0.0.1:{port}"
    results = {r.rule_id: r for r in live(uri, "SEC-550", "SEC-551", "SEC-552")}
    assert {k: r.status for k, r in results.items()} == {"SEC-550": "pass", "SEC-551": "pass", "SEC-552": "pass"}
    assert results["SEC-551"].evidence["auth"] == "5 default passwords rejected"
    assert results["SEC-552"].evidence["protected-mode"] == "yes"  # read after logging in with the URI's password
    assert "Zq8vR2mN7xK4pL9sT3wY6bH1" not in dumped(list(results.values()))


@needs_redis
def test_redis_protected_mode_off_fails(redis_server) -> None:  # type: ignore[no-untyped-def]
    port = redis_server("--protected-mode", "no")
    result = one(f"redis://127.0.0.1:{port}", "SEC-552")
    assert result.status == "fail" and "protected-mode no" in (result.message or "")


@needs_redis
def test_redis_protected_mode_is_not_judged_when_config_is_disabled(redis_server) -> None:  # type: ignore[no-untyped-def]
    port = redis_server("--rename-command", "CONFIG", "")
    assert one(f"redis://127.0.0.1:{port}", "SEC-552").status == "skip"


def test_nothing_listening_is_an_unreachable_error_never_a_pass() -> None:
    port = free_port()
    for rule_id, scheme in (("SEC-550", "redis"), ("SEC-556", "postgres"), ("SEC-560", "mongodb")):
        result = one(f"{scheme}://127.0.0.1:{port}", rule_id)
        assert (result.status, result.reason) == ("error", "unreachable"), (rule_id, result)


@needs_redis
def test_a_redis_uri_in_a_scanned_env_file_becomes_a_target(redis_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    port = redis_server()
    envfile = tmp_path / "app.env"
    envfile.write_text(f"REDIS_URL=redis://127.0.0.1:{port}/0\n", encoding="utf-8")
    report = scan_paths([str(envfile)], live=True, select=["SEC-550"], live_options=OPTIONS)
    (result,) = [r for r in report.results if r.rule_id == "SEC-550"]
    assert result.status == "fail" and str(port) in result.target


def test_database_rules_need_live_and_skip_other_targets() -> None:
    report = scan_paths([], endpoints=["https://app.example.com"], select=["SEC-550", "PERF-320", "PERF-325"],
                        live_options=OPTIONS)
    assert {r.status for r in report.results} == {"skip"}


# --- PostgreSQL ----------------------------------------------------------------------------

STRONG = "Vk3nQ8rT2mW7xZ4pL9sB6yH1"


@pytest.fixture(scope="module")
def postgres() -> Iterator[int]:
    from postgres_server import running_postgres

    with running_postgres() as port:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=port, user="postgres", password="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute("CREATE ROLE trusty LOGIN")
            conn.execute(f"CREATE ROLE app LOGIN PASSWORD '{STRONG}'")
            conn.execute("CREATE TABLE big (id int, v int)")
            conn.execute("INSERT INTO big SELECT g, g % 100 FROM generate_series(1, 20000) g")
            conn.execute("CREATE TABLE indexed (id int PRIMARY KEY, v int)")
            conn.execute("INSERT INTO indexed SELECT g, g FROM generate_series(1, 20000) g")
            conn.execute("CREATE TABLE parent (id int PRIMARY KEY)")
            conn.execute("CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent (id))")
            conn.execute("CREATE TABLE covered (id int PRIMARY KEY, parent_id int REFERENCES parent (id))")
            conn.execute("CREATE INDEX ON covered (parent_id)")
            conn.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO app")
            conn.execute("ANALYZE")
            for n in range(20):  # the workload: sequential scans of big, index lookups of indexed
                conn.execute("SELECT count(*) FROM big WHERE v = %s", (n,))
                conn.execute("SELECT v FROM indexed WHERE id = %s", (n + 1,))
        _wait_for_statistics(port)
        yield port


def _wait_for_statistics(port: int) -> None:
    """Statistics reach pg_stat_user_tables when a backend flushes them (at the latest, when it exits)."""
    import psycopg

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with psycopg.connect(host="127.0.0.1", port=port, user="postgres", password="postgres", dbname="postgres") as conn:
            row = conn.execute("SELECT n_live_tup, seq_scan FROM pg_stat_user_tables WHERE relname = 'big'").fetchone()
        if row and row[0] >= 10_000 and row[1] >= 20:
            return
        time.sleep(0.3)
    raise RuntimeError("statistics did not arrive")


def test_postgres_default_password_fails(postgres: int) -> None:
    result = one(f"postgresql://app:{STRONG}@127.0.0.1:{postgres}/postgres", "SEC-555")
    assert result.status == "fail" and result.evidence["auth"] == "default password accepted (8 chars)"
    assert result.evidence["version"].startswith("15.") and result.evidence["user"] == "postgres"


def test_postgres_trust_auth_fails_and_password_auth_passes(postgres: int) -> None:
    trusted = one(f"postgresql://trusty:whatever@127.0.0.1:{postgres}/postgres", "SEC-556")
    assert trusted.status == "fail" and "trusty" in (trusted.message or "")
    assert one(f"postgresql://trusty@127.0.0.1:{postgres}/postgres", "SEC-555").status == "skip"
    checked = one(f"postgresql://app:{STRONG}@127.0.0.1:{postgres}/postgres", "SEC-556")
    assert checked.status == "pass" and checked.evidence["auth"] == "wrong password rejected"


def test_postgres_strong_passwords_pass(postgres: int) -> None:
    import psycopg

    admin = dict(host="127.0.0.1", port=postgres, user="postgres", dbname="postgres", autocommit=True)
    with psycopg.connect(password="postgres", **admin) as conn:
        conn.execute(f"ALTER ROLE postgres PASSWORD '{STRONG}'")
    try:
        result = one(f"postgresql://app:{STRONG}@127.0.0.1:{postgres}/postgres", "SEC-555")
        assert result.status == "pass" and result.evidence["auth"] == "5 default user/password pairs rejected"
    finally:
        with psycopg.connect(password=STRONG, **admin) as conn:
            conn.execute("ALTER ROLE postgres PASSWORD 'postgres'")


def test_postgres_large_table_read_by_seq_scans_fails(postgres: int) -> None:
    results = live(f"postgresql://app:{STRONG}@127.0.0.1:{postgres}/postgres", "PERF-320")
    assert [(r.status, r.observed) for r in results] == [("fail", "public.big")]
    assert results[0].evidence["rows"] >= 10_000 and results[0].evidence["idx_scan"] == 0


def test_postgres_foreign_key_without_index_fails(postgres: int) -> None:
    results = live(f"postgresql://app:{STRONG}@127.0.0.1:{postgres}/postgres", "PERF-321")
    assert [(r.status, r.observed) for r in results] == [("fail", "public.child(parent_id)")]


def test_postgres_vector_check_is_skipped_without_pgvector(postgres: int) -> None:
    result = one(f"postgresql://app:{STRONG}@127.0.0.1:{postgres}/postgres", "PERF-322")
    assert result.status == "skip" and "pgvector" in (result.message or "")


def test_postgres_session_is_read_only(postgres: int) -> None:
    from checker.inputs.live import target
    from checker.probes.db_postgres import _connect

    doc = target(f"postgresql://app:{STRONG}@127.0.0.1:{postgres}/postgres", "test", "production")
    assert doc is not None
    conn = _connect(doc, 3.0, "app", STRONG)
    with conn:
        assert conn.execute("SHOW default_transaction_read_only").fetchone()[0] == "on"


def test_postgres_wrong_uri_credentials_are_an_error_not_a_pass(postgres: int) -> None:
    result = one(f"postgresql://app:nope@127.0.0.1:{postgres}/postgres", "PERF-320")
    assert (result.status, result.reason) == ("error", "unreachable")


# --- MongoDB -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def open_mongo() -> Iterator[int]:
    """nx-27017: a MongoDB wire-protocol server without authentication (no real mongod here)."""
    if shutil.which("nx-27017") is None:
        pytest.skip("nx-27017 is not installed")
    import pymongo

    home = tempfile.mkdtemp(prefix="preflight-nx-")
    port = free_port()
    process = subprocess.Popen(
        ["nx-27017", "--db", "memory", "--host", "127.0.0.1", "-p", str(port), "--log-file", f"{home}/log",
         "--pid-file", f"{home}/pid"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process)
        with pymongo.MongoClient(f"mongodb://127.0.0.1:{port}", serverSelectionTimeoutMS=3000) as client:
            client.shop.orders.insert_many([{"n": i} for i in range(12_000)])
            client.shop.users.insert_many([{"email": f"u{i}@example.com"} for i in range(12_000)])
            client.shop.users.create_index("email")
            client.shop.tags.insert_many([{"n": i} for i in range(10)])
        yield port
    finally:
        stop(process)
        shutil.rmtree(home, ignore_errors=True)


def test_mongodb_without_authentication_fails(open_mongo: int) -> None:
    result = one(f"mongodb://127.0.0.1:{open_mongo}/shop", "SEC-560")
    assert result.status == "fail" and result.evidence["auth"] == "not required" and result.evidence["version"]


def test_mongodb_large_collection_with_only_the_id_index_fails(open_mongo: int) -> None:
    results = live(f"mongodb://127.0.0.1:{open_mongo}/shop", "PERF-325")
    assert sorted((r.status, r.observed) for r in results) == [("fail", "shop.orders"), ("pass", None)]


def test_mongodb_collscan_is_not_judged_without_a_profile(open_mongo: int) -> None:
    assert one(f"mongodb://127.0.0.1:{open_mongo}/shop", "PERF-326").status in ("skip", "pass")


@pytest.fixture
def auth_mongo() -> Iterator[int]:
    """mockupdb: scripted replies of a mongod started with --auth (no real mongod here)."""
    mockupdb = pytest.importorskip("mockupdb")
    server = mockupdb.MockupDB(auto_ismaster={"maxWireVersion": 21, "minWireVersion": 0})
    server.autoresponds("hello", isWritablePrimary=True, maxWireVersion=21, minWireVersion=0)  # allowed without auth
    server.autoresponds("buildInfo", version="7.0.12")
    server.autoresponds("listDatabases", ok=0, code=13, codeName="Unauthorized",
                        errmsg="command listDatabases requires authentication")
    server.run()
    try:
        yield server.port
    finally:
        server.stop()


def test_mongodb_requiring_authentication_passes_with_evidence(auth_mongo: int) -> None:
    result = one(f"mongodb://127.0.0.1:{auth_mongo}/shop", "SEC-560")
    assert result.status == "pass" and result.evidence == {
        "server": "mongodb", "version": "7.0.12", "max_wire_version": 21, "auth": "required",
    }


# --- --no-credentials and --live-hosts (issue 12 item 14) -------------------------------------

def _scan_file(tmp_path: Path, line: str, rule_ids: list[str], **options: object) -> list[Result]:
    envfile = tmp_path / "app.env"
    envfile.write_text(line + "\n", encoding="utf-8")
    report = scan_paths([str(envfile)], live=True, select=rule_ids, live_options={**OPTIONS, **options})
    return [r for r in report.results if r.rule_id in rule_ids]


@needs_redis
def test_no_credentials_sends_no_redis_auth(redis_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from _recorder import Recorder

    port = redis_server("--requirepass", "Zq8vR2mN7xK4pL9sT3wY6bH1")
    line = "REDIS_URL=redis://:Zq8vR2mN7xK4pL9sT3wY6bH1@127.0.0.1:{port}/0"
    with Recorder(port) as relay:  # with credentials, the URI's password goes out as AUTH
        _scan_file(tmp_path, line.format(port=relay.port), ["SEC-552"])
    assert b"AUTH" in relay.sent and b"Zq8vR2mN7xK4pL9sT3wY6bH1" in relay.sent
    with Recorder(port) as relay:
        results = _scan_file(tmp_path, line.format(port=relay.port), ["SEC-550", "SEC-551", "SEC-552"], credentials=False)
    assert relay.connections >= 1  # it was probed ...
    assert b"AUTH" not in relay.sent.upper() and b"Zq8vR2mN7xK4pL9sT3wY6bH1" not in relay.sent  # ... anonymously
    by_rule = {r.rule_id: r for r in results}
    assert by_rule["SEC-550"].status == "pass"  # no-auth is judged without a login
    assert by_rule["SEC-551"].status == "skip" and "--no-credentials" in (by_rule["SEC-551"].message or "")


@needs_redis
def test_hosts_outside_live_hosts_are_not_contacted(tmp_path: Path) -> None:
    from _recorder import Listener

    with Listener() as listener:
        results = _scan_file(tmp_path, f"REDIS_URL=redis://127.0.0.1:{listener.port}/0", ["SEC-550", "SEC-551"],
                             live_hosts=["*.example.com", "localhost"])
        time.sleep(0.3)  # a connection attempt, had there been one, has arrived
        assert listener.connections == 0
    assert {r.status for r in results} == {"skip"}
    assert all("not in --live-hosts" in (r.message or "") for r in results)
    with Listener() as listener:  # a matching glob: contacted
        _scan_file(tmp_path, f"REDIS_URL=redis://127.0.0.1:{listener.port}/0", ["SEC-550"], live_hosts=["127.0.0.*"])
        time.sleep(0.3)
        assert listener.connections >= 1


def _postgres_client_messages(stream: bytes) -> list[bytes]:
    """The type bytes of the messages a PostgreSQL client sent (after its SSL/GSS requests and startup)."""
    view, types = memoryview(stream), []
    while len(view) >= 8 and int.from_bytes(view[4:8], "big") in (80877103, 80877104):  # SSLRequest, GSSENCRequest
        view = view[8:]
    if len(view) >= 4:
        view = view[int.from_bytes(view[:4], "big"):]  # the startup message
    while len(view) >= 5:
        types.append(bytes(view[:1]))
        view = view[1 + int.from_bytes(view[1:5], "big"):]
    return types


def test_no_credentials_sends_no_postgres_password(postgres: int, tmp_path: Path) -> None:
    from _recorder import Recorder

    line = f"DATABASE_URL=postgresql://app:{STRONG}@127.0.0.1:{{port}}/postgres"
    with Recorder(postgres) as relay:  # with credentials: the URI's user logs in (a password message, 'p')
        _scan_file(tmp_path, line.format(port=relay.port), ["PERF-321"])
    assert any(b"p" in _postgres_client_messages(bytes(s)) for s in relay.streams) and b"app\x00" in relay.sent
    with Recorder(postgres) as relay:
        results = _scan_file(tmp_path, line.format(port=relay.port), ["SEC-555", "SEC-556", "PERF-321"], credentials=False)
    assert relay.connections >= 1 and b"app\x00" not in relay.sent
    assert all(b"p" not in _postgres_client_messages(bytes(s)) for s in relay.streams)
    by_rule = {r.rule_id: r for r in results}
    assert by_rule["SEC-556"].status == "pass"  # scram-sha-256 asked for a password: not trust
    assert by_rule["SEC-555"].status == "skip" and by_rule["PERF-321"].status == "skip"


# --- one rule's login reused by the next (issue 15, 11) ----------------------------------------

@needs_redis
def test_protected_mode_is_judged_with_the_default_password_the_guessing_rule_found(redis_server) -> None:  # type: ignore[no-untyped-def]
    """Before: SEC-552 skipped with "cannot log in" right after SEC-551 logged in with `foobared`."""
    port = redis_server("--requirepass", "foobared", "--protected-mode", "no")
    results = {r.rule_id: r for r in live(f"redis://127.0.0.1:{port}", "SEC-551", "SEC-552")}
    assert results["SEC-551"].status == "fail"
    assert results["SEC-552"].status == "fail" and "protected-mode no" in (results["SEC-552"].message or "")
    assert "foobared" not in dumped(list(results.values()))


@needs_redis
def test_protected_mode_without_any_login_skips_with_the_reason(redis_server) -> None:  # type: ignore[no-untyped-def]
    port = redis_server("--requirepass", "Zq8vR2mN7xK4pL9sT3wY6bH1")
    result = one(f"redis://127.0.0.1:{port}", "SEC-552")
    assert result.status == "skip" and "no password" in (result.message or "")


def test_postgres_index_rules_use_the_default_login_the_guessing_rule_found(postgres: int) -> None:
    """Before: `error: the URI's credentials do not log in` for a URI that carries none."""
    results = {r.rule_id: r for r in live(f"postgresql://127.0.0.1:{postgres}/postgres", "SEC-555", "PERF-321")}
    assert results["SEC-555"].status == "fail"
    assert results["PERF-321"].status == "fail" and "child" in (results["PERF-321"].message or "")
    assert results["SEC-555"].evidence["auth"] == "default password accepted (8 chars)"  # never the value


def test_postgres_index_rules_skip_without_credentials_or_defaults(postgres: int) -> None:
    result = one(f"postgresql://nobody@127.0.0.1:{postgres}/postgres", "PERF-321")
    assert result.status == "skip" and "no password" in (result.message or "")
