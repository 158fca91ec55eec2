"""The FastGPT checklist against generated env files, as FastGPT's check-env.mjs was compared with it.

One valid baseline (every key FastGPT requires, each secret random and distinct) passes the
whole checklist; each mutant breaks one thing and must fail the rule for it at that rule's
severity, and nothing above it; the tricky-but-valid variants (`export`, inline comments,
quotes, `$$`) must still pass. The mutants include the eight cases where check-env.mjs was
right and preflight was not (issue 14): a placeholder in a compose-only `${VAR:?}` key,
`Infinity` / `1_000` as a number, `https://0x7f000001`, a `%zz` escape in a URI password, a
non-URI AIPROXY_SQL_DSN, a `postgresql+asyncpg://` password, and `changeme1234` /
`xxxxxxxx` / `your_token_here` under a secret key (which fell between the length and
placeholder rules).
"""
from __future__ import annotations

import os
import random
import shutil
import string
import subprocess
from pathlib import Path

import pytest

from checker.api import scan_paths
from checker.engine.rules import load_rules
from checker.models import Result
from helpers import ROOT, TODAY

RULES_DIR = str(ROOT / "examples" / "checklists")
SEVERITY = {rule.id: rule.severity for rule in load_rules([RULES_DIR], include_shipped=False).rules}
RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
_random = random.Random(14)


def _secret(length: int = 32) -> str:
    return "".join(_random.choice(string.ascii_letters + string.digits) for _ in range(length))


SECRETS = {key: _secret() for key in (
    "DEFAULT_ROOT_PSW", "TOKEN_KEY", "FILE_TOKEN_KEY", "AES256_SECRET_KEY", "ROOT_KEY", "PLUGIN_TOKEN",
    "CODE_SANDBOX_TOKEN", "AGENT_SANDBOX_PROXY_SECRET", "AGENT_SANDBOX_VOLUME_MANAGER_TOKEN", "AIPROXY_API_TOKEN",
    "AIPROXY_POSTGRES_PASSWORD", "REDIS_PASSWORD", "POSTGRES_PASSWORD", "MONGO_INITDB_ROOT_PASSWORD",
    "STORAGE_ACCESS_KEY_ID", "STORAGE_SECRET_ACCESS_KEY", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD", "LICENSE_KEY",
)}
BASELINE: dict[str, str] = {
    "FE_DOMAIN": "https://fastgpt.example.com",
    "FILE_DOMAIN": "https://fastgpt-files.example.com",
    "STORAGE_EXTERNAL_ENDPOINT": "https://fastgpt-storage.example.com",
    "ALLOWED_ORIGINS": "https://fastgpt.example.com",
    "USE_IP_LIMIT": "true", "CHECK_INTERNAL_IP": "true", "TRUSTED_PROXY_ENABLE": "true",
    "TRUSTED_PROXY_IPS": "10.0.0.10/32",
    "PASSWORD_LOGIN_LOCK_SECONDS": "300", "PASSWORD_EXPIRED_MONTH": "6", "MAX_LOGIN_SESSION": "3",
    **SECRETS,
    "AIPROXY_POSTGRES_USER": "aiproxy", "AIPROXY_POSTGRES_DB": "aiproxy",
    "AIPROXY_SQL_DSN": f"postgres://aiproxy:{SECRETS['AIPROXY_POSTGRES_PASSWORD']}@aiproxy-pg:5432/aiproxy",
    "MONGODB_URI": f"mongodb://fastgpt:{SECRETS['MONGO_INITDB_ROOT_PASSWORD']}@mongo:27017/fastgpt?authSource=admin",
    "PG_URL": f"postgresql://fastgpt:{SECRETS['POSTGRES_PASSWORD']}@vector-db:5432/fastgpt",
    "REDIS_URL": f"redis://default:{SECRETS['REDIS_PASSWORD']}@redis:6379",
    "POSTGRES_USER": "fastgpt", "POSTGRES_DB": "fastgpt", "MONGO_INITDB_ROOT_USERNAME": "fastgpt",
    "STORAGE_VENDOR": "minio", "STORAGE_REGION": "us-east-1", "STORAGE_PUBLIC_BUCKET": "fastgpt-public",
    "STORAGE_PRIVATE_BUCKET": "fastgpt-private", "STORAGE_S3_ENDPOINT": "http://minio:9000",
    "SANDBOX_CHECK_INTERNAL_IP": "true", "SANDBOX_MAX_TIMEOUT": "60000", "SANDBOX_MAX_MEMORY_MB": "256",
    "SANDBOX_POOL_SIZE": "4", "SANDBOX_REQUEST_MAX_COUNT": "30", "SANDBOX_REQUEST_TIMEOUT": "30000",
    "SANDBOX_REQUEST_MAX_RESPONSE_MB": "10", "SANDBOX_REQUEST_MAX_BODY_MB": "5",
    "SANDBOX_JS_ALLOWED_MODULES": "lodash,dayjs", "SANDBOX_PYTHON_ALLOWED_MODULES": "math,json",
    "LOG_OTEL_URL": "http://otel-collector:4318", "METRICS_OTEL_URL": "http://otel-collector:4318",
    "TRACING_OTEL_URL": "http://otel-collector:4318", "AGENT_SANDBOX_PROXY_URL": "http://agent-sandbox-proxy:8080",
    "LOG_CONSOLE_LEVEL": "info",
}
# The compose file requires one key check-env.mjs's fixed list does not name (LICENSE_KEY)
COMPOSE = """services:
  fastgpt:
    image: ghcr.io/labring/fastgpt:v4.14.22
    environment:
      TOKEN_KEY: ${TOKEN_KEY:?required}
      LICENSE_KEY: ${LICENSE_KEY:?required}
      FE_DOMAIN: ${FE_DOMAIN:?required}
"""
PG = SECRETS["POSTGRES_PASSWORD"]

