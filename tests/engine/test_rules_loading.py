"""User rule files: validation errors, the same power as shipped rules, and the assert probe's conditions."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml

from checker.api import scan_paths
from checker.cli import main
from checker.engine.rules import load_rules
from checker.errors import RuleFileError
from helpers import preflight

RULE = {
    "id": "ORG-001",
    "name": "debug-off",
    "title": "Debug is off",
    "item": "Turn off debug",
    "severity": "high",
    "targets": ["env"],
    "probe": "setting",
    "with": {"keys": ["DEBUG"], "op": "falsy"},
    "remediation": "Set DEBUG=false.",
}


def rule_file(folder: Path, *rules: dict, checklist: str = "org", name: str = "org.yaml") -> Path:
    """Write a checklist file with one rule per line of `rules:` entries, in block style."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump({"checklist": checklist, "rules": list(rules)}, sort_keys=False))
    return path


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


# --- bad rule files: exit 2, one line naming file, line, rule and field -----------------------------


@pytest.mark.parametrize(
    ("change", "needle", "field", "problem"),
    [
        ({"probe": "no-such-probe"}, "probe: no-such-probe", "probe", "unknown probe 'no-such-probe'"),
        ({"colour": "red"}, "colour:", "colour", "unknown field"),
        ({"severity": "urgent"}, "severity: urgent", "severity", "Input should be 'info', 'low', 'medium', 'high' or 'critical'"),
        ({"with": {"keys": ["DEBUG"], "op": "falsy", "bogus": 1}}, "bogus:", "with.bogus", "unknown field"),
        ({"with": {"keys": ["DEBUG"], "op": "sometimes"}}, "op: sometimes", "with.op", "Input should be"),
        ({"targets": ["env", "mainframe"]}, "targets:", "targets", "unknown target 'mainframe'"),
        ({"environments": ["prod"]}, "environments:", "environments", "unknown environment 'prod'"),
        ({"targets": ["compose", "nginx"]}, "targets:", "targets", "probe setting cannot read 'nginx'"),
        ({"id": "org-1"}, "id: org-1", "id", "'org-1' is not of the form ABC-001"),
    ],
)
def test_bad_rule_is_one_line_naming_file_line_rule_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict, needle: str, field: str, problem: str
):
    rule = {**RULE, **change}
    path = rule_file(tmp_path / "rules", rule)
    (tmp_path / ".env").write_text("DEBUG=false\n")
    assert main(["scan", str(tmp_path / ".env"), "--rules", str(tmp_path / "rules")]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    (line,) = err.splitlines()
    prefix = f"preflight: error: {path}:{line_of(path, needle)}: rule {rule['id']}: field {field}: "
    assert line.startswith(prefix), line
    assert problem in line[len(prefix):]


def test_bad_rule_file_exits_2_from_the_real_command_line(tmp_path: Path):
    path = rule_file(tmp_path / "rules", {**RULE, "severity": "urgent"})
    (tmp_path / ".env").write_text("DEBUG=false\n")
    done = preflight("scan", str(tmp_path / ".env"), "--rules", str(tmp_path / "rules"))
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"preflight: error: {path}:{line_of(path, 'severity:')}: rule ORG-001: field severity: "
        "Input should be 'info', 'low', 'medium', 'high' or 'critical'\n"
    )


def test_missing_required_field(tmp_path: Path):
    rule = {k: v for k, v in RULE.items() if k != "remediation"}
    path = rule_file(tmp_path, rule)
    with pytest.raises(RuleFileError) as caught:
        load_rules([str(path)], include_shipped=False)
    assert str(caught.value) == f"{path}:3: rule ORG-001: field remediation: required field is missing"


