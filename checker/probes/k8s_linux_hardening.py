"""Linux hardening of each container: one view of seccomp, AppArmor, SELinux and dropped capabilities.

A container is hardened when at least one of these confines it, as Polaris's `linuxHardening`
check decides (its test cases are in tests/parity/polaris/):
- a seccomp profile other than `Unconfined`, on the container or inherited from the pod;
- AppArmor: the pod's `container.apparmor.security.beta.kubernetes.io/<name>` annotation, or
  `securityContext.appArmorProfile` (Kubernetes 1.30+) on the container or pod, not `Unconfined`;
- SELinux options with at least one field, on the container or the pod;
- at least one dropped capability, with `ALL` not added back.

Params: containers (which lists), message ({object}, {container}).

Fails:
    kind: Pod ... containers: [{name: app, image: "app:1.0"}]
Passes:
    kind: Pod ... containers: [{name: app, image: "app:1.0", securityContext: {seccompProfile: {type: RuntimeDefault}}}]
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Literal, Optional

from checker.inputs import kubernetes
from checker.inputs.document import Document
from checker.models import STRICT
from checker.probes.base import Context, Observation

NAME = "k8s-linux-hardening"
TARGETS = ("k8s",)
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"


@dataclass
class Params:
    __pydantic_config__ = STRICT
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
    annotations = _mapping(_mapping(_template_of(doc, pod_path).get("metadata")).get("annotations"))
    label = kubernetes.describe(doc)
    for container in kubernetes.containers(doc):
        if container.list_name not in params.containers:
            continue
        name = str(container.spec.get("name", "?"))
        own = _mapping(container.spec.get("securityContext"))
        if _hardened(own, pod_context, annotations.get(APPARMOR_ANNOTATION + name)):
            continue
        message = (params.message or "{object}: container {container} has no Linux hardening").format(
            object=label, container=name)
        yield Observation(container.path, message)


def _hardened(own: dict[str, Any], pod: dict[str, Any], apparmor_annotation: Any) -> bool:
    return (_seccomp(own, pod) or _apparmor(own, pod, apparmor_annotation) or bool(_mapping(own.get("seLinuxOptions")))
            or bool(_mapping(pod.get("seLinuxOptions"))) or _drops_capabilities(own))


def _seccomp(own: dict[str, Any], pod: dict[str, Any]) -> bool:
    """The profile in force: the container's own type when it sets one, else the pod's."""
    for context in (own, pod):
        profile = context.get("seccompProfile")
        if isinstance(profile, dict) and profile.get("type"):
            return str(profile["type"]) != "Unconfined"
    return False


def _apparmor(own: dict[str, Any], pod: dict[str, Any], annotation: Any) -> bool:
    if annotation is not None:
        return True  # Polaris accepts any value of the annotation; `unconfined` is its own finding elsewhere
    for context in (own, pod):
        profile = context.get("appArmorProfile")
        if isinstance(profile, dict) and profile.get("type"):
            return str(profile["type"]) != "Unconfined"
    return False


def _drops_capabilities(own: dict[str, Any]) -> bool:
    capabilities = _mapping(own.get("capabilities"))
    drop, add = capabilities.get("drop"), capabilities.get("add")
    adds_all = isinstance(add, list) and any(str(cap).upper() == "ALL" for cap in add)
    return isinstance(drop, list) and len(drop) > 0 and not adds_all


def _template_of(doc: Document, pod_path: tuple[Any, ...]) -> dict[str, Any]:
    """The object that carries the pod's annotations: the Pod itself, or the pod template (pod spec's parent)."""
    node: Any = doc.data
    for part in pod_path[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
