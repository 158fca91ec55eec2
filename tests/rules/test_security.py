"""Edge cases of the security checklist (rules/security.yaml), yamllint style.

Each test pins the status, the line and the object of every finding, and the
message naming the key or service; the catalog test already checks that every
fixture fails or passes. Snippets are written to a folder named `deploy`, a
name that says no environment, so the default (production) applies unless a
test passes `env=` or names its file after an environment.
"""
from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from checker.api import scan_paths
from checker.models import Result
from helpers import FIXTURES, TODAY, run_rule, run_snippet, statuses


def _snippet(rule_id: str, text: str, kind: str, tmp_path: Path, env: str | None = None) -> list[Result]:
    return run_snippet(rule_id, text, kind, tmp_path / "deploy", env=env)


def _file(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "deploy"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _failures(results: list[Result]) -> list[tuple[int | None, str | None]]:
    """(line, object) of every failing result, in report order; anything but pass/fail is a test error."""
    assert set(statuses(results)) <= {"pass", "fail"}, results
    return [(r.location.line, r.location.object) for r in results if r.status == "fail" and r.location]


def _service(name: str, body: str) -> str:
    return f"services:\n  {name}:\n    image: ghcr.io/example/{name}:1.4.2\n{body}"


# --- SEC-001 default-password -------------------------------------------------------------


def test_given_plain_default_password_then_fails_on_its_line() -> None:
    (r,) = run_rule("SEC-001", FIXTURES / "SEC-001" / "fail-postgres-default.env")
    assert (r.status, r.location.line, r.location.object) == ("fail", 10, "POSTGRES_PASSWORD")
    assert r.message == "POSTGRES_PASSWORD is a known default or weak value"


def test_given_default_password_inside_mongodb_uri_then_fails_naming_the_uri_key() -> None:
    (r,) = run_rule("SEC-001", FIXTURES / "SEC-001" / "fail-mongodb-uri-password.env")
    assert (r.status, r.location.line, r.location.object) == ("fail", 7, "MONGODB_URI")
    assert r.message == "password in MONGODB_URI is a known default or weak value"
    assert "mypassword" not in (r.observed or "")


def test_given_default_password_inside_compose_service_then_message_names_the_service() -> None:
    (r,) = run_rule("SEC-001", FIXTURES / "SEC-001" / "fail-minio-default.compose.yaml")
    assert (r.status, r.location.line) == ("fail", 20)
    assert r.location.object == "services.minio.environment.MINIO_ROOT_PASSWORD"
    assert r.message == "MINIO_ROOT_PASSWORD (service minio) is a known default or weak value"


@pytest.mark.parametrize(
    ("key", "uri"),
    [
        ("DATABASE_URL", "postgres://app:postgres@db:5432/app"),
        ("REDIS_URL", "redis://:redis@cache:6379/0"),
        ("BROKER_URL", "amqp://guest:guest@rabbitmq:5672/"),
    ],
)
def test_given_default_password_in_any_uri_scheme_then_fails(key: str, uri: str, tmp_path: Path) -> None:
    results = _snippet("SEC-001", f"APP_PORT=8080\n{key}={uri}\n", "env", tmp_path)
    assert _failures(results) == [(2, key)]
    assert results[0].message == f"password in {key} is a known default or weak value"


def test_given_strong_password_in_uri_then_passes(tmp_path: Path) -> None:
    results = _snippet("SEC-001", "DATABASE_URL=postgres://app:q7Vn2pR9tLx4mK8sW3zY@db:5432/app\n", "env", tmp_path)
    assert statuses(results) == ["pass"]


def test_given_development_env_file_then_default_password_rule_is_skipped(tmp_path: Path) -> None:
    path = _file(tmp_path, ".env.development", "POSTGRES_PASSWORD=postgres\n")
    (r,) = run_rule("SEC-001", path)
    assert r.status == "skip" and "staging, production" in r.message


# --- placeholders, defaults, length and entropy: one report per value --------------------


def test_given_one_weak_value_per_check_then_each_is_reported_by_exactly_one_rule(tmp_path: Path) -> None:
    # given: a default, a placeholder, a short and a repetitive secret
    path = _file(
        tmp_path, "app.env",
        "DB_PASSWORD=changeme\nAPI_KEY=your_api_key_here\nJWT_SECRET=Xk3r9Lq2\nAPI_TOKEN=aaaaaaaabbbbbbbbcccc\n",
    )
    # when: all four weak-secret rules run together
    report = scan_paths([str(path)], select=["SEC-001", "SEC-002", "SEC-003", "SEC-004"], today=TODAY)
    # then: every value is reported once, by its most specific rule
    found = sorted((r.rule_id, r.location.line, r.location.object) for r in report.results if r.status == "fail")
    assert found == [
        ("SEC-001", 1, "DB_PASSWORD"),
        ("SEC-002", 2, "API_KEY"),
        ("SEC-003", 3, "JWT_SECRET"),
        ("SEC-004", 4, "API_TOKEN"),
    ]


def test_given_value_both_placeholder_and_default_then_only_default_rule_reports_it(tmp_path: Path) -> None:
    # `changeme` matches the placeholder pattern and is in the shipped list of defaults
    text = "SESSION_SECRET=changeme\n"
    assert _failures(_snippet("SEC-001", text, "env", tmp_path / "a")) == [(1, "SESSION_SECRET")]
    assert statuses(_snippet("SEC-002", text, "env", tmp_path / "b")) == ["pass"]


def test_given_template_placeholders_then_each_fails_on_its_line() -> None:
    results = run_rule("SEC-002", FIXTURES / "SEC-002" / "fail-template-placeholders.env")
    assert _failures(results) == [(6, "SECRET_KEY"), (7, "STRIPE_API_KEY")]
    assert [r.message for r in results] == [
        "SECRET_KEY is a template placeholder", "STRIPE_API_KEY is a template placeholder",
    ]


def test_given_placeholder_then_default_rule_does_not_report_it(tmp_path: Path) -> None:
    results = _snippet("SEC-001", "SMTP_PASSWORD=<replace-with-smtp-password>\n", "env", tmp_path)
    assert statuses(results) == ["pass"]


# --- SEC-003 short-secret: min_length per environment -----------------------------------

TWELVE_CHARS = "JWT_SECRET=Xk3r9Lq2Vw7z\n"


@pytest.mark.parametrize(
    ("env", "expected"), [("development", "pass"), ("staging", "pass"), ("production", "fail")],
)
def test_given_12_char_secret_when_env_is_forced_then_min_length_follows_it(env: str, expected: str, tmp_path: Path) -> None:
    results = _snippet("SEC-003", TWELVE_CHARS, "env", tmp_path, env=env)
    assert statuses(results) == [expected]


def test_given_12_char_secret_in_production_then_message_names_both_lengths(tmp_path: Path) -> None:
    (r,) = _snippet("SEC-003", TWELVE_CHARS, "env", tmp_path, env="production")
    assert (r.location.line, r.location.object) == (1, "JWT_SECRET")
    assert r.message == "JWT_SECRET is 12 characters, shorter than 16"


@pytest.mark.parametrize(
    ("name", "expected"),
    [(".env.development", []), (".env.staging", []), (".env.production", [(1, "JWT_SECRET")]), ("app.env", [(1, "JWT_SECRET")])],
)
def test_given_12_char_secret_then_environment_comes_from_the_file_name(
    name: str, expected: list[tuple[int, str]], tmp_path: Path
) -> None:
    results = run_rule("SEC-003", _file(tmp_path, name, TWELVE_CHARS))
    assert _failures(results) == expected


def test_given_7_char_secret_in_development_then_fails_under_8(tmp_path: Path) -> None:
    (r,) = _snippet("SEC-003", "COOKIE_SECRET=Xk3r9Lq\n", "env", tmp_path, env="development")
    assert (r.status, r.message) == ("fail", "COOKIE_SECRET is 7 characters, shorter than 8")


def test_given_short_password_inside_compose_uri_then_fails_at_the_service_key() -> None:
    (r,) = run_rule("SEC-003", FIXTURES / "SEC-003" / "fail-short-uri-password.compose.yaml")
    assert (r.status, r.location.line, r.location.object) == ("fail", 5, "services.app.environment.REDIS_URL")
    assert r.message == "password in REDIS_URL (service app) is 6 characters, shorter than 16"


# --- unresolved ${VAR} is not judged; ${VAR:-default} is --------------------------------


@pytest.mark.parametrize("rule_id", ["SEC-001", "SEC-003", "SEC-004"])
def test_given_unset_variable_in_env_file_then_value_is_not_judged(rule_id: str, tmp_path: Path) -> None:
    results = _snippet(rule_id, "POSTGRES_PASSWORD=${DB_PASS}\n", "env", tmp_path)
    assert statuses(results) == ["pass"]


@pytest.mark.parametrize("rule_id", ["SEC-001", "SEC-003", "SEC-004"])
def test_given_unset_variable_in_compose_then_value_is_not_judged(rule_id: str, tmp_path: Path) -> None:
    text = _service("db", "    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n")
    assert statuses(_snippet(rule_id, text, "compose", tmp_path)) == ["pass"]


def test_given_default_in_compose_variable_then_the_default_is_judged(tmp_path: Path) -> None:
    text = _service("db", "    environment:\n      POSTGRES_USER: app\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-postgres}\n")
    (r,) = _snippet("SEC-001", text, "compose", tmp_path)
    assert (r.status, r.location.line, r.location.object) == ("fail", 6, "services.db.environment.POSTGRES_PASSWORD")
    assert r.message == "POSTGRES_PASSWORD (service db) is a known default or weak value"


def test_given_default_in_env_file_variable_then_the_default_is_judged(tmp_path: Path) -> None:
    (r,) = _snippet("SEC-001", "POSTGRES_DB=app\nPOSTGRES_PASSWORD=${DB_PASS:-postgres}\n", "env", tmp_path)
    assert (r.status, r.location.line, r.location.object) == ("fail", 2, "POSTGRES_PASSWORD")


def test_given_variable_set_in_the_env_file_beside_compose_then_its_value_is_judged(tmp_path: Path) -> None:
    _file(tmp_path, ".env", "POSTGRES_PASSWORD=postgres\n")
    compose = _file(tmp_path, "compose.yaml", _service("db", "    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n"))
    results = [r for r in run_rule("SEC-001", compose) if r.target.endswith("compose.yaml")]
    assert _failures(results) == [(5, "services.db.environment.POSTGRES_PASSWORD")]


def test_given_uri_with_unset_password_variable_in_compose_then_it_is_not_judged(tmp_path: Path) -> None:
    text = _service("app", "    environment:\n      DATABASE_URL: postgres://app:${PG_PASSWORD}@db:5432/app\n")
    assert statuses(_snippet("SEC-007", text, "compose", tmp_path)) == ["pass"]


def test_given_uri_with_unset_password_variable_in_env_file_then_it_is_not_judged(tmp_path: Path) -> None:
    results = _snippet("SEC-007", "DATABASE_URL=postgres://app:${PG_PASSWORD}@db:5432/app\n", "env", tmp_path)
    assert statuses(results) == ["pass"]


# --- SEC-005 secret-reuse ----------------------------------------------------------------


def test_given_token_reused_then_reported_at_the_later_key() -> None:
    (r,) = run_rule("SEC-005", FIXTURES / "SEC-005" / "fail-token-reused.env")
    assert (r.status, r.location.line, r.location.object) == ("fail", 4, "ROOT_KEY")
    assert r.message == "ROOT_KEY reuses the value of TOKEN_KEY"


def test_given_same_key_value_in_two_services_then_only_reuse_within_a_service_is_reported() -> None:
    results = run_rule("SEC-005", FIXTURES / "SEC-005" / "fail-signing-key-reused.compose.yaml")
    assert _failures(results) == [(7, "services.api.environment.ENCRYPTION_KEY")]
    assert results[0].message == "ENCRYPTION_KEY (service api) reuses the value of JWT_SECRET"


def test_given_two_password_keys_share_a_value_then_passes(tmp_path: Path) -> None:
    text = "POSTGRES_PASSWORD=LgFhbZnIUtZ5mjaDUnBpqB9r\nDB_PASSWORD=LgFhbZnIUtZ5mjaDUnBpqB9r\n"
    assert statuses(_snippet("SEC-005", text, "env", tmp_path)) == ["pass"]


# --- SEC-006 compose-inline-secret -------------------------------------------------------


def test_given_literal_and_variable_passwords_then_only_the_literal_fails(tmp_path: Path) -> None:
    text = (
        "services:\n"
        "  db:\n"
        "    image: postgres:16.4\n"
        "    environment:\n"
        "      POSTGRES_USER: wiki\n"
        "      POSTGRES_PASSWORD: q7Vn2pR9tLx4mK8s\n"
        "  wiki:\n"
        "    image: ghcr.io/requarks/wiki:2.5.304\n"
        "    environment:\n"
        "      DB_PASS: ${POSTGRES_PASSWORD}\n"
    )
    results = _snippet("SEC-006", text, "compose", tmp_path)
    assert _failures(results) == [(6, "services.db.environment.POSTGRES_PASSWORD")]
    assert results[0].message == "POSTGRES_PASSWORD (service db) is written inline"


def test_given_list_syntax_environment_then_literal_uri_password_fails_on_its_line() -> None:
    (r,) = run_rule("SEC-006", FIXTURES / "SEC-006" / "fail-uri-password.compose.yaml")
    assert (r.status, r.location.line, r.location.object) == ("fail", 6, "services.app.environment.DATABASE_URL")
    assert r.message == "DATABASE_URL (service app) has a password written inline in its URI"
    assert "Wq3zT8vLm2Kp9Rx4" not in (r.observed or "")


def test_given_empty_value_then_inline_secret_passes(tmp_path: Path) -> None:
    text = _service("db", '    environment:\n      POSTGRES_PASSWORD: ""\n      REDIS_PASSWORD:\n')
    assert statuses(_snippet("SEC-006", text, "compose", tmp_path)) == ["pass"]


def test_given_env_file_then_inline_secret_rule_does_not_apply(tmp_path: Path) -> None:
    (r,) = _snippet("SEC-006", "POSTGRES_PASSWORD=q7Vn2pR9tLx4mK8s\n", "env", tmp_path)
    assert r.status == "skip"


# --- SEC-007 / SEC-010 connection URIs ---------------------------------------------------

STRONG = "Xk3r9Lq2Vw7zBn4T"


@pytest.mark.parametrize(
    "uri",
    [
        f"mongodb://app:{STRONG}@db:27017/app?tls=true",
        f"mongodb://app:{STRONG}@db:27017/app?authSource=admin&ssl=true",
        f"mongodb+srv://app:{STRONG}@cluster0.example.mongodb.net/app",
        f"postgres://app:{STRONG}@db:5432/app?sslmode=require",
        f"postgresql://app:{STRONG}@db:5432/app?sslmode=verify-full",
        f"mysql://app:{STRONG}@db:3306/app?ssl-mode=REQUIRED",
        f"rediss://default:{STRONG}@cache:6380/0",
        f"amqps://app:{STRONG}@mq:5671/",
    ],
)
def test_given_tls_turned_on_then_uri_without_tls_passes(uri: str, tmp_path: Path) -> None:
    assert statuses(_snippet("SEC-010", f"DATABASE_URL={uri}\n", "env", tmp_path)) == ["pass"]


@pytest.mark.parametrize(
    ("uri", "scheme"),
    [
        (f"mongodb://app:{STRONG}@db:27017/app?tls=false", "mongodb"),
        (f"postgres://app:{STRONG}@db:5432/app?sslmode=prefer", "postgres"),
        (f"postgres://app:{STRONG}@db:5432/app?sslmode=disable", "postgres"),
        (f"redis://default:{STRONG}@cache:6379/0", "redis"),
    ],
)
def test_given_tls_off_or_optional_then_uri_without_tls_fails(uri: str, scheme: str, tmp_path: Path) -> None:
    (r,) = _snippet("SEC-010", f"APP_PORT=8080\nDATABASE_URL={uri}\n", "env", tmp_path)
    assert (r.status, r.location.line, r.location.object) == ("fail", 2, "DATABASE_URL")
    # db / cache are bare names: only a container network or a cluster resolves them (issue 14: internal traffic)
    assert r.message == f"DATABASE_URL: {scheme}:// URI does not turn TLS on (the host is a bare host name: internal traffic)"
    assert (r.severity, r.evidence["network"]) == ("low", "a bare host name")
    assert STRONG not in (r.observed or "")


def test_given_staging_then_tls_rule_is_skipped(tmp_path: Path) -> None:
    (r,) = _snippet("SEC-010", "REDIS_URL=redis://default:Xk3r9Lq2Vw7zBn4T@cache:6379\n", "env", tmp_path, env="staging")
    assert r.status == "skip"


def test_given_replica_set_uri_without_tls_then_fails_on_its_line() -> None:
    (r,) = run_rule("SEC-010", FIXTURES / "SEC-010" / "fail-mongodb-plaintext.env")
    assert (r.status, r.location.line, r.location.object) == ("fail", 3, "MONGODB_URI")
    assert r.evidence["hosts"] == ["replica-0.db.example.net", "replica-1.db.example.net"]


@pytest.mark.parametrize(
    "uri",
    ["rediss://cache:6380/0", "mongodb+srv://cluster0.example.mongodb.net/app", "postgres://app@db:5432/app?sslmode=verify-full"],
)
def test_given_tls_but_no_password_then_credentials_rule_still_fails(uri: str, tmp_path: Path) -> None:
    (r,) = _snippet("SEC-007", f"DATABASE_URL={uri}\n", "env", tmp_path)
    assert (r.status, r.location.object) == ("fail", "DATABASE_URL")
    assert r.message.endswith(" URI has no password")


def test_given_uri_without_password_in_compose_then_fails_naming_the_service() -> None:
    (r,) = run_rule("SEC-007", FIXTURES / "SEC-007" / "fail-mongo-without-password.compose.yaml")
    assert (r.status, r.location.line, r.location.object) == ("fail", 5, "services.app.environment.MONGODB_URI")
    assert r.message == ("MONGODB_URI (service app): mongodb:// URI has no password (the host is a service of this "
                         "compose project: internal traffic)")
    assert r.severity == "medium"  # the rule is high: the database is only on the project's network


def test_given_uri_to_a_service_of_the_same_compose_project_then_tls_is_not_asked(tmp_path: Path) -> None:
    text = ("services:\n  app:\n    image: ghcr.io/example/app:1.0.0\n    environment:\n"
            "      REDIS_URL: redis://default:Xk3r9Lq2Vw7zBn4T@cache:6379\n      PG_URL: postgres://app:Xk3r9Lq2Vw7zBn4T@db.example.net:5432/app\n"
            "  cache:\n    image: redis:7.4.1\n")
    results = _snippet("SEC-010", text, "compose", tmp_path)
    assert [(r.status, r.location.object) for r in results] == [("fail", "services.app.environment.PG_URL")]


def test_given_localhost_in_a_pod_then_tls_is_not_asked_and_credentials_weigh_less(tmp_path: Path) -> None:
    manifest = ("apiVersion: v1\nkind: Pod\nmetadata: {name: app, namespace: shop}\nspec:\n  containers:\n"
                "    - name: app\n      image: ghcr.io/example/app:1.0.0\n      env:\n"
                "        - {name: REDIS_URL, value: 'redis://127.0.0.1:6379'}\n    - name: redis\n      image: redis:7.4.1\n")
    assert [r.status for r in _snippet("SEC-010", manifest, "yaml", tmp_path / "tls")] == ["pass"]
    (creds,) = _snippet("SEC-007", manifest, "yaml", tmp_path / "creds")
    assert (creds.status, creds.severity) == ("fail", "medium") and "the pod itself" in creds.message


# --- SEC-008 duplicate-key -------------------------------------------------------------


def test_given_key_set_twice_then_the_later_line_fails_naming_the_first() -> None:
    (r,) = run_rule("SEC-008", FIXTURES / "SEC-008" / "fail-log-level-twice.env")
    assert (r.status, r.location.line, r.location.object) == ("fail", 6, "LOG_LEVEL")
    assert r.message == "LOG_LEVEL is set again (first on line 2); the last value wins"


# --- SEC-011 public-url-not-https ----------------------------------------------------------


def test_given_bare_host_name_then_public_url_fails_and_internal_http_url_is_ignored() -> None:
    results = run_rule("SEC-011", FIXTURES / "SEC-011" / "fail-bare-host.compose.yaml")
    assert _failures(results) == [(6, "services.web.environment.PUBLIC_URL")]
    assert results[0].message == "PUBLIC_URL (service web) is not an https:// URL"


def test_given_empty_public_url_then_it_is_not_judged(tmp_path: Path) -> None:
    assert statuses(_snippet("SEC-011", "FE_DOMAIN=\n", "env", tmp_path)) == ["pass"]


# --- SEC-020 db-port-published -------------------------------------------------------------


def _ports(*entries: str) -> str:
    return _service("cache", "    ports:\n" + "".join(f"      - {e}\n" for e in entries))


@pytest.mark.parametrize(
    ("fixture", "line", "obj", "message"),
    [
        ("fail-short-syntax.compose.yaml", 12, "services.db.ports[0]", "service db publishes port 5432 on all interfaces"),
        ("fail-long-syntax.compose.yaml", 11, "services.redis.ports[0]", "service redis publishes port 6379 on all interfaces"),
        ("fail-any-address.compose.yaml", 9, "services.mongo.ports[0]", "service mongo publishes port 27017 on 0.0.0.0"),
    ],
)
def test_given_published_database_port_then_fails_at_the_port_entry(fixture: str, line: int, obj: str, message: str) -> None:
    (r,) = run_rule("SEC-020", FIXTURES / "SEC-020" / fixture)
    assert (r.status, r.location.line, r.location.object, r.message) == ("fail", line, obj, message)


@pytest.mark.parametrize(
    "entry",
    ['"127.0.0.1:6379:6379"', '"[::1]:6379:6379"', '"localhost:6379:6379"', '"127.0.0.1::6379"', '"8080:8080"', '"6379:16379"'],
)
def test_given_loopback_bind_or_other_port_then_passes(entry: str, tmp_path: Path) -> None:
    assert statuses(_snippet("SEC-020", _ports(entry), "compose", tmp_path)) == ["pass"]


def test_given_long_syntax_with_loopback_host_ip_then_passes(tmp_path: Path) -> None:
    text = _service("cache", "    ports:\n      - target: 6379\n        published: 6379\n        host_ip: 127.0.0.1\n")
    assert statuses(_snippet("SEC-020", text, "compose", tmp_path)) == ["pass"]


def test_given_long_syntax_with_any_address_host_ip_then_fails(tmp_path: Path) -> None:
    text = _service("cache", '    ports:\n      - target: 6379\n        published: "6379"\n        host_ip: 0.0.0.0\n')
    (r,) = _snippet("SEC-020", text, "compose", tmp_path)
    assert (r.status, r.location.line, r.location.object) == ("fail", 5, "services.cache.ports[0]")
    assert r.message == "service cache publishes port 6379 on 0.0.0.0 (redis, guessed from port 6379 alone)"


def test_given_port_range_covering_a_database_port_then_fails_naming_that_port(tmp_path: Path) -> None:
    (r,) = _snippet("SEC-020", _ports('"80:80"', '"6370-6390:6370-6390"'), "compose", tmp_path)
    assert (r.status, r.location.line, r.location.object) == ("fail", 6, "services.cache.ports[1]")
    assert r.message == "service cache publishes port 6379 on all interfaces (redis, guessed from port 6379 alone)"


def test_given_port_range_of_web_ports_then_passes(tmp_path: Path) -> None:
    assert statuses(_snippet("SEC-020", _ports('"8000-8010:8000-8010"'), "compose", tmp_path)) == ["pass"]


def test_given_container_port_only_or_protocol_suffix_then_fails(tmp_path: Path) -> None:
    results = _snippet("SEC-020", _ports('"6379"', '"5432/tcp"'), "compose", tmp_path)
    assert _failures(results) == [(5, "services.cache.ports[0]"), (6, "services.cache.ports[1]")]


def test_given_private_interface_then_fails_naming_the_address(tmp_path: Path) -> None:
    (r,) = _snippet("SEC-020", _ports('"10.0.0.5:5432:5432"'), "compose", tmp_path)
    assert r.message == "service cache publishes port 5432 on 10.0.0.5 (postgres, guessed from port 5432 alone)"


# --- SEC-021 docker-socket-mounted ---------------------------------------------------------


def test_given_short_syntax_socket_mount_then_fails_at_that_volume() -> None:
    (r,) = run_rule("SEC-021", FIXTURES / "SEC-021" / "fail-socket-short-syntax.compose.yaml")
    assert (r.status, r.location.line, r.location.object) == ("fail", 9, "services.portainer.volumes[1]")
    assert r.message == "service portainer mounts the container engine socket"


def test_given_long_syntax_bind_of_the_socket_then_fails_at_that_volume(tmp_path: Path) -> None:
    text = _service(
        "agent",
        "    volumes:\n      - agent-data:/data\n"
        "      - type: bind\n        source: /var/run/docker.sock\n        target: /var/run/docker.sock\n",
    )
    (r,) = _snippet("SEC-021", text, "compose", tmp_path)
    assert (r.status, r.location.line, r.location.object) == ("fail", 6, "services.agent.volumes[1]")
    assert r.message == "service agent mounts the container engine socket"


def test_given_podman_socket_mounted_then_fails(tmp_path: Path) -> None:
    text = _service("agent", "    volumes:\n      - /run/podman/podman.sock:/var/run/docker.sock:ro\n")
    assert _failures(_snippet("SEC-021", text, "compose", tmp_path)) == [(5, "services.agent.volumes[0]")]


def test_given_service_without_volumes_then_passes(tmp_path: Path) -> None:
    assert statuses(_snippet("SEC-021", _service("agent", "    restart: always\n"), "compose", tmp_path)) == ["pass"]


# --- SEC-022 / SEC-023 -------------------------------------------------------------------


def test_given_privileged_service_then_fails_at_the_privileged_key() -> None:
    (r,) = run_rule("SEC-022", FIXTURES / "SEC-022" / "fail-privileged.compose.yaml")
    assert (r.status, r.location.line, r.location.object) == ("fail", 7, "services.node-exporter.privileged")
    assert r.message == "service node-exporter runs privileged"


def test_given_two_dangerous_capabilities_then_the_first_is_reported() -> None:
    (r,) = run_rule("SEC-023", FIXTURES / "SEC-023" / "fail-net-admin.compose.yaml")
    assert (r.status, r.location.line, r.location.object) == ("fail", 5, "services.vpn.cap_add[0]")
    assert r.message == "service vpn adds capability NET_ADMIN"


def test_given_cap_prefixed_capability_then_fails(tmp_path: Path) -> None:
    (r,) = _snippet("SEC-023", _service("backup", "    cap_add: [NET_BIND_SERVICE, CAP_SYS_ADMIN]\n"), "compose", tmp_path)
    assert (r.status, r.location.line, r.location.object) == ("fail", 4, "services.backup.cap_add[1]")
    assert r.message == "service backup adds capability CAP_SYS_ADMIN"


# --- SEC-025 image-tag-pinned --------------------------------------------------------------


@pytest.mark.parametrize(
    "image",
    [
        "nginx:1.27.3-alpine",
        "registry.example.com:5000/shop/app:2026.11.3",
        "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "ghcr.io/example/app:1.4.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    ],
)
def test_given_version_or_digest_then_image_passes(image: str, tmp_path: Path) -> None:
    text = f"services:\n  app:\n    image: \"{image}\"\n"
    assert statuses(_snippet("SEC-025", text, "compose", tmp_path)) == ["pass"]


def test_given_registry_with_port_and_no_tag_then_fails_as_untagged(tmp_path: Path) -> None:
    text = "services:\n  app:\n    restart: always\n    image: registry:5000/app\n"
    (r,) = _snippet("SEC-025", text, "compose", tmp_path)
    assert (r.status, r.location.line, r.location.object) == ("fail", 4, "services.app.image")
    assert r.message == "image registry:5000/app has no tag, so it runs whatever `latest` is"


def test_given_floating_tag_in_any_case_then_fails_naming_the_tag(tmp_path: Path) -> None:
    (r,) = _snippet("SEC-025", "services:\n  web:\n    image: nginx:Stable\n", "compose", tmp_path)
    assert (r.status, r.location.line, r.message) == ("fail", 3, "image nginx:Stable uses the floating tag `Stable`")


def test_given_untagged_images_then_each_service_fails_on_its_line() -> None:
    results = run_rule("SEC-025", FIXTURES / "SEC-025" / "fail-no-tag.compose.yaml")
    assert _failures(results) == [(3, "services.web.image"), (7, "services.app.image")]


@pytest.mark.parametrize("build", ["build: ./worker", "build:\n      context: ./worker"])
def test_given_service_that_builds_its_image_then_tag_is_not_judged(build: str, tmp_path: Path) -> None:
    text = f"services:\n  worker:\n    {build}\n    image: shop/worker:latest\n"
    assert statuses(_snippet("SEC-025", text, "compose", tmp_path)) == ["pass"]


def test_given_image_from_unset_variable_then_it_is_not_judged(tmp_path: Path) -> None:
    text = 'services:\n  app:\n    image: "${APP_IMAGE}"\n  web:\n    image: "nginx:${NGINX_TAG}"\n'
    assert statuses(_snippet("SEC-025", text, "compose", tmp_path)) == ["pass"]


# --- SEC-030 rate-limit-configured ---------------------------------------------------------


def test_given_no_rate_limit_key_then_skip_not_a_guess_from_env_names() -> None:
    # which variable an app reads is the app's business (issue 14): the FastGPT profile requires USE_IP_LIMIT
    path = FIXTURES / "SEC-030" / "skip-no-limit-set.env"
    (r,) = run_rule("SEC-030", path)
    assert (r.status, r.target) == ("skip", "project")
    assert r.message.startswith("none of *RATE_LIMIT*, USE_IP_LIMIT, *THROTTLE*, *RATELIMIT* is set in scope: nothing to judge")


def test_given_rate_limit_zero_then_fails_at_the_key_in_its_file() -> None:
    path = FIXTURES / "SEC-030" / "fail-rate-limit-off.env"
    (r,) = run_rule("SEC-030", path)
    assert (r.status, r.location.file, r.location.line, r.location.object) == ("fail", str(path), 3, "RATE_LIMIT")
    assert r.message.startswith("RATE_LIMIT is '0'")


def test_given_rate_limit_set_in_one_of_two_files_then_the_project_passes(tmp_path: Path) -> None:
    db = _file(tmp_path, "db.env", "POSTGRES_DB=shop\nPOSTGRES_USER=shop\n")
    api = _file(tmp_path, "api.env", "API_PORT=8080\nRATE_LIMIT=100\n")
    assert statuses(run_rule("SEC-030", db, api)) == ["pass"]


def test_given_only_development_files_then_rate_limit_rule_is_skipped(tmp_path: Path) -> None:
    (r,) = run_rule("SEC-030", _file(tmp_path, ".env.development", "API_PORT=8080\n"))
    assert r.status == "skip"


# --- SEC-040 / SEC-041 CORS ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("*", "CORS_ORIGIN allows any origin (*)"),
        ('"*"', "CORS_ORIGIN allows any origin (*)"),
        ("https://app.example.com;*", "CORS_ORIGIN allows any origin (*)"),
        ("null", "CORS_ORIGIN allows any origin (null)"),
        ("", "CORS_ORIGIN is empty, which allows every origin"),
    ],
)
def test_given_wildcard_or_empty_allowlist_then_fails_naming_the_key(value: str, message: str, tmp_path: Path) -> None:
    (r,) = _snippet("SEC-040", f"APP_PORT=8080\nCORS_ORIGIN={value}\n", "env", tmp_path)
    assert (r.status, r.location.line, r.location.object, r.message) == ("fail", 2, "CORS_ORIGIN", message)


