"""Opt-in profiles: policy rules (PERF-102 CPU limits, SEC-116 a namespace in every manifest) run only when asked."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.api import scan_paths
from checker.errors import UsageError
from helpers import FIXTURES, preflight

POLICY_RULES = {"PERF-102", "SEC-116"}


def _rule_ids(**kwargs: object) -> set[str]:
    report = scan_paths([str(FIXTURES / "PERF-102"), str(FIXTURES / "SEC-116")], **kwargs)  # type: ignore[arg-type]
    return {r.rule_id for r in report.results}


def test_policy_rules_are_off_by_default() -> None:
    assert not POLICY_RULES & _rule_ids()


def test_the_strict_profile_turns_them_on() -> None:
    assert POLICY_RULES <= _rule_ids(profiles=["strict"])


def test_naming_the_rule_turns_it_on_without_the_profile() -> None:
    assert _rule_ids(select=["PERF-102"]) == {"PERF-102"}


def test_an_unknown_profile_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown profile 'strcit' \\(known: strict\\)"):
        _rule_ids(profiles=["strcit"])


def test_command_line_and_config_file_name_the_profile(tmp_path: Path) -> None:
    target = str(FIXTURES / "PERF-102")
    done = preflight("scan", target, "--profile", "strict", "-f", "json")
    assert "PERF-102" in {r["rule_id"] for r in json.loads(done.stdout)["results"]}
    config = tmp_path / "preflight.yaml"
    config.write_text("profiles: [strict]\n")
    done = preflight("scan", target, "--config", str(config), "-f", "json")
    assert "PERF-102" in {r["rule_id"] for r in json.loads(done.stdout)["results"]}
    done = preflight("scan", target, "-f", "json")
    assert "PERF-102" not in {r["rule_id"] for r in json.loads(done.stdout)["results"]}


def test_explain_says_how_to_turn_it_on() -> None:
    done = preflight("explain", "PERF-102")
    assert "Off by default: runs with `--profile strict` or `--select PERF-102`" in done.stdout
