"""Kustomizations judged as `kubectl kustomize` builds them (checker/inputs/render.py), with Debian's kubectl.

Fixtures are written here: a base, and a production overlay whose patch removes the container's resources.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from checker.api import scan_paths

needs_kubectl = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (Debian kubernetes-client) missing")


def _kustomize_v3_or_later() -> bool:
    if shutil.which("kubectl") is None:
        return False
    done = subprocess.run(["kubectl", "version", "--client"], capture_output=True, text=True, timeout=30)
    found = re.search(r"Kustomize Version: v(\d+)", done.stdout)
    return bool(found) and int(found.group(1)) >= 3


needs_modern_kustomize = pytest.mark.skipif(not _kustomize_v3_or_later(),
                                            reason="kubectl's kustomize is older than v3 (Debian's kubectl 1.20 has v2.0.3)")

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27.0
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {cpu: 500m, memory: 256Mi}
"""
# `bases:` and `patchesJson6902:` (deprecated, still read by kustomize v5) so that Debian's kubectl 1.20
# (kustomize v2) builds it too; the `patches:` form is test_the_patches_form_is_located_the_same_way
OVERLAY = """namePrefix: prod-
namespace: shop
bases:
  - ../../base
patchesJson6902:
  - target: {group: apps, version: v1, kind: Deployment, name: web}
    path: no-resources.yaml
"""
NO_RESOURCES = "- op: remove\n  path: /spec/template/spec/containers/0/resources\n"
PATCHES_FORM = """namePrefix: prod-
namespace: shop
resources:
  - ../../base
patches:
  - target: {kind: Deployment, name: web}
    patch: |-
      - op: remove
        path: /spec/template/spec/containers/0/resources
"""


def tree(root: Path, overlay: str = OVERLAY, base_resources: str = "  - deployment.yaml\n") -> Path:
    (root / "base").mkdir(parents=True)
    (root / "overlays" / "prod").mkdir(parents=True)
    (root / "base" / "deployment.yaml").write_text(DEPLOYMENT)
    (root / "base" / "kustomization.yaml").write_text("resources:\n" + base_resources)
    (root / "overlays" / "prod" / "kustomization.yaml").write_text(overlay)
    (root / "overlays" / "prod" / "no-resources.yaml").write_text(NO_RESOURCES)
    return root


def located(report, *rule_ids: str) -> list[tuple[str, str, str, int | None]]:
    return sorted((r.rule_id, r.status, Path(r.location.file).relative_to(ROOT_OF[0]).as_posix(), r.location.line)
                  for r in report.results if r.rule_id in rule_ids and r.location and r.location.file)


ROOT_OF: list[Path] = []


@needs_kubectl
def test_a_patch_that_removes_resources_is_found_at_the_kustomization_once(tmp_path: Path) -> None:
    ROOT_OF[:] = [tree(tmp_path)]
    report = scan_paths([str(tmp_path)], select=["PERF-100", "PERF-113", "SEC-160", "SEC-101"])
    assert located(report, "PERF-100", "PERF-113", "SEC-160", "SEC-101") == [
        ("PERF-100", "fail", "overlays/prod/kustomization.yaml", 5),  # the patch removed the CPU request: its line
        ("PERF-113", "fail", "base/deployment.yaml", 7),              # replicas as the base wrote them
        ("SEC-101", "fail", "base/deployment.yaml", 15),              # the base's container has it too: the base's line
        ("SEC-160", "fail", "base/deployment.yaml", 12),              # the pod labels the base wrote
    ]
    (perf,) = [r for r in report.results if r.rule_id == "PERF-100"]  # once: the base file is not judged again
    assert "Deployment/prod-web in shop" in perf.message
    assert perf.location.object.startswith("Deployment/prod-web (built from ")


@needs_kubectl
def test_the_built_objects_are_one_unit_and_the_base_alone_is_not_judged(tmp_path: Path, capsys) -> None:
    ROOT_OF[:] = [tree(tmp_path)]
    report = scan_paths([str(tmp_path)], select=["PERF-100"], on_units=print)
    assert f"kustomize:{tmp_path}/overlays/prod: 1 file(s), 1 k8s" in capsys.readouterr().out
    assert [r.status for r in report.results if r.rule_id == "PERF-100"] == ["fail"]


@needs_kubectl
def test_without_the_patch_nothing_fails_and_the_base_is_still_judged_through_the_build(tmp_path: Path) -> None:
    ROOT_OF[:] = [tree(tmp_path, overlay="namePrefix: prod-\nbases:\n  - ../../base\n")]
    report = scan_paths([str(tmp_path)], select=["PERF-100"])
    assert [(r.status, r.target) for r in report.results if r.rule_id == "PERF-100"] == [
        ("pass", str(tmp_path / "base" / "deployment.yaml"))]


@needs_kubectl
@pytest.mark.parametrize("entry, why", [
    ("https://github.com/example/app//deploy?ref=v1", "remote base https://github.com/example/app//deploy?ref=v1: not fetched"),
    ("github.com/example/app/deploy", "remote base github.com/example/app/deploy: not fetched"),
])
def test_a_remote_base_is_a_skip_and_never_fetched(tmp_path: Path, entry: str, why: str) -> None:
    ROOT_OF[:] = [tree(tmp_path, overlay=f"bases:\n  - ../../base\n  - {entry}\n")]
    report = scan_paths([str(tmp_path)], select=["PERF-100"])
    skips = [r.message for r in report.results if r.rule_id == "PF-INPUT"]
    assert len(skips) == 1 and why in skips[0] and "judged as written" in skips[0]
    # the files are judged as written instead: the base Deployment keeps its resources
    assert [r.status for r in report.results if r.rule_id == "PERF-100"] == ["pass"]


