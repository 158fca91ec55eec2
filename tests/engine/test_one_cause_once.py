"""One cause, one finding: a value written once and used many times is reported where it is written, once.

Seen on getsentry/self-hosted (a held-out repository): `LAUNCHPAD_RPC_SHARED_SECRET=supersecret` in `.env`,
passed to 20 services by a bare `environment:` entry in a YAML anchor, gave 22 SEC-001 findings for one
value to change. Its `.env.patch` (a diff) was read as an env file: 19 "malformed line" errors.
"""
from __future__ import annotations

from pathlib import Path

from tests.helpers import run_rule

ANCHORED = """\
x-defaults: &defaults
  image: "ghcr.io/acme/worker:1.4.2"
  environment:
    QUEUE_PASSWORD: sentry
services:
  web: {<<: *defaults}
  worker: {<<: *defaults}
  cron: {<<: *defaults}
"""


def _failing(results: list) -> list:
    return [r for r in results if r.status == "fail"]


def test_a_weak_value_in_an_anchor_merged_into_three_services_is_one_finding_naming_the_others(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(ANCHORED, encoding="utf-8")
    failing = _failing(run_rule("SEC-001", tmp_path / "compose.yaml", env="production"))
    assert len(failing) == 1
    assert failing[0].location is not None and failing[0].location.line == 4
    assert "used by 2 more" in failing[0].message
    assert "service worker" in failing[0].message or "service web" in failing[0].message
    assert failing[0].evidence["also_used_by"] == 2


def test_values_on_different_lines_stay_separate_findings(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services:\n"
        "  a: {image: 'x/a:1', environment: {QUEUE_PASSWORD: sentry}}\n"
        "  b: {image: 'x/b:1', environment: {QUEUE_PASSWORD: sentry}}\n", encoding="utf-8")
    failing = _failing(run_rule("SEC-001", tmp_path / "compose.yaml", env="production"))
    assert sorted(r.location.line for r in failing if r.location) == [2, 3]


def test_a_value_passed_through_from_the_scanned_env_file_is_judged_in_that_file_only(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("LAUNCHPAD_RPC_SHARED_SECRET=supersecret\nAPI_TOKEN=supersecret\n", encoding="utf-8")
    (tmp_path / "compose.yaml").write_text(
        "services:\n"
        "  web:\n"
        "    image: 'x/web:1'\n"
        "    environment:\n"
        "      LAUNCHPAD_RPC_SHARED_SECRET:\n"          # bare: the .env value
        "      API_TOKEN: ${API_TOKEN}\n"               # the .env value, unchanged
        "      OTHER_SECRET: ${LAUNCHPAD_RPC_SHARED_SECRET}\n", encoding="utf-8")  # another name: judged here too
    failing = _failing(run_rule("SEC-001", tmp_path, env="production"))
    places = sorted((Path(str(r.location.file)).name, r.location.line) for r in failing if r.location)
    assert places == [(".env", 1), (".env", 2), ("compose.yaml", 7)]


def test_a_value_from_the_users_own_env_file_is_judged_in_the_compose_file(tmp_path: Path) -> None:
    outside = tmp_path / "secrets"
    outside.mkdir()
    (outside / "prod.env").write_text("API_TOKEN=supersecret\n", encoding="utf-8")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "compose.yaml").write_text(
        "services:\n  web:\n    image: 'x/web:1'\n    environment: [API_TOKEN]\n", encoding="utf-8")
    from checker.api import scan_paths
    from tests.helpers import TODAY

    report = scan_paths([str(repo)], select=["SEC-001"], env="production", env_files=[str(outside / "prod.env")], today=TODAY)
    failing = [r for r in report.results if r.rule_id == "SEC-001" and r.status == "fail"]
    assert [(Path(r.location.file).name, r.location.line) for r in failing if r.location] == [("compose.yaml", 4)]


def test_a_diff_named_after_an_env_file_is_not_read_as_one(tmp_path: Path) -> None:
    (tmp_path / ".env.patch").write_text("--- a/.env\n+++ b/.env\n@@ -1 +1 @@\n-A=1\n+A=2\n", encoding="utf-8")
    (tmp_path / ".env").write_text("A=1\n", encoding="utf-8")
    from checker.api import scan_paths

    report = scan_paths([str(tmp_path)], select=["SEC-001"])
    assert not [r for r in report.results if r.rule_id == "PF-INPUT"]
    assert report.files_read == 1


def test_a_reference_with_a_default_still_passes_the_env_files_value_through(tmp_path: Path) -> None:
    """deviantony/docker-elk: `ELASTIC_PASSWORD: ${ELASTIC_PASSWORD:-}` beside `.env`'s ELASTIC_PASSWORD='changeme'."""
    (tmp_path / ".env").write_text("ELASTIC_PASSWORD='changeme'\n", encoding="utf-8")
    (tmp_path / "compose.yaml").write_text(
        "services:\n  es:\n    image: 'x/es:8'\n    environment:\n      ELASTIC_PASSWORD: ${ELASTIC_PASSWORD:-}\n"
        "  kibana:\n    image: 'x/kibana:8'\n    environment:\n      ELASTIC_PASSWORD: ${UNSET_ONE:-changeme}\n",
        encoding="utf-8")
    failing = _failing(run_rule("SEC-001", tmp_path, env="production"))
    places = sorted((Path(str(r.location.file)).name, r.location.line) for r in failing if r.location)
    assert places == [(".env", 1), ("compose.yaml", 9)]  # the default written in the compose file is judged there
