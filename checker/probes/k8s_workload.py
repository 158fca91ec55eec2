"""A condition on every container (or on the pod spec) of a Kubernetes workload.

Finds the pod spec through each workload kind (Pod, Deployment, StatefulSet,
DaemonSet, ReplicaSet, Job, CronJob ...) and checks, with `scope: container`,
every container (`containers` picks which lists: containers, initContainers,
ephemeralContainers), or with `scope: pod` the pod spec itself. `require` and
`where` are conditions exactly as in the `assert` probe, with paths relative
to the container or the pod spec. Objects that are not workloads are not judged;
`kinds` narrows the workload kinds (e.g. no Job or CronJob for liveness probes).

Params: scope, require, where, containers, kinds, message ({object}, {container}, {value}).

Fails (scope: container, require: {path: securityContext.privileged, op: not_equals, value: true}):
    kind: Deployment ... containers: [{name: app, image: "app:1.0", securityContext: {privileged: true}}]
Passes:
    kind: Deployment ... containers: [{name: app, image: "app:1.0"}]
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Literal, Optional

from checker.inputs import kubernetes
from checker.inputs.document import Document
from checker.models import STRICT
from checker.probes import _ops
from checker.probes.assertion import Condition, evaluate
from checker.probes.base import Context, Observation

NAME = "k8s-workload"
TARGETS = ("k8s",)


@dataclass
class Params:
    __pydantic_config__ = STRICT
    require: Condition
    scope: Literal["container", "pod"] = "container"
    where: Optional[Condition] = None
    containers: list[Literal["containers", "initContainers", "ephemeralContainers"]] = field(
        default_factory=lambda: ["containers", "initContainers", "ephemeralContainers"]
    )
    kinds: Optional[list[str]] = None  # default: every workload kind
    message: Optional[str] = None


def applies(doc: Document, params: Params) -> bool:
    return kubernetes.is_workload(doc) and (params.kinds is None or doc.data.get("kind") in params.kinds)


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    label = kubernetes.describe(doc)
    if params.scope == "pod":
        found = kubernetes.pod_spec(doc)
        targets = [(found[0], found[1], "")] if found else []
    else:
        targets = [
            (c.path, c.spec, str(c.spec.get("name", "?"))) for c in kubernetes.containers(doc) if c.list_name in params.containers
        ]
    for path, spec, name in targets:
        if params.where is not None and not evaluate(params.where, spec, path).holds:
            continue
        verdict = evaluate(params.require, spec, path)
        if verdict.holds:
            continue
        observed = None if verdict.value is None else _ops.text(verdict.value)
        default = "{object}: container {container} breaks the rule" if name else "{object}: pod spec breaks the rule"
        message = (params.message or default).format(object=label, container=name, value=observed)
        yield Observation(verdict.path, message, observed)