@needs_kubectl
def test_a_resource_outside_the_scanned_folder_is_never_read(tmp_path: Path) -> None:
    (tmp_path / "outside.yaml").write_text(DEPLOYMENT.replace("name: web", "name: outside"))
    tree(tmp_path / "repo", base_resources="  - deployment.yaml\n  - ../../outside.yaml\n")
    report = scan_paths([str(tmp_path / "repo")], select=["PERF-100"])
    skips = [r.message for r in report.results if r.rule_id == "PF-INPUT"]
    assert any("../../outside.yaml is outside the scanned folders: not read" in m for m in skips), skips
    assert not any("outside" in (r.message or "") for r in report.results if r.rule_id == "PERF-100")


@needs_kubectl
def test_a_build_that_fails_is_an_error_and_the_files_are_judged_as_written(tmp_path: Path) -> None:
    ROOT_OF[:] = [tree(tmp_path, overlay="bases:\n  - ../../base\nresources:\n  - extra.yaml\n")]
    (tmp_path / "overlays" / "prod" / "extra.yaml").write_text("apiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n")  # no name
    report = scan_paths([str(tmp_path)], select=["PERF-100"])
    problems = [(r.status, r.message) for r in report.results if r.rule_id == "PF-INPUT"]
    assert [status for status, _ in problems] == ["error"]
    assert problems[0][1].startswith("`kubectl kustomize` failed: ") and problems[0][1].endswith("judged as written")
    assert [r.status for r in report.results if r.rule_id == "PERF-100"] == ["pass"]


def test_without_kubectl_one_skip_per_kustomization_says_how(tmp_path: Path, monkeypatch) -> None:
    ROOT_OF[:] = [tree(tmp_path)]
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    report = scan_paths([str(tmp_path)], select=["PERF-100"])
    assert [(r.status, Path(r.target).relative_to(tmp_path).as_posix(), r.message) for r in report.results
            if r.rule_id == "PF-INPUT"] == [("skip", "overlays/prod/kustomization.yaml",
                                             "kubectl or kustomize is not on PATH: the kustomization's files are judged "
                                             "as written, not as built (install kubectl: https://kubernetes.io/docs/tasks/tools/)")]


def test_without_helm_exactly_one_skip_per_chart(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    for chart in ("api", "web"):
        (tmp_path / chart / "templates").mkdir(parents=True)
        (tmp_path / chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: {chart}\nversion: 1.0.0\n")
        (tmp_path / chart / "values.yaml").write_text("replicas: 2\n")
        (tmp_path / chart / "values-prod.yaml").write_text("replicas: 3\n")
        (tmp_path / chart / "templates" / "a.yaml").write_text("kind: ConfigMap\nname: {{ .Release.Name }}\n")
    report = scan_paths([str(tmp_path)], select=["SEC-001"])
    charts = [(Path(r.target).parent.name, r.message) for r in report.results if r.target.endswith("Chart.yaml")]
    assert charts == [(c, "install helm to judge this chart: https://helm.sh/docs/intro/install/") for c in ("api", "web")]


@needs_kubectl
def test_with_worker_processes_the_build_runs_once_in_the_parent(tmp_path: Path) -> None:
    ROOT_OF[:] = [tree(tmp_path)]
    for index in range(210):  # past the 200 files from which --jobs forks workers
        (tmp_path / f"app{index}.env").write_text(f"A{index}=1\n")
    report = scan_paths([str(tmp_path)], select=["PERF-100"], jobs=2)
    assert located(report, "PERF-100") == [("PERF-100", "fail", "overlays/prod/kustomization.yaml", 5)]


@needs_modern_kustomize
def test_the_patches_form_is_located_the_same_way(tmp_path: Path) -> None:
    ROOT_OF[:] = [tree(tmp_path, overlay=PATCHES_FORM)]
    report = scan_paths([str(tmp_path)], select=["PERF-100", "PERF-113"])
    assert located(report, "PERF-100", "PERF-113") == [
        ("PERF-100", "fail", "overlays/prod/kustomization.yaml", 5), ("PERF-113", "fail", "base/deployment.yaml", 7)]


@needs_kubectl
def test_a_linked_file_that_leaves_the_tree_is_never_built(tmp_path: Path) -> None:
    (tmp_path / "secret-elsewhere.yaml").write_text(DEPLOYMENT.replace("name: web", "name: elsewhere"))
    ROOT_OF[:] = [tree(tmp_path / "repo")]
    (tmp_path / "repo" / "base" / "deployment.yaml").unlink()
    (tmp_path / "repo" / "base" / "deployment.yaml").symlink_to(tmp_path / "secret-elsewhere.yaml")
    report = scan_paths([str(tmp_path / "repo")], select=["PERF-100"])
    skips = [r.message for r in report.results if r.rule_id == "PF-INPUT"]
    assert any("deployment.yaml is outside the scanned folders: not read" in m for m in skips), skips
    assert not any("elsewhere" in (r.message or "") for r in report.results)
