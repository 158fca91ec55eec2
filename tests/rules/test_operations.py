"""Edge cases of the performance, monitoring, backup and verification checklists.

Each test pins the exact (status, line, object) of every result, not counts.
Attestation tests date their entries relative to helpers.TODAY (2026-11-27).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from checker.models import Result
from helpers import FIXTURES, TODAY, preflight, run_rule, run_snippet, statuses


def located(results: list[Result]) -> list[tuple[str, int | None, str | None]]:
    return [(r.status, r.location.line if r.location else None, r.location.object if r.location else None) for r in results]


def attest(tmp_path: Path, body: str, name: str = "attestations.yaml") -> Path:
    """Write an attestation file (entries indented under `attestations:`) into tmp_path."""
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("attestations:\n" + body, encoding="utf-8")
    return path


def snippet(rule_id: str, text: str, kind: str, tmp_path: Path) -> list[Result]:
    """run_snippet in a neutral folder: pytest's tmp_path name contains `test`, which means development."""
    return run_snippet(rule_id, text, kind, tmp_path / "deploy")


def restore_entry(date: str, evidence: str = "https://wiki.example.com/ops/restore-2026", extra: str = "") -> str:
    return (
        f"  - rule: BAK-030\n    by: Jonas Berg <jonas.berg@example.com>\n    date: {date}\n"
        f"    evidence: {evidence}\n{extra}"
    )


# --- attestation probe ---------------------------------------------------------------------------


def test_today_is_pinned() -> None:
    assert TODAY.isoformat() == "2026-11-27"


def test_no_entry_for_the_rule_is_manual(tmp_path: Path) -> None:
    path = attest(tmp_path, "  - rule: BAK-020\n    by: Jonas Berg\n    date: 2026-11-01\n    evidence: https://wiki.example.com/runbook\n")
    (result,) = run_rule("BAK-030", path)
    assert (result.status, result.message) == ("manual", "no attestation yet")
    assert result.remediation is None


def test_no_attestation_file_at_all_is_manual(tmp_path: Path) -> None:
    (tmp_path / "app.env").write_text("NODE_ENV=production\n", encoding="utf-8")
    assert statuses(run_rule("BAK-030", tmp_path)) == ["manual"]


def test_manual_result_carries_the_rules_hint(tmp_path: Path) -> None:
    (tmp_path / "attestations.yaml").write_text("attestations: []\n", encoding="utf-8")
    (result,) = run_rule("PERF-001", tmp_path / "attestations.yaml")
    assert result.status == "manual"
    assert result.message == "no attestation yet (or automated: the live database-index rules (PERF-32x) with --live)"


def test_expired_by_max_age_days() -> None:
    (result,) = run_rule("BAK-030", FIXTURES / "BAK-030" / "fail-expired.attestations.yaml")
    assert result.status == "fail"
    # 2026-07-02 + 90 days (BAK-030's max_age_days)
    assert result.message == "attestation by Jonas Berg <jonas.berg@example.com> on 2026-07-02 expired on 2026-09-30"
    assert result.evidence["attestation_file"].endswith("fail-expired.attestations.yaml:10")
    assert result.evidence["evidence"] == "evidence/restore-test-2026-07.md"


def test_expired_by_expires_field_before_max_age() -> None:
    # dated 2026-10-01 with max_age_days 180 it would hold until 2027-03-30; `expires:` ends it first
    (result,) = run_rule("PERF-020", FIXTURES / "PERF-020" / "fail-past-expires.attestations.yaml")
    assert (result.status, result.message.rsplit(" ", 3)[-3:]) == ("fail", ["expired", "on", "2026-11-01"])


def test_max_age_wins_over_a_later_expires(tmp_path: Path) -> None:
    path = attest(tmp_path, restore_entry("2026-08-01", extra="    expires: 2027-06-01\n"))
    (result,) = run_rule("BAK-030", path)
    assert (result.status, result.message.split()[-1]) == ("fail", "2026-10-30")


@pytest.mark.parametrize(("date", "status"), [("2026-08-29", "pass"), ("2026-08-28", "fail")])
def test_max_age_boundary_is_inclusive(tmp_path: Path, date: str, status: str) -> None:
    # 2026-08-29 + 90 days == TODAY: still in date on its last day
    assert statuses(run_rule("BAK-030", attest(tmp_path, restore_entry(date)))) == [status]


