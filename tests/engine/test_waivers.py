"""Waivers file (`--waivers`, config `waivers:`, default .preflight/waivers.yaml) and k8s annotation waivers."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from checker.api import scan_paths
from checker.engine.waivers import apply_waivers
from checker.errors import UsageError
from tests.helpers import TODAY, preflight

BAD_ENV = "DEBUG=false\nPOSTGRES_PASSWORD=postgres\n"


def _waivers(path: Path, rule: str = "SEC-001", expires: str = "2027-01-31", target: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    target_line = f"    target: \"{target}\"\n" if target else ""
    path.write_text(
        "waivers:\n"
        f"  - rule: {rule}\n"
        f"{target_line}"
        "    justification: Staging-only password, rotated in OPS-123\n"
        "    approver: Jane Doe <jane@example.com>\n"
        f"    expires: {expires}\n",
        encoding="utf-8",
    )
    return path


def _scan(folder: Path, waivers: str | None, today: date = TODAY):
    report = scan_paths([str(folder)], select=["SEC-001"], today=today)
    return apply_waivers(report, waivers, [str(folder)], today=today)


def _sec001(report):
    return [r for r in report.results if r.rule_id == "SEC-001"]


def test_matching_waiver_waives_and_keeps_evidence(tmp_path: Path) -> None:
    (tmp_path / "app.env").write_text(BAD_ENV)
    waivers = _waivers(tmp_path / "waivers.yaml")
    before = scan_paths([str(tmp_path)], select=["SEC-001"], today=TODAY)
    assert before.summary.failed_by_severity == {"critical": 1}
    report = _scan(tmp_path, str(waivers))
    [result] = _sec001(report)
    assert result.status == "waived"
    assert result.waiver is not None
    assert (result.waiver.source, result.waiver.by, result.waiver.until) == (
        "waivers-file", "Jane Doe <jane@example.com>", "2027-01-31")
    assert "OPS-123" in result.waiver.reason
    assert result.evidence == _sec001(before)[0].evidence
    # the summary is recomputed: no failure left for the gate, but an accepted finding is not a fixed one
    assert report.summary.failed_by_severity == {}
    assert report.summary.counts["security"].get("fail", 0) == 0
    assert report.summary.counts["security"]["waived"] == 1
    assert report.summary.score == before.summary.score < 100


def test_rule_name_and_target_glob(tmp_path: Path) -> None:
    (tmp_path / "app.env").write_text(BAD_ENV)
    (tmp_path / "other.env").write_text(BAD_ENV)
    waivers = _waivers(tmp_path / "waivers.yaml", rule="default-password", target="app.env")
    results = {r.location.file: r.status for r in _sec001(_scan(tmp_path, str(waivers)))}
    assert sorted(results.values()) == ["fail", "waived"]
    assert [f for f, s in results.items() if s == "waived"][0].endswith("app.env")


def test_waiver_for_another_rule_or_target_does_nothing(tmp_path: Path) -> None:
    (tmp_path / "app.env").write_text(BAD_ENV)
    for waivers in (_waivers(tmp_path / "w1.yaml", rule="SEC-002"), _waivers(tmp_path / "w2.yaml", target="prod/*.env")):
        assert [r.status for r in _sec001(_scan(tmp_path, str(waivers)))] == ["fail"]


def test_expired_waiver_does_not_suppress_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "app.env").write_text(BAD_ENV)
    waivers = _waivers(tmp_path / "waivers.yaml", expires="2026-11-26")
    [result] = _sec001(_scan(tmp_path, str(waivers)))
    assert result.status == "fail"
    assert result.waiver is None
    assert result.message.endswith("(waiver expired on 2026-11-26)")
    assert result.evidence["waiver_expired"] == "2026-11-26"


def test_waiver_valid_on_its_expiry_day(tmp_path: Path) -> None:
    (tmp_path / "app.env").write_text(BAD_ENV)
    waivers = _waivers(tmp_path / "waivers.yaml", expires=TODAY.isoformat())
    assert [r.status for r in _sec001(_scan(tmp_path, str(waivers)))] == ["waived"]


def test_default_location_and_cli_exit_code(tmp_path: Path) -> None:
    (tmp_path / "app.env").write_text(BAD_ENV)
    assert preflight("scan", str(tmp_path), "--select", "SEC-001").returncode == 1
    _waivers(tmp_path / ".preflight" / "waivers.yaml", expires="2999-01-01")
    run = preflight("scan", str(tmp_path), "--select", "SEC-001", "-f", "json")
    assert run.returncode == 0, run.stderr
    [result] = [r for r in json.loads(run.stdout)["results"] if r["rule_id"] == "SEC-001"]
    assert result["status"] == "waived" and result["waiver"]["source"] == "waivers-file"


def test_explicit_waivers_option(tmp_path: Path) -> None:
    (tmp_path / "app.env").write_text(BAD_ENV)
    waivers = _waivers(tmp_path / "elsewhere" / "w.yaml", expires="2999-01-01")
    run = preflight("scan", str(tmp_path / "app.env"), "--select", "SEC-001", "--waivers", str(waivers))
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize(
    ("body", "line", "field"),
    [
        ("waivers:\n  - rule: SEC-001\n    justification: x\n    approver: y\n    expires: soon\n", 5, "waivers.0.expires"),
        ("waivers:\n  - rule: SEC-001\n    justification: x\n    expires: 2027-01-01\n", 2, "waivers.0.approver"),
        ("waivers:\n  - rule: SEC-001\n    justification: '  '\n    approver: y\n    expires: 2027-01-01\n", 3,
         "waivers.0.justification"),
        ("waivers:\n  - rule: SEC-001\n    justification: x\n    approver: y\n    expires: 2027-01-01\n    colour: red\n",
         6, "waivers.0.colour"),
    ],
)
def test_invalid_file_is_a_one_line_exit_2(tmp_path: Path, body: str, line: int, field: str) -> None:
    (tmp_path / "app.env").write_text(BAD_ENV)
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(body)
    with pytest.raises(UsageError) as caught:
        _scan(tmp_path, str(waivers))
    assert str(caught.value).startswith(f"{waivers}:{line}: waiver field {field}:")
    run = preflight("scan", str(tmp_path), "--waivers", str(waivers))
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and f"{waivers}:{line}: waiver field {field}" in run.stderr


def test_missing_waivers_file_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "app.env").write_text(BAD_ENV)
    run = preflight("scan", str(tmp_path), "--waivers", str(tmp_path / "nope.yaml"))
    assert run.returncode == 2 and "nope.yaml" in run.stderr


MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    preflight.dev/ignore: "SEC-002,SEC-001 staging-only credentials, rotated in OPS-12"
spec:
  template:
    spec:
      containers:
        - name: app
          image: app:1.0
          env:
            - name: POSTGRES_PASSWORD
              value: postgres
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  annotations:
    preflight.dev/ignore: "SEC-002 something else"
spec:
  template:
    spec:
      containers:
        - name: app
          image: app:1.0
          env:
            - name: POSTGRES_PASSWORD
              value: postgres
"""


def test_kubernetes_annotation_waives_only_its_object_and_rules(tmp_path: Path) -> None:
    (tmp_path / "deploy.yaml").write_text(MANIFEST)
    report = scan_paths([str(tmp_path)], select=["SEC-001"], today=TODAY)
    by_object = {r.location.object.split(" ")[0]: r for r in _sec001(report)}
    web, api = by_object["Deployment/web"], by_object["Deployment/api"]
    assert web.status == "waived"
    assert web.waiver is not None and web.waiver.source == "annotation"
    assert web.waiver.reason == "staging-only credentials, rotated in OPS-12"
    assert api.status == "fail" and api.waiver is None
    assert report.summary.counts["security"] == {"waived": 1, "fail": 1}
