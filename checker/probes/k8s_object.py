"""A condition on whole Kubernetes objects of the listed kinds (default: every workload kind).

For what sits outside the pod spec (`metadata.namespace`, a ServiceAccount's
`automountServiceAccountToken`, a Secret's `data`), where `k8s-workload`
cannot look. `require` and `where` are conditions exactly as in the `assert`
probe, with paths relative to the object's root. Objects of other kinds get no
result at all, rather than a meaningless `pass`. With `secret: true` the
offending value is a secret (a Secret's data): it is masked in every output.

Params: kinds, require, where, message ({object}, {value}), secret.

Fails (kinds: [ServiceAccount], require: {path: automountServiceAccountToken, op: equals, value: false}):
    kind: ServiceAccount
    metadata: {name: web}
Passes:
    kind: ServiceAccount
    metadata: {name: web}
    automountServiceAccountToken: false
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Optional

from checker.inputs import kubernetes
from checker.inputs.document import Document
from checker.models import STRICT
from checker.probes import _ops
from checker.probes.assertion import Condition, evaluate
from checker.probes.base import Context, Observation

NAME = "k8s-object"
TARGETS = ("k8s",)


@dataclass
class Params:
    __pydantic_config__ = STRICT
    require: Condition
    kinds: list[str] = field(default_factory=lambda: list(kubernetes.POD_SPEC_PATHS))
    where: Optional[Condition] = None
    message: Optional[str] = None
    secret: bool = False

    def __post_init__(self) -> None:
        if not self.kinds:
            raise ValueError("kinds: name at least one kind")


def applies(doc: Document, params: Params) -> bool:
    return doc.kind == "k8s" and isinstance(doc.data, dict) and doc.data.get("kind") in params.kinds


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    if params.where is not None and not evaluate(params.where, doc.data, ()).holds:
        return
    verdict = evaluate(params.require, doc.data, ())
    if verdict.holds:
        return
    observed = None if verdict.value is None else _ops.text(verdict.value)
    shown = "(secret)" if params.secret else observed
    message = (params.message or "{object} breaks the rule").format(object=kubernetes.describe(doc), value=shown)
    yield Observation(verdict.path, message, observed, secret=params.secret)
