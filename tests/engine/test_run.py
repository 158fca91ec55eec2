"""The engine: selection, environments, inline suppressions, probe failures, masking and the score."""
from __future__ import annotations

import dataclasses

import json
import sys
import types
from pathlib import Path
from typing import Iterator

import pytest
import yaml

from checker import probes
from checker.api import scan_paths
from checker.commands.scan import exit_code
from checker.engine.rules import load_rules
from checker.engine.score import readiness
from checker.engine.select import Selection, select_rules
from checker.errors import ProbeError, UsageError
from checker.models import STRICT, Report, Result
from checker.probes.base import Observation

DEBUG_RULE = {
    "title": "Debug is off", "targets": ["env"], "probe": "setting",
    "with": {"keys": ["DEBUG"], "op": "falsy"}, "remediation": "Set DEBUG=false.",
}


def write_rules(folder: Path, checklist: str, *rules: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{checklist}.yaml"
    full = [{**DEBUG_RULE, **rule} for rule in rules]
    path.write_text(yaml.safe_dump({"checklist": checklist, "rules": full}, sort_keys=False))
    return path


@pytest.fixture()
def rules_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    write_rules(folder, "alpha",
                {"id": "ALP-001", "name": "alpha-info", "severity": "info"},
                {"id": "ALP-002", "name": "alpha-high", "severity": "high"})
    write_rules(folder, "beta",
                {"id": "BET-001", "name": "beta-low", "severity": "low"},
                {"id": "BET-002", "name": "beta-critical", "severity": "critical", "environments": ["production"]})
    return folder


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"  # a neutral folder name: environments are inferred from it
    folder.mkdir()
    return folder


# --- selection ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        (Selection(), ["ALP-001", "ALP-002", "BET-001", "BET-002"]),
        (Selection(checklists=("beta",)), ["BET-001", "BET-002"]),
        (Selection(select=("ALP-002", "beta-low")), ["ALP-002", "BET-001"]),
        (Selection(skip=("alpha-info", "BET-002")), ["ALP-002", "BET-001"]),
        (Selection(min_severity="high"), ["ALP-002", "BET-002"]),
        (Selection(checklists=("alpha",), min_severity="low"), ["ALP-002"]),
        (Selection(select=("ALP-001",), min_severity="low"), []),
    ],
)
def test_selection(rules_dir: Path, selection: Selection, expected: list[str]):
    rule_set = load_rules([str(rules_dir)], include_shipped=False)
    assert [r.id for r in select_rules(rule_set, selection)] == expected


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        (Selection(select=("NOPE-001",)), "unknown rule 'NOPE-001' (see `preflight rules`)"),
        (Selection(skip=("no-such-name",)), "unknown rule 'no-such-name' (see `preflight rules`)"),
        (Selection(checklists=("gamma",)), "unknown checklist 'gamma' (known: alpha, beta)"),
    ],
)
def test_unknown_names_are_usage_errors(rules_dir: Path, selection: Selection, message: str):
    rule_set = load_rules([str(rules_dir)], include_shipped=False)
    with pytest.raises(UsageError) as caught:
        select_rules(rule_set, selection)
    assert str(caught.value) == message


def test_shipped_checklist_selection_runs_only_that_checklist(project: Path):
    (project / ".env").write_text("A=1\n")
    report = scan_paths([str(project)], checklists=["backups"])
    expected = {r.id for r in load_rules().rules if r.checklist == "backups"}
    assert {r.rule_id for r in report.results} == expected
    assert {r.checklist for r in report.results} == {"backups"}


def test_missing_path_is_a_usage_error(tmp_path: Path):
    with pytest.raises(UsageError) as caught:
        scan_paths([str(tmp_path / "nope")])
    assert str(caught.value) == f"no such file or folder: {tmp_path / 'nope'}"


# --- environments ------------------------------------------------------------------------------------


def run_env_rule(rules_dir: Path, file: Path, env: str | None = None) -> list[tuple[str, str, str]]:
    report = scan_paths([str(file)], rules=[str(rules_dir)], shipped_rules=False, select=["BET-002"], env=env)
    return [(r.status, r.target, r.message) for r in report.results]