@pytest.mark.parametrize(
    "value", ["https://app.example.com", "https://app.example.com, https://admin.example.com", '["https://app.example.com"]'],
)
def test_given_explicit_origin_list_then_passes(value: str, tmp_path: Path) -> None:
    assert statuses(_snippet("SEC-040", f"ALLOWED_ORIGINS={value}\n", "env", tmp_path)) == ["pass"]


def test_given_allowlist_from_unset_variable_then_it_is_not_judged(tmp_path: Path) -> None:
    text = _service("api", "    environment:\n      CORS_ORIGIN: ${CORS_ORIGIN}\n")
    assert statuses(_snippet("SEC-040", text, "compose", tmp_path)) == ["pass"]


def test_given_wildcard_in_compose_then_fails_naming_the_service() -> None:
    (r,) = run_rule("SEC-040", FIXTURES / "SEC-040" / "fail-wildcard.compose.yaml")
    assert (r.status, r.location.line, r.location.object) == ("fail", 5, "services.api.environment.CORS_ORIGIN")
    assert r.message == "CORS_ORIGIN (service api) allows any origin (*)"


def test_given_development_then_wildcard_cors_is_skipped(tmp_path: Path) -> None:
    (r,) = _snippet("SEC-040", "CORS_ORIGIN=*\n", "env", tmp_path, env="development")
    assert r.status == "skip"


