"""checker/evidence/records.py: the rule hash names the rule's version; files are hashed only inside the scan."""
from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from checker.engine.rules import load_rules
from checker.evidence.records import FileHashes, digest_of, rule_sha256


def test_rule_hash_is_stable_and_changes_with_the_rule():
    first = load_rules().find("SEC-001")
    again = load_rules().find("SEC-001")
    assert first is not None and again is not None
    assert rule_sha256(first) == rule_sha256(again)
    changed = dataclasses.replace(first, with_={**first.with_, "min_length": 99})
    assert rule_sha256(changed) != rule_sha256(first)
    moved = dataclasses.replace(first, source="elsewhere.yaml#SEC-001")
    assert rule_sha256(moved) == rule_sha256(first)  # where it was loaded from is not what it says


def test_files_are_hashed_inside_the_scanned_root_only_and_never_through_a_link(tmp_path: Path):
    root = tmp_path / "deploy"
    root.mkdir()
    inside = root / ".env"
    inside.write_text("A=1\n")
    outside = tmp_path / "secret.txt"
    outside.write_text("not scanned\n")
    (root / "link.env").symlink_to(outside)
    hashes = FileHashes([root])
    assert hashes.get(str(inside)) == hashlib.sha256(b"A=1\n").hexdigest()
    assert hashes.get(str(outside)) is None
    assert hashes.get(str(root / "link.env")) is None
    assert hashes.get(str(root / "missing.env")) is None


def test_digest_leaves_out_the_printed_pdf_only():
    files = {"report.json": "a" * 64, "scope.json": "b" * 64}
    assert digest_of({**files, "report.pdf": "c" * 64}) == digest_of(files)
    assert digest_of({**files, "scope.json": "d" * 64}) != digest_of(files)
