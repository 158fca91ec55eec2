"""`--per-file` (the pre-commit hook's mode): rules about the whole deployment stay out."""
from __future__ import annotations

from pathlib import Path

from checker.api import scan_paths
from checker.engine.rules import load_rules


def test_per_file_scan_runs_no_project_rule_but_every_file_rule(tmp_path: Path) -> None:
    env = tmp_path / "deploy" / "app.env"
    env.parent.mkdir()
    env.write_text("POSTGRES_PASSWORD=postgres\n")
    whole = scan_paths([str(env)])
    per_file = scan_paths([str(env)], per_file=True)
    project_rules = {r.id for r in load_rules().rules if "project" in r.targets}
    assert project_rules & {r.rule_id for r in whole.results}
    assert not project_rules & {r.rule_id for r in per_file.results}
    assert ("SEC-001", "fail", 1) in {(r.rule_id, r.status, r.location.line if r.location else None) for r in per_file.results}


def test_offline_scan_skips_live_rules_with_the_way_to_run_them(tmp_path: Path) -> None:
    env = tmp_path / "deploy" / "app.env"
    env.parent.mkdir(exist_ok=True)
    env.write_text("DEBUG=false\n")
    live_rules = {r.id for r in load_rules().rules if "live" in r.targets and not r.opt_in}  # opt-in: only when selected
    results = [r for r in scan_paths([str(env)]).results if r.rule_id in live_rules]
    assert {r.rule_id for r in results} == live_rules
    assert {(r.status, r.reason) for r in results} == {("skip", "offline scan")}
    assert "--live" in results[0].message