def test_expires_today_is_still_in_date(tmp_path: Path) -> None:
    path = attest(tmp_path, restore_entry("2026-11-20", extra="    expires: 2026-11-27\n"))
    (result,) = run_rule("BAK-030", path)
    assert (result.status, result.message) == (
        "pass", "attested by Jonas Berg <jonas.berg@example.com> on 2026-11-20, valid until 2026-11-27",
    )


def test_missing_evidence_file_fails() -> None:
    (result,) = run_rule("BAK-030", FIXTURES / "BAK-030" / "fail-missing-evidence.attestations.yaml")
    assert result.status == "fail"
    assert result.message == "evidence evidence/restore-test-2026-11-12.md named by the attestation does not exist"


def test_evidence_is_relative_to_the_attestation_file(tmp_path: Path) -> None:
    (tmp_path / "ops" / "records").mkdir(parents=True)
    (tmp_path / "ops" / "records" / "restore.md").write_text("# Restore test\n", encoding="utf-8")
    path = attest(tmp_path / "ops", restore_entry("2026-11-12", evidence="records/restore.md"))
    assert statuses(run_rule("BAK-030", path)) == ["pass"]


def test_preflight_folder_evidence_is_relative_to_the_project(tmp_path: Path) -> None:
    # .preflight/attestations.yaml is found by itself; its paths start at the folder that holds .preflight/
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "restore-2026-11.md").write_text("# Restore test\n", encoding="utf-8")
    (tmp_path / "app.env").write_text("NODE_ENV=production\n", encoding="utf-8")
    attest(tmp_path / ".preflight", restore_entry("2026-11-12", evidence="docs/restore-2026-11.md"))
    (result,) = run_rule("BAK-030", tmp_path)
    assert result.status == "pass"
    assert result.evidence["attestation_file"].endswith(".preflight/attestations.yaml:2")


def test_url_evidence_is_accepted_without_fetching() -> None:
    (result,) = run_rule("PERF-021", FIXTURES / "PERF-021" / "pass-recent.attestations.yaml")
    assert (result.status, result.evidence["evidence"]) == ("pass", "https://wiki.example.com/ops/cdn/shop-assets")


def test_matched_by_rule_name() -> None:
    text = (FIXTURES / "BAK-030" / "pass-recent.attestations.yaml").read_text(encoding="utf-8")
    assert "rule: restore-tested" in text
    (result,) = run_rule("BAK-030", FIXTURES / "BAK-030" / "pass-recent.attestations.yaml")
    assert (result.status, result.location.object if result.location else None) == ("pass", None)
    assert result.message == "attested by Jonas Berg <jonas.berg@example.com> on 2026-11-12, valid until 2027-02-10"


def test_matched_by_rule_id(tmp_path: Path) -> None:
    assert statuses(run_rule("BAK-030", attest(tmp_path, restore_entry("2026-11-12")))) == ["pass"]


def test_entry_for_another_rule_is_not_used(tmp_path: Path) -> None:
    path = attest(tmp_path, restore_entry("2026-11-12"))
    assert statuses(run_rule("BAK-020", path)) == ["manual"]


@pytest.mark.parametrize(("env", "status"), [(None, "manual"), ("production", "manual"), ("staging", "pass")])
def test_environments_restrict_an_attestation(tmp_path: Path, env: str | None, status: str) -> None:
    path = attest(tmp_path, restore_entry("2026-11-12", extra="    environments: [staging]\n"))
    assert statuses(run_rule("BAK-030", path, env=env)) == [status]


def test_latest_entry_is_the_one_reported(tmp_path: Path) -> None:
    path = attest(tmp_path, restore_entry("2026-05-02") + restore_entry("2026-11-12"))
    (result,) = run_rule("BAK-030", path)
    assert (result.status, result.evidence["date"], result.evidence["attestation_file"].rsplit(":", 1)[1]) == (
        "pass", "2026-11-12", "6",
    )


def test_an_in_date_entry_passes_even_when_a_newer_one_lacks_evidence(tmp_path: Path) -> None:
    # the docstring: pass when an entry is in date with its evidence; fail only when *every* entry is unusable
    path = attest(tmp_path, restore_entry("2026-10-20") + restore_entry("2026-11-12", evidence="missing/restore.md"))
    (result,) = run_rule("BAK-030", path)
    assert (result.status, result.evidence["date"]) == ("pass", "2026-10-20")


