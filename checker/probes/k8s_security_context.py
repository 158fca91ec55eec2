"""A condition on each container's effective securityContext: the pod's, with the container's own laid over it.

Kubernetes applies the pod-level `securityContext` fields runAsUser,
runAsGroup, runAsNonRoot, seccompProfile, appArmorProfile, seLinuxOptions and
windowsOptions to every container that does not set the same field itself. So
a rule such as "runs as non-root" must look at the container first and fall
back to the pod. This probe checks every container of a workload (init and
ephemeral ones too; `containers` picks which lists) against `require`, with
paths relative to a view of the container whose `securityContext` is that
effective one. A finding about a field the container inherited points at the
pod-level line. Objects that are not workloads are not judged.

Params: require, where, containers, message ({object}, {container}, {value}).

Fails (require: {path: securityContext.runAsNonRoot, op: equals, value: true}):
    kind: Deployment ... spec: {containers: [{name: app, image: "app:1.0"}]}
Passes:
    kind: Deployment ... spec: {securityContext: {runAsNonRoot: true}, containers: [{name: app, image: "app:1.0"}]}
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Literal, Optional

from checker.inputs import kubernetes
from checker.inputs.document import Document
from checker.inputs.paths import Path
from checker.models import STRICT
from checker.probes import _ops
from checker.probes.assertion import Condition, evaluate
from checker.probes.base import Context, Observation

NAME = "k8s-security-context"
TARGETS = ("k8s",)
# PodSecurityContext fields that a container's SecurityContext overrides one by one
INHERITED = ("runAsUser", "runAsGroup", "runAsNonRoot", "seccompProfile", "appArmorProfile", "seLinuxOptions", "windowsOptions")


@dataclass
class Params:
    __pydantic_config__ = STRICT
    require: Condition
    where: Optional[Condition] = None
    containers: list[Literal["containers", "initContainers", "ephemeralContainers"]] = field(
        default_factory=lambda: ["containers", "initContainers", "ephemeralContainers"]
    )
    message: Optional[str] = None


def applies(doc: Document, params: Params) -> bool:
    return kubernetes.is_workload(doc)


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    found = kubernetes.pod_spec(doc)
    if found is None:
        return
    pod_path, pod = found
    pod_context = _mapping(pod.get("securityContext"))
    label = kubernetes.describe(doc)
    for container in kubernetes.containers(doc):
        if container.list_name not in params.containers:
            continue
        view, inherited = _effective(container.spec, pod_context)
        if params.where is not None and not evaluate(params.where, view, container.path).holds:
            continue
        verdict = evaluate(params.require, view, container.path)
        if verdict.holds:
            continue
        observed = None if verdict.value is None else _ops.text(verdict.value)
        name = str(container.spec.get("name", "?"))
        message = (params.message or "{object}: container {container} breaks the rule").format(
            object=label, container=name, value=observed
        )
        yield Observation(_located(verdict.path, container.path, pod_path, inherited), message, observed)


def _effective(spec: dict[str, Any], pod_context: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """The container with its effective securityContext, and the fields it took from the pod."""
    own = _mapping(spec.get("securityContext"))
    inherited = {key for key in INHERITED if key in pod_context and key not in own}
    merged = {key: pod_context[key] for key in inherited}
    merged.update(own)
    return {**spec, "securityContext": merged}, inherited


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _located(path: Path, container_path: Path, pod_path: Path, inherited: set[str]) -> Path:
    """Point a finding about an inherited field at the pod's securityContext, where it is written."""
    prefix = container_path + ("securityContext",)
    if path[: len(prefix)] == prefix and len(path) > len(prefix) and path[len(prefix)] in inherited:
        return pod_path + ("securityContext",) + path[len(prefix):]
    return path