@pytest.mark.parametrize("clash", ["id", "name"])
def test_duplicate_id_or_name_across_files(tmp_path: Path, capsys: pytest.CaptureFixture[str], clash: str):
    rule_file(tmp_path / "rules", RULE, name="a.yaml")
    other = {**RULE, "id": "ORG-002", "name": "debug-off-again", clash: RULE[clash]}
    second = rule_file(tmp_path / "rules", other, name="b.yaml")
    assert main(["rules", "--rules", str(tmp_path / "rules")]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(
        f"preflight: error: {second}:{line_of(second, f'{clash}: {RULE[clash]}')}: rule {other['id']}: field {clash}: "
        f"{RULE[clash]!r} is already used by {tmp_path / 'rules' / 'a.yaml'}"
    ), line


def test_duplicate_of_a_shipped_id(tmp_path: Path):
    path = rule_file(tmp_path, {**RULE, "id": "SEC-001"})
    with pytest.raises(RuleFileError) as caught:
        load_rules([str(path)])
    assert str(caught.value).startswith(f"{path}:3: rule SEC-001: field id: 'SEC-001' is already used by ")


def test_invalid_yaml_in_a_rule_file(tmp_path: Path):
    path = tmp_path / "broken.yaml"
    path.write_text("checklist: org\nrules:\n  - id: ORG-001\n    name: [unclosed\n")
    with pytest.raises(RuleFileError) as caught:
        load_rules([str(path)], include_shipped=False)
    assert str(caught.value).startswith(f"{path}:5: invalid YAML: ")


def test_bad_checklist_name_and_missing_rules_folder(tmp_path: Path):
    path = rule_file(tmp_path, RULE, checklist="Org Checks")
    with pytest.raises(RuleFileError) as caught:
        load_rules([str(path)], include_shipped=False)
    assert str(caught.value).startswith(f"{path}:1: field checklist: ")
    with pytest.raises(RuleFileError, match="no such rules folder"):
        load_rules([str(tmp_path / "nope")])


# --- user checklists have the same power as shipped ones ---------------------------------------------


def test_user_checklist_runs_next_to_shipped_rules(tmp_path: Path):
    rule_file(tmp_path / "rules", RULE)
    env = tmp_path / "app" / ".env.production"
    env.parent.mkdir()
    env.write_text("A=1\nDEBUG=true\nPOSTGRES_PASSWORD=postgres\n")
    report = scan_paths([str(env)], rules=[str(tmp_path / "rules")], select=["ORG-001", "SEC-001"])
    assert sorted((r.rule_id, r.checklist, r.status, r.location.line, r.message) for r in report.results) == [
        ("ORG-001", "org", "fail", 2, "DEBUG is 'true': should be falsy"),
        ("SEC-001", "security", "fail", 3, "POSTGRES_PASSWORD is a known default or weak value"),
    ]
    (org,) = [r for r in report.results if r.rule_id == "ORG-001"]
    assert (org.item, org.severity, org.remediation) == ("Turn off debug", "high", "Set DEBUG=false.")


def test_user_rules_in_the_catalog_explain_and_selection_by_name(tmp_path: Path):
    rule_file(tmp_path / "rules", {**RULE, "why": "Debug pages leak settings.", "examples": {"fail": "DEBUG=1", "pass": "DEBUG=0"}})
    listed = preflight("rules", "-f", "json", "--rules", str(tmp_path / "rules"))
    assert listed.returncode == 0
    (ours,) = [r for r in json.loads(listed.stdout)["rules"] if r["id"] == "ORG-001"]
    assert (ours["name"], ours["checklist"], ours["severity"]) == ("debug-off", "org", "high")
    explained = preflight("explain", "debug-off", "--rules", str(tmp_path / "rules"))
    assert explained.returncode == 0
    assert "## Why is this bad?\nDebug pages leak settings.\n" in explained.stdout
    assert "## Example\n    DEBUG=1\n" in explained.stdout
    (tmp_path / ".env").write_text("DEBUG=1\n")
    scanned = preflight("scan", str(tmp_path / ".env"), "--rules", str(tmp_path / "rules"), "--select", "debug-off", "-f", "json")
    assert scanned.returncode == 1
    assert [(r["rule_id"], r["status"]) for r in json.loads(scanned.stdout)["results"]] == [("ORG-001", "fail")]


def test_no_default_rules_runs_only_the_given_ones(tmp_path: Path):
    rule_file(tmp_path / "rules", RULE)
    (tmp_path / ".env").write_text("DEBUG=0\n")
    report = scan_paths([str(tmp_path / ".env")], rules=[str(tmp_path / "rules")], shipped_rules=False)
    assert [(r.rule_id, r.status) for r in report.results] == [("ORG-001", "pass")]


# --- the assert probe's conditions, through user rules ----------------------------------------------

COMPOSE = textwrap.dedent("""\
    services:
      web:
        image: nginx:1.27
        read_only: true
        user: "1000"
        ports: ["8080:80"]
      worker:
        image: app:1.4.2
        privileged: true
        user: root
      db:
        image: postgres:16
        ports: ["5432:5432", "127.0.0.1:9187:9187"]
    """)


def assert_rule(**params) -> dict:
    return {**RULE, "id": "ORG-100", "name": "assertion", "targets": ["compose"], "probe": "assert",
            "with": {"select": "services.*", "message": "{name}", **params}}


def failing(tmp_path: Path, **params) -> list[tuple[str, int]]:
    """(message, line) of every failure of one assert rule over COMPOSE."""
    folder = tmp_path / "project"
    folder.mkdir(exist_ok=True)
    (folder / "compose.yaml").write_text(COMPOSE)
    rule_file(tmp_path / "rules", assert_rule(**params))
    report = scan_paths([str(folder / "compose.yaml")], rules=[str(tmp_path / "rules")], shipped_rules=False)
    assert {r.status for r in report.results} <= {"pass", "fail"}, report.results
    return [(r.message, r.location.line) for r in report.results if r.status == "fail"]


def test_leaf_condition_fails_at_the_offending_line(tmp_path: Path):
    assert failing(tmp_path, require={"path": "privileged", "op": "not_equals", "value": True}) == [("worker", 9)]


def test_all(tmp_path: Path):
    require = {"all": [{"path": "user", "op": "exists"}, {"path": "user", "op": "not_equals", "value": "root"}]}
    assert failing(tmp_path, require=require) == [("worker", 10), ("db", 11)]


def test_any(tmp_path: Path):
    require = {"any": [{"path": "read_only", "op": "truthy"}, {"path": "user", "op": "equals", "value": "1000"}]}
    assert failing(tmp_path, require=require) == [("worker", 7), ("db", 11)]


def test_not(tmp_path: Path):
    require = {"not": {"path": "image", "op": "matches", "value": "^postgres"}}
    assert failing(tmp_path, require=require) == [("db", 11)]  # `not` points at the object


def test_where_keeps_only_some_objects(tmp_path: Path):
    where = {"path": "image", "op": "matches", "value": "^(nginx|postgres)"}
    require = {"path": "user", "op": "exists"}
    assert failing(tmp_path, where=where, require=require) == [("db", 11)]


def test_match_all_and_match_any(tmp_path: Path):
    every = {"path": "ports[*]", "op": "matches", "value": "^127\\.0\\.0\\.1:"}
    # web's only port and db's first port are not on loopback; worker has none
    assert failing(tmp_path, require=every) == [("web", 6), ("worker", 7), ("db", 13)]
    some = {**every, "match": "any"}
    assert failing(tmp_path, require=some) == [("web", 2), ("worker", 7)]


def test_missing_pass_and_fail(tmp_path: Path):
    condition = {"path": "read_only", "op": "equals", "value": True}
    assert failing(tmp_path, require=condition) == [("worker", 7), ("db", 11)]  # default: missing does not hold
    assert failing(tmp_path, require={**condition, "missing": "pass"}) == []
    negative = {"path": "privileged", "op": "not_equals", "value": True}
    assert failing(tmp_path, require={**negative, "missing": "fail"}) == [("web", 2), ("worker", 9), ("db", 11)]


def test_a_condition_must_have_exactly_one_form(tmp_path: Path):
    path = rule_file(tmp_path, assert_rule(require={"path": "user", "op": "exists", "all": [{"path": "x", "op": "exists"}]}))
    with pytest.raises(RuleFileError) as caught:
        load_rules([str(path)], include_shipped=False)
    message = str(caught.value)
    assert message.startswith(f"{path}:") and ": rule ORG-100: field with.require: " in message
    assert "a condition is exactly one of" in message