def test_production_only_rule_is_skipped_for_a_development_file(rules_dir: Path, project: Path):
    dev = project / ".env.development"
    dev.write_text("DEBUG=true\n")
    assert run_env_rule(rules_dir, dev) == [("skip", "-", "applies to production; inputs are development")]


def test_production_only_rule_runs_for_a_production_file(rules_dir: Path, project: Path):
    prod = project / ".env.production"
    prod.write_text("DEBUG=true\n")
    assert run_env_rule(rules_dir, prod) == [("fail", str(prod), "DEBUG is 'true': should be falsy")]


def test_file_without_environment_in_its_name_is_production(rules_dir: Path, project: Path):
    plain = project / ".env"
    plain.write_text("DEBUG=true\n")
    assert [s for s, _, _ in run_env_rule(rules_dir, plain)] == ["fail"]


def test_env_option_overrides_inference(rules_dir: Path, project: Path):
    dev = project / ".env.development"
    dev.write_text("DEBUG=true\n")
    assert [s for s, _, _ in run_env_rule(rules_dir, dev, env="production")] == ["fail"]
    prod = project / ".env.production"
    prod.write_text("DEBUG=true\n")
    assert run_env_rule(rules_dir, prod, env="staging") == [("skip", "-", "applies to production; inputs are staging")]


# --- inline suppressions --------------------------------------------------------------------------------


def sec001(path: Path) -> list[tuple[str, int, str | None]]:
    report = scan_paths([str(path)], select=["SEC-001"], env="production")
    return [(r.status, r.location.line, r.waiver.reason if r.waiver else None) for r in report.results]


def test_ignore_on_the_line_and_on_the_line_above(project: Path):
    env = project / ".env"
    env.write_text(
        "POSTGRES_PASSWORD=postgres  # preflight: ignore[SEC-001] rotated by vault at deploy\n"
        "# preflight: ignore[default-password] local stack only\n"
        "REDIS_PASSWORD=redis\n"
        "MYSQL_PASSWORD=root\n"
    )
    assert sec001(env) == [
        ("waived", 1, "rotated by vault at deploy"),
        ("waived", 3, "local stack only"),
        ("fail", 4, None),
    ]


def test_waiver_is_inline_and_keeps_the_finding(project: Path):
    env = project / ".env"
    env.write_text("# preflight: ignore[SEC-003, SEC-001]\nPOSTGRES_PASSWORD=postgres\n")
    (result,) = scan_paths([str(env)], select=["SEC-001"], env="production").results
    assert (result.status, result.message, result.remediation) == (
        "waived", "POSTGRES_PASSWORD is a known default or weak value", "Generate a random value (`openssl rand -base64 32`) "
        "and keep it out of git, in an env file or a secret store.",
    )
    assert dataclasses.asdict(result.waiver) == {"source": "inline", "reason": "(no reason given)", "by": None, "until": None}


def test_ignore_for_another_rule_or_two_lines_up_does_not_waive(project: Path):
    env = project / ".env"
    env.write_text(
        "# preflight: ignore[SEC-002] not this rule\n"
        "POSTGRES_PASSWORD=postgres\n"
        "# preflight: ignore[SEC-001] too far away\n"
        "\n"
        "REDIS_PASSWORD=redis\n"
    )
    assert sec001(env) == [("fail", 2, None), ("fail", 5, None)]


def test_trailing_ignore_does_not_leak_to_the_next_line(project: Path):
    env = project / ".env"
    env.write_text("POSTGRES_PASSWORD=postgres # preflight: ignore[SEC-001] dev only\nREDIS_PASSWORD=redis\n")
    assert sec001(env) == [("waived", 1, "dev only"), ("fail", 2, None)]


