"""The database servers of a scan as the database-auth probe judges them: one per compose service or container.

A `Server` says what one data store is started with, whatever wrote it: the image, the command line
(entrypoint + command, or command + args), the environment it gets, the config files it mounts and
how far it is reachable. What is a data store is decided by `_databases.identify()` from the image and
the command, never from a port alone: an auth rule needs to know which server's settings to read.

    servers(project, environments)  -> every Server of the scan
    server.setting(*keys)           -> the last Setting of one of these env keys, or None
    server.config(path)             -> (Document, text) of the file the server reads at `path`, None when not seen

Config files: a compose bind mount (`./redis.conf:/usr/local/etc/redis/redis.conf`, or a folder mount
holding it) is read from the scanned tree, never outside the scan roots; a Kubernetes configMap or
secret volume is read from the ConfigMap (`data`) or Secret (`stringData`) of the same unit.

Exposure: compose `ports:` published on a non-loopback address, or `network_mode: host`; a
Kubernetes Service of type LoadBalancer/NodePort (or with externalIPs) selecting the pods, or
`hostNetwork: true`. Otherwise only the compose network or the cluster reaches the server.
"""
from __future__ import annotations

import os
import posixpath
from pathlib import Path as FilePath
from typing import Any, Iterator, NamedTuple

from checker.errors import InputError
from checker.inputs import kubernetes
from checker.inputs.document import Document, Setting
from checker.inputs.paths import Path
from checker.probes import _k8s
from checker.probes._databases import Database, identify, starts_server
from checker.probes._k8s_network import exposure as service_exposure
from checker.probes._ops import text
from checker.probes._workloads import in_scope
from checker.probes.published_port import LOOPBACK, parse_port

MAX_CONFIG_CHARS = 512 * 1024


class Mount(NamedTuple):
    target: str  # the path inside the container
    source: str  # compose: the host path as written; k8s: "configmap:<name>" / "secret:<name>"
    sub_path: str  # k8s subPath ("" when none)
    items: dict[str, str]  # k8s volume items: path in the volume -> key


class Server(NamedTuple):
    doc: Document
    path: Path  # the image line: what a finding about the server as a whole points at
    label: str  # "service redis", "StatefulSet/redis container redis"
    store: Database
    image: str
    command: str  # entrypoint/command/args, joined
    command_path: Path  # where the command is written (the image line when none)
    unknown_command: bool  # part of the command came from an unset ${VAR}
    settings: list[Setting]
    unknown_env: bool  # env comes from a file or a ConfigMap/Secret the scan does not hold
    mounts: list[Mount]
    exposure: str | None  # "port 6379 published on all interfaces", "Service/redis (type LoadBalancer)", None: internal
    objects: _k8s.Objects | None

    def setting(self, *keys: str) -> Setting | None:
        wanted = {k.upper() for k in keys}
        found = [s for s in self.settings if s.key.upper() in wanted]
        return found[-1] if found else None

    def config(self, inside: str) -> tuple[Document, str] | None:
        """The file the server reads at `inside` (a path in the container), when the scan can read it."""
        for mount in sorted(self.mounts, key=lambda m: -len(m.target)):
            target = mount.target.rstrip("/") or "/"
            if inside != target and not inside.startswith(target + "/"):
                continue
            rest = inside[len(target):].lstrip("/")
            if self.objects is not None:
                return _from_object(self, mount, rest)
            return _from_host(self.doc, mount.source, rest)
        return None

    def mounted(self, *names: str) -> list[str]:
        """Container paths of mounted files with one of these base names (`pg_hba.conf`)."""
        return [m.target for m in self.mounts if posixpath.basename(m.target.rstrip("/")) in names]


