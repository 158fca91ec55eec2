"""Every shipped rule: its `examples:` behave as documented, and it has a failing and a passing fixture.

Fixtures live in tests/fixtures/<RULE-ID>/fail-*.<ext> and pass-*.<ext>. A
fixture named `*attestations.yaml` is an attestation file (for `project` rules).
A fail fixture must give at least one `fail` for that rule and no input error;
a pass fixture must give only `pass` (or, for attestation rules, `pass`).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from checker.engine.rules import load_rules
from helpers import FIXTURES, run_rule, run_snippet, statuses

RULES = load_rules().rules
RULE_IDS = [rule.id for rule in RULES]


def _fixtures(prefix: str) -> list[tuple[str, Path]]:
    return [(rule.id, path) for rule in RULES for path in sorted((FIXTURES / rule.id).glob(f"{prefix}-*"))]


LIVE_IDS = [rule.id for rule in RULES if "live" in rule.targets]
FILE_IDS = [rule_id for rule_id in RULE_IDS if rule_id not in LIVE_IDS]


@pytest.mark.parametrize("rule_id", LIVE_IDS)
def test_every_live_rule_is_exercised_against_a_real_server(rule_id: str) -> None:
    # a live rule's fixtures are the servers tests/live/ starts: a weak one it fails on, a sound one it passes
    sources = "".join(path.read_text(encoding="utf-8") for path in (FIXTURES.parent / "live").glob("test_*.py"))
    assert rule_id in sources, f"{rule_id} is not exercised by any test in tests/live/"


@pytest.mark.parametrize("rule_id", FILE_IDS)
def test_every_rule_has_failing_and_passing_fixtures(rule_id: str) -> None:
    folder = FIXTURES / rule_id
    assert sorted(folder.glob("fail-*")), f"{rule_id} has no fail-* fixture in {folder}"
    assert sorted(folder.glob("pass-*")), f"{rule_id} has no pass-* fixture in {folder}"


@pytest.mark.parametrize(("rule_id", "path"), _fixtures("fail"), ids=lambda v: getattr(v, "name", v))
def test_fail_fixture_fails(rule_id: str, path: Path) -> None:
    results = run_rule(rule_id, path)
    assert "error" not in statuses(results), results
    failing = [r for r in results if r.rule_id == rule_id and r.status == "fail"]
    assert failing, f"{path.name}: expected a failure of {rule_id}, got {statuses(results)}"
    for result in failing:
        assert result.message and result.remediation
        if result.location and result.location.file:
            assert result.location.line, f"{rule_id}: a file finding must name its line"


@pytest.mark.parametrize(("rule_id", "path"), _fixtures("pass"), ids=lambda v: getattr(v, "name", v))
def test_pass_fixture_passes(rule_id: str, path: Path) -> None:
    results = [r for r in run_rule(rule_id, path)]
    assert statuses(results) and set(statuses(results)) == {"pass"}, f"{path.name}: {results}"


EXAMPLES = [(r.id, r.examples, r.targets) for r in RULES if r.examples and (r.examples.fail or r.examples.pass_)]


@pytest.mark.parametrize(("rule_id", "examples", "targets"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_documented_examples_behave(rule_id: str, examples, targets, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    kind = examples.kind or targets[0]
    if examples.fail:
        got = statuses(run_snippet(rule_id, examples.fail, kind, tmp_path / "fail"))
        assert "fail" in got and "error" not in got, f"{rule_id} examples.fail gave {got}"
    if examples.pass_:
        got = statuses(run_snippet(rule_id, examples.pass_, kind, tmp_path / "pass"))
        assert got and set(got) == {"pass"}, f"{rule_id} examples.pass gave {got}"


def test_guide_checklist_lines_are_all_items() -> None:
    guide = (FIXTURES.parent.parent.parent / "shared" / "seed" / "deployment-overview.md")
    if guide.exists():
        text = guide.read_text(encoding="utf-8").split("## Deployment Checklist", 1)[1].split("\n## ", 1)[0]
        lines = [line[6:].strip() for line in text.splitlines() if line.startswith("- [ ] ")]
    else:
        lines = GUIDE_LINES
    assert len(lines) == 30
    items = {rule.item for rule in RULES}
    assert [line for line in lines if line not in items] == []


GUIDE_LINES = [
    "Change all default passwords", "Set up SSL/TLS certificates", "Configure firewall rules", "Set up API rate limiting",
    "Configure CORS properly", "Enable security headers", "Configure database indexes", "Set up Redis caching",
    "Enable gzip compression", "Configure CDN for assets", "Optimize images and static files", "Set up application monitoring",
    "Configure error tracking", "Set up log aggregation", "Configure health checks", "Set up alerts",
    "Configure database backups", "Set up file storage backup", "Document recovery process", "Test restore procedures",
    "Test all user flows", "Verify API endpoints", "Check authentication flow", "Test file uploads",
    "Verify AI model integration", "Monitor response times", "Track error rates", "Monitor resource usage",
    "Set up performance alerts", "Create dashboards",
]