def test_given_http_origin_among_https_ones_then_fails_naming_it() -> None:
    (r,) = run_rule("SEC-041", FIXTURES / "SEC-041" / "fail-http-origin.env")
    assert (r.status, r.location.line, r.location.object) == ("fail", 3, "CORS_ORIGIN")
    assert r.message == "CORS_ORIGIN trusts a plain-http origin http://yourdomain.com"


# --- SEC-060 debug-enabled ------------------------------------------------------------------


@pytest.mark.parametrize(("env", "expected"), [("development", "skip"), ("staging", "fail"), ("production", "fail")])
def test_given_debug_true_then_only_staging_and_production_fail(env: str, expected: str, tmp_path: Path) -> None:
    assert statuses(_snippet("SEC-060", "DEBUG=true\n", "env", tmp_path, env=env)) == [expected]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (".env.development", "skip"), (".env.local", "skip"), ("docker-compose.dev.yml", "skip"),
        (".env.staging", "fail"), (".env.production", "fail"),
    ],
)
def test_given_debug_on_then_environment_from_file_name_decides(name: str, expected: str, tmp_path: Path) -> None:
    text = _service("web", "    environment:\n      DEBUG: \"true\"\n") if name.endswith(".yml") else "DEBUG=true\n"
    assert statuses(run_rule("SEC-060", _file(tmp_path, name, text))) == [expected]


