"""Secrets judged by value (issue 14): every weak value reported by exactly one rule, switches and
paths never taken for secrets, references not inline, Secret data decoded, token formats under
any name, and masking that leaves the text around a short secret readable."""
from __future__ import annotations

import base64
from pathlib import Path

import pytest

from checker.api import scan_paths
from checker.models import Result
from helpers import TODAY, preflight

WEAK_RULES = ("SEC-001", "SEC-002", "SEC-003", "SEC-004", "SEC-009")


def _scan(tmp_path: Path, name: str, text: str, select: tuple[str, ...] = WEAK_RULES) -> list[Result]:
    folder = tmp_path / "deploy"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    report = scan_paths([str(folder)], select=list(select), today=TODAY)
    assert not [r for r in report.results if r.status == "error"]
    return [r for r in report.results if r.status == "fail"]


# value -> the one rule that owns it (production)
ONE_RULE_EACH = {
    "changeme1234": "SEC-002", "xxxxxxxx": "SEC-002", "your_token_here": "SEC-002", "changeThisSecret": "SEC-002",
    "<replace-me>": "SEC-002", "ChangeMe!2024": "SEC-002",
    "postgres": "SEC-001", "minioadmin": "SEC-001", "123456": "SEC-001",
    "fastgptsecretpassword": "SEC-009", "dify_password": "SEC-009", "peppermint": "SEC-009",
    "Xk3r9Lq2": "SEC-003", "aaaaaaaaaaaaaaaaaaaaaaaa": "SEC-004",
}


@pytest.mark.parametrize(("value", "owner"), ONE_RULE_EACH.items())
def test_every_weak_value_is_reported_by_exactly_one_rule(tmp_path: Path, value: str, owner: str) -> None:
    failed = _scan(tmp_path, "app.env", f"SESSION_SECRET={value}\n")
    assert [r.rule_id for r in failed] == [owner], [(r.rule_id, r.message) for r in failed]


@pytest.mark.parametrize("key", ["APP_KEY_V1", "REDIS_AUTH", "SMTP_AUTH_TOKEN", "LDAP_PASS", "PASSWORD_SALT", "GCP_CREDENTIALS"])
def test_widened_secret_names_are_judged(tmp_path: Path, key: str) -> None:
    assert [r.rule_id for r in _scan(tmp_path, "app.env", f"{key}=changeThisValue\n")] == ["SEC-002"]


@pytest.mark.parametrize("line", [
    "FORCE_HTTPS=disabled", "API_KEY=disabled", "SMTP_AUTH=none", "REDIS_AUTH=off", "SESSION_SECRET=true",
    "REDIS_TLS_KEY=/certs/redis.key", "JWT_PRIVATE_KEY=./keys/jwt.pem", "TLS_KEY=tls.key", "MAX_TOKENS=4096",
    "POSTGRES_HOST_AUTH_METHOD=scram-sha-256", "OAUTH_TOKEN_URL=https://auth.example.com/token",
    "SENTRY_DSN=https://abc123@o1.ingest.sentry.io/42",
])
def test_switches_numbers_paths_and_dsns_are_not_weak_secrets(tmp_path: Path, line: str) -> None:
    assert _scan(tmp_path, "app.env", line + "\n") == []


def test_low_entropy_message_never_says_minus_zero(tmp_path: Path) -> None:
    (result,) = _scan(tmp_path, "app.env", "API_TOKEN=zzzzzzzzzzzzzzzzzzzzzzzz\n", select=("SEC-004",))
    assert "(0.0 bits/char" in result.message and "-0.0" not in result.message


