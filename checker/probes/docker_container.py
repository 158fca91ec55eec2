"""How a running container was started, read from its `docker inspect` object.

Reads documents of kind `docker` (live containers from `--docker`, or a saved
`docker inspect` file). `check` picks one question:
  privileged     HostConfig.Privileged is true
  database-port  a data store's port published on every interface (HostIp empty, 0.0.0.0
                 or ::, in HostConfig.PortBindings or NetworkSettings.Ports), or a data store
                 on the host's network namespace; what is a data store is decided from image,
                 command and ports together (checker/probes/_databases.py); a port alone
                 (`ports`) decides only for an unknown image, at lower confidence
  healthcheck    no Config.Healthcheck (or `NONE`), or State.Health.Status `unhealthy`
  restart-policy HostConfig.RestartPolicy.Name empty or `no` (`--rm` one-off containers are not judged)
  image-tag      Config.Image without a tag, or with a floating one (`latest` ...); digests and
                 image ids pass
  engine-socket  a mount of the Docker / Podman / containerd / CRI-O socket, or of /run itself
                 (by host path or by the path it is mounted at)
  root-user      Config.User empty (the image default: root, unless the image set USER, which
                 Docker copies into Config.User), `0`, `root`, `0:...` or `root:...`

Params: check, ports, allowed_hosts, database_images, floating_tags.

Fails (check: privileged):  [{"Id": "8158253d92d4", "Name": "/db", "Config": {}, "HostConfig": {"Privileged": true}}]
Passes:                     [{"Id": "8158253d92d4", "Name": "/db", "Config": {}, "HostConfig": {"Privileged": false}}]
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Literal

from checker.inputs.document import Document
from checker.inputs.paths import Path
from checker.models import STRICT
from checker.probes._databases import TELLING_PORTS, Database, describe, identify
from checker.probes._ops import text
from checker.probes.base import Context, Observation
from checker.probes.image_pinned import FLOATING_TAGS, split_image
from checker.probes.published_port import LOOPBACK

NAME = "docker-container"
TARGETS = ("docker",)

Check = Literal["privileged", "database-port", "healthcheck", "restart-policy", "image-tag", "engine-socket", "root-user"]
_ENGINE_SOCKET = re.compile(r"(^|/)(docker|podman|containerd|crio|cri-dockerd|dockershim)\.sock$")
_RUN_DIRS = ("/run", "/var/run", "/run/docker", "/var/run/docker", "/run/containerd", "/run/podman")
_ROOT_USERS = ("", "0", "root")


@dataclass
class Params:
    __pydantic_config__ = STRICT
    check: Check
    ports: list[int] = field(default_factory=lambda: list(TELLING_PORTS))  # decide alone when image and command tell nothing
    allowed_hosts: list[str] = field(default_factory=lambda: list(LOOPBACK))
    database_images: list[str] = field(default_factory=list)  # more image names that are databases
    floating_tags: list[str] = field(default_factory=lambda: sorted(FLOATING_TAGS))


def applies(doc: Document, params: Params) -> bool:
    """A `--rm` container is a one-off task: a restart policy means nothing for it."""
    return not (params.check == "restart-policy" and _get(doc.data, "HostConfig", "AutoRemove") is True)


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    name = str(doc.meta.get("container_name", "?"))
    evidence = {"container": name, "id": str(doc.meta.get("container_id", "")), "image": _get(doc.data, "Config", "Image")}
    for observation in CHECKS[params.check](doc, params, name):
        yield observation._replace(evidence=evidence)  # which container, for the auditor's bundle


def _privileged(doc: Document, params: Params, name: str) -> Iterator[Observation]:
    if _get(doc.data, "HostConfig", "Privileged") is True:
        yield Observation(("HostConfig", "Privileged"), f"container {name} runs privileged", "true")


def _database_port(doc: Document, params: Params, name: str) -> Iterator[Observation]:
    found = _data_store(doc, params)
    if found is None:
        return
    serving = set(params.ports) | (set(found.ports) if found.confidence == "high" else set())
    seen: set[tuple[str, str, str]] = set()
    for section in (("HostConfig", "PortBindings"), ("NetworkSettings", "Ports")):
        bindings = _get(doc.data, *section)
        if not isinstance(bindings, dict):
            continue
        for container_port, published in bindings.items():
            for index, binding in enumerate(published if isinstance(published, list) else []):
                if not isinstance(binding, dict):
                    continue
                host_ip, host_port = str(binding.get("HostIp") or ""), str(binding.get("HostPort") or "")
                key = (str(container_port), "" if host_ip in ("0.0.0.0", "::") else host_ip, host_port)
                if key in seen or host_ip in params.allowed_hosts:
                    continue
                seen.add(key)
                if _port(container_port) in serving:
                    shown = f"{host_ip or '0.0.0.0'}:{host_port}->{container_port}"
                    yield Observation(section + (container_port, index), f"container {name} publishes port "
                                      f"{container_port} on all interfaces ({shown}){describe(found)}", shown,
                                      confidence=found.confidence)
    if _get(doc.data, "HostConfig", "NetworkMode") == "host":
        yield Observation(("HostConfig", "NetworkMode"), f"container {name} is a database ({found.engine}){describe(found)} "
                          f"on the host network: it listens on every host interface", "host",
                          confidence=found.confidence)


def _data_store(doc: Document, params: Params) -> Database | None:
    exposed = [p for p in (_get(doc.data, "Config", "ExposedPorts") or {}) if _port(p) is not None]
    for section in (("HostConfig", "PortBindings"), ("NetworkSettings", "Ports")):
        bindings = _get(doc.data, *section)
        exposed += list(bindings) if isinstance(bindings, dict) else []
    command = f"{text(_get(doc.data, 'Config', 'Entrypoint'))} {text(_get(doc.data, 'Config', 'Cmd'))}"
    return identify([str(_get(doc.data, "Config", "Image") or "")], command, [p for p in map(_port, exposed) if p],
                    extra_images=params.database_images, port_alone=params.ports)


def _healthcheck(doc: Document, params: Params, name: str) -> Iterator[Observation]:
    test = _get(doc.data, "Config", "Healthcheck", "Test")
    if not isinstance(test, list) or not test or test[0] == "NONE":
        yield Observation(("Config",), f"container {name} has no healthcheck", None)
        return
    status = _get(doc.data, "State", "Health", "Status")
    if status == "unhealthy":
        yield Observation(("State", "Health", "Status"), f"container {name} is unhealthy", "unhealthy")


def _restart_policy(doc: Document, params: Params, name: str) -> Iterator[Observation]:
    policy = _get(doc.data, "HostConfig", "RestartPolicy", "Name")
    if policy in (None, "", "no"):
        path = ("HostConfig", "RestartPolicy", "Name") if policy is not None else ("HostConfig",)
        yield Observation(path, f"container {name} has no restart policy", policy or "no")


def _image_tag(doc: Document, params: Params, name: str) -> Iterator[Observation]:
    image = _get(doc.data, "Config", "Image")
    if not isinstance(image, str) or not image or image.startswith("sha256:"):
        return  # started from an image id: immutable
    _, tag, digest = split_image(image)
    if digest:
        return
    if tag is None:
        yield Observation(("Config", "Image"), f"container {name} runs image {image} without a tag (latest)", image)
    elif tag in params.floating_tags:
        yield Observation(("Config", "Image"), f"container {name} runs image {image} with the floating tag {tag}", image)


def _engine_socket(doc: Document, params: Params, name: str) -> Iterator[Observation]:
    mounts = doc.data.get("Mounts")
    found: list[tuple[Path, str, str]]  # where, host path, container path
    if isinstance(mounts, list) and mounts:
        found = [(("Mounts", i), str(m.get("Source") or ""), str(m.get("Destination") or ""))
                 for i, m in enumerate(mounts) if isinstance(m, dict)]
    else:
        binds = _get(doc.data, "HostConfig", "Binds")
        found = []
        for index, bind in enumerate(binds or []):  # "host-path:container-path[:options]"
            source, _, rest = str(bind).partition(":")
            found.append((("HostConfig", "Binds", index), source, rest.partition(":")[0]))
    for path, source, destination in found:
        if any(_ENGINE_SOCKET.search(p.rstrip("/")) or p.rstrip("/") in _RUN_DIRS for p in (source, destination)):
            shown = f"{source}:{destination}"
            yield Observation(path, f"container {name} mounts the container engine socket ({shown})", shown)


def _root_user(doc: Document, params: Params, name: str) -> Iterator[Observation]:
    user = str(_get(doc.data, "Config", "User") or "")
    if user.split(":", 1)[0] in _ROOT_USERS:
        shown = user or "(unset: root)"
        yield Observation(("Config", "User"), f"container {name} runs as root (User {shown})", shown)


CHECKS: dict[str, Callable[[Document, Params, str], Iterator[Observation]]] = {
    "privileged": _privileged,
    "database-port": _database_port,
    "healthcheck": _healthcheck,
    "restart-policy": _restart_policy,
    "image-tag": _image_tag,
    "engine-socket": _engine_socket,
    "root-user": _root_user,
}


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _port(text: Any) -> int | None:
    number = str(text).split("/", 1)[0]
    return int(number) if number.isdigit() else None
