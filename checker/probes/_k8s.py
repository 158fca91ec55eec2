"""Kubernetes helpers shared by probes: label selectors, pod labels, namespaces, database workloads.

    selects(selector, labels)     a LabelSelector (matchLabels + matchExpressions) against pod labels
    selects_map(selector, labels) a Service's plain `selector:` map
    pod_labels(doc)               the labels a workload puts on its pods
    same_namespace(a, b)          objects without `metadata.namespace` may land in any namespace
    database(doc, ...)            the data store a workload runs, from images, commands and ports (_databases.py)
    Objects                       a scan's objects indexed by kind and namespace, for the cross-object checks
    of_kind, object_name, as_map, written, skip    small helpers for the cross-object checks
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

from checker.inputs import kubernetes
from checker.inputs.document import Document
from checker.inputs.paths import Path
from checker.probes.base import Observation
from checker.probes._databases import TELLING_PORTS, Database, identify, is_tool
from checker.probes._ops import text

SCALABLE = ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController")
LONG_RUNNING = SCALABLE + ("DaemonSet", "Pod")

DATABASE_PORTS = TELLING_PORTS  # the ports that name a database when image and command tell nothing


class SelectorError(ValueError):
    """A selector that is not a LabelSelector (an unknown operator, a non-list `values`)."""


def selects(selector: Any, labels: dict[str, str], empty_selects_all: bool = True) -> bool:
    """Does a LabelSelector select pods with these labels?

    All `matchLabels` pairs and all `matchExpressions` must hold. `{}` selects every pod
    (NetworkPolicy, policy/v1 PodDisruptionBudget) unless `empty_selects_all` is False
    (policy/v1beta1 PodDisruptionBudget); `null` selects nothing.
    """
    if selector is None:
        return False
    if not isinstance(selector, dict):
        raise SelectorError(f"selector is a {type(selector).__name__}, not a mapping")
    match_labels = selector.get("matchLabels") or {}
    expressions = selector.get("matchExpressions") or []
    if not match_labels and not expressions:
        return empty_selects_all
    if not isinstance(match_labels, dict) or not isinstance(expressions, list):
        raise SelectorError("matchLabels must be a mapping and matchExpressions a list")
    if any(labels.get(str(key)) != _text(value) for key, value in match_labels.items()):
        return False
    return all(_expression_holds(expression, labels) for expression in expressions)


def _expression_holds(expression: Any, labels: dict[str, str]) -> bool:
    if not isinstance(expression, dict) or "key" not in expression:
        raise SelectorError("a matchExpressions entry needs a key")
    key, operator = str(expression["key"]), str(expression.get("operator", ""))
    values = expression.get("values") or []
    if not isinstance(values, list):
        raise SelectorError(f"values of {key} must be a list")
    wanted = {_text(v) for v in values}
    if operator == "In":
        return key in labels and labels[key] in wanted
    if operator == "NotIn":
        return key not in labels or labels[key] not in wanted
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    raise SelectorError(f"unknown selector operator {operator!r} (In, NotIn, Exists, DoesNotExist)")


def selects_map(selector: Any, labels: dict[str, str]) -> bool:
    """A Service's `spec.selector` (a plain map): every pair must be on the pod; an empty map selects nothing."""
    if not isinstance(selector, dict) or not selector:
        return False
    return all(labels.get(str(key)) == _text(value) for key, value in selector.items())


def pod_labels(doc: Document) -> dict[str, str]:
    """The labels of the pods a workload creates (its template's labels; a Pod's own)."""
    found = kubernetes.pod_spec(doc)
    if found is None:
        return {}
    node: Any = doc.data
    for part in found[0][:-1] + ("metadata", "labels"):
        node = node.get(part) if isinstance(node, dict) else None
    return {str(k): _text(v) for k, v in node.items()} if isinstance(node, dict) else {}


def namespace(doc: Document) -> str | None:
    value = doc.meta.get("k8s_namespace")
    return str(value) if value else None


def same_namespace(a: Document, b: Document) -> bool:
    """True unless both objects name different namespaces: one without a namespace is applied wherever it is sent."""
    first, second = namespace(a), namespace(b)
    return first is None or second is None or first == second


def spec(doc: Document) -> dict[str, Any]:
    value = doc.data.get("spec")
    return value if isinstance(value, dict) else {}


def metadata_map(doc: Document, key: str) -> dict[str, str]:
    """`metadata.annotations` or `metadata.labels`, as text."""
    metadata = doc.data.get("metadata")
    value = metadata.get(key) if isinstance(metadata, dict) else None
    return {str(k): _text(v) for k, v in value.items()} if isinstance(value, dict) else {}


def database(doc: Document, ports: Iterable[int] | None = None, images: Iterable[str] = ()) -> Database | None:
    """The data store a workload runs (checker/probes/_databases.py), judged from its containers' images,
    commands and containerPorts together; `ports` are those that decide alone, `images` more image names."""
    containers = [c for c in kubernetes.containers(doc) if c.list_name == "containers"]
    command = "\n".join(f"{text(c.spec.get('command'))} {text(c.spec.get('args'))}" for c in containers)
    declared = [p.get("containerPort") for c in containers for p in c.spec.get("ports") or [] if isinstance(p, dict)]
    return identify([str(c.spec.get("image") or "") for c in containers], command,
                    [p for p in declared if isinstance(p, int)], extra_images=images, port_alone=ports)