# (name, keys changed (None: removed), the one rule that must fail)
MUTANTS: list[tuple[str, dict[str, str | None], str]] = [
    ("required-empty", {"FE_DOMAIN": ""}, "FGPT-001"),
    ("required-missing", {"ROOT_KEY": None}, "FGPT-002"),
    ("compose-variable-missing", {"LICENSE_KEY": None}, "FGPT-003"),
    ("placeholder-angle", {"ROOT_KEY": "<replace-with-random-secret>"}, "FGPT-004"),
    ("placeholder-in-uri", {"MONGODB_URI": "mongodb://fastgpt:<password>@mongo:27017/fastgpt"}, "FGPT-004"),
    ("placeholder-compose-only-key", {"LICENSE_KEY": "<your-license-key>"}, "FGPT-004"),
    ("placeholder-changeme1234", {"TOKEN_KEY": "changeme1234"}, "FGPT-004"),
    ("placeholder-xxxxxxxx", {"FILE_TOKEN_KEY": "xxxxxxxx"}, "FGPT-004"),
    ("placeholder-your-token-here", {"PLUGIN_TOKEN": "your_token_here"}, "FGPT-004"),
    ("placeholder-change-something", {"AIPROXY_API_TOKEN": "changeThisToken"}, "FGPT-004"),
    ("weak-secret", {"TOKEN_KEY": "fastgpt"}, "FGPT-010"),
    ("weak-minio-user", {"MINIO_ROOT_USER": "minioadmin"}, "FGPT-010"),
    ("empty-secret", {"REDIS_PASSWORD": ""}, "FGPT-001"),  # once: FGPT-010 leaves empties to FGPT-001
    ("short-secret", {"AES256_SECRET_KEY": "Kp4Wz8Rt2Qm6"}, "FGPT-011"),
    ("ip-limit-off", {"USE_IP_LIMIT": "false"}, "FGPT-020"),
    ("trusted-proxy-off", {"TRUSTED_PROXY_ENABLE": "false"}, "FGPT-021"),
    ("internal-ip-off", {"CHECK_INTERNAL_IP": "false"}, "FGPT-022"),
    ("sandbox-internal-ip-off", {"SANDBOX_CHECK_INTERNAL_IP": "false"}, "FGPT-022"),
    ("trusted-proxy-ips-empty", {"TRUSTED_PROXY_IPS": ""}, "FGPT-023"),
    ("lockout-short", {"PASSWORD_LOGIN_LOCK_SECONDS": "10"}, "FGPT-024"),
    ("lockout-infinity", {"PASSWORD_LOGIN_LOCK_SECONDS": "Infinity"}, "FGPT-024"),
    ("lockout-underscore", {"PASSWORD_LOGIN_LOCK_SECONDS": "1_000"}, "FGPT-024"),
    ("lockout-nan", {"PASSWORD_LOGIN_LOCK_SECONDS": "nan"}, "FGPT-024"),
    ("sessions-many", {"MAX_LOGIN_SESSION": "20"}, "FGPT-025"),
    ("public-url-http", {"FE_DOMAIN": "http://fastgpt.example.com"}, "FGPT-030"),
    ("public-url-localhost", {"STORAGE_EXTERNAL_ENDPOINT": "https://localhost:9000"}, "FGPT-031"),
    ("public-url-hex-loopback", {"FILE_DOMAIN": "https://0x7f000001"}, "FGPT-031"),
    ("public-url-decimal-loopback", {"FILE_DOMAIN": "https://2130706433"}, "FGPT-031"),
    ("public-url-short-loopback", {"FILE_DOMAIN": "https://127.1"}, "FGPT-031"),
    ("cors-wildcard", {"ALLOWED_ORIGINS": "*"}, "FGPT-040"),
    ("uri-no-password", {"REDIS_URL": "redis://redis:6379"}, "FGPT-050"),
    ("uri-bad-escape", {"MONGODB_URI": f"mongodb://fastgpt:{PG[:20]}%zz{PG[20:]}@mongo:27017/fastgpt"}, "FGPT-050"),
    ("dsn-not-a-uri", {"AIPROXY_SQL_DSN": f"host=aiproxy-pg user=aiproxy password={PG} dbname=aiproxy"}, "FGPT-050"),
    ("uri-weak-password", {"PG_URL": "postgresql://fastgpt:mypassword@vector-db:5432/fastgpt"}, "FGPT-051"),
    ("uri-weak-password-asyncpg", {"PG_URL": "postgresql+asyncpg://fastgpt:mypassword@vector-db:5432/fastgpt"}, "FGPT-051"),
    ("uri-short-password", {"PG_URL": "postgresql://fastgpt:Kp4Wz8Rt2Qm6@vector-db:5432/fastgpt"}, "FGPT-052"),
    ("uri-short-password-asyncpg", {"PG_URL": "postgresql+asyncpg://fastgpt:Kp4Wz8Rt2Qm6@vector-db:5432/fastgpt"}, "FGPT-052"),
    ("console-debug", {"LOG_CONSOLE_LEVEL": "debug"}, "FGPT-060"),
]


