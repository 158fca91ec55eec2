"""App-specific expectations live in app profiles (issue 14): the FastGPT checklist requires the
keys FastGPT reads (USE_IP_LIMIT, REDIS_URL, METRICS_OTEL_URL), while the shipped rules only
judge settings that are there."""
from __future__ import annotations

from pathlib import Path

from checker.api import scan_paths
from helpers import ROOT

PROFILE = ROOT / "examples" / "checklists"
SHIPPED = ("SEC-030", "PERF-010", "MON-001", "MON-010")


def _statuses(text: str, tmp_path: Path, *rule_ids: str, rules: tuple[str, ...] = ()) -> dict[str, list[str]]:
    env = tmp_path / "deploy" / ".env"
    env.parent.mkdir(parents=True, exist_ok=True)
    env.write_text(text, encoding="utf-8")
    report = scan_paths([str(env.parent)], rules=list(rules), select=list(rule_ids))
    found: dict[str, list[str]] = {}
    for r in report.results:
        found.setdefault(r.rule_id, []).append(r.status)
    return found


def test_an_app_that_reads_none_of_these_keys_is_not_asked_for_them(tmp_path: Path) -> None:
    assert _statuses("NODE_ENV=production\nPORT=8080\n", tmp_path, *SHIPPED) == {rule: ["skip"] for rule in SHIPPED}


def test_a_switch_that_is_there_and_off_still_fails(tmp_path: Path) -> None:
    text = "RATE_LIMIT=0\nREDIS_URL=\nMETRICS_ENABLED=false\nSENTRY_DSN=\n"
    assert _statuses(text, tmp_path, *SHIPPED) == {rule: ["fail"] for rule in SHIPPED}


def test_the_fastgpt_profile_requires_fastgpts_own_keys(tmp_path: Path) -> None:
    found = _statuses("NODE_ENV=production\nUSE_IP_LIMIT=false\n", tmp_path, "FGPT-002", "FGPT-020", rules=(str(PROFILE),))
    assert found["FGPT-020"] == ["fail"]
    assert "fail" in found["FGPT-002"]  # REDIS_URL, METRICS_OTEL_URL ... are not set
