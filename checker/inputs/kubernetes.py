"""Kubernetes objects: recognise them, unwrap `List`s, and find every workload's pod spec.

A YAML document with `apiVersion` and `kind` is a Kubernetes object (kind
`k8s`); each object of a multi-document stream or of a `List` becomes its own
Document, with positions still pointing into the original file. For workloads
the pod spec is found through each kind's own path, and every container
(init and ephemeral ones too) is reachable through `containers()`. Container
`env` entries, ConfigMap `data` and Secret `stringData` / decoded `data` become settings, so the secret, URI and
debug rules that read env files read Kubernetes objects too.
"""
from __future__ import annotations

import base64
import binascii
from typing import Any, Iterator, Mapping, NamedTuple

from checker.inputs.document import Document, Position, Setting
from checker.inputs.paths import Path

POD_SPEC_PATHS: dict[str, Path] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
KNOWN_KINDS = set(POD_SPEC_PATHS) | {
    "Service", "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy", "ConfigMap", "Secret",
    "ServiceAccount", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "Namespace", "PersistentVolumeClaim",
    "PersistentVolume", "StorageClass", "LimitRange", "ResourceQuota", "PrometheusRule", "ServiceMonitor", "PodMonitor",
    "Schedule", "Backup", "Endpoints", "IngressClass", "PriorityClass",
}


class Container(NamedTuple):
    path: Path  # of the container mapping
    spec: dict[str, Any]
    list_name: str  # containers | initContainers | ephemeralContainers


def looks_like_object(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("apiVersion"), str) and isinstance(data.get("kind"), str)


def split_list(data: dict[str, Any], positions: Mapping[Path, Position]) -> list[tuple[Any, Mapping[Path, Position], Path]]:
    """A `List` object as its items, each with positions re-rooted at the item (and the prefix it had)."""
    if data.get("kind") != "List" and not str(data.get("kind", "")).endswith("List"):
        return [(data, positions, ())]
    items = data.get("items")
    if not isinstance(items, list):
        return []
    parts = []
    for index, item in enumerate(items):
        prefix: Path = ("items", index)
        subtree = getattr(positions, "subtree", None)
        rebased = subtree(prefix) if subtree else {path[2:]: where for path, where in positions.items() if path[:2] == prefix}
        parts.append((item, rebased, prefix))
    return parts


def build(doc: Document) -> None:
    """Fill in an object's settings (container env, ConfigMap data) and its meta."""
    obj = doc.data
    doc.meta["k8s_kind"] = obj.get("kind")
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    doc.meta["k8s_name"] = metadata.get("name") or metadata.get("generateName") or ""
    doc.meta["k8s_namespace"] = metadata.get("namespace")
    doc.meta["label"] = f"{obj.get('kind')}/{doc.meta['k8s_name']}"
    for container in containers(doc):
        doc.settings.extend(_env_settings(container))
    if obj.get("kind") == "ConfigMap" and isinstance(obj.get("data"), dict):
        scope = f"ConfigMap {doc.meta['k8s_name']}"
        for key, value in obj["data"].items():
            text = "" if value is None else str(value)
            doc.settings.append(Setting(str(key), text, text, ("data", key), True, scope))
    if obj.get("kind") == "Secret":
        doc.settings.extend(_secret_settings(obj, f"Secret {doc.meta['k8s_name']}"))


def _secret_settings(obj: dict[str, Any], scope: str) -> Iterator[Setting]:
    """A Secret's `stringData` as written and its `data` decoded from base64, so its values are judged by value.

    A `data` value that is not base64 of UTF-8 text (a keystore, an image) is no setting.
    """
    for field_name in ("data", "stringData"):
        entries = obj.get(field_name)
        if not isinstance(entries, dict):
            continue
        for key, value in entries.items():
            if value is None or isinstance(value, (dict, list)):
                continue
            raw = str(value)
            text = _base64_text(raw) if field_name == "data" else raw
            if text is not None:
                yield Setting(str(key), text, raw, (field_name, key), True, scope)


def _base64_text(raw: str) -> str | None:
    try:
        return base64.b64decode("".join(raw.split()), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def describe(doc: Document) -> str:
    """`Deployment/web` (and the namespace when set), for messages."""
    namespace = doc.meta.get("k8s_namespace")
    name = f"{doc.meta.get('k8s_kind')}/{doc.meta.get('k8s_name')}"
    return f"{name} in {namespace}" if namespace else name


def pod_spec(doc: Document) -> tuple[Path, dict[str, Any]] | None:
    if "_pod_spec" in doc.meta:  # asked by most Kubernetes rules, for every object
        found: tuple[Path, dict[str, Any]] | None = doc.meta["_pod_spec"]
        return found
    path = POD_SPEC_PATHS.get(str(doc.data.get("kind"))) if isinstance(doc.data, dict) else None
    node: Any = doc.data if path is not None else None
    for part in path or ():
        node = node.get(part) if isinstance(node, dict) else None
    found = doc.meta["_pod_spec"] = (path, node) if path is not None and isinstance(node, dict) else None
    return found


def is_workload(doc: Document) -> bool:
    return doc.kind == "k8s" and pod_spec(doc) is not None


def containers(doc: Document) -> Iterator[Container]:
    found = pod_spec(doc)
    if found is None:
        return
    path, spec = found
    for list_name in CONTAINER_LISTS:
        items = spec.get(list_name)
        if isinstance(items, list):
            for index, item in enumerate(items):
                if isinstance(item, dict):
                    yield Container(path + (list_name, index), item, list_name)


def _env_settings(container: Container) -> Iterator[Setting]:
    scope = f"container {container.spec.get('name', '?')}"
    env = container.spec.get("env")
    if not isinstance(env, list):
        return
    for index, entry in enumerate(env):
        if not isinstance(entry, dict) or "name" not in entry:
            continue
        has_value = "value" in entry and entry["value"] is not None
        value = str(entry.get("value", "")) if has_value else ""
        path = container.path + ("env", index, "value" if has_value else "name")
        # valueFrom (secretKeyRef, configMapKeyRef ...) is a reference, not a literal: unknown here
        yield Setting(str(entry["name"]), value, value, path, has_value, scope)