def _render(values: dict[str, str], style: str = "plain") -> str:
    lines = ["# generated by tests/test_fastgpt_mutants.py"]
    for key, value in values.items():
        if style == "export":
            lines.append(f"export {key}={value}")
        elif style == "comments":
            lines.append(f"{key}={value} # set for production" if value else f"{key}=")
        elif style == "double-quotes":
            lines.append(f'{key}="{value}"')
        elif style == "single-quotes":
            lines.append(f"{key}='{value}'")
        else:
            lines.append(f"{key}={value}")
    return "\n".join(lines) + "\n"


def _scan(tmp_path: Path, env_text: str) -> list[Result]:
    (tmp_path / ".env").write_text(env_text, encoding="utf-8")
    (tmp_path / "docker-compose.yml").write_text(COMPOSE, encoding="utf-8")
    report = scan_paths([str(tmp_path)], rules=[RULES_DIR], checklists=["fastgpt-enterprise"], today=TODAY)
    assert not [r for r in report.results if r.status == "error"], [r.message for r in report.results if r.status == "error"]
    return [r for r in report.results if r.status == "fail"]


def _mutate(changes: dict[str, str | None]) -> dict[str, str]:
    values = dict(BASELINE)
    for key, value in changes.items():
        if value is None:
            values.pop(key)
        else:
            values[key] = value
    return values


def test_the_baseline_passes_every_check(tmp_path: Path) -> None:
    assert _scan(tmp_path, _render(BASELINE)) == []


def test_every_rule_of_the_checklist_is_broken_by_some_mutant() -> None:
    assert {rule for _, _, rule in MUTANTS} == set(SEVERITY)


