"""PERF-040 / PERF-041: compose services without a memory / CPU limit, judged on the merged project."""
from __future__ import annotations

from pathlib import Path

import pytest

from checker.api import scan_paths
from helpers import TODAY, run_snippet


def _fails(root: Path, rule: str, profiles: tuple[str, ...] = ()) -> list[tuple[str, int | None, str | None]]:
    report = scan_paths([str(root)], select=[] if profiles else [rule], profiles=profiles, today=TODAY)
    return [(Path(r.location.file).name, r.location.line, r.message) for r in report.results
            if r.rule_id == rule and r.status == "fail" and r.location]


def test_a_limit_an_override_sets_passes_and_a_production_overlay_service_is_pointed_at(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  api:\n    image: ghcr.io/x/api:2.3.1\n    restart: unless-stopped\n"
        "  web:\n    image: ghcr.io/x/web:2.3.1\n    restart: unless-stopped\n")
    (tmp_path / "docker-compose.override.yml").write_text("services:\n  api:\n    mem_limit: 512m\n")
    (tmp_path / "docker-compose.dev.yml").write_text(
        "services:\n  mailhog:\n    image: mailhog/mailhog:v1.0.1\n    restart: unless-stopped\n")
    (tmp_path / "docker-compose.prod.yml").write_text(
        "services:\n  worker:\n    image: ghcr.io/x/worker:2.3.1\n    restart: unless-stopped\n")
    assert sorted(_fails(tmp_path, "PERF-040")) == [
        ("docker-compose.prod.yml", 2, "service worker has no memory limit"),
        ("docker-compose.yml", 5, "service web has no memory limit"),
    ]


@pytest.mark.parametrize("service, status", [
    ("{image: 'api:2.1.0', restart: always, mem_limit: 0}", "fail"),  # 0 is no limit
    ("{image: 'api:2.1.0', restart: always, deploy: {resources: {reservations: {memory: 1G}}}}", "fail"),
    ("{image: 'api:2.1.0', restart: always, deploy: {resources: {limits: {memory: 1G}}}}", "pass"),
    ("{image: 'api:2.1.0', restart: 'no', command: [sh, -c, 'exit 0']}", "pass"),
])
def test_memory_limit_forms(tmp_path: Path, service: str, status: str) -> None:
    results = run_snippet("PERF-040", f"services: {{api: {service}}}", "compose", tmp_path)
    assert [r.status for r in results] == [status]


def test_a_job_another_service_waits_for_is_not_judged(tmp_path: Path) -> None:
    text = ("services:\n  init:\n    image: busybox:1.36\n    command: [sh, -c, 'chown 1000 /data']\n"
            "  api:\n    image: api:2.1.0\n    restart: always\n    mem_limit: 1g\n"
            "    depends_on: {init: {condition: service_completed_successfully}}\n")
    assert [r.status for r in run_snippet("PERF-040", text, "compose", tmp_path)] == ["pass"]


def test_cpu_limit_is_in_the_strict_profile_only(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  api:\n    image: api:2.1.0\n    restart: always\n    cpu_shares: 512\n")
    default = scan_paths([str(tmp_path)], today=TODAY)
    assert not [r for r in default.results if r.rule_id == "PERF-041"]
    assert _fails(tmp_path, "PERF-041", profiles=("strict",)) == [("compose.yaml", 2, "service api has no CPU limit")]
