"""Deployment units: objects of one unit are never related to objects of another."""
from __future__ import annotations

from pathlib import Path

from checker.api import scan_paths
from checker.inputs.discover import discover
from checker.inputs.load import load
from checker.inputs.units import assign
from checker.probes._k8s import Objects

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "shop/web:1.2", ports: [{containerPort: 8080}]}]
"""
GUARDS = """apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec: {minAvailable: 1, selector: {matchLabels: {app: web}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Ingress]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
"""


def _tree(root: Path) -> None:
    for cluster in ("eu", "us"):
        (root / "clusters" / cluster).mkdir(parents=True)
        (root / "clusters" / cluster / "deployment.yaml").write_text(DEPLOYMENT)
    (root / "clusters/eu/guards.yaml").write_text(GUARDS)  # only eu has a PDB, a NetworkPolicy and a Service


def _by_cluster(results) -> dict[str, str]:
    return {Path(r.location.file).parent.name: r.status for r in results if r.location and r.location.file}


def test_a_deployment_is_never_satisfied_by_another_units_pdb_or_network_policy(tmp_path: Path):
    _tree(tmp_path)
    report = scan_paths([str(tmp_path)], select=["PERF-113", "SEC-160"])
    for rule in ("PERF-113", "SEC-160"):
        results = [r for r in report.results if r.rule_id == rule and r.status == "fail"]
        assert [Path(r.location.file).parent.name for r in results] == ["us"], rule


def test_services_are_looked_up_inside_the_unit(tmp_path: Path):
    _tree(tmp_path)
    documents = load(list(discover([str(tmp_path)]))).documents
    units = assign(documents)
    assert sorted(Path(u).name for u in units) == ["eu", "us"]
    objects = Objects(d for d in documents if d.kind == "k8s")
    deployments = {Path(d.path).parent.name: d for d in objects.of_kind("Deployment")}
    labels = {"app": "web"}
    assert [s.path for s in objects.services_selecting(deployments["eu"], labels)] == [str(tmp_path / "clusters/eu/guards.yaml")]
    assert objects.services_selecting(deployments["us"], labels) == []
    assert objects.near(deployments["us"], "PodDisruptionBudget") == []


def test_folders_split_by_kind_are_one_unit_and_configured_units_narrow(tmp_path: Path):
    (tmp_path / "app").mkdir()
    (tmp_path / "policies").mkdir()
    (tmp_path / "app/deployment.yaml").write_text(DEPLOYMENT)
    (tmp_path / "policies/guards.yaml").write_text(GUARDS)
    documents = load(list(discover([str(tmp_path)]))).documents
    assert set(assign(documents)) == {str(tmp_path)}
    for doc in documents:
        doc.meta.pop("unit")
    assert sorted(Path(u).name for u in assign(documents, ("app", "policies"))) == ["app", "policies"]


def test_scan_verbose_lists_the_units(tmp_path: Path):
    _tree(tmp_path)
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "checker", "scan", "-v", str(tmp_path), "-o", "/dev/null"],
                          capture_output=True, text=True, timeout=120)
    assert "deployment units: 2" in done.stderr
    assert f"{tmp_path}/clusters/us: 1 file(s), 1 k8s" in done.stderr


def test_env_files_deploy_with_the_compose_project_that_reads_them(tmp_path: Path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "compose.yaml").write_text("services:\n  app:\n    image: app:1.0\n    env_file: ../shared/app.env\n"
                                                      if name == "a" else "services:\n  app:\n    image: app:1.0\n")
        (tmp_path / name / ".env.production").write_text("SENTRY_DSN=https://k@sentry.example/1\n" if name == "a"
                                                          else "ERROR_TRACKING_ENABLED=false\n")
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "app.env").write_text("Y=1\n")
    documents = load(list(discover([str(tmp_path)]))).documents
    units = {Path(d.path).relative_to(tmp_path).as_posix(): d.meta["unit"] for d in (assign(documents) and documents)}
    a, b = f"compose:{tmp_path}/a/compose.yaml", f"compose:{tmp_path}/b/compose.yaml"
    assert units == {"a/compose.yaml": a, "a/.env.production": a, "shared/app.env": a,
                     "b/compose.yaml": b, "b/.env.production": b}
    # so project `b`'s switched-off tracker is not project `a`'s, and `a`'s DSN does not cover `b`
    report = scan_paths([str(tmp_path)], select=["MON-010"])
    assert sorted((r.status, Path(r.location.file).parent.name if r.location else None)
                  for r in report.results if r.status != "pass") == [("fail", "b")]
    assert all(Path(r.location.file).parent.name == "a" for r in report.results if r.status == "pass" and r.location)