@pytest.mark.parametrize(("name", "changes", "rule_id"), MUTANTS, ids=[m[0] for m in MUTANTS])
def test_each_mutant_fails_its_rule_at_its_severity(tmp_path: Path, name: str, changes: dict[str, str | None], rule_id: str) -> None:
    failed = _scan(tmp_path, _render(_mutate(changes)))
    assert rule_id in {r.rule_id for r in failed}, f"{name}: {[(r.rule_id, r.message) for r in failed]}"
    # nothing louder than the broken check: the mutant's worst finding has the rule's own severity
    worst = max(RANK[SEVERITY[r.rule_id]] for r in failed)
    assert worst == RANK[SEVERITY[rule_id]], f"{name}: {[(r.rule_id, SEVERITY[r.rule_id], r.message) for r in failed]}"
    # and each changed value is reported by exactly one rule of the env file (never by two, never by none;
    # the compose file's own `${VAR:?}` line is FGPT-003's)
    for key in changes:
        by_key = {r.rule_id for r in failed if key in r.message and r.location and r.location.file.endswith(".env")}
        assert len(by_key) == (0 if rule_id == "FGPT-003" else 1), f"{name}: {key} reported by {by_key}"


DOLLAR = "Lq8Zt3Wv9$$Nc2Xr7Kb5Hm1Pd4Gy6Fs0"  # `$$` is a literal `$` where Compose reads the env file


@pytest.mark.parametrize("style", ["export", "comments", "double-quotes", "single-quotes"])
def test_tricky_but_valid_variants_pass(tmp_path: Path, style: str) -> None:
    assert [(r.rule_id, r.message) for r in _scan(tmp_path, _render(BASELINE, style))] == []


def test_a_secret_with_dollar_dollar_passes(tmp_path: Path) -> None:
    values = dict(BASELINE, TOKEN_KEY=DOLLAR)
    assert [(r.rule_id, r.message) for r in _scan(tmp_path, _render(values))] == []


# --- generated from check-env.mjs's own lists: every check it makes, broken once per key ----------------

REQUIRED = [key for key in BASELINE if key != "LOG_CONSOLE_LEVEL"]  # check-env.mjs's requiredKeys, exactly
SECRET_KEYS = [
    "DEFAULT_ROOT_PSW", "TOKEN_KEY", "FILE_TOKEN_KEY", "AES256_SECRET_KEY", "ROOT_KEY", "PLUGIN_TOKEN", "CODE_SANDBOX_TOKEN",
    "AGENT_SANDBOX_PROXY_SECRET", "AGENT_SANDBOX_VOLUME_MANAGER_TOKEN", "AIPROXY_API_TOKEN", "STORAGE_ACCESS_KEY_ID",
    "STORAGE_SECRET_ACCESS_KEY", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD", "MONGO_INITDB_ROOT_PASSWORD", "POSTGRES_PASSWORD",
    "REDIS_PASSWORD", "AIPROXY_POSTGRES_PASSWORD",
]
WEAK = ["1234", "123456", "password", "mypassword", "fastgpt", "fastgptsecret", "fastgpt-xxx", "fdafasd", "token",
        "codesandbox", "vmtoken", "minioadmin", "default_fastgpt_agent_sandbox_proxy_secret", "MinioAdmin", "PASSWORD"]
SWITCHES = {"USE_IP_LIMIT": "FGPT-020", "TRUSTED_PROXY_ENABLE": "FGPT-021", "CHECK_INTERNAL_IP": "FGPT-022",
            "SANDBOX_CHECK_INTERNAL_IP": "FGPT-022"}
PUBLIC_URLS = ["FE_DOMAIN", "FILE_DOMAIN", "STORAGE_EXTERNAL_ENDPOINT"]
URIS = {"MONGODB_URI": "mongodb://fastgpt:{}@mongo:27017/fastgpt?authSource=admin", "PG_URL": "postgresql://fastgpt:{}@vector-db:5432/fastgpt",
        "REDIS_URL": "redis://default:{}@redis:6379", "AIPROXY_SQL_DSN": "postgres://aiproxy:{}@aiproxy-pg:5432/aiproxy"}
SHORT = "Kp4Wz8Rt2Qm6Xv9B"  # 16 random characters: shorter than the 24 check-env.mjs asks for


