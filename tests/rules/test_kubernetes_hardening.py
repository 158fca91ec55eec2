"""SEC-130 Linux hardening (Polaris linuxHardening's own test cases), SEC-131 drop ALL, SEC-132 privileged ports,
and one finding per cause: SEC-110 / SEC-131 / SEC-109 say nothing more about a container SEC-130 reports."""
from __future__ import annotations

from pathlib import Path

import pytest

from checker.api import scan_paths
from helpers import ROOT, TODAY, run_rule, run_snippet

POLARIS = ROOT / "tests" / "parity" / "polaris" / "linuxHardening"


@pytest.mark.parametrize("case", sorted(POLARIS.glob("*.yaml")), ids=lambda p: p.stem)
def test_linux_hardening_agrees_with_polaris_on_its_own_test_cases(case: Path) -> None:
    statuses = {r.status for r in run_rule("SEC-130", case) if r.rule_id == "SEC-130"}
    expected = "pass" if case.name.startswith("success.") else "fail"
    assert statuses == {expected}, case.name


def test_polaris_cases_are_all_there() -> None:
    names = [p.name for p in POLARIS.glob("*.yaml")]
    assert len(names) == 15 and sum(n.startswith("success.") for n in names) == 7


POD = """apiVersion: v1
kind: Pod
metadata: {{name: web}}
spec:
  containers:
    - name: app
      image: nginx:1.27.3
{security}"""


@pytest.mark.parametrize("security, status", [
    ("      securityContext: {appArmorProfile: {type: Unconfined}}\n", "fail"),  # the 1.30 field, turned off
    ("      securityContext: {appArmorProfile: {type: Localhost, localhostProfile: web}}\n", "pass"),
    ("      securityContext: {seLinuxOptions: {level: 's0:c123,c456'}}\n", "pass"),
    ("      securityContext: {capabilities: {drop: [NET_RAW]}}\n", "pass"),  # any dropped capability, as Polaris
])
def test_linux_hardening_reads_the_newer_apparmor_field(tmp_path: Path, security: str, status: str) -> None:
    results = run_snippet("SEC-130", POD.format(security=security), "yaml", tmp_path)
    assert [r.status for r in results] == [status]


def test_one_finding_for_a_container_with_no_hardening_at_all(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(POD.format(security=""))
    report = scan_paths([str(tmp_path)], select=["SEC-109", "SEC-110", "SEC-130", "SEC-131"], today=TODAY)
    by_rule = {r.rule_id: (r.status, r.message) for r in report.results}
    assert by_rule["SEC-130"][0] == "fail"
    for narrower in ("SEC-109", "SEC-110", "SEC-131"):
        assert by_rule[narrower][0] == "skip" and "SEC-130" in (by_rule[narrower][1] or ""), narrower


def test_once_hardened_the_narrower_rules_speak_again(tmp_path: Path) -> None:
    seccomp_only = "      securityContext: {seccompProfile: {type: RuntimeDefault}}\n"
    (tmp_path / "pod.yaml").write_text(POD.format(security=seccomp_only))
    report = scan_paths([str(tmp_path)], select=["SEC-109", "SEC-110", "SEC-130", "SEC-131"], today=TODAY)
    by_rule = {r.rule_id: r.status for r in report.results}
    assert by_rule == {"SEC-130": "pass", "SEC-110": "pass", "SEC-131": "fail", "SEC-109": "skip"}


@pytest.mark.parametrize("ports, status", [("[{containerPort: 443}]", "fail"), ("[{containerPort: 8443}]", "pass"),
                                           ("[{containerPort: 8080}, {containerPort: 22}]", "fail")])
def test_privileged_ports(tmp_path: Path, ports: str, status: str) -> None:
    results = run_snippet("SEC-132", POD.format(security=f"      ports: {ports}\n"), "yaml", tmp_path)
    assert [r.status for r in results] == [status]


def test_init_containers_are_asked_for_memory_by_their_own_rule(tmp_path: Path) -> None:
    pod = ("apiVersion: v1\nkind: Pod\nmetadata: {name: api}\nspec:\n  initContainers:\n"
           "    - {name: migrate, image: \"app:1.0.0\"}\n  containers:\n"
           "    - {name: api, image: \"app:1.0.0\", resources: {requests: {memory: 64Mi}}}\n")
    (tmp_path / "pod.yaml").write_text(pod)
    report = scan_paths([str(tmp_path)], select=["PERF-101", "PERF-104"], today=TODAY)
    assert sorted((r.rule_id, r.status, r.location.line if r.location else None) for r in report.results) == [
        ("PERF-101", "pass", None), ("PERF-104", "fail", 6)]
