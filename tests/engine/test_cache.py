"""The compiled-rules cache: a warm start gives the same rules, and any rule change is seen."""
from __future__ import annotations

import os
import stat
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


# --- the cache never runs code it did not write (issue 12, item 11) ------------------------------

class _Planted:
    """A pickle that, when loaded, creates the file named in it: the proof that unpickling ran."""

    def __init__(self, proof: Path) -> None:
        self.proof = proof

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.touch, (self.proof,))


def _planted_entry(key: str, proof: Path, stored_key: str) -> Path:
    import pickle

    entry = cache._entry(key)
    entry.parent.mkdir(parents=True, exist_ok=True)
    key_bytes = stored_key.encode()
    entry.write_bytes(cache.MAGIC + len(key_bytes).to_bytes(8, "big") + key_bytes + pickle.dumps(_Planted(proof)))
    return entry


def test_an_entry_for_another_key_is_never_unpickled(cache_dir: Path, tmp_path: Path) -> None:
    import pickle

    proof = tmp_path / "unpickled"
    cache_dir.mkdir(mode=0o700)
    # the layout of the version before: (key, value) in one pickle, loaded whole before the key was compared
    cache._entry("wanted").write_bytes(pickle.dumps(("another key", _Planted(proof))))
    assert cache.load("wanted") is None and not proof.exists()
    _planted_entry("wanted", proof, stored_key="another key")
    assert cache.load("wanted") is None and not proof.exists()


def test_a_folder_others_can_write_to_is_tightened_and_its_entries_dropped(cache_dir: Path, tmp_path: Path) -> None:
    proof = tmp_path / "unpickled"
    cache_dir.mkdir()
    entry = _planted_entry("wanted", proof, stored_key="wanted")
    os.chmod(cache_dir, 0o777)
    assert cache.load("wanted") is None and not proof.exists()
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700 and not entry.exists()


def test_entries_that_are_links_or_writable_by_others_are_not_loaded(cache_dir: Path, tmp_path: Path) -> None:
    proof = tmp_path / "unpickled"
    cache_dir.mkdir(mode=0o700)
    entry = _planted_entry("wanted", proof, stored_key="wanted")
    os.chmod(entry, 0o666)
    assert cache.load("wanted") is None and not proof.exists()
    elsewhere = tmp_path / "elsewhere.pickle"
    entry.rename(elsewhere)
    os.chmod(elsewhere, 0o600)
    entry.symlink_to(elsewhere)
    assert cache.load("wanted") is None and not proof.exists()


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="needs root to give the folder away")
def test_a_folder_of_another_user_is_neither_read_nor_written(cache_dir: Path, tmp_path: Path) -> None:
    proof = tmp_path / "unpickled"
    cache_dir.mkdir(mode=0o700)
    entry = _planted_entry("wanted", proof, stored_key="wanted")
    os.chown(entry, 65534, 65534)
    os.chown(cache_dir, 65534, 65534)
    assert cache.load("wanted") is None and not proof.exists()
    cache.store("other", [1, 2, 3])
    assert not cache._entry("other").exists()


def test_a_new_cache_folder_is_private_and_a_warm_load_still_works(cache_dir: Path) -> None:
    cache.store("wanted", {"rules": [1, 2]})
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    assert cache.load("wanted") == {"rules": [1, 2]}
    assert cache.load("wanted-but-longer") is None
