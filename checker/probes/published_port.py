"""Compose services that publish a sensitive port on every host interface.

Reads `services.*.ports` in short syntax ("27017:27017", "127.0.0.1:5432:5432",
"5432", "8000-8010:8000-8010", "6379/tcp") and long syntax ({target,
published, host_ip}). A container port in `ports` published without a
loopback `host_ip` is reachable by anyone who reaches the host: Docker's own
iptables rules bypass host firewalls such as ufw.

Which services are data stores (databases, caches, search engines, queues, object
stores, poolers) is decided by checker/probes/_databases.py from the service's image,
command and ports together: a published port of a data store that serves that port
fails. A service whose image is unknown fails only on a port that names one engine
(5432, 27017 ...), at lower confidence; a tool named after a database (`mongo-express`,
`pgadmin`) and a service on a shared port (a gRPC server on 9001) pass.

Params: ports (the ports that decide alone when image and command tell nothing;
default: those that name one engine), allowed_hosts.

Fails:  services: {db: {image: "postgres:16", ports: ["5432:5432"]}}
Passes: services: {db: {image: "postgres:16", ports: ["127.0.0.1:5432:5432"]}}
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, NamedTuple

from checker.inputs.document import Document
from checker.models import STRICT
from checker.probes._databases import TELLING_PORTS, Database, describe, evidence, identify
from checker.probes._ops import text
from checker.probes.base import Context, Observation

NAME = "published-port"
TARGETS = ("compose",)
DATABASE_PORTS = list(TELLING_PORTS)
LOOPBACK = ["127.0.0.1", "::1", "localhost", "[::1]"]


@dataclass
class Params:
    __pydantic_config__ = STRICT
    ports: list[int] = field(default_factory=lambda: list(DATABASE_PORTS))
    allowed_hosts: list[str] = field(default_factory=lambda: list(LOOPBACK))


class Binding(NamedTuple):
    host_ip: str
    container_ports: range
    host_ports: range | None = None  # None: Compose picks a random host port


def parse_port(entry: Any) -> Binding | None:
    """A ports entry as (host ip, container ports, host ports); None when it cannot be read.

    >>> parse_port("127.0.0.1:8080:80"), parse_port("3000")
    (Binding(host_ip='127.0.0.1', container_ports=range(80, 81), host_ports=range(8080, 8081)), Binding(host_ip='', container_ports=range(3000, 3001), host_ports=None))
    """
    if isinstance(entry, dict):  # without `published`, Compose picks a random host port: still published
        target = _range(str(entry.get("target", "")))
        published = _range(str(entry.get("published", "")))
        return Binding(str(entry.get("host_ip") or ""), target, published) if target else None
    text = str(entry).split("/")[0].strip()
    host_ip = ""
    if text.startswith("["):  # [::1]:5432:5432
        host_ip, _, text = text[1:].partition("]:")
    parts = text.split(":")
    if len(parts) == 3:
        host_ip = parts[0]
    elif len(parts) > 3:  # an unbracketed IPv6 address
        host_ip, parts = ":".join(parts[:-2]), parts[-2:]
    target = _range(parts[-1])
    return Binding(host_ip, target, _range(parts[-2]) if len(parts) >= 2 else None) if target else None


def _range(text: str) -> range | None:
    first, _, last = text.partition("-")
    try:
        return range(int(first), int(last or first) + 1)
    except ValueError:
        return None


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    judged: dict[str, Database | None] = {}
    for node in doc.select("services.*.ports[*]"):
        binding = parse_port(node.value)
        if binding is None or binding.host_ip in params.allowed_hosts:
            continue
        service = str(node.path[1])
        if service not in judged:
            judged[service] = _data_store(doc.data["services"][service], params)
        found = judged[service]
        if found is None:
            continue
        serving = set(found.ports) | set(params.ports) if found.confidence == "high" else set(params.ports)
        hits = sorted(serving.intersection(binding.container_ports))
        if hits:
            interfaces = binding.host_ip or "all interfaces"
            shown = ", ".join(f"{k}: {v}" for k, v in node.value.items()) if isinstance(node.value, dict) else str(node.value)
            yield Observation(node.path, f"service {service} publishes port {hits[0]} on {interfaces}{describe(found)}",
                              shown, evidence=evidence(found), confidence=found.confidence)


def _data_store(service: Any, params: Params) -> Database | None:
    if not isinstance(service, dict):
        return None
    ports = [p for entry in service.get("ports") or [] if (b := parse_port(entry)) for p in b.container_ports[:50]]
    ports += [int(str(e).split("/")[0]) for e in service.get("expose") or [] if str(e).split("/")[0].isdigit()]
    command = f"{text(service.get('entrypoint'))} {text(service.get('command'))}"
    return identify([str(service.get("image") or "")], command, ports, port_alone=params.ports)