def test_newest_unusable_entry_is_reported_when_none_is_usable(tmp_path: Path) -> None:
    path = attest(tmp_path, restore_entry("2026-05-02") + restore_entry("2026-11-12", evidence="missing/restore.md"))
    (result,) = run_rule("BAK-030", path)
    assert (result.status, result.evidence["date"]) == ("fail", "2026-11-12")
    assert "missing/restore.md" in result.message


@pytest.mark.parametrize(
    ("body", "line", "field"),
    [
        ("  - rule: BAK-030\n    date: 2026-11-12\n    evidence: https://wiki.example.com/r\n", 2, "attestations.0.by: required field is missing"),
        (restore_entry("2026-11-12", extra="    owner: ops-team\n"), 6, "attestations.0.owner: unknown field"),
    ],
    ids=["missing-by", "unknown-field"],
)
def test_malformed_attestation_file_stops_the_scan(tmp_path: Path, body: str, line: int, field: str) -> None:
    (tmp_path / "app.env").write_text("NODE_ENV=production\n", encoding="utf-8")
    path = attest(tmp_path, body, name="ops.attestations.yaml")
    done = preflight("scan", str(tmp_path / "app.env"), "--attestations", str(path))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"preflight: error: {path}:{line}: attestation field {field}"]


# --- MON-030 compose-healthcheck -----------------------------------------------------------------

MON030 = FIXTURES / "MON-030"


def test_mon030_service_without_healthcheck_fails_at_the_service() -> None:
    results = run_rule("MON-030", MON030 / "fail-no-healthcheck.compose.yaml")
    assert located(results) == [("fail", 9, "services.api")]
    assert results[0].message == "service api has no healthcheck"


def test_mon030_one_shot_service_is_not_judged(tmp_path: Path) -> None:
    text = 'services:\n  migrate:\n    image: "shop-api:3.8.1"\n    command: ["npm", "run", "migrate"]\n    restart: "no"\n'
    assert statuses(snippet("MON-030", text, "compose", tmp_path)) == ["pass"]


def test_mon030_healthcheck_present_passes() -> None:
    assert statuses(run_rule("MON-030", MON030 / "pass-healthchecks.compose.yaml")) == ["pass"]


def test_mon030_service_without_restart_is_judged(tmp_path: Path) -> None:
    text = 'services:\n  api:\n    image: "shop-api:3.8.1"\n  worker:\n    image: "shop-worker:3.8.1"\n'
    assert located(snippet("MON-030", text, "compose", tmp_path)) == [
        ("fail", 2, "services.api"), ("fail", 4, "services.worker"),
    ]


def test_mon030_healthcheck_without_test_fails(tmp_path: Path) -> None:
    text = "services:\n  api:\n    image: shop-api:3.8.1\n    restart: always\n    healthcheck:\n      interval: 30s\n"
    assert located(snippet("MON-030", text, "compose", tmp_path)) == [("fail", 2, "services.api")]


def test_mon030_unquoted_restart_no_is_one_shot_too(tmp_path: Path) -> None:
    text = "services:\n  migrate:\n    image: shop-api:3.8.1\n    restart: no\n"
    assert statuses(snippet("MON-030", text, "compose", tmp_path)) == ["pass"]


# --- MON-031 compose-restart-policy --------------------------------------------------------------


def test_mon031_missing_restart_fails_at_the_service() -> None:
    results = run_rule("MON-031", FIXTURES / "MON-031" / "fail-no-restart.compose.yaml")
    assert located(results) == [("fail", 8, "services.redis")]
    assert results[0].message == "service redis has no restart policy"


def test_mon031_deploy_restart_policy_passes() -> None:
    assert statuses(run_rule("MON-031", FIXTURES / "MON-031" / "pass-swarm-restart-policy.compose.yaml")) == ["pass"]


# --- BAK-001 database-backup-job / BAK-002 database-data-volume ----------------------------------

BAK001 = FIXTURES / "BAK-001"


