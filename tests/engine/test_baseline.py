"""`preflight baseline` and `scan --baseline`: only new failures count."""
from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import preflight


def _results(run, rule: str = "SEC-001") -> list[dict]:
    return [r for r in json.loads(run.stdout)["results"] if r["rule_id"] == rule]


def test_baseline_file_shape(tmp_path: Path) -> None:
    (tmp_path / "app.env").write_text("POSTGRES_PASSWORD=postgres\n")
    out = tmp_path / "baseline.json"
    run = preflight("baseline", str(tmp_path / "app.env"), "-o", str(out))
    assert run.returncode == 0, run.stderr
    data = json.loads(out.read_text())
    assert data["version"] == 2 and data["created"].endswith("Z")
    entries = [e for e in data["fingerprints"].values() if e["rule_id"] == "SEC-001"]
    assert len(entries) == 1
    assert entries[0]["location"] == "app.env:1:1"  # relative to the scan root (no git here)
    assert "POSTGRES_PASSWORD" in entries[0]["message"]
    assert all(len(fp) == 32 for fp in data["fingerprints"])


def test_only_new_failures_count(tmp_path: Path) -> None:
    env = tmp_path / "app.env"
    env.write_text("POSTGRES_PASSWORD=postgres\n")
    baseline = tmp_path / "baseline.json"
    assert preflight("baseline", str(env), "-o", str(baseline)).returncode == 0
    # unchanged: everything is baselined
    run = preflight("scan", str(env), "--select", "SEC-001", "--baseline", str(baseline), "-f", "json")
    assert run.returncode == 0, run.stdout
    # moved down a few lines, and a new problem added
    env.write_text("# moved\nDEBUG=false\n\nPOSTGRES_PASSWORD=postgres\nMYSQL_ROOT_PASSWORD=root\n")
    run = preflight("scan", str(env), "--select", "SEC-001", "--baseline", str(baseline), "-f", "json")
    assert run.returncode == 1
    found = {r["message"].split(" ")[0]: r for r in _results(run)}
    old, new = found["POSTGRES_PASSWORD"], found["MYSQL_ROOT_PASSWORD"]
    assert old["status"] == "waived" and old["waiver"]["source"] == "baseline"
    assert old["location"]["line"] == 4
    assert new["status"] == "fail" and new["waiver"] is None
    summary = json.loads(run.stdout)["summary"]
    assert summary["counts"]["security"] == {"waived": 1, "fail": 1}
    # fix the new one: green again
    env.write_text("# moved\nDEBUG=false\n\nPOSTGRES_PASSWORD=postgres\n")
    assert preflight("scan", str(env), "--select", "SEC-001", "--baseline", str(baseline)).returncode == 0


def test_bad_baseline_is_exit_2(tmp_path: Path) -> None:
    env = tmp_path / "app.env"
    env.write_text("DEBUG=false\n")
    bad = tmp_path / "baseline.json"
    bad.write_text("{not json")
    run = preflight("scan", str(env), "--baseline", str(bad))
    assert run.returncode == 2 and f"{bad}:1:" in run.stderr
    bad.write_text('{"version": 7}')
    assert preflight("scan", str(env), "--baseline", str(bad)).returncode == 2
    assert preflight("scan", str(env), "--baseline", str(tmp_path / "missing.json")).returncode == 2


def _git_repo(root: Path) -> Path:
    (root / "deploy").mkdir(parents=True)
    (root / ".git").mkdir()  # what marks a clone's top level
    (root / "deploy" / "app.env").write_text("POSTGRES_PASSWORD=postgres\nMYSQL_ROOT_PASSWORD=root\n")
    (root / "deploy" / "docker-compose.yml").write_text(
        "services:\n  db:\n    image: postgres\n    ports: ['5432:5432']\n")
    return root


def _scan_with(baseline: Path, *paths: str, cwd: Path) -> tuple[int, dict, str]:
    run = preflight("scan", *paths, "--baseline", str(baseline), "-f", "json", cwd=cwd)
    return run.returncode, json.loads(run.stdout), run.stderr