def test_ignore_in_a_compose_file(project: Path):
    compose = project / "compose.yaml"
    compose.write_text(
        "services:\n"
        "  db:\n"
        "    image: postgres:16\n"
        "    ports:\n"
        "      # preflight: ignore[db-port-published] bound by the host firewall, ticket OPS-12\n"
        "      - \"5432:5432\"\n"
        "      - \"6379:6379\"  # preflight: ignore[SEC-020] cache, read-only replica\n"
        "      - \"3306:3306\"\n"
    )
    report = scan_paths([str(compose)], select=["SEC-020"])
    assert [(r.status, r.location.line, r.waiver.reason if r.waiver else None) for r in report.results] == [
        ("waived", 6, "bound by the host firewall, ticket OPS-12"),
        ("waived", 7, "cache, read-only replica"),
        ("fail", 8, None),
    ]


# --- probe failures are errors, never passes -----------------------------------------------------------


@pytest.fixture()
def fake_probe(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """A probe registered only for this test: `probe: fake` runs `module.check`."""
    module = types.ModuleType("preflight_test_fake_probe", "A probe for tests.")
    module.NAME, module.TARGETS = "fake", ("env",)

    @dataclasses.dataclass
    class Params:
        __pydantic_config__ = STRICT

    module.Params = Params
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(probes.PROBES, "fake", module.__name__)
    return module


def fake_rule_scan(tmp_path: Path, project: Path) -> list[Result]:
    write_rules(tmp_path / "fake-rules", "fake", {"id": "FAK-001", "name": "fake", "severity": "medium", "probe": "fake", "with": {}})
    (project / ".env").write_text("A=1\n")
    return scan_paths([str(project)], rules=[str(tmp_path / "fake-rules")], shipped_rules=False).results


def test_probe_that_raises_is_an_error_with_reason_bug(tmp_path: Path, project: Path, fake_probe):
    def check(doc, params, context) -> Iterator[Observation]:
        raise KeyError("services")

    fake_probe.check = check
    (result,) = fake_rule_scan(tmp_path, project)
    assert (result.status, result.reason, result.target, result.message) == (
        "error", "bug", str(project / ".env"), "probe fake failed: KeyError: 'services'"
    )


def test_probe_that_raises_midway_gives_no_partial_pass(tmp_path: Path, project: Path, fake_probe):
    def check(doc, params, context) -> Iterator[Observation]:
        yield Observation(("A",), "first finding")
        raise ValueError("then it broke")

    fake_probe.check = check
    assert [(r.status, r.reason) for r in fake_rule_scan(tmp_path, project)] == [("error", "bug")]


def test_probe_error_keeps_its_reason(tmp_path: Path, project: Path, fake_probe):
    def check(doc, params, context) -> Iterator[Observation]:
        raise ProbeError("unreachable", "cannot connect to db:5432")
        yield

    fake_probe.check = check
    (result,) = fake_rule_scan(tmp_path, project)
    assert (result.status, result.reason, result.message) == ("error", "unreachable", "cannot connect to db:5432")


def test_shipped_probe_that_raises_is_an_error(project: Path, monkeypatch: pytest.MonkeyPatch):
    from checker.probes import weak_secret

    def check(doc, params, context):
        raise RuntimeError("boom")

    monkeypatch.setattr(weak_secret, "check", check)
    (project / ".env").write_text("POSTGRES_PASSWORD=q7Vn2pR9tLx4mK8sW3zY6bH1\n")
    report = scan_paths([str(project)], select=["SEC-001"], env="production")
    assert [(r.status, r.reason, r.message) for r in report.results] == [("error", "bug", "probe weak-secret failed: RuntimeError: boom")]
    assert exit_code(report, "critical") == 1
    assert report.summary.score == 0


# --- masking --------------------------------------------------------------------------------------------


def test_secret_values_never_appear_in_the_report(project: Path):
    secret = "Xk3r9Lq2Vw7z"
    (project / ".env").write_text(f"JWT_SECRET={secret}\nDATABASE_URL=postgres://app:{secret}@db.internal:5432/app\n")
    report = scan_paths([str(project)], env="production")
    short = [r for r in report.results if r.rule_id == "SEC-003"]
    assert [(r.status, r.location.line) for r in short] == [("fail", 1), ("fail", 2)]
    assert all(r.observed and secret not in r.observed for r in short)
    assert secret not in report.to_json()


# --- readiness score ------------------------------------------------------------------------------------


def result(rule_id: str, severity: str, status: str) -> Result:
    return Result(rule_id=rule_id, rule_name=rule_id.lower(), checklist="c", title="t", severity=severity, status=status, target="x")


@pytest.mark.parametrize(
    ("results", "expected"),
    [
        ([], (100, "A")),
        ([("R-001", "critical", "fail"), ("R-002", "high", "pass")], (37, "F")),  # 7 / 19
        ([("R-001", "medium", "pass"), ("R-002", "low", "fail")], (75, "C")),  # 3 / 4
        ([("R-001", "high", "pass"), ("R-002", "medium", "error")], (70, "C")),  # errors count as failures
        ([("R-001", "info", "fail")], (100, "A")),  # info weighs nothing
        ([("R-001", "high", "fail"), ("R-001", "high", "pass")], (0, "F")),  # one failing target fails the rule
        ([("R-002", "high", "skip"), ("R-003", "high", "manual")], (100, "A")),  # skip and manual: neither way
        ([("R-001", "high", "waived"), ("R-002", "high", "pass")], (50, "F")),  # accepted is not fixed
        ([("R-001", "critical", "waived"), ("R-002", "low", "pass")], (8, "F")),  # 1 / 13
        ([("PF-INPUT", "high", "error"), ("R-001", "low", "pass")], (100, "A")),
        ([(f"R-{i:03}", "low", "pass") for i in range(9)] + [("R-999", "low", "fail")], (90, "A")),
        ([(f"R-{i:03}", "low", "pass") for i in range(8)] + [("R-999", "low", "fail")], (89, "B")),
        ([(f"R-{i:03}", "low", "pass") for i in range(4)] + [("R-999", "low", "fail")], (80, "B")),
        ([(f"R-{i:03}", "low", "pass") for i in range(3)] + [("R-999", "low", "fail")], (75, "C")),
        ([("R-001", "low", "pass")] * 3 + [("R-002", "low", "fail"), ("R-003", "low", "fail")], (33, "F")),
    ],
)
def test_readiness(results: list[tuple[str, str, str]], expected: tuple[int, str]):
    assert readiness([result(*r) for r in results]) == expected


def test_score_goes_up_when_a_failure_is_fixed(rules_dir: Path, project: Path):
    env = project / ".env.production"
    env.write_text("DEBUG=true\n")
    before = scan_paths([str(env)], rules=[str(rules_dir)], shipped_rules=False)
    # ALP-002 high, BET-001 low, BET-002 critical fail; ALP-001 is info and weighs nothing
    assert (before.summary.score, before.summary.grade) == (0, "F")
    assert before.summary.failed_by_severity == {"info": 1, "high": 1, "low": 1, "critical": 1}
    assert before.summary.counts == {"alpha": {"fail": 2}, "beta": {"fail": 2}}
    env.write_text("DEBUG=true  # preflight: ignore[BET-002] demo box\n")
    waived = scan_paths([str(env)], rules=[str(rules_dir)], shipped_rules=False)
    assert (waived.summary.score, waived.summary.grade) == (0, "F")
    assert waived.summary.counts == {"alpha": {"fail": 2}, "beta": {"fail": 1, "waived": 1}}
    env.write_text("DEBUG=false\n")
    after = scan_paths([str(env)], rules=[str(rules_dir)], shipped_rules=False)
    assert (after.summary.score, after.summary.grade, after.summary.failed_by_severity) == (100, "A", {})


def test_report_round_trips_through_json(rules_dir: Path, project: Path):
    (project / ".env.production").write_text("DEBUG=true\n")
    report = scan_paths([str(project)], rules=[str(rules_dir)], shipped_rules=False)
    again = Report.from_json(report.to_json())
    assert again == report
    assert json.loads(report.to_json())["schema_version"] == "1.0"
