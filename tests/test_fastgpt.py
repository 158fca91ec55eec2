"""The FastGPT checklist (examples/checklists/fastgpt.yaml) and the FastGPT corpus.

The checklist re-expresses FastGPT's deploy/enterprise/check-env.mjs as rules;
these tests pin each rule to its fixtures (status and line), run the whole
checklist over FastGPT's own `.env.example`, and check what the shipped rules
find in FastGPT's published compose files. Corpus tests skip when
/work/shared/corpus is not there.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from checker.api import scan_paths
from checker.engine.rules import load_rules
from checker.models import Result
from helpers import CORPUS, FIXTURES, ROOT, SNIPPET_NAMES, TODAY, preflight, run_rule, statuses

RULES_DIR = "examples/checklists"
FGPT_RULES = load_rules([str(ROOT / RULES_DIR)], include_shipped=False).rules
FGPT_IDS = [rule.id for rule in FGPT_RULES]
FASTGPT = CORPUS / "fastgpt"
ENV_EXAMPLE = FASTGPT / "deploy" / "enterprise" / ".env.example"
PGVECTOR = FASTGPT / "deploy" / "docker" / "docker-compose-pgvector.yml"
PROD_COPY = "deploy/templates/docker-compose.prod.copy.yml"

needs_corpus = pytest.mark.skipif(not FASTGPT.is_dir(), reason="FastGPT corpus not present")


def run(rule_id: str, path: Path) -> list[Result]:
    return run_rule(rule_id, path, rules=(RULES_DIR,))


def failures(results: list[Result]) -> list[tuple[int | None, str]]:
    return [(r.location.line if r.location else None, r.message) for r in results if r.status == "fail"]


# --- (i) every rule over its fixtures -------------------------------------------------------------
# fail fixture -> [(line, words the message must contain)], in file order
FAILS: dict[tuple[str, str], list[tuple[int, str]]] = {
    ("FGPT-001", "fail-empty.env"): [(2, "FE_DOMAIN is empty"), (3, "TOKEN_KEY is empty")],
    ("FGPT-002", "fail-missing.env"): [(1, "ROOT_KEY is not set"), (1, "REDIS_URL is not set")],
    ("FGPT-003", "fail-unset.compose.yaml"): [(7, "${ROOT_KEY} is required"), (8, "${PLUGIN_TOKEN} is required")],
    ("FGPT-004", "fail-placeholder.env"): [
        (2, "ROOT_KEY is a template placeholder"), (3, "password in MONGODB_URI is a template placeholder"),
        (5, "OPERATOR_NOTE is a template placeholder"),  # every key, not only the required list
    ],
    ("FGPT-010", "fail-weak.env"): [
        (1, "TOKEN_KEY is a known default"), (2, "DEFAULT_ROOT_PSW is a known default"),
        (3, "MINIO_ROOT_USER is a known default"), (4, "MINIO_ROOT_PASSWORD is a known default"),
        (5, "AGENT_SANDBOX_PROXY_SECRET is a known default"),  # REDIS_PASSWORD= (line 6) is FGPT-001's
    ],
    ("FGPT-011", "fail-short.env"): [(2, "AES256_SECRET_KEY is 12 characters"), (3, "MINIO_ROOT_USER is 10 characters")],
    ("FGPT-020", "fail-off.env"): [(1, "USE_IP_LIMIT is 'false'")],
    ("FGPT-021", "fail-off.env"): [(1, "TRUSTED_PROXY_ENABLE is '0'")],
    ("FGPT-022", "fail-sandbox-off.env"): [(2, "SANDBOX_CHECK_INTERNAL_IP is 'false'")],
    ("FGPT-023", "fail-empty.env"): [(2, "TRUSTED_PROXY_IPS is empty")],
    ("FGPT-023", "fail-missing.env"): [(1, "none of TRUSTED_PROXY_IPS is set")],
    ("FGPT-024", "fail-short-lock.env"): [(1, "PASSWORD_LOGIN_LOCK_SECONDS is '30': should be >= 60")],
    ("FGPT-025", "fail-too-many.env"): [(1, "MAX_LOGIN_SESSION is '20'")],
    ("FGPT-025", "fail-zero.env"): [(1, "MAX_LOGIN_SESSION is '0'")],
    ("FGPT-030", "fail-http.env"): [
        (2, "FILE_DOMAIN is not an https:// URL"), (3, "STORAGE_EXTERNAL_ENDPOINT is not an https://"),
    ],
    ("FGPT-031", "fail-loopback.env"): [
        (2, "FILE_DOMAIN points at 0.0.0.0"), (3, "STORAGE_EXTERNAL_ENDPOINT points at localhost"),
    ],
    ("FGPT-040", "fail-star.env"): [(1, "ALLOWED_ORIGINS allows any origin (*)")],
    ("FGPT-040", "fail-all.env"): [(1, "ALLOWED_ORIGINS allows any origin (all)")],
    ("FGPT-050", "fail-no-password.env"): [
        (2, "REDIS_URL: redis:// URI has no password"), (3, "PG_URL: postgresql:// URI has no password"),
    ],
    ("FGPT-051", "fail-weak.env"): [
        (1, "password in MONGODB_URI is a known default"), (3, "password in AIPROXY_SQL_DSN is a known default"),
    ],
    ("FGPT-052", "fail-short.env"): [(1, "password in PG_URL is 12 characters")],
    ("FGPT-060", "fail-debug.env"): [(1, "LOG_CONSOLE_LEVEL is 'DEBUG'")],
}


def test_the_checklist_loads_as_its_own_checklist() -> None:
    assert FGPT_IDS and all(rule.checklist == "fastgpt-enterprise" for rule in FGPT_RULES)
    for rule in FGPT_RULES:
        assert rule.item and rule.why and rule.remediation and rule.examples, rule.id
        assert rule.references.get("fastgpt-check-env"), rule.id


@pytest.mark.parametrize("rule_id", FGPT_IDS)
def test_every_rule_has_failing_and_passing_fixtures(rule_id: str) -> None:
    folder = FIXTURES / rule_id
    fails = sorted(p.name for p in folder.glob("fail-*"))
    assert fails and sorted(p.name for p in folder.glob("pass-*")), f"{rule_id} needs fail-* and pass-* in {folder}"
    assert [name for name in fails if (rule_id, name) not in FAILS] == [], "every fail fixture has its expected lines here"


@pytest.mark.parametrize(("rule_id", "name"), sorted(FAILS), ids=lambda v: str(v))
def test_fail_fixture_fails_on_its_lines(rule_id: str, name: str) -> None:
    results = run(rule_id, FIXTURES / rule_id / name)
    assert "error" not in statuses(results), results
    got = failures(results)
    assert [line for line, _ in got] == [line for line, _ in FAILS[rule_id, name]], got
    for (_, message), (_, words) in zip(got, FAILS[rule_id, name]):
        assert words in message
    assert all(r.remediation for r in results if r.status == "fail")


PASSES = [(d.name, p.name) for d in sorted(FIXTURES.glob("FGPT-*")) for p in sorted(d.glob("pass-*"))]


@pytest.mark.parametrize(("rule_id", "name"), PASSES, ids=lambda v: str(v))
def test_pass_fixture_passes(rule_id: str, name: str) -> None:
    assert statuses(run(rule_id, FIXTURES / rule_id / name)) == ["pass"]


EXAMPLES = [(r.id, r.examples, r.targets) for r in FGPT_RULES if r.examples]


@pytest.mark.parametrize(("rule_id", "examples", "targets"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_documented_examples_behave(rule_id: str, examples, targets, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    kind = examples.kind or targets[0]
    for outcome, text in (("fail", examples.fail), ("pass", examples.pass_)):
        if text is None:
            continue
        folder = tmp_path / outcome
        folder.mkdir()
        (folder / SNIPPET_NAMES[kind]).write_text(text, encoding="utf-8")
        got = statuses(run(rule_id, folder / SNIPPET_NAMES[kind]))
        assert (outcome in got and "error" not in got) if outcome == "fail" else got == ["pass"], f"{rule_id} {outcome}: {got}"


def test_a_complete_env_file_passes_the_whole_checklist() -> None:
    report = scan_paths([str(FIXTURES / "FGPT-002" / "pass-complete.env")], rules=[RULES_DIR], shipped_rules=False, today=TODAY)
    assert Counter(r.status for r in report.results) == {"pass": len(FGPT_IDS) - 1, "skip": 1}
    assert [r.rule_id for r in report.results if r.status == "skip"] == ["FGPT-003"]  # no compose file given


def test_warnings_alone_do_not_fail_with_fail_on_high(tmp_path: Path) -> None:
    """check-env.mjs exits 1 on errors only; `--fail-on high` does the same with this checklist."""
    text = (FIXTURES / "FGPT-002" / "pass-complete.env").read_text(encoding="utf-8")
    text = text.replace("MAX_LOGIN_SESSION=2", "MAX_LOGIN_SESSION=9").replace("LOG_CONSOLE_LEVEL=info", "LOG_CONSOLE_LEVEL=debug")
    short_token = text.replace("\nTOKEN_KEY=I1cKQUOk4p3t5ehPkhZyfWfb78cl52kN", "\nTOKEN_KEY=Kp4Wz8Rt2Qm6")
    (tmp_path / "warnings.env").write_text(short_token, encoding="utf-8")
    args = ("scan", str(tmp_path), "--rules", RULES_DIR, "--checklist", "fastgpt-enterprise")
    warned = preflight(*args, "--fail-on", "high")
    assert warned.returncode == 0, warned.stdout + warned.stderr
    assert "FGPT-011" in warned.stdout and "FGPT-025" in warned.stdout and "FGPT-060" in warned.stdout
    assert preflight(*args).returncode == 1
    (tmp_path / "warnings.env").write_text(text.replace("USE_IP_LIMIT=true", "USE_IP_LIMIT=false"), encoding="utf-8")
    assert preflight(*args, "--fail-on", "high").returncode == 1


# --- the example folders ---------------------------------------------------------------------------
def test_example_deployment_shows_a_handful_of_findings() -> None:
    report = scan_paths([str(ROOT / "examples" / "deploy")], today=TODAY)
    found = sorted((r.rule_id, Path(r.location.file).name, r.location.line) for r in report.results if r.status == "fail")
    assert found == [
        ("BAK-101", "docker-compose.yml", 56),  # mongo-backup dumps to ./backup on the same host
        ("BAK-102", "docker-compose.yml", 56),  # ... and never deletes old dumps
        ("MON-030", "docker-compose.yml", 40),
        # no monitoring at all: one finding for the unit (MON-201/203-205/207 skip), shown at the app service
        ("MON-200", "docker-compose.yml", 6),
        # no service has a memory limit (issue 14: compose limits)
        ("PERF-040", "docker-compose.yml", 6), ("PERF-040", "docker-compose.yml", 23),
        ("PERF-040", "docker-compose.yml", 40), ("PERF-040", "docker-compose.yml", 56),
        ("SEC-002", ".env.production", 11),
        ("SEC-010", ".env.production", 6),
        ("SEC-020", "docker-compose.yml", 31),
        ("SEC-084", "docker-compose.yml", 11),  # the app's 3000 published with no TLS in front
    ]
    assert "error" not in statuses(report.results)
    assert preflight("scan", "examples/deploy").returncode == 1


def test_example_fastgpt_enterprise_shows_the_deliberate_failures() -> None:
    report = scan_paths(
        [str(ROOT / "examples" / "fastgpt-enterprise")], rules=[RULES_DIR], checklists=["fastgpt-enterprise"], today=TODAY,
    )
    found = sorted((r.rule_id, Path(r.location.file).name, r.location.line) for r in report.results if r.status == "fail")
    assert found == [
        ("FGPT-002", ".env", 1),
        ("FGPT-003", "docker-compose.yml", 17),  # METRICS_OTEL_URL, named in the compose file
        ("FGPT-004", ".env", 41),
        ("FGPT-010", ".env", 75),
        ("FGPT-024", ".env", 26),
        ("FGPT-025", ".env", 29),
        ("FGPT-040", ".env", 18),
        ("FGPT-060", ".env", 94),
    ]
    assert "error" not in statuses(report.results)


# --- (ii) the whole checklist over FastGPT's own .env.example -------------------------------------
PLACEHOLDER_LINES = {
    45: "DEFAULT_ROOT_PSW", 46: "TOKEN_KEY", 47: "FILE_TOKEN_KEY", 48: "AES256_SECRET_KEY", 49: "ROOT_KEY",
    52: "PLUGIN_TOKEN", 53: "CODE_SANDBOX_TOKEN", 54: "AGENT_SANDBOX_PROXY_SECRET", 55: "AGENT_SANDBOX_VOLUME_MANAGER_TOKEN",
    56: "AIPROXY_API_TOKEN", 62: "MONGO_INITDB_ROOT_PASSWORD", 63: "MONGODB_URI", 65: "POSTGRES_PASSWORD", 67: "PG_URL",
    68: "REDIS_PASSWORD", 69: "REDIS_URL", 75: "AIPROXY_POSTGRES_PASSWORD", 77: "AIPROXY_SQL_DSN",
    86: "STORAGE_ACCESS_KEY_ID", 87: "STORAGE_SECRET_ACCESS_KEY", 93: "MINIO_ROOT_USER", 94: "MINIO_ROOT_PASSWORD",
}


@needs_corpus
def test_env_example_fails_only_on_its_placeholders() -> None:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for number, key in PLACEHOLDER_LINES.items():
        assert lines[number - 1].startswith(f"{key}=") and "<" in lines[number - 1]
    report = scan_paths([str(ENV_EXAMPLE)], rules=[RULES_DIR], checklists=["fastgpt-enterprise"], today=TODAY)
    failed = [r for r in report.results if r.status == "fail"]
    assert {r.rule_id for r in failed} == {"FGPT-004"}
    uri_keys = {"MONGODB_URI", "PG_URL", "REDIS_URL", "AIPROXY_SQL_DSN"}  # judged by the password inside
    assert [(r.location.line, r.message) for r in failed] == [
        (line, f"{'password in ' if key in uri_keys else ''}{key} is a template placeholder")
        for line, key in PLACEHOLDER_LINES.items()
    ]
    assert "error" not in statuses(report.results)


@needs_corpus
def test_env_example_fails_the_command_line_check() -> None:
    done = preflight("scan", str(ENV_EXAMPLE), "--rules", RULES_DIR, "--checklist", "fastgpt-enterprise", "--fail-on", "high")
    assert done.returncode == 1 and "FGPT-004" in done.stdout


# --- (iii) the shipped rules over FastGPT's quick-start compose file ------------------------------
@needs_corpus
@pytest.mark.parametrize(
    ("rule_id", "line", "text"),
    [
        ("SEC-001", 21, "- POSTGRES_PASSWORD=password"),
        ("SEC-001", 38, "- MONGO_INITDB_ROOT_PASSWORD=mypassword"),
        ("SEC-020", 32, "- 27017:27017"),
        ("SEC-025", 135, "sealos-aiproxy-service:latest"),
    ],
)
def test_pgvector_compose_findings_on_their_lines(rule_id: str, line: int, text: str) -> None:
    assert text in PGVECTOR.read_text(encoding="utf-8").splitlines()[line - 1]
    results = run_rule(rule_id, PGVECTOR)
    assert "error" not in statuses(results)
    assert line in [r.location.line for r in results if r.status == "fail" and r.location]


@needs_corpus
def test_pgvector_compose_messages_name_the_key() -> None:
    messages = {r.location.line: r.message for r in run_rule("SEC-001", PGVECTOR) if r.status == "fail" and r.location}
    assert messages[21].startswith("POSTGRES_PASSWORD (service pg)")
    assert messages[38].startswith("MONGO_INITDB_ROOT_PASSWORD (service mongo)")
    (published,) = [r for r in run_rule("SEC-020", PGVECTOR) if r.status == "fail"]
    assert "27017" in published.message and "mongo" in published.message


@needs_corpus
def test_pgvector_compose_fails_the_scan() -> None:
    done = preflight("scan", str(PGVECTOR))
    assert done.returncode == 1, done.stderr
    assert "SEC-001" in done.stdout and "SEC-020" in done.stdout and "SEC-025" in done.stdout


# --- (iv) and (v) whole-corpus scans ---------------------------------------------------------------
@needs_corpus
def test_fastgpt_corpus_has_exactly_one_error_the_build_template() -> None:
    report = scan_paths([str(FASTGPT)], rules=[RULES_DIR], today=TODAY)
    errors = [r for r in report.results if r.status == "error"]
    assert len(errors) == 1, [(e.rule_id, e.target, e.message) for e in errors]
    (error,) = errors
    assert error.rule_id == "PF-INPUT" and error.target.endswith(PROD_COPY)
    assert error.location is not None and error.location.line and error.location.line > 1
    helm = sorted(r.target for r in report.results if "/helm/fastgpt/templates/" in r.target)
    assert helm and {r.status for r in report.results if "/helm/fastgpt/templates/" in r.target} == {"skip"}
    assert len(helm) == len(list((FASTGPT / "deploy" / "helm" / "fastgpt" / "templates").rglob("*.yaml")))


@needs_corpus
def test_whole_corpus_scans_without_other_errors() -> None:
    report = scan_paths([str(CORPUS)], rules=[RULES_DIR], today=TODAY)
    errors = [(r.rule_id, r.target) for r in report.results if r.status == "error"]
    assert len(errors) == 1 and errors[0][1].endswith(PROD_COPY), errors
    assert sum(1 for r in report.results if r.status == "fail") > 0


def test_a_lowercase_key_does_not_set_the_required_uppercase_one(tmp_path: Path) -> None:
    # environment variable names are case-sensitive: FastGPT reads TOKEN_KEY, never token_key
    path = tmp_path / ".env.production"
    path.write_text("token_key=q7Vn2pR9tLx4mK8sW3zY6bH1xx\nFILE_TOKEN_KEY=w8Xm3qS0uMy5nL9tX4aZ7cJ2\n")
    missing = [m for _, m in failures(run("FGPT-002", path)) if "TOKEN_KEY" in m]
    assert missing == ["TOKEN_KEY is not set"]