def test_baseline_from_the_repo_root_matches_by_absolute_path_subfolder_and_another_clone(tmp_path: Path) -> None:
    repo = _git_repo(tmp_path / "clone-a")
    baseline = tmp_path / "baseline.json"
    made = preflight("baseline", "deploy", "-o", str(baseline), cwd=repo)
    assert made.returncode == 0, made.stderr
    recorded = json.loads(baseline.read_text())["fingerprints"]
    assert len(recorded) >= 3
    assert all(not e["location"].startswith(("/", "./")) for e in recorded.values())
    assert any(e["location"].startswith("deploy/app.env:") for e in recorded.values())

    other = _git_repo(tmp_path / "elsewhere" / "clone-b")
    for paths, cwd in (
        (["deploy"], repo),                           # as recorded
        ([str(repo / "deploy")], tmp_path),           # by absolute path from outside
        (["."], repo / "deploy"),                     # from the subfolder
        (["app.env", "docker-compose.yml"], repo / "deploy"),  # single files from the subfolder
        ([str(other / "deploy")], tmp_path),          # another clone location
    ):
        code, report, stderr = _scan_with(baseline, *paths, cwd=cwd)
        assert code == 0, (paths, cwd, [r for r in report["results"] if r["status"] == "fail"])
        assert report["baseline"]["matched"] == len(recorded) and report["baseline"]["unmatched"] == 0
        assert "match no finding" not in stderr


def test_baseline_entries_that_match_nothing_are_warned_about_and_counted(tmp_path: Path) -> None:
    repo = _git_repo(tmp_path / "repo")
    baseline = tmp_path / "baseline.json"
    assert preflight("baseline", "deploy", "-o", str(baseline), cwd=repo).returncode == 0
    entries = len(json.loads(baseline.read_text())["fingerprints"])
    (repo / "deploy" / "app.env").write_text("POSTGRES_PASSWORD=Vb3q9rT2xLm8Zp4wKc7yHn5sJd6fGa1e\n")  # both fixed
    code, report, stderr = _scan_with(baseline, "deploy", cwd=repo)
    assert report["baseline"]["entries"] == entries
    assert report["baseline"]["unmatched"] == 2 and report["baseline"]["matched"] == entries - 2
    assert f"2 of {entries} baseline entries match no finding" in stderr
    text = preflight("scan", "deploy", "--baseline", str(baseline), cwd=repo).stdout
    assert f"of {entries} entries matched, 2 match no finding" in text


def test_a_version_1_baseline_still_matches_the_scan_it_was_made_from(tmp_path: Path) -> None:
    from checker.engine.fingerprint import fingerprint
    from checker.api import scan_paths

    env = tmp_path / "app.env"
    env.write_text("POSTGRES_PASSWORD=postgres\n")
    report = scan_paths([str(env)], select=["SEC-001"])
    legacy = {fingerprint(r): {"rule_id": r.rule_id} for r in report.results if r.status == "fail"}
    baseline = tmp_path / "v1.json"
    baseline.write_text(json.dumps({"version": 1, "fingerprints": legacy}))
    assert preflight("scan", str(env), "--select", "SEC-001", "--baseline", str(baseline)).returncode == 0


def test_baselined_findings_still_count_in_the_score_and_a_new_critical_cannot_score_a(tmp_path: Path) -> None:
    """The issue's example: a baseline took examples/deploy from C to A, and a new critical finding still scored A."""
    import shutil

    from tests.helpers import ROOT

    deploy = tmp_path / "deploy"
    shutil.copytree(ROOT / "examples" / "deploy", deploy)
    baseline = tmp_path / "baseline.json"
    assert preflight("baseline", str(deploy), "-o", str(baseline)).returncode == 0

    def scan(*extra: str) -> tuple[int, dict]:
        run = preflight("scan", str(deploy), "-f", "json", "--fail-on", "critical", *extra)
        return run.returncode, json.loads(run.stdout)["summary"]

    _, plain = scan()
    assert plain["grade"] != "A"
    code, baselined = scan("--baseline", str(baseline))
    assert code == 0  # the gate ignores accepted findings ...
    assert (baselined["score"], baselined["grade"]) == (plain["score"], plain["grade"])  # ... the score does not
    with (deploy / ".env.production").open("a") as env:
        env.write("MYSQL_ROOT_PASSWORD=root\n")  # a new critical finding
    code, worse = scan("--baseline", str(baseline))
    assert code == 1
    assert worse["grade"] != "A" and worse["score"] <= baselined["score"]