COMPOSE = """services:
  app:
    image: ghcr.io/acme/app:1.4.2
    environment:
      FORCE_HTTPS: disabled
      API_KEY: disabled
      REDIS_TLS_KEY: /certs/redis.key
      SESSION_SECRET: ${SESSION_SECRET}
      JWT_SECRET: ${JWT_SECRET:?set it}
      CACHE_TOKEN: ${CACHE_TOKEN:-changeme}
      SIGNING_KEY: ${SIGNING_KEY:-Zq8wV2nR5tYxP1Lm4Kd7}
      SMTP_AUTH: login
      REDIS_AUTH: s3cr3tValue1
"""


def test_inline_secret_skips_switches_paths_references_and_placeholders(tmp_path: Path) -> None:
    failed = _scan(tmp_path, "compose.yaml", COMPOSE, select=("SEC-006",))
    assert [(r.location.line, r.message) for r in failed] == [
        (11, "SIGNING_KEY (service app) has a literal default around its variable reference"),
        (13, "REDIS_AUTH (service app) is written inline"),  # a wide name: only a value that looks secret
    ]


def test_base64_of_password_in_a_secret_is_a_default_password(tmp_path: Path) -> None:
    encoded = base64.b64encode(b"password").decode()
    manifest = f"apiVersion: v1\nkind: Secret\nmetadata: {{name: db}}\ndata:\n  username: {base64.b64encode(b'app').decode()}\n  password: {encoded}\n"
    failed = _scan(tmp_path, "secret.yaml", manifest, select=("SEC-001", "SEC-006"))
    assert [(r.rule_id, r.location.line, r.message) for r in failed] == [
        ("SEC-001", 6, "password (Secret db) is a known default or weak value"),
    ]


def test_string_data_placeholder_in_a_secret(tmp_path: Path) -> None:
    manifest = "apiVersion: v1\nkind: Secret\nmetadata: {name: api}\nstringData:\n  API_TOKEN: your_token_here\n"
    failed = _scan(tmp_path, "secret.yaml", manifest)
    assert [(r.rule_id, r.location.line) for r in failed] == [("SEC-002", 5)]


def test_private_key_under_an_innocent_name_is_found_by_its_form(tmp_path: Path) -> None:
    compose = (
        "services:\n  web:\n    image: nginx:1.27.0\n    environment:\n"
        "      BUNDLE: \"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----\"\n"
        "      TWILIO: SK0123456789abcdef0123456789abcdef\n"
        "      GREETING: hello world, this is a long harmless value\n"
    )
    failed = _scan(tmp_path, "compose.yaml", compose, select=("SEC-013",))
    assert [(r.location.line, r.message) for r in failed] == [
        (5, "BUNDLE (service web) holds a private key"), (6, "TWILIO (service web) holds a Twilio API key"),
    ]
    assert all("MIIEvQ" not in (r.observed or "") for r in failed)


def test_dockerfile_env_switches_and_paths_are_not_secrets(tmp_path: Path) -> None:
    dockerfile = "FROM node:20.14.0-alpine\nENV TLS_KEY=/run/secrets/tls.key API_KEY=disabled\nARG NPM_TOKEN=npm_0123456789abcdefghijABCDEFGHIJ012345\nUSER node\n"
    failed = _scan(tmp_path, "Dockerfile", dockerfile, select=("SEC-203",))
    assert [r.location.line for r in failed] == [3] and "NPM_TOKEN" in failed[0].message


def test_a_short_password_is_masked_where_it_is_held_not_inside_an_image_name(tmp_path: Path) -> None:
    folder = tmp_path / "deploy"
    folder.mkdir()
    (folder / "compose.yaml").write_text(
        "services:\n  app:\n    image: ghcr.io/labring/fastgpt-ngx:latest\n"
        "    environment:\n      DB_PASSWORD: labring\n", encoding="utf-8",
    )
    done = preflight("scan", str(folder), "-v", "--select", "SEC-006,SEC-025")
    assert "ghcr.io/labring/fastgpt-ngx" in done.stdout, done.stdout
    assert "DB_PASSWORD" in done.stdout and "labring\n" not in done.stdout
    assert done.stdout.count("****** (7 chars)") >= 1
