"""Kubernetes manifests: security-context hardening (safe); resources, probes, non-root, read-only root (unsafe).

The finding names its object as `Kind/name path` (`Deployment/web
spec.template.spec.containers[0]`); the fixer finds that object among the
file's documents (or a List's items) and asks for keys to be merged into
the container or pod spec. Values already set are never overwritten: a
container that asks for `allowPrivilegeEscalation: true` made a choice a
reviewer must undo by hand.
"""
from __future__ import annotations

import re
from typing import Any

from checker.fixes import NotOffered, Proposal, Safety, Want
from checker.fixes._yaml_edit import Append, Commented
from checker.models import Result

RULES: dict[str, Safety] = {
    "SEC-101": "safe",  # allowPrivilegeEscalation: false
    "SEC-109": "safe",  # capabilities.drop: [ALL], where nothing is added
    "SEC-110": "safe",  # seccompProfile: RuntimeDefault
    "SEC-114": "safe",  # automountServiceAccountToken: false, where the account has no bindings
    "SEC-102": "unsafe",  # runAsNonRoot: true (the image may need root)
    "SEC-103": "unsafe",  # readOnlyRootFilesystem: true + an emptyDir at /tmp (the app may write elsewhere)
    "PERF-100": "unsafe",  # resources from a default profile: sizes are guesses
    "PERF-101": "unsafe",
    "PERF-102": "unsafe",
    "PERF-103": "unsafe",
    "MON-100": "unsafe",  # a liveness probe on a guessed path and port, marked TODO
}

# the default profile for resources; a reviewer sizes them for the workload
DEFAULT_RESOURCES = {
    "PERF-100": ("requests", "cpu", "100m"),
    "PERF-101": ("requests", "memory", "128Mi"),
    "PERF-102": ("limits", "cpu", "500m"),
    "PERF-103": ("limits", "memory", "256Mi"),
}
_OBJECT = re.compile(r"^(?P<kind>[^/\s]+)/(?P<name>\S+) (?P<path>\S+)$")
_CONTAINER = re.compile(r"^(?P<pod>.*)\.(?:initContainers|containers)\[\d+\]")
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def propose(result: Result, context: Any) -> Proposal:
    location = result.location
    match = _OBJECT.match(location.object or "") if location else None
    if location is None or location.file is None or match is None:
        raise NotOffered("the finding does not name a Kubernetes object")
    docs = context.data(location.file)
    doc, prefix = _locate(docs, match["kind"], match["name"])
    container_at = _CONTAINER.match(match["path"])
    if result.rule_id == "SEC-114":
        pod_path = _steps(match["path"].removesuffix(".automountServiceAccountToken"))
        pod = _follow(docs[doc], prefix + pod_path)
        account = pod.get("serviceAccountName") or pod.get("serviceAccount") or "default"
        if account in context.bound_service_accounts():
            raise NotOffered(f"service account {account} has role bindings: it may use its token")
        return _proposal(result, location.file, [Want(doc, prefix + pod_path, {"automountServiceAccountToken": False})])
    if container_at is None:
        raise NotOffered("the finding does not point at a container")
    container_path = prefix + _steps(container_at.group(0))
    pod_path = prefix + _steps(container_at["pod"])
    container = _follow(docs[doc], container_path)
    wants = [Want(doc, container_path, _container_change(result.rule_id, container))]
    if result.rule_id == "SEC-103":
        wants += _tmp_volume(doc, pod_path, _follow(docs[doc], pod_path), container)
    return _proposal(result, location.file, wants)


def _container_change(rule_id: str, container: dict[str, Any]) -> dict[str, Any]:
    context = container.get("securityContext") or {}
    if rule_id == "SEC-101":
        return {"securityContext": {"allowPrivilegeEscalation": False}}
    if rule_id == "SEC-109":
        if (context.get("capabilities") or {}).get("add"):
            raise NotOffered("the container adds capabilities: dropping ALL would remove them")
        return {"securityContext": {"capabilities": {"drop": ["ALL"]}}}
    if rule_id == "SEC-110":
        return {"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}}
    if rule_id == "SEC-102":
        if context.get("runAsUser") == 0:
            raise NotOffered("the container asks for user 0")
        return {"securityContext": {"runAsNonRoot": True}}
    if rule_id == "SEC-103":
        change: dict[str, Any] = {"securityContext": {"readOnlyRootFilesystem": True}}
        if not any(mount.get("mountPath") == "/tmp" for mount in container.get("volumeMounts") or []):
            change["volumeMounts"] = Append([{"name": "tmp", "mountPath": "/tmp"}])
        return change
    if rule_id in DEFAULT_RESOURCES:
        group, resource, value = DEFAULT_RESOURCES[rule_id]
        other = (container.get("resources") or {}).get("limits" if group == "requests" else "requests") or {}
        # a request above its limit is rejected: where the other side is set, use its value
        return {"resources": {group: {resource: str(other.get(resource, value))}}}
    if rule_id == "MON-100":
        ports = [p.get("containerPort") for p in container.get("ports") or [] if isinstance(p, dict)]
        if not ports or not isinstance(ports[0], int):
            raise NotOffered("the container declares no port to probe")
        probe = {"httpGet": {"path": "/healthz", "port": ports[0]}, "initialDelaySeconds": 10, "periodSeconds": 10}
        return {"livenessProbe": Commented(probe, "TODO(preflight fix): path and port are guesses; check them")}
    raise NotOffered(f"no fix for {rule_id}")


def _tmp_volume(doc: int, pod_path: tuple[str | int, ...], pod: dict[str, Any], container: dict[str, Any]) -> list[Want]:
    if any(mount.get("mountPath") == "/tmp" for mount in container.get("volumeMounts") or []):
        return []
    if any(volume.get("name") == "tmp" for volume in pod.get("volumes") or []):
        raise NotOffered("the pod already has a volume named tmp")
    return [Want(doc, pod_path, {"volumes": Append([{"name": "tmp", "emptyDir": {}}])})]


def _proposal(result: Result, file: str, wants: list[Want]) -> Proposal:
    return Proposal(result.rule_id, RULES[result.rule_id], file, wants=tuple(wants))


def _locate(docs: list[Any], kind: str, name: str) -> tuple[int, tuple[str | int, ...]]:
    found: list[tuple[int, tuple[str | int, ...]]] = []
    for index, data in enumerate(docs):
        if _is(data, kind, name):
            found.append((index, ()))
        elif isinstance(data, dict) and str(data.get("kind", "")).endswith("List"):
            found += [(index, ("items", i)) for i, item in enumerate(data.get("items") or []) if _is(item, kind, name)]
    if len(found) != 1:
        raise NotOffered(f"{kind}/{name} is not one object of this file")
    return found[0]


def _is(data: Any, kind: str, name: str) -> bool:
    return isinstance(data, dict) and data.get("kind") == kind and (data.get("metadata") or {}).get("name") == name


def _steps(path: str) -> tuple[str | int, ...]:
    return tuple(int(index) if index else key for key, index in _STEP.findall(path))


def _follow(data: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            raise NotOffered(f"cannot follow {step!r}") from None
    if not isinstance(data, dict):
        raise NotOffered("the target is not a mapping")
    return data