def is_database(doc: Document, ports: Iterable[int] | None = None, images: Iterable[str] = ()) -> bool:
    """A workload that runs a data store (a database, cache, search engine, queue, object store or pooler)."""
    return database(doc, ports, images) is not None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


class Objects(list[Document]):
    """The Kubernetes objects of a scan, indexed by kind and namespace on first use.

    Cross-object checks ask "which Services may select this workload?" once per
    workload; answering from the objects of the workload's own namespace keeps
    a scan of 10,000 manifests linear instead of comparing every pair.
    """

    _placed: dict[tuple[str, str, str | None], list[tuple[int, Document]]] | None = None
    _kinds: dict[str, list[Document]] = {}
    _answers: dict[tuple[str, int], Any] | None = None

    def remember(self, question: str, doc: Document, answer: Callable[[], Any]) -> Any:
        """`answer()`, computed once per object for every rule that asks (the Services in front of a workload ...)."""
        if self._answers is None:
            self._answers = {}
        key = (question, id(doc))  # the objects live as long as this index
        if key not in self._answers:
            self._answers[key] = answer()
        return self._answers[key]

    def of_kind(self, *kinds: str) -> list[Document]:
        self._build()
        if not kinds:
            return list(self)
        if len(kinds) == 1:
            return self._kinds.get(kinds[0], [])
        return [doc for doc in self if doc.data.get("kind") in kinds]

    def near(self, doc: Document, *kinds: str) -> list[Document]:
        """Objects of these kinds (default: any) of `doc`'s deployment unit that `same_namespace` pairs with it,
        in input order: an object without a namespace meets every namespace of its unit."""
        space, place = namespace(doc), unit(doc)
        placed = self._build()
        spaces = (space, None) if space is not None else (ANY,)
        groups = [placed[key] for kind in kinds or ("*",) for key in ((kind, place, s) for s in spaces) if key in placed]
        if len(groups) == 1:
            return [found for _, found in groups[0]]
        return [found for _, found in sorted((item for group in groups for item in group), key=lambda item: item[0])]

    def services_selecting(self, doc: Document, labels: dict[str, str]) -> list[Document]:
        """The Services near `doc` whose `spec.selector` selects these pod labels, in input order.

        Looked up by unit, namespace and the first pair of each selector: a Service selects only
        pods that carry all its pairs, so the first one is among the pod's labels.
        """
        space, place = namespace(doc), unit(doc)
        index = self._selectors()
        found: dict[int, Document] = {}
        for key, value in labels.items():
            for where in ((space, None) if space is not None else (ANY,)):
                for position, service in index.get((place, where, key, value), ()):
                    if position not in found and selects_map(spec(service).get("selector"), labels):
                        found[position] = service
        return [found[position] for position in sorted(found)]

    _by_selector: dict[tuple[str, str | None, str, str], list[tuple[int, Document]]] | None = None

    def _selectors(self) -> dict[tuple[str, str | None, str, str], list[tuple[int, Document]]]:
        if self._by_selector is None:
            self._by_selector = {}
            for position, doc in enumerate(self):
                selector = spec(doc).get("selector") if doc.data.get("kind") == "Service" else None
                if isinstance(selector, dict) and selector:
                    key, value = next(iter(selector.items()))
                    for where in (namespace(doc), ANY):
                        self._by_selector.setdefault((unit(doc), where, str(key), _text(value)), []).append((position, doc))
        return self._by_selector

    def _build(self) -> dict[tuple[str, str, str | None], list[tuple[int, Document]]]:
        if self._placed is None:
            self._placed, self._kinds = {}, {}
            for position, doc in enumerate(self):
                kind, place, space = str(doc.data.get("kind")), unit(doc), namespace(doc)
                self._kinds.setdefault(kind, []).append(doc)
                for key in ((kind, place, space), ("*", place, space), (kind, place, ANY), ("*", place, ANY)):
                    self._placed.setdefault(key, []).append((position, doc))
        return self._placed


ANY = "\x00any namespace"  # index key: every namespace of a unit (what an object without one meets)


def unit(doc: Document) -> str:
    """The deployment unit of an object (inputs/units.py); objects of different units are never related."""
    return str(doc.meta.get("unit", ""))


def of_kind(objects: list[Document], *kinds: str) -> list[Document]:
    if isinstance(objects, Objects):
        return objects.of_kind(*kinds)
    return [d for d in objects if d.data.get("kind") in kinds]


def object_name(doc: Document) -> str:
    return str(doc.meta.get("k8s_name", ""))


def as_map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def written(doc: Document, *path: str | int) -> Path:
    """The longest part of `path` the object writes (`spec.replicas`, else `spec`), so a finding names what is there."""
    node: Any = doc.data
    found: Path = ()
    for part in path:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            break
        found = found + (part,)
    return found


def skip(what: str) -> Observation:
    return Observation((), f"no {what} in scope", status="skip")