def test_bak001_databases_without_backup_fail_at_services() -> None:
    results = run_rule("BAK-001", BAK001 / "fail-no-backup.compose.yaml")
    assert located(results) == [("fail", 4, "services")]
    assert results[0].message == "databases run here, but no service runs a backup"


@pytest.mark.parametrize(
    "name", ["pass-pg-dump-sidecar.compose.yaml", "pass-volume-backup-image.compose.yaml", "pass-no-database.compose.yaml"]
)
def test_bak001_passes(name: str) -> None:
    assert statuses(run_rule("BAK-001", BAK001 / name)) == ["pass"]


def test_bak001_backup_in_entrypoint_passes(tmp_path: Path) -> None:
    text = (
        "services:\n  db:\n    image: mongo:7.0.14\n    volumes: [db:/data/db]\n"
        "  dump:\n    image: mongo:7.0.14\n    entrypoint: [sh, -c, 'mongodump --uri=$$MONGODB_URI --archive=/backup/db.gz']\n"
        "volumes:\n  db:\n"
    )
    assert statuses(snippet("BAK-001", text, "compose", tmp_path)) == ["pass"]


def test_bak002_database_without_volume_fails_at_the_service() -> None:
    results = run_rule("BAK-002", FIXTURES / "BAK-002" / "fail-no-volume.compose.yaml")
    assert located(results) == [("fail", 11, "services.db")]
    assert results[0].message == "database service db has no volume: its data dies with the container"


def test_bak002_named_volume_passes() -> None:
    assert statuses(run_rule("BAK-002", FIXTURES / "BAK-002" / "pass-named-volume.compose.yaml")) == ["pass"]


def test_bak002_empty_volume_list_fails(tmp_path: Path) -> None:
    text = "services:\n  cache:\n    image: redis:7.2.5\n  search:\n    image: opensearchproject/opensearch:2.17.1\n    volumes: []\n"
    assert located(snippet("BAK-002", text, "compose", tmp_path)) == [("fail", 6, "services.search.volumes")]


# --- PERF-010 cache-configured -------------------------------------------------------------------

PERF010 = FIXTURES / "PERF-010"


def test_perf010_no_cache_key_is_skip_not_a_finding() -> None:
    # not every application uses a cache (issue 14): only an app profile requires REDIS_URL
    (result,) = run_rule("PERF-010", PERF010 / "skip-no-cache.env")
    assert (result.status, result.target) == ("skip", "project")


def test_perf010_one_file_with_redis_satisfies_the_deployment() -> None:
    results = run_rule("PERF-010", PERF010 / "skip-no-cache.env", PERF010 / "pass-redis-url.env")
    assert located(results) == [("pass", None, None)]


def test_perf010_empty_redis_url_fails_on_its_line() -> None:
    assert located(run_rule("PERF-010", PERF010 / "fail-empty-redis-url.env")) == [("fail", 7, "REDIS_URL")]


def test_perf010_redis_url_passes() -> None:
    assert statuses(run_rule("PERF-010", PERF010 / "pass-redis-url.env")) == ["pass"]


def test_perf010_development_file_is_skipped(tmp_path: Path) -> None:
    (tmp_path / ".env.development").write_text("NODE_ENV=development\nPORT=3000\n", encoding="utf-8")
    (result,) = run_rule("PERF-010", tmp_path / ".env.development")
    assert (result.status, result.message) == ("skip", "no production env or compose file in scope")


def test_perf010_forced_development_is_skipped() -> None:
    assert statuses(run_rule("PERF-010", PERF010 / "skip-no-cache.env", env="development")) == ["skip"]


# --- PERF-011 / PERF-030 -------------------------------------------------------------------------


def test_perf011_zero_ttl_in_compose_names_service_and_key() -> None:
    (result,) = run_rule("PERF-011", FIXTURES / "PERF-011" / "fail-zero-ttl.compose.yaml")
    assert located([result]) == [("fail", 11, "services.api.environment.CACHE_PRODUCT_TTL")]
    assert result.message == "CACHE_PRODUCT_TTL (service api) is '0': should be > 0"


def test_perf030_node_env_development_fails_on_its_line() -> None:
    assert located(run_rule("PERF-030", FIXTURES / "PERF-030" / "fail-wrong-node-env.env")) == [("fail", 2, "NODE_ENV")]