def test_given_debug_and_hot_reload_in_two_services_then_each_fails_on_its_line() -> None:
    results = run_rule("SEC-060", FIXTURES / "SEC-060" / "fail-flask-debug.compose.yaml")
    assert _failures(results) == [(6, "services.web.environment.FLASK_DEBUG"), (13, "services.ui.environment.HOT_RELOAD")]
    assert [r.message for r in results] == [
        "FLASK_DEBUG (service web) is '1': should be falsy", "HOT_RELOAD (service ui) is 'true': should be falsy",
    ]


def test_given_log_debug_key_then_it_is_excluded(tmp_path: Path) -> None:
    assert statuses(_snippet("SEC-060", "LOG_DEBUG=true\nDEBUG=false\n", "env", tmp_path)) == ["pass"]


def test_given_debug_from_unset_variable_then_it_is_not_judged(tmp_path: Path) -> None:
    assert statuses(_snippet("SEC-060", "DEBUG=${DEBUG}\n", "env", tmp_path)) == ["pass"]


# --- attestation rules ----------------------------------------------------------------------


def test_given_attestation_older_than_max_age_then_fails_with_its_expiry() -> None:
    (r,) = run_rule("SEC-024", FIXTURES / "SEC-024" / "fail-expired.attestations.yaml")
    assert r.status == "fail"
    assert r.message == "attestation by Sam Netadmin <sam@example.com> on 2026-03-02 expired on 2026-08-29"


