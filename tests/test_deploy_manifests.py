"""deploy/: the fleet-scan manifests pass preflight's own scan, and the RBAC matches what --k8s lists."""
from __future__ import annotations

from typing import Any

import yaml

from checker.cli import main
from checker.inputs.k8s_live import KINDS
from helpers import ROOT

DEPLOY = ROOT / "deploy"


def _objects() -> list[dict[str, Any]]:
    return [o for f in sorted(DEPLOY.glob("*.yaml")) for o in yaml.safe_load_all(f.read_text()) if o]


def test_the_deploy_folder_passes_its_own_scan_at_fail_on_high() -> None:
    assert main(["scan", str(DEPLOY), "--fail-on", "high", "-q"]) == 0


def test_the_cluster_role_grants_get_and_list_on_exactly_the_kinds_the_scan_lists() -> None:
    (role,) = [o for o in _objects() if o["kind"] == "ClusterRole"]
    granted = set()
    for rule in role["rules"]:
        assert sorted(rule["verbs"]) == ["get", "list"]
        granted |= {(group, plural) for group in rule["apiGroups"] for plural in rule["resources"]}
    listed = {(k.api_version.rpartition("/")[0], k.plural) for k in KINDS}
    assert granted == listed


def test_each_indexed_pod_scans_its_own_shard_into_its_own_file() -> None:
    (scan,) = [o for o in _objects() if o["kind"] == "CronJob" and o["metadata"]["name"] == "preflight-scan"]
    job = scan["spec"]["jobTemplate"]["spec"]
    assert job["completionMode"] == "Indexed"
    (container,) = job["template"]["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    assert int(env["SHARDS"]["value"]) == job["completions"] == job["parallelism"]
    assert "job-completion-index" in env["SHARD"]["valueFrom"]["fieldRef"]["fieldPath"]
    command = " ".join(container["args"])
    assert '--shard "$SHARD/$SHARDS"' in command and '-o "/results/shard-$SHARD.json"' in command
    assert "@sha256:" in container["image"]


def _round_trip(obj: dict[str, Any]) -> Any:
    from kubernetes import client

    model = getattr(client, "V1" + obj["kind"]).from_dict(obj)  # drops every field the API does not know
    return client.ApiClient().sanitize_for_serialization(model)


def test_every_manifest_uses_only_fields_of_the_kubernetes_api() -> None:
    for obj in _objects():
        assert _round_trip(obj) == obj, f"{obj['kind']}/{obj['metadata']['name']}"
    misspelt = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "x"},
                "spec": {"completionMod": "Indexed", "template": {"spec": {"containers": []}}}}
    assert _round_trip(misspelt) != misspelt  # the check would catch a typo
