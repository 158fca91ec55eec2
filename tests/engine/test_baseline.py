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
    assert data["version"] == 1 and data["created"].endswith("Z")
    entries = [e for e in data["fingerprints"].values() if e["rule_id"] == "SEC-001"]
    assert len(entries) == 1
    assert entries[0]["location"].endswith("app.env:1:1")
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