def test_given_attestation_with_missing_evidence_then_fails_naming_the_path() -> None:
    (r,) = run_rule("SEC-012", FIXTURES / "SEC-012" / "fail-missing-evidence.attestations.yaml")
    assert (r.status, r.message) == (
        "fail", "evidence evidence/tls-check-2026-11-20.md named by the attestation does not exist",
    )


def test_given_recent_attestation_by_rule_name_then_passes_until_max_age() -> None:
    (r,) = run_rule("SEC-031", FIXTURES / "SEC-031" / "pass-recent.attestations.yaml")
    assert (r.status, r.message) == (
        "pass", "attested by Priya Backend <priya@example.com> on 2026-11-02, valid until 2027-01-31",
    )


def test_given_no_attestation_then_result_is_manual_with_the_live_probe_hint(tmp_path: Path) -> None:
    path = _file(tmp_path, "attestations.yaml", "attestations: []\n")
    (r,) = run_rule("SEC-050", path)
    assert r.status == "manual"
    assert r.message == "no attestation yet (or automated: SEC-520..SEC-526 with --live)"


# --- secrets never leave unmasked -------------------------------------------------------------


def test_given_planted_secrets_when_every_rule_runs_then_none_appears_in_the_json_report(tmp_path: Path) -> None:
    # given: long random secrets under secret keys, inside URIs, reused and inline
    reused, inline, in_uri, in_url = (secrets.token_urlsafe(32) for _ in range(4))
    _file(
        tmp_path, "app.env",
        f"JWT_SECRET={reused}\nROOT_KEY={reused}\n"
        f"DATABASE_URL=postgres://app:{in_uri}@db.example.net:5432/app?sslmode=disable\n"
        f"APP_URL=http://admin:{in_url}@app.example.com\n",
    )
    _file(
        tmp_path, "stack.compose.yaml",
        "services:\n  db:\n    image: postgres\n    environment:\n"
        f"      POSTGRES_PASSWORD: {inline}\n      REPLICA_URL: redis://default:{in_uri}@cache:6379\n",
    )
    # when
    report = scan_paths([str(tmp_path / "deploy")], today=TODAY)
    # then: the findings that carry them exist, and no secret is in the output
    failed = {r.rule_id for r in report.results if r.status == "fail"}
    assert {"SEC-005", "SEC-006", "SEC-010", "SEC-011"} <= failed
    dumped = report.to_json()
    for planted in (reused, inline, in_uri, in_url):
        assert planted not in dumped


