"""Hostile rule files (--rules): each is exit 2 with one line naming the file (and line, rule and field), or bounded.

Regular expressions run on RE2, so a pattern that backtracks catastrophically
under Python's `re` matches in linear time; look-around and back-references,
which RE2 lacks, are refused when the rules load.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from helpers import preflight
from robustness.hostile import ALIAS_BOMB

RULE = """checklist: team
rules:
  - id: TEAM-001
    name: team-one
    title: A team rule
    item: Change all default passwords
    severity: low
    targets: [env]
    remediation: Fix it.
    probe: {probe}
    with: {params}
"""
# 40 a's then a b: `^(a+)+$` takes 2**40 steps to fail in a backtracking engine
EVIL_VALUE = "a" * 40 + "b"


def rule_file(tmp_path: Path, text: str | bytes) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "team.yaml").write_bytes(text if isinstance(text, bytes) else text.encode())
    (tmp_path / ".env").write_text(f"API_MODE={EVIL_VALUE}\n")
    return folder


def scan_with(tmp_path: Path, folder: Path, *args: str) -> tuple[int, str, str, float]:
    started = time.monotonic()
    done = preflight("scan", str(tmp_path / ".env"), "--rules", str(folder), "--no-default-rules", *args,
                     env={"PREFLIGHT_NO_CACHE": "1"})
    return done.returncode, done.stdout, done.stderr, time.monotonic() - started


CASES = {
    "unknown probe": (RULE.format(probe="no-such-probe", params="{}"), r"team.yaml:10: rule TEAM-001: field probe: unknown probe 'no-such-probe'"),
    "back-reference": (
        RULE.format(probe="setting", params='{keys: [API_MODE], op: matches, value: "(a)\\\\1"}'),
        r"team.yaml:11: rule TEAM-001: field with: invalid regular expression .*no look-around, no back-references",
    ),
    "look-ahead": (
        RULE.format(probe="setting", params='{keys: [API_MODE], op: matches, value: "a(?=b)"}'),
        r"team.yaml:11: rule TEAM-001: field with: invalid regular expression",
    ),
    "huge pattern": (
        RULE.format(probe="setting", params="{keys: [API_MODE], op: matches, value: '" + "a" * 2000 + "'}"),
        r"team.yaml:11: rule TEAM-001: field with: pattern longer than 1000 characters",
    ),
    # issue #12: accepted before, 128 s on one 9 MB value; a counted repetition multiplies the program
    "huge RE2 program": (
        RULE.format(probe="setting", params="{keys: [API_MODE], op: matches, value: '(\\pL|\\pN|\\s|\\pP){200}0'}"),
        r"team.yaml:11: rule TEAM-001: field with: regular expression .* compiles to over 288,\d{3} RE2 instructions, "
        r"over the limit of 2,000",
    ),
    "repetition of 1000": (
        RULE.format(probe="setting", params="{keys: [API_MODE], op: matches, value: '(.|\\pL){1000}0'}"),
        r"team.yaml:11: rule TEAM-001: field with: regular expression .* compiles to 10,005 RE2 instructions",
    ),
    "huge with payload": (
        RULE.format(probe="setting", params="{keys: [" + ",".join(f"K{i}" for i in range(12_000)) + "], op: exists}"),
        r"team.yaml:11: rule TEAM-001: field with: more than 10,000 values",
    ),
    "huge path": (
        RULE.format(probe="assert", params="{select: '" + "a." * 300 + "a', require: {path: x, op: exists}}"),
        r"team.yaml:11: rule TEAM-001: field with.*path longer than 512 characters",
    ),
    "oversized file": (RULE.format(probe="setting", params="{keys: [A], op: exists}") + "#" * 300_000 + "\n", r"team.yaml: rule file is 30\d,\d{3} bytes, over the 256 KiB limit"),
    "invalid UTF-8": (b"checklist: team\nrules: []\n# caf\xe9\n", r"team.yaml:3: not valid UTF-8 \(byte 0xe9\)"),
    "deep nesting": ("checklist: team\nrules: " + "[" * 10_000 + "]" * 10_000 + "\n", r"team.yaml:2: (invalid YAML: exceeded maximum nesting depth|nesting deeper than 200 levels)"),  # libyaml's or ours
    "alias bomb": (b"checklist: team\nrules: []\nx:\n" + b"".join(b"  " + line + b"\n" for line in ALIAS_BOMB.splitlines()), r"team.yaml:\d+: aliases expand to more than 100,000 values"),
    "python tag": ("checklist: !!python/object/apply:os.system ['touch pwned']\nrules: []\n", r"team.yaml:1: could not determine a constructor for the tag 'tag:yaml.org,2002:python/object/apply:os.system'"),
}


@pytest.mark.parametrize("case", CASES)
def test_hostile_rule_file_is_exit_2_with_one_clear_line(tmp_path: Path, case: str) -> None:
    text, expected = CASES[case]
    code, stdout, stderr, _ = scan_with(tmp_path, rule_file(tmp_path, text))
    assert code == 2, (stdout, stderr)
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    assert re.search(expected, lines[0]), lines[0]
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()


def test_catastrophic_backtracking_pattern_is_matched_in_linear_time(tmp_path: Path) -> None:
    folder = rule_file(tmp_path, RULE.format(probe="setting", params='{keys: [API_MODE], op: matches, value: "^(a+)+$"}'))
    code, stdout, stderr, elapsed = scan_with(tmp_path, folder, "-f", "json")
    assert code == 1, stderr  # the value does not match: a finding, not a hang
    assert '"status": "fail"' in stdout
    assert elapsed < 30  # with Python's re this is 2**40 steps: hours


def test_the_same_pattern_in_a_scanned_prometheus_config_is_bounded_too(tmp_path: Path) -> None:
    (tmp_path / "prometheus.yml").write_text(
        "scrape_configs:\n  - job_name: app\n    kubernetes_sd_configs: [{role: pod}]\n    relabel_configs:\n"
        "      - {action: keep, source_labels: [__meta_kubernetes_pod_label_app], regex: '(a+)+$'}\n"
    )
    (tmp_path / "deploy.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, labels: {app: " + EVIL_VALUE + "}}\n"
        "spec: {selector: {matchLabels: {app: api}}, template: {metadata: {labels: {app: " + EVIL_VALUE + "}}, "
        "spec: {containers: [{name: api, image: 'example/api:1.0'}]}}}\n"
    )
    started = time.monotonic()
    done = preflight("scan", str(tmp_path), "--checklist", "monitoring", "-f", "json")
    assert done.returncode in (0, 1), done.stderr
    assert time.monotonic() - started < 30


def test_a_value_too_long_for_the_pattern_is_an_error_with_its_reason_never_a_pass(tmp_path: Path) -> None:
    # (a|b|.){150}0 is accepted (1,505 instructions): a 9 MB value is over what it may be matched against
    folder = rule_file(tmp_path, RULE.format(probe="setting", params="{keys: [API_MODE], op: not_matches, value: '(a|b|.){150}0'}"))
    (tmp_path / ".env").write_text("API_MODE=" + "ab" * 4_500_000 + "\nOTHER=1\n")
    code, stdout, stderr, elapsed = scan_with(tmp_path, folder, "-f", "json")
    import json

    (result,) = [r for r in json.loads(stdout)["results"] if r["rule_id"] == "TEAM-001"]
    assert (result["status"], result["reason"]) == ("error", "too-large"), result
    assert "9,000,000 bytes is too long to match against '(a|b|.){150}0' (at most 66,445 bytes" in result["message"]
    assert code == 1 and elapsed < 60


def test_matches_that_could_be_slow_share_one_budget_per_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from checker.errors import ProbeError
    from checker.probes import _ops

    pattern = _ops.compile_pattern("(a|b|.){150}0")
    value = "ab" * 20_000  # 40,000 bytes x 1,505 instructions: over COSTLY_MATCH_WORK, so timed
    _ops.reset_match_budget()
    assert pattern.search(value) is None  # within the budget: matched
    monkeypatch.setattr(_ops, "COSTLY_MATCH_SECONDS", 0.0)
    with pytest.raises(ProbeError) as raised:
        pattern.search(value)
    assert raised.value.reason == "timeout" and "already spent 0 s" in raised.value.message
    assert pattern.search("ab" * 10) is None  # a cheap match is never refused
    _ops.reset_match_budget()
    monkeypatch.setattr(_ops, "COSTLY_MATCH_SECONDS", 10.0)
    assert pattern.search(value) is None  # the next scan starts with the whole budget
