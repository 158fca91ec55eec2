"""The compiled-rules cache: a warm start gives the same rules, and any rule change is seen."""
from __future__ import annotations

from pathlib import Path

import pytest

from checker.engine import cache
from checker.engine.rules import load_rules

RULE = """\
checklist: team
rules:
  - id: TEAM-001
    name: debug-off
    title: Debug is off
    severity: {severity}
    targets: [env]
    probe: setting
    with: {{keys: [DEBUG], op: falsy}}
    remediation: Set DEBUG=false.
"""


@pytest.fixture()
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("PREFLIGHT_CACHE_DIR", str(folder))
    monkeypatch.delenv("PREFLIGHT_NO_CACHE", raising=False)
    return folder


def test_warm_load_returns_the_same_rules_with_their_params(cache_dir: Path) -> None:
    cold = load_rules()
    assert len(list(cache_dir.glob("rules-*.pickle"))) == 1
    warm = load_rules()
    assert [(r.id, r.params()) for r in warm.rules] == [(r.id, r.params()) for r in cold.rules]
    assert warm.sha256 == cold.sha256


def test_changing_a_rule_file_is_seen_at_once(cache_dir: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "team.yaml").write_text(RULE.format(severity="low"))
    assert load_rules([str(rules)], include_shipped=False).rules[0].severity == "low"
    (rules / "team.yaml").write_text(RULE.format(severity="high"))
    assert load_rules([str(rules)], include_shipped=False).rules[0].severity == "high"


def test_a_corrupt_cache_entry_is_ignored(cache_dir: Path) -> None:
    expected = [r.id for r in load_rules().rules]
    for entry in cache_dir.glob("rules-*.pickle"):
        entry.write_bytes(b"not a pickle")
    assert [r.id for r in load_rules().rules] == expected


def test_an_unwritable_cache_folder_does_not_stop_the_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("PREFLIGHT_CACHE_DIR", str(blocker / "cache"))
    assert load_rules().rules


def test_no_cache_variable_skips_reading_and_writing(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFLIGHT_NO_CACHE", "1")
    load_rules()
    assert not cache_dir.exists()
    assert cache.load("anything") is None