def servers(project: Document, environments: tuple[str, ...] | None) -> Iterator[Server]:
    documents = in_scope(project, environments)
    key = f"k8s-objects {environments}"  # the index k8s-relations builds, shared
    objects = project.meta.get(key)
    if objects is None:
        objects = project.meta[key] = _k8s.Objects(d for d in documents if d.kind == "k8s")
    loaded = {os.path.normpath(d.path): d for d in documents if d.kind == "env"}
    for doc in documents:
        if doc.kind == "compose" and isinstance(doc.data, dict) and isinstance(doc.data.get("services"), dict):
            for name, service in doc.data["services"].items():
                if isinstance(service, dict) and service.get("image"):
                    found = _compose(doc, str(name), service, loaded)
                    if found:
                        yield found
        elif doc.kind == "k8s" and kubernetes.is_workload(doc):
            yield from _k8s_servers(doc, objects)


def _compose(doc: Document, name: str, service: dict[str, Any], loaded: dict[str, Document]) -> Server | None:
    image = str(service["image"])
    command = f"{text(service.get('entrypoint'))} {text(service.get('command'))}".strip()
    store = identify([image], command)
    if store is None or store.confidence != "high" or not starts_server(store, command):
        return None  # a port alone tells no engine's settings; `mongo:7` running mongodump is a job, not a server
    base: Path = ("services", name)
    unset = {tuple(p) for _, p, _ in doc.unset_variables} | set(doc.meta.get("unknown_paths", set()))
    unknown_command = any(p[:3] in (base + ("command",), base + ("entrypoint",)) for p in unset)
    folder = os.path.dirname(doc.path)
    env_files = service.get("env_file")
    named = [e.get("path") if isinstance(e, dict) else e for e in (env_files if isinstance(env_files, list) else [env_files] if env_files else [])]
    files = [os.path.normpath(os.path.join(folder, str(n))) for n in named]
    unknown_env = any(f not in loaded for f in files)
    settings = [s for f in files if f in loaded for s in loaded[f].settings]  # the service's own environment wins
    settings += [s for s in doc.settings if s.scope == f"service {name}"]
    mounts = []
    for entry in service.get("volumes") or []:
        if isinstance(entry, dict) and entry.get("type", "volume") == "bind":
            mounts.append(Mount(str(entry.get("target") or ""), str(entry.get("source") or ""), "", {}))
        elif isinstance(entry, str) and ":" in entry and entry.startswith((".", "/", "~")):
            parts = entry.split(":")
            mounts.append(Mount(parts[1], parts[0], "", {}))
    exposure = "it runs on the host network" if service.get("network_mode") == "host" else None
    for entry in service.get("ports") or []:
        binding = parse_port(entry)
        if exposure is None and binding is not None and binding.host_ip not in LOOPBACK:
            exposure = f"port {binding.container_ports[0]} is published on {binding.host_ip or 'all interfaces'}"
    command_path = next((base + (k,) for k in ("command", "entrypoint") if k in service), base + ("image",))
    return Server(doc, base + ("image",), f"service {name}", store, image, command, command_path, unknown_command,
                  settings, unknown_env, mounts, exposure, None)


def _k8s_servers(doc: Document, objects: _k8s.Objects) -> Iterator[Server]:
    found = kubernetes.pod_spec(doc)
    assert found is not None
    pod_path, pod = found
    volumes = {str(v.get("name")): v for v in pod.get("volumes") or [] if isinstance(v, dict)}
    exposure = "its pods run on the host network" if pod.get("hostNetwork") is True else None
    if exposure is None:
        exposed = [s for s in objects.services_selecting(doc, _k8s.pod_labels(doc)) if service_exposure(s)]
        exposure = f"{kubernetes.describe(exposed[0])} ({service_exposure(exposed[0])}) selects it" if exposed else None
    for container in kubernetes.containers(doc):
        if container.list_name != "containers":
            continue
        spec = container.spec
        image = str(spec.get("image") or "")
        command = f"{text(spec.get('command'))} {text(spec.get('args'))}".strip()
        store = identify([image], command)
        if store is None or store.confidence != "high" or not starts_server(store, command):
            continue
        name = str(spec.get("name", "?"))
        settings = [s for s in doc.settings if s.scope == f"container {name}"]
        unknown_env = False
        for source in spec.get("envFrom") or []:
            more = _env_from(doc, objects, source)
            unknown_env = unknown_env or more is None
            settings = (more or []) + settings
        mounts = []
        for mount in spec.get("volumeMounts") or []:
            if not isinstance(mount, dict):
                continue
            volume = volumes.get(str(mount.get("name")), {})
            ref = volume.get("configMap") or volume.get("secret")
            if isinstance(ref, dict):
                kind = "configmap" if "configMap" in volume else "secret"
                items = {str(i.get("path")): str(i.get("key")) for i in ref.get("items") or [] if isinstance(i, dict)}
                mounts.append(Mount(str(mount.get("mountPath", "")), f"{kind}:{ref.get('name') or ref.get('secretName')}",
                                    str(mount.get("subPath") or ""), items))
        path = container.path + ("image",)
        command_path = next((container.path + (k,) for k in ("args", "command") if k in spec), path)
        yield Server(doc, path, f"{kubernetes.describe(doc)} container {name}", store, image, command, command_path,
                     False, settings, unknown_env, mounts, exposure, objects)