# --- MON-020 log-level-debug ---------------------------------------------------------------------


def test_mon020_debug_in_production_fails_on_its_line() -> None:
    (result,) = run_rule("MON-020", FIXTURES / "MON-020" / "fail-debug-logging.env")
    assert located([result]) == [("fail", 4, "LOG_LEVEL")]
    assert result.observed == "debug"


def test_mon020_trace_in_compose_list_environment() -> None:
    results = run_rule("MON-020", FIXTURES / "MON-020" / "fail-debug-logging.compose.yaml")
    assert located(results) == [("fail", 16, "services.worker.environment.WORKER_LOG_LEVEL")]


def test_mon020_debug_in_env_development_is_skipped(tmp_path: Path) -> None:
    (tmp_path / ".env.development").write_text("LOG_LEVEL=debug\n", encoding="utf-8")
    assert statuses(run_rule("MON-020", tmp_path / ".env.development")) == ["skip"]


def test_mon020_uppercase_debug_fails(tmp_path: Path) -> None:
    assert located(snippet("MON-020", "LOG_LEVEL=DEBUG\n", "env", tmp_path)) == [("fail", 1, "LOG_LEVEL")]


# --- MON-001 / MON-010 required settings ---------------------------------------------------------


def test_mon001_metrics_off_fails_on_its_line() -> None:
    assert located(run_rule("MON-001", FIXTURES / "MON-001" / "fail-metrics-off.env")) == [("fail", 7, "METRICS_ENABLED")]


def test_mon010_no_tracker_is_skip() -> None:
    (result,) = run_rule("MON-010", FIXTURES / "MON-010" / "skip-no-tracker.env")
    assert (result.status, result.location) == ("skip", None)
    assert result.message.startswith("none of ERROR_TRACKING_ENABLED, *SENTRY_DSN*, ")


def test_mon001_no_metrics_switch_is_skip() -> None:
    assert statuses(run_rule("MON-001", FIXTURES / "MON-001" / "skip-no-metrics.env")) == ["skip"]


# --- VER-010 uri-points-at-localhost / VER-011 public-url-localhost ------------------------------


def test_ver010_localhost_and_loopback_fail_on_their_lines() -> None:
    results = run_rule("VER-010", FIXTURES / "VER-010" / "fail-localhost-uri.env")
    assert located(results) == [("fail", 2, "MONGODB_URI"), ("fail", 3, "PG_URL")]
    assert [r.message for r in results] == [
        "MONGODB_URI: mongodb:// URI points at localhost", "PG_URL: postgresql:// URI points at 127.0.0.1",
    ]
    assert all("Xk3r9Lq2Vw7zBn4T" not in (r.observed or "") + r.message for r in results)


def test_ver010_localhost_in_compose_names_the_service() -> None:
    results = run_rule("VER-010", FIXTURES / "VER-010" / "fail-localhost-uri.compose.yaml")
    assert located(results) == [("fail", 7, "services.fastgpt.environment.REDIS_URL")]


def test_ver010_mongodb_localhost_snippet(tmp_path: Path) -> None:
    text = "MONGODB_URI=mongodb://app:Xk3r9Lq2Vw7zBn4T@localhost:27017/app\n"
    assert located(snippet("VER-010", text, "env", tmp_path)) == [("fail", 1, "MONGODB_URI")]


def test_ver010_staging_file_is_skipped(tmp_path: Path) -> None:
    (tmp_path / ".env.staging").write_text("MONGODB_URI=mongodb://app:Xk3r9Lq2Vw7zBn4T@localhost:27017/app\n", encoding="utf-8")
    assert statuses(run_rule("VER-010", tmp_path / ".env.staging")) == ["skip"]


def test_ver011_https_localhost_fails() -> None:
    (result,) = run_rule("VER-011", FIXTURES / "VER-011" / "fail-localhost-domain.env")
    assert located([result]) == [("fail", 2, "FE_DOMAIN")]
    assert result.message == "FE_DOMAIN points at localhost, which users cannot reach"


def test_ver011_loopback_in_compose_fails() -> None:
    results = run_rule("VER-011", FIXTURES / "VER-011" / "fail-localhost-domain.compose.yaml")
    assert located(results) == [("fail", 6, "services.web.environment.NEXTAUTH_URL")]
