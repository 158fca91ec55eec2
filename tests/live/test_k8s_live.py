"""`preflight scan --k8s` against a Kubernetes API served by kmock (see _kmock_cluster.py for why kmock).

The objects served are the manifests in tests/live/cluster/, so a scan of the
cluster must find what a scan of those files finds.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("kmock")
pytest.importorskip("kubernetes")

import _kmock_cluster as cluster  # noqa: E402
from checker.api import scan_paths  # noqa: E402
from checker.cli import main  # noqa: E402
from checker.inputs.k8s_live import ClusterOptions  # noqa: E402
from checker.models import Report, Result  # noqa: E402
from helpers import ROOT  # noqa: E402

MANIFESTS = Path(__file__).parent / "cluster"
CONTEXT = "kmock-cluster"
SECRET_VALUES = ("Qx7vN2pR9tLx4mK8sW3z", "Sup3rS3cretPassw0rd", "tok-9f8e7d6c5b4a39281706f5e4")
OWNED_POD = {
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web-7d9c-abcde", "namespace": "shop",
                 "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d9c", "controller": True, "uid": "1"}]},
    "spec": {"containers": [{"name": "web", "image": "nginx:latest", "securityContext": {"privileged": True}}]},
}


@pytest.fixture(scope="module")
def kubeconfig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    objects = cluster.manifests(MANIFESTS) + [OWNED_POD]
    with cluster.serve(objects, forbidden=("Role",)) as url:
        yield cluster.write_kubeconfig(tmp_path_factory.mktemp("kube") / "config", url, CONTEXT, namespace="shop")


def _scan(kubeconfig: Path, **scope: object) -> Report:
    options = ClusterOptions(kubeconfig=str(kubeconfig), **scope)  # type: ignore[arg-type]
    return scan_paths([], cluster=options)


def _failures(results: list[Result]) -> set[tuple[str, str | None]]:
    return {(r.rule_id, r.location.object if r.location else None) for r in results if r.status == "fail"}


def test_cluster_scan_finds_what_the_file_scan_finds(kubeconfig: Path) -> None:
    live = _scan(kubeconfig, all_namespaces=True)
    files = scan_paths([str(MANIFESTS)])
    # SEC-113 is about Secret manifests committed with values; a live Secret's values are never read
    assert ("SEC-113", "Secret/db stringData.POSTGRES_PASSWORD") in _failures(files.results)
    expected = {f for f in _failures(files.results) if f[0] != "SEC-113"}
    assert _failures(live.results) == expected
    assert len(expected) > 20
    assert ("SEC-113", "Secret/db") in {(r.rule_id, r.location.object) for r in live.results if r.status == "pass" and r.location}


def test_locations_name_cluster_namespace_kind_and_name(kubeconfig: Path) -> None:
    report = _scan(kubeconfig, all_namespaces=True)
    (privileged,) = [r for r in report.results if r.rule_id == "SEC-100" and r.status == "fail"]
    assert privileged.location is not None
    assert (privileged.location.file, privileged.location.line) == (f"k8s://{CONTEXT}/shop/Deployment/web", None)
    assert privileged.location.object == "Deployment/web spec.template.spec.containers[0].securityContext.privileged"
    assert f"k8s://{CONTEXT}" in report.paths


def test_pods_a_controller_owns_are_judged_through_their_owner(kubeconfig: Path) -> None:
    report = _scan(kubeconfig, all_namespaces=True)
    assert not [r for r in report.results if r.location and "web-7d9c-abcde" in str(r.location.file)]


def test_namespace_scope(kubeconfig: Path) -> None:
    def namespaces(report: Report) -> set[str]:
        files = {r.location.file for r in report.results if r.location and r.location.file and r.rule_id != "PF-INPUT"}
        return {f.split("/")[3] for f in files if f.count("/") == 5}

    assert namespaces(_scan(kubeconfig, all_namespaces=True)) == {"shop", "batch"}
    assert namespaces(_scan(kubeconfig, namespace="batch")) == {"batch"}
    assert namespaces(_scan(kubeconfig)) == {"shop"}  # the context's namespace


def test_forbidden_and_missing_kinds_are_reported_and_the_scan_goes_on(kubeconfig: Path) -> None:
    report = _scan(kubeconfig, namespace="shop")
    inputs = {r.location.file: r for r in report.results if r.rule_id == "PF-INPUT" and r.location}
    forbidden = inputs[f"k8s://{CONTEXT}/shop/Role"]
    assert (forbidden.status, forbidden.reason) == ("error", "unreadable")
    assert "roles.rbac.authorization.k8s.io" in forbidden.message and "403" in forbidden.message
    assert inputs[f"k8s://{CONTEXT}/shop/PrometheusRule"].status == "skip"
    assert any(r.rule_id == "SEC-100" and r.status == "fail" for r in report.results)


def test_secret_values_never_reach_any_output(kubeconfig: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code = main(["scan", "--k8s", "--kubeconfig", str(kubeconfig), "--all-namespaces", "-v",
                 "-f", "text", "-f", "json", "-f", "sarif", "-f", "junit", "-f", "markdown", "-f", "html",
                 "--output-dir", str(out)])
    assert code == 1
    written = {p.name: p.read_text() for p in out.iterdir()}
    assert len(written) == 6
    for name, text in written.items():
        for secret in SECRET_VALUES:
            assert secret not in text, (name, secret)
    report = json.loads(written["report.json"])
    masked = [r["observed"] for r in report["results"] if r["rule_id"] == "SEC-006" and r["status"] == "fail"]
    assert masked and all("******" in m for m in masked)


def test_an_unreachable_cluster_is_an_error_result(tmp_path: Path) -> None:
    config = cluster.write_kubeconfig(tmp_path / "config", "http://127.0.0.1:9", "gone")
    report = scan_paths([], cluster=ClusterOptions(kubeconfig=str(config), timeout=2))
    (error,) = [r for r in report.results if r.rule_id == "PF-INPUT"]
    assert (error.status, error.reason) == ("error", "unreachable")
    assert error.location and error.location.file == "k8s://gone/default"
    assert "cannot reach the API server" in error.message


def test_an_unknown_context_is_a_usage_error(kubeconfig: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--k8s", "--kubeconfig", str(kubeconfig), "--context", "nope"]) == 2
    assert "--context nope" in capsys.readouterr().err


def test_scan_help_lists_k8s_and_a_plain_scan_never_imports_the_client(tmp_path: Path) -> None:
    env_file = tmp_path / "app.env"
    env_file.write_text("DEBUG=false\n")
    probe = ("import sys; from checker.cli import main; main(['scan', sys.argv[1]]); "
             "print('kubernetes' in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", probe, str(env_file)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"})
    assert done.stderr.strip().splitlines()[-1] == "False"
    helped = subprocess.run([sys.executable, "-m", "checker", "scan", "--help"], capture_output=True, text=True,
                            timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert "--k8s" in helped.stdout and "--shard" in helped.stdout


def test_api_noise_and_secret_values_are_dropped() -> None:
    from checker.inputs.k8s_live import KINDS, clean

    secret_kind = next(k for k in KINDS if k.kind == "Secret")
    item = {
        "metadata": {"name": "db", "namespace": "shop", "uid": "1", "resourceVersion": "7", "managedFields": [{"manager": "kubectl"}],
                     "annotations": {"kubectl.kubernetes.io/last-applied-configuration": '{"data": {"p": "c2VjcmV0"}}', "team": "a"}},
        "type": "Opaque", "data": {"p": "c2VjcmV0"}, "status": {},
    }
    assert clean(item, secret_kind) == {
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque", "data": {"p": ""},
        "metadata": {"name": "db", "namespace": "shop", "annotations": {"team": "a"}},
    }


def test_shards_deal_out_whole_namespaces(kubeconfig: Path) -> None:
    from checker.inputs.shard import Shard

    options = ClusterOptions(kubeconfig=str(kubeconfig), all_namespaces=True)
    shards = [scan_paths([], cluster=options, shard=Shard(index, 2)) for index in range(2)]
    whole = _scan(kubeconfig, all_namespaces=True)
    assert [sorted(s.paths) for s in shards] == [
        [f"k8s://{CONTEXT}/(cluster-scoped)", f"k8s://{CONTEXT}/shop"], [f"k8s://{CONTEXT}/batch"]]
    assert _failures(shards[0].results) | _failures(shards[1].results) == _failures(whole.results)
    assert ("SEC-113", "Secret/db") not in _failures(shards[1].results) and _failures(shards[1].results)
    forbidden = [[r for r in s.results if r.rule_id == "PF-INPUT" and r.status == "error"] for s in shards]
    assert [len(f) for f in forbidden] == [1, 0]  # the cluster-wide problems are reported once
