"""App-specific expectations live in app profiles (issue 14): the FastGPT deployment profile
requires the keys FastGPT reads, while the shipped rules only judge settings that are there."""
from __future__ import annotations

from pathlib import Path

import pytest

from checker.api import scan_paths
from checker.engine.rules import load_rules

ROOT = Path(__file__).resolve().parents[2]
PROFILE = ROOT / "examples" / "checklists" / "fastgpt-deployment.yaml"
PROFILE_RULES = load_rules([str(PROFILE)], include_shipped=False).rules


def _statuses(text: str, tmp_path: Path, *rule_ids: str) -> dict[str, str]:
    env = tmp_path / "deploy" / ".env"
    env.parent.mkdir(parents=True, exist_ok=True)
    env.write_text(text, encoding="utf-8")
    report = scan_paths([str(env.parent)], rules=[str(PROFILE)], select=list(rule_ids))
    return {r.rule_id: r.status for r in report.results}


@pytest.mark.parametrize("rule", PROFILE_RULES, ids=lambda r: r.id)
def test_profile_examples_fail_and_pass(rule: object, tmp_path: Path) -> None:
    examples = rule.examples  # type: ignore[attr-defined]
    assert _statuses(examples.fail, tmp_path / "f", rule.id) == {rule.id: "fail"}  # type: ignore[attr-defined]
    assert _statuses(examples.pass_, tmp_path / "p", rule.id) == {rule.id: "pass"}  # type: ignore[attr-defined]


def test_an_app_without_these_keys_fails_the_profile_but_not_the_shipped_rules(tmp_path: Path) -> None:
    text = "NODE_ENV=production\nPORT=8080\n"
    assert _statuses(text, tmp_path, "FGD-001", "FGD-002", "FGD-003") == {"FGD-001": "fail", "FGD-002": "fail", "FGD-003": "fail"}
    assert _statuses(text, tmp_path / "b", "SEC-030", "PERF-010", "MON-001", "MON-010") == {
        "SEC-030": "skip", "PERF-010": "skip", "MON-001": "skip", "MON-010": "skip"}


def test_the_fastgpt_example_deployment_against_the_profile() -> None:
    folder = ROOT / "examples" / "fastgpt-enterprise"
    report = scan_paths([str(folder)], rules=[str(PROFILE)], checklists=["fastgpt-deployment"], env="production")
    # the example sets the rate limit and Redis but exports no metrics: the profile says so
    assert {r.rule_id: r.status for r in report.results} == {"FGD-001": "pass", "FGD-002": "pass", "FGD-003": "fail"}
