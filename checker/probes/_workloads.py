"""What runs in a project, across Kubernetes objects and compose services, for the coverage probes.

A `Workload` is one Kubernetes workload object or one compose service, with
what the monitoring and backup probes ask of it: images, pod labels and
annotations, command lines, settings and volume mounts. Only plain reading of
the parsed documents; no probe logic here.
"""
from __future__ import annotations

import os
import re
from typing import Any, Iterator, NamedTuple

from checker.inputs import kubernetes
from checker.inputs.document import Document, Setting
from checker.inputs.paths import Path
from checker.probes._databases import Database, identify
from checker.probes._ops import text

OBJECT_STORAGE = re.compile(r"^(minio|seaweedfs|garage|ceph|rook-ceph|zenko|localstack)")
LONG_RUNNING_KINDS = ("Deployment", "StatefulSet")


class Mount(NamedTuple):
    source: str  # "volume:<name>" (compose), "pvc:<namespace>/<claim>", "host:<path>", "ephemeral", "unknown:<text>"
    target: str  # mount path inside the container
    path: Path  # where the mount is written
    read_only: bool


class Workload(NamedTuple):
    doc: Document
    path: Path  # what to point at: services.<name>, or the object's metadata.name
    name: str
    source: str  # k8s | compose
    kind: str  # Deployment, StatefulSet ... or "service" for compose
    namespace: str  # "" for compose and for objects without one
    images: list[str]
    labels: dict[str, str]  # pod labels (k8s) or service labels (compose)
    annotations: dict[str, str]  # pod template and object annotations
    command: str  # command lines of every container, joined
    settings: list[Setting]
    mounts: list[Mount]
    ports: list[int]  # container ports (k8s) / ports and expose targets (compose)
    spec: dict[str, Any]  # the compose service, or the Kubernetes object

    def label(self) -> str:
        return f"service {self.name}" if self.source == "compose" else f"{self.kind}/{self.name}"


def environment_at(doc: Document, path: Path) -> str:
    """The environment of what `path` points at: in a merged compose project, that of the file that wrote it
    (a service or a port a `docker-compose.dev.yml` overlay adds is development's)."""
    of: dict[str, str] = doc.meta.get("environment_of") or {}
    return of.get(doc.source(path), doc.environment) if of else doc.environment


def in_environments(doc: Document, path: Path, environments: tuple[str, ...] | None) -> bool:
    return environments is None or environment_at(doc, path) in environments


def image_path(workload: "Workload") -> Path:
    """Where a compose service's image is written (the last file of a merged project that set it), else the
    workload's own path: what to judge its environment by, and to point at for "this service lacks ..."."""
    if workload.source == "compose" and "image" in workload.spec:
        return workload.path + ("image",)
    return workload.path


def image_name(image: str) -> str:
    """`registry.example.com/team/mongo:7@sha256:..` -> `mongo`."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[0].lower()


def engine(workload: Workload) -> str | None:
    """The database engine a workload runs (one that holds data: not a queue, pooler or object store), or None.

    Decided by checker/probes/_databases.py from images, command and ports together.
    """
    found = data_store(workload)
    return found.engine if found is not None and found.holds_data() else None


def data_store(workload: Workload) -> Database | None:
    """Any data store a workload runs: database, cache, search, queue, object storage or pooler."""
    return identify(workload.images, workload.command, workload.ports)


def is_object_storage(workload: Workload) -> bool:
    return any(OBJECT_STORAGE.match(image_name(image)) for image in workload.images)


def persistent(mount: Mount) -> bool:
    return not mount.source.startswith("ephemeral")


class Scope(list[Document]):
    """The documents a whole-deployment rule looks at, with their workloads found once for every such rule."""

    found: list[Workload] | None = None


def in_scope(project: Document, environments: tuple[str, ...] | None) -> Scope:
    """The scan's documents in these environments (all: None), the same list for every rule that asks."""
    key = f"scope {environments}"
    scope: Scope | None = project.meta.get(key)
    if scope is None:
        documents = project.data.get("documents", [])
        scope = project.meta[key] = Scope(d for d in documents if environments is None or d.environment in environments)
    return scope


def workloads(documents: list[Document]) -> Iterator[Workload]:
    if not isinstance(documents, Scope):
        return _find(documents)
    if documents.found is None:
        documents.found = list(_find(documents))
    return iter(documents.found)


def _find(documents: list[Document]) -> Iterator[Workload]:
    env_files = {os.path.normpath(d.path): d for d in documents if d.kind == "env"}
    for doc in documents:
        if doc.kind == "k8s" and kubernetes.is_workload(doc):
            # built once per object: a dozen rules read the workloads of every scan
            found = doc.meta.get("_workload")
            if found is None:
                found = doc.meta["_workload"] = _k8s(doc)
            yield found
        elif doc.kind == "compose" and isinstance(doc.data, dict) and isinstance(doc.data.get("services"), dict):
            for name, service in doc.data["services"].items():
                if isinstance(service, dict) and ("image" in service or "build" in service):
                    yield _compose(doc, str(name), service, _env_file_settings(doc, service, env_files))


def _env_file_settings(doc: Document, service: dict[str, Any], env_files: dict[str, Document]) -> list[Setting]:
    """Settings of the env files a compose service names (`env_file:`), when they were scanned too."""
    entries = service.get("env_file")
    found: list[Setting] = []
    for entry in entries if isinstance(entries, list) else [entries] if entries else []:
        name = entry.get("path") if isinstance(entry, dict) else entry
        source = env_files.get(os.path.normpath(os.path.join(os.path.dirname(doc.path), str(name))))
        found.extend(source.settings if source else [])
    return found