def _generated() -> list[tuple[str, dict[str, str | None], str]]:
    cases: list[tuple[str, dict[str, str | None], str]] = []
    for key in REQUIRED + ["LICENSE_KEY"]:
        if key != "LICENSE_KEY":  # LICENSE_KEY is required by the compose file only: FGPT-003 (in MUTANTS)
            cases.append((f"empty-{key}", {key: ""}, "FGPT-023" if key == "TRUSTED_PROXY_IPS" else "FGPT-001"))
            cases.append((f"missing-{key}", {key: None}, "FGPT-023" if key == "TRUSTED_PROXY_IPS" else "FGPT-002"))
        placeholder = URIS[key].format("<password>") if key in URIS else "<replace-me>"
        cases.append((f"placeholder-{key}", {key: placeholder}, "FGPT-004"))
    for number, key in enumerate(SECRET_KEYS):
        cases.append((f"weak-{key}", {key: WEAK[number % len(WEAK)]}, "FGPT-010"))
        cases.append((f"short-{key}", {key: SHORT}, "FGPT-011"))
    cases += [(f"weak-upper-{WEAK[-1]}", {"ROOT_KEY": WEAK[-1]}, "FGPT-010"), ("weak-mixed-case", {"MINIO_ROOT_USER": WEAK[-2]}, "FGPT-010")]
    for key, rule_id in SWITCHES.items():
        cases += [(f"off-{key}", {key: "false"}, rule_id), (f"zero-{key}", {key: "0"}, rule_id)]
    for key in PUBLIC_URLS:
        cases.append((f"http-{key}", {key: "http://fastgpt.example.com"}, "FGPT-030"))
        for host in ("localhost", "127.0.0.1", "0.0.0.0", "[::1]", "127.0.0.2", "LOCALHOST"):
            cases.append((f"local-{host}-{key}", {key: f"https://{host}:3000"}, "FGPT-031"))
    cases += [(f"cors-{value}", {"ALLOWED_ORIGINS": value}, "FGPT-040") for value in ("*", "all", "ALL")]
    cases += [(f"lockout-{value}", {"PASSWORD_LOGIN_LOCK_SECONDS": value}, "FGPT-024") for value in ("59", "0", "-300", "abc", "60s", "inf")]
    cases += [(f"sessions-{value}", {"MAX_LOGIN_SESSION": value}, "FGPT-025") for value in ("0", "6", "abc", "-1")]
    for key, template in URIS.items():
        cases.append((f"no-password-{key}", {key: template.replace(":{}@", "@").replace("{}@", "")}, "FGPT-050"))
        cases.append((f"weak-password-{key}", {key: template.format("fastgptsecret")}, "FGPT-051"))
        cases.append((f"short-password-{key}", {key: template.format(SHORT)}, "FGPT-052"))
    cases += [(f"console-{value}", {"LOG_CONSOLE_LEVEL": value}, "FGPT-060") for value in ("debug", "DEBUG")]
    return cases


GENERATED = _generated()


@pytest.mark.parametrize(("name", "changes", "rule_id"), GENERATED, ids=[m[0] for m in GENERATED])
def test_each_generated_mutant_fails_its_rule_at_its_severity(tmp_path: Path, name: str, changes: dict[str, str | None],
                                                             rule_id: str) -> None:
    test_each_mutant_fails_its_rule_at_its_severity(tmp_path, name, changes, rule_id)


def test_the_generated_mutants_cover_every_rule_but_the_compose_one() -> None:
    assert {rule for _, _, rule in GENERATED} == set(SEVERITY) - {"FGPT-003"}
    assert len(GENERATED) > 150


def test_crlf_line_endings_pass(tmp_path: Path) -> None:
    """An env file saved on Windows: Compose strips the CR, so must the checks (`true\\r` is still true)."""
    text = _render(BASELINE).replace("\n", "\r\n")
    assert [(r.rule_id, r.message) for r in _scan(tmp_path, text)] == []


def test_crlf_does_not_hide_a_mutant(tmp_path: Path) -> None:
    text = _render(_mutate({"USE_IP_LIMIT": "false"})).replace("\n", "\r\n")
    assert {r.rule_id for r in _scan(tmp_path, text)} == {"FGPT-020"}


