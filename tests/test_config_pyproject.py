"""`[tool.preflight]` in pyproject.toml, the `waivers` / `baseline` keys, and `preflight init`."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.config import load_config
from checker.errors import UsageError
from tests.helpers import ROOT, preflight as _preflight

PYTHONPATH = {"PYTHONPATH": str(ROOT)}  # run from another folder: checker still importable


def preflight(*args: str, cwd: Path):
    return _preflight(*args, cwd=cwd, env=PYTHONPATH)

BAD_ENV = "POSTGRES_PASSWORD=postgres\nDEBUG=false\n"


def test_pyproject_used_without_preflight_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.preflight]\nskip = ["SEC-005"]\nfail_on = "high"\n'
        'waivers = "ops/waivers.yaml"\nbaseline = "ops/baseline.json"\n'
    )
    monkeypatch.chdir(tmp_path)
    config = load_config(None)
    assert config.skip == ["SEC-005"] and config.fail_on == "high"
    assert config.waivers == "ops/waivers.yaml" and config.baseline == "ops/baseline.json"


def test_preflight_yaml_wins_over_pyproject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.preflight]\nfail_on = "high"\n')
    (tmp_path / ".preflight.yaml").write_text("fail_on: low\n")
    monkeypatch.chdir(tmp_path)
    assert load_config(None).fail_on == "low"


def test_pyproject_without_table_is_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    monkeypatch.chdir(tmp_path)
    assert load_config(None).fail_on == "info"
    with pytest.raises(UsageError, match="no \\[tool.preflight\\] table"):
        load_config(str(tmp_path / "pyproject.toml"))


def test_pyproject_errors_name_file_line_and_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\nname = "x"\n\n[tool.preflight]\nskip = ["SEC-005"]\nfail_on = "urgent"\n')
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError) as caught:
        load_config(None)
    assert str(caught.value).startswith("pyproject.toml:6: config field fail_on:")
    path.write_text('[tool.preflight]\ncolour = "red"\n')
    with pytest.raises(UsageError, match="pyproject.toml:2: config field colour: unknown field"):
        load_config(None)
    path.write_text('[tool.preflight\n')
    run = preflight("scan", ".", cwd=tmp_path)
    assert run.returncode == 2 and "pyproject.toml:1:" in run.stderr


def test_config_waivers_and_baseline_are_used_by_scan(tmp_path: Path) -> None:
    (tmp_path / "app.env").write_text(BAD_ENV)
    ops = tmp_path / "ops"
    ops.mkdir()
    (ops / "waivers.yaml").write_text(
        "waivers:\n  - rule: SEC-001\n    justification: j\n    approver: a\n    expires: 2999-01-01\n"
    )
    (tmp_path / "pyproject.toml").write_text('[tool.preflight]\nwaivers = "ops/waivers.yaml"\n')
    run = preflight("scan", "app.env", "--select", "SEC-001", "-f", "json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    [result] = [r for r in json.loads(run.stdout)["results"] if r["rule_id"] == "SEC-001"]
    assert result["waiver"]["source"] == "waivers-file"

    (tmp_path / "pyproject.toml").write_text('[tool.preflight]\nbaseline = "ops/baseline.json"\n')
    missing = preflight("scan", "app.env", "--select", "SEC-001", cwd=tmp_path)
    assert missing.returncode == 2 and "ops/baseline.json: baseline file not found" in missing.stderr
    assert preflight("baseline", "app.env", "-o", "ops/baseline.json", cwd=tmp_path).returncode == 0
    assert preflight("scan", "app.env", "--select", "SEC-001", cwd=tmp_path).returncode == 0


def test_init_writes_a_valid_starter_and_refuses_to_overwrite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = preflight("init", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    text = (tmp_path / ".preflight.yaml").read_text()
    assert text.startswith("#") and "waivers" in text and "baseline" in text
    monkeypatch.chdir(tmp_path)
    config = load_config(None)
    assert config.fail_on == "info" and config.rules == []
    (tmp_path / ".preflight.yaml").write_text("fail_on: high\n")
    again = preflight("init", cwd=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr
    assert (tmp_path / ".preflight.yaml").read_text() == "fail_on: high\n"