# --- regressions found while writing these tests ------------------------------------------


def test_given_long_syntax_port_without_published_then_it_is_still_published(tmp_path: Path) -> None:
    # Compose publishes `target` on a random host port on every interface when `published` is absent
    text = _service("cache", "    ports:\n      - target: 6379\n")
    (r,) = _snippet("SEC-020", text, "compose", tmp_path)
    assert (r.status, r.location.line, r.observed) == ("fail", 5, "target: 6379")


def test_given_secret_with_literal_default_then_it_counts_as_inline(tmp_path: Path) -> None:
    text = _service("db", "    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-q7Vn2pR9tLx4mK8s}\n")
    (r,) = _snippet("SEC-006", text, "compose", tmp_path)
    assert (r.status, r.location.line) == ("fail", 5)
    assert "q7Vn2pR9tLx4mK8s" not in (r.observed or "") + r.message


def test_given_secret_without_default_then_not_inline(tmp_path: Path) -> None:
    text = _service("db", "    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-}\n")
    assert statuses(_snippet("SEC-006", text, "compose", tmp_path)) == ["pass"]


def test_given_compose_service_key_twice_then_duplicate_is_reported_on_the_later_line(tmp_path: Path) -> None:
    text = _service("api", "    restart: always\n    restart: \"no\"\n")
    (r,) = _snippet("SEC-008", text, "compose", tmp_path)
    assert (r.status, r.location.line, r.location.object) == ("fail", 5, "services.api.restart")
    assert "first on line 4" in r.message


@pytest.mark.parametrize("value", ["http://frontend", "http://frontend:9898/", "replace-me"])
def test_given_a_name_without_a_dot_then_it_is_no_public_url(value: str, tmp_path: Path) -> None:
    # issue 14 evaluation: podinfo's in-cluster FRONTEND_URL, plausible's BASE_URL=replace-me (SEC-002's)
    assert statuses(_snippet("SEC-011", f"BASE_URL={value}\n", "env", tmp_path)) == ["pass"]