def _k8s(doc: Document) -> Workload:
    obj = doc.data
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    found = kubernetes.pod_spec(doc)
    pod_path, pod = found if found else ((), {})
    template_meta: Any = metadata if obj.get("kind") == "Pod" else _at(obj, pod_path[:-1] + ("metadata",))
    template_meta = template_meta if isinstance(template_meta, dict) else {}
    namespace = str(metadata.get("namespace") or "")
    containers = list(kubernetes.containers(doc))
    volumes = {str(v.get("name")): v for v in pod.get("volumes") or [] if isinstance(v, dict)}
    templates = {
        str(t.get("metadata", {}).get("name")) for t in (obj.get("spec") or {}).get("volumeClaimTemplates") or []
        if isinstance(t, dict) and isinstance(t.get("metadata"), dict)
    } if isinstance(obj.get("spec"), dict) else set()
    mounts = []
    for container in containers:
        for index, mount in enumerate(container.spec.get("volumeMounts") or []):
            if isinstance(mount, dict):
                source = _k8s_source(str(mount.get("name")), volumes, templates, namespace, str(metadata.get("name", "")))
                mounts.append(Mount(source, str(mount.get("mountPath", "")), container.path + ("volumeMounts", index),
                                    bool(mount.get("readOnly"))))
    ports = [
        int(p["containerPort"]) for c in containers for p in c.spec.get("ports") or []
        if isinstance(p, dict) and isinstance(p.get("containerPort"), int)
    ]
    return Workload(
        doc, ("metadata", "name") if "name" in metadata else (), str(metadata.get("name", "")), "k8s",
        str(obj.get("kind")), namespace,
        [str(c.spec.get("image", "")) for c in containers if c.spec.get("image")],
        _strings(template_meta.get("labels")), {**_strings(metadata.get("annotations")), **_strings(template_meta.get("annotations"))},
        "\n".join(text(c.spec.get("command")) + " " + text(c.spec.get("args")) for c in containers),
        list(doc.settings), mounts, ports, obj,
    )


def _k8s_source(name: str, volumes: dict[str, Any], templates: set[str], namespace: str, owner: str) -> str:
    volume = volumes.get(name)
    if volume is None:
        return f"pvc:{namespace}/{name}-{owner}" if name in templates else f"unknown:{name}"
    if isinstance(volume.get("persistentVolumeClaim"), dict):
        return f"pvc:{namespace}/{volume['persistentVolumeClaim'].get('claimName')}"
    if isinstance(volume.get("hostPath"), dict):
        return f"host:{volume['hostPath'].get('path')}"
    if any(key in volume for key in ("nfs", "cephfs", "csi", "awsElasticBlockStore", "gcePersistentDisk", "azureDisk", "cinder")):
        return f"volume:{name}"
    return f"ephemeral:{name}"  # emptyDir, configMap, secret, projected, downwardAPI


def _compose(doc: Document, name: str, service: dict[str, Any], env_file: list[Setting]) -> Workload:
    base: Path = ("services", name)
    mounts = []
    volumes = service.get("volumes")
    for index, entry in enumerate(volumes if isinstance(volumes, list) else []):
        mount = _compose_mount(entry, base + ("volumes", index))
        if mount:
            mounts.append(mount)
    ports = []
    for entry in [p for key in ("ports", "expose") if isinstance(service.get(key), list) for p in service[key]]:
        target = entry.get("target") if isinstance(entry, dict) else str(entry).split("/")[0].rsplit(":", 1)[-1]
        if str(target).isdigit():
            ports.append(int(str(target)))
    scope = f"service {name}"
    return Workload(
        doc, base, name, "compose", "service", "", [str(service["image"])] if service.get("image") else [],
        _labels(service.get("labels")), {}, text(service.get("entrypoint")) + " " + text(service.get("command")),
        env_file + _settings_by_scope(doc).get(scope, []), mounts, ports, service,
    )


def _settings_by_scope(doc: Document) -> dict[str, list[Setting]]:
    """The file's settings grouped by service, once per file (a scan per service is quadratic in services)."""
    index: dict[str, list[Setting]] | None = doc.meta.get("_settings_by_scope")
    if index is None:
        index = {}
        for setting in doc.settings:
            index.setdefault(setting.scope, []).append(setting)
        doc.meta["_settings_by_scope"] = index
    return index


def _compose_mount(entry: Any, path: Path) -> Mount | None:
    if isinstance(entry, dict):
        kind, source, target = entry.get("type", "volume"), str(entry.get("source") or ""), str(entry.get("target") or "")
        read_only = bool(entry.get("read_only"))
        if kind == "tmpfs":
            return Mount("ephemeral:tmpfs", target, path, read_only)
    else:
        parts = str(entry).split(":")
        if len(parts) == 1:
            return Mount("ephemeral:anonymous", parts[0], path, False)
        source, target = parts[0], parts[1]
        read_only = len(parts) > 2 and "ro" in parts[2].split(",")
    if not source:
        return Mount(f"unknown:{target}", target, path, read_only)
    if source.startswith((".", "/", "~", "$")):
        return Mount(f"host:{source}", target, path, read_only)
    return Mount(f"volume:{source}", target, path, read_only)


def _labels(value: Any) -> dict[str, str]:
    if isinstance(value, list):
        pairs = (str(item).partition("=") for item in value)
        return {key: label for key, _, label in pairs}
    return _strings(value)


def _strings(value: Any) -> dict[str, str]:
    return {str(k): text(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _at(data: Any, path: Path) -> Any:
    for part in path:
        data = data.get(part) if isinstance(data, dict) else None
    return data