# --- side by side with FastGPT's own check-env.mjs -----------------------------------------------------
# FastGPT's checker is not part of this repository (its code is FastGPT's): point PREFLIGHT_FASTGPT_CHECK_ENV at a copy
# of deploy/enterprise/check-env.mjs to run it on the same generated files; without it (or without node) these skip.
CHECK_ENV = os.environ.get("PREFLIGHT_FASTGPT_CHECK_ENV", "")
VALID_STYLES = ["plain", "export", "comments", "double-quotes", "single-quotes", "crlf"]
# where the two disagree on an error, and why preflight's answer is the one Compose and FastGPT give
PREFLIGHT_RIGHT = {
    "valid-export": "check-env.mjs reads `export KEY` as the key name, so every key looks missing; Compose strips `export`",
    "valid-comments": "check-env.mjs keeps ` # comment` in the value (`true # ...` is not true); Compose drops it",
    "placeholder-changeme1234": "a placeholder without `<...>`: check-env.mjs only looks for `<` and `>`",
    "placeholder-xxxxxxxx": "a placeholder without `<...>`",
    "placeholder-your-token-here": "a placeholder without `<...>`",
    "placeholder-change-something": "a placeholder without `<...>`",
    **{f"local-{host}-{key}": "new URL('https://[::1]').hostname is `[::1]` with its brackets, and 127.0.0.2 is loopback too: "
       "check-env.mjs compares the host name with four fixed strings" for host in ("127.0.0.2", "[::1]") for key in PUBLIC_URLS},
}


def _check_env(tmp_path: Path, env_text: str) -> tuple[bool, bool]:
    """(errors, warnings) of check-env.mjs on the same env and compose files preflight scans."""
    (tmp_path / ".env").write_text(env_text, encoding="utf-8", newline="")
    (tmp_path / "docker-compose.yml").write_text(COMPOSE, encoding="utf-8")
    done = subprocess.run(["node", CHECK_ENV, ".env", "--compose=docker-compose.yml"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    warnings = done.stderr.split("Errors:", 1)[0].splitlines()
    # its note about itself (a compose `${VAR:?}` key missing from its own list) is not a finding about the env file
    return done.returncode != 0, any(w.startswith("- ") and "not listed in check-env requiredKeys" not in w for w in warnings)


def _preflight_levels(tmp_path: Path, env_text: str) -> tuple[bool, bool]:
    failed = _scan(tmp_path, env_text)
    return (any(RANK[SEVERITY[r.rule_id]] >= RANK["high"] for r in failed),
            any(RANK[SEVERITY[r.rule_id]] < RANK["high"] for r in failed))


def _side_by_side_cases() -> list[tuple[str, str]]:
    cases = [(f"valid-{style}", _render(BASELINE, style) if style != "crlf" else _render(BASELINE).replace("\n", "\r\n"))
             for style in VALID_STYLES]
    cases.append(("valid-dollar-dollar", _render(dict(BASELINE, TOKEN_KEY=DOLLAR))))
    cases += [(name, _render(_mutate(changes))) for name, changes, _ in MUTANTS + GENERATED]
    return cases


@pytest.mark.skipif(not (CHECK_ENV and Path(CHECK_ENV).is_file() and shutil.which("node")),
                    reason="set PREFLIGHT_FASTGPT_CHECK_ENV to FastGPT's deploy/enterprise/check-env.mjs (and install node)")
def test_side_by_side_with_check_env(tmp_path: Path) -> None:
    disagree: dict[str, str] = {}
    warnings: list[str] = []
    cases = _side_by_side_cases()
    for number, (name, text) in enumerate(cases):
        folder = tmp_path / str(number)
        folder.mkdir()
        theirs, ours = _check_env(folder, text), _preflight_levels(folder, text)
        if theirs[0] != ours[0]:
            disagree[name] = f"check-env error={theirs[0]}, preflight high+={ours[0]}"
        elif theirs[1] != ours[1] and not theirs[0]:
            warnings.append(f"{name}: check-env warning={theirs[1]}, preflight low/medium={ours[1]}")
    print(f"\n{len(cases)} generated files; errors disagree on {len(disagree)}, warnings on {len(warnings)}")
    for name, why in sorted(disagree.items()):
        print(f"  {name}: {why} -- {PREFLIGHT_RIGHT.get(name, 'NOT EXPLAINED')}")
    for line in warnings:
        print(f"  warning {line}")
    assert set(disagree) == set(PREFLIGHT_RIGHT), (sorted(set(disagree) - set(PREFLIGHT_RIGHT)), sorted(set(PREFLIGHT_RIGHT) - set(disagree)))