def _env_from(doc: Document, objects: _k8s.Objects, source: Any) -> list[Setting] | None:
    """The settings an `envFrom` entry brings, from a ConfigMap or Secret in the unit; None when it is not there."""
    if not isinstance(source, dict):
        return None
    ref = source.get("configMapRef") or source.get("secretRef")
    target = _object(doc, objects, "ConfigMap" if "configMapRef" in source else "Secret", ref.get("name") if isinstance(ref, dict) else None)
    if target is None:
        return None
    prefix = str(source.get("prefix") or "")
    scope_settings = list(target.settings)
    if scope_settings:
        return [s._replace(key=prefix + s.key) for s in scope_settings]
    data = {**_k8s.as_map(target.data.get("data")), **_k8s.as_map(target.data.get("stringData"))}
    secret = target.data.get("kind") == "Secret"
    return [Setting(prefix + str(k), "" if secret else text(v), "", ("data", str(k)), not secret, "") for k, v in data.items()]


def _object(doc: Document, objects: _k8s.Objects, kind: str, name: Any) -> Document | None:
    if not name:
        return None
    return next((o for o in objects.near(doc, kind) if _k8s.object_name(o) == str(name)), None)


def _from_object(server: Server, mount: Mount, rest: str) -> tuple[Document, str] | None:
    kind, _, name = mount.source.partition(":")
    assert server.objects is not None
    target = _object(server.doc, server.objects, "ConfigMap" if kind == "configmap" else "Secret", name)
    if target is None:
        return None
    key = mount.sub_path if mount.sub_path and not rest else mount.items.get(rest, rest)
    path: Path
    if kind == "configmap":
        value, path = _k8s.as_map(target.data.get("data")).get(key), ("data", key)
    else:  # a Secret's data (base64) and stringData, as the loader decoded them
        found = next((s for s in reversed(target.settings) if s.key == key), None)
        value, path = (found.value, found.path) if found else (None, ())
    if not isinstance(value, str):
        return None
    where = Document(target.path, "conf", {}, {}, target.environment, target.text)
    line = (target.position(path) or (1, 1))[0]
    where.meta["offset"] = line  # the value starts on the line after its key (a `|` block)
    return where, value


def _from_host(doc: Document, source: str, rest: str) -> tuple[Document, str] | None:
    if source.startswith("~") or not doc.meta.get("folder"):
        return None
    host = FilePath(doc.meta["folder"]) / source / rest if rest else FilePath(doc.meta["folder"]) / source
    from checker.inputs.load import read_text

    try:
        if not host.is_file():
            return None
        content = read_text(host, tuple(doc.meta.get("readable") or ()))
    except (InputError, OSError):
        return None
    if len(content) > MAX_CONFIG_CHARS:
        return None
    shown = os.path.normpath(os.path.join(os.path.dirname(doc.path), source, rest))
    where = Document(shown, "conf", {}, {}, doc.environment, content)
    where.meta["offset"] = 0
    return where, content


def line_of(where: Document, line: int) -> Document:
    """The config document positioned at `line` of its file text (1-based), for a finding."""
    located = Document(where.path, where.kind, {}, {(): (line + int(where.meta.get("offset", 0)), 1)}, where.environment, where.text)
    return located
