"""Endpoints reachable from outside the host or cluster: product admin interfaces, debuggers, plain HTTP.

Looks at every document of the scan (target `project`) in the rule's environments. A port is
*exposed* when a compose service publishes it without a loopback `host_ip` (Docker's iptables
rules bypass host firewalls), or a Kubernetes Service of type LoadBalancer (not internal, no
narrow `loadBalancerSourceRanges`) or NodePort, or with `externalIPs`, sends traffic to it (its
selector picks the workload, in the same unit and namespace; `targetPort` by number or name).
`check` picks one question:

    admin       an admin interface without authentication is exposed. What runs is decided by
                checker/probes/_products.py from image and command: Prometheus and Alertmanager
                (UI and API, 9090 / 9093 or `--web.listen-address`) without `--web.config.file`; the
                Consul HTTP API (8500) with no ACL settings; Traefik's dashboard with `--api.insecure`
                (entrypoint `traefik`, 8080 or `--entrypoints.traefik.address`), or Traefik 1's `--api`;
                Envoy's admin port (the `admin.address.socket_address` of the bootstraps in the
                workload's folder or below, else 9901, a guess; an Envoy built here is told by its
                Dockerfile's folder, `../shared/envoy/Dockerfile`). A bootstrap whose admin listens
                beyond loopback, with no Envoy workload around it, fails at its address at low
                confidence: who reaches that host or pod is not known.
    debug       a debugger or profiler listening beyond loopback (Node `--inspect=0.0.0.0:9229`,
                JDWP `address=*:5005`, debugpy `--listen 0.0.0.0:5678`, Go pprof `--pprof-addr=:6060`,
                `-http=:6060`; in the command or any setting value, e.g. NODE_OPTIONS) is exposed.
    plain-http  a host port in `ports` (80, 3000, 8000, 8080) is published on all interfaces, or an
                exposed Service's `port` is one, while nothing terminates TLS: no service of the same
                compose project publishes 443 / 8443, no nginx config in scope listens with `ssl`, no
                Ingress of the unit has `tls:`, the Service has no 443 port and no load-balancer
                certificate annotation. Data stores are left to the published-port rules.

Params: check, ports (plain-http), tls_ports.

Fails (check: admin):  services: {prometheus: {image: "prom/prometheus:v2.53.0", ports: ["9090:9090"]}}
Passes:                services: {prometheus: {image: "prom/prometheus:v2.53.0", ports: ["127.0.0.1:9090:9090"]}}

>>> bootstrap = {"admin": {"address": {"socket_address": {"address": "0.0.0.0", "port_value": 9901}}}, "static_resources": {}}
>>> _envoy_admin(Document("envoy.yaml", "yaml", bootstrap))[:2], _envoy_admin(Document("a.yaml", "yaml", {"admin": {}}))
(('0.0.0.0', 9901), None)
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Iterator, Literal, NamedTuple

from checker.inputs import kubernetes
from checker.inputs.document import Document
from checker.inputs.paths import Path
from checker.models import STRICT
from checker.probes import _nginx
from checker.probes import _observability as obs
from checker.probes._databases import identify as data_store
from checker.probes._k8s import unit
from checker.probes._k8s_network import exposure
from checker.probes._ops import TRUE_WORDS
from checker.probes._products import LOOPBACK, Product, debug_listener, identify
from checker.probes.base import Context, Observation
from checker.probes.compose_service import one_off
from checker.probes.image_pinned import split_image
from checker.probes.published_port import parse_port
from checker.probes._workloads import Workload, image_path, in_environments, in_scope, workloads

NAME = "exposed-endpoint"
TARGETS = ("project",)
LB_CERTIFICATES = ("service.beta.kubernetes.io/aws-load-balancer-ssl-cert", "service.beta.kubernetes.io/do-loadbalancer-certificate-id",
                   "service.beta.kubernetes.io/oci-load-balancer-ssl-ports", "service.kubernetes.io/ibm-load-balancer-cloud-provider-enable-features")
_LISTEN = {"prometheus": "--web.listen-address", "alertmanager": "--web.listen-address", "traefik": "--entrypoints.traefik.address"}
_WHAT = {"prometheus": "the Prometheus UI and API", "alertmanager": "the Alertmanager UI and API",
         "consul": "the Consul HTTP API and UI", "traefik": "the Traefik dashboard and API, served without authentication",
         "envoy": "the Envoy admin interface"}


@dataclass
class Params:
    __pydantic_config__ = STRICT
    check: Literal["admin", "debug", "plain-http"]
    ports: list[int] = field(default_factory=lambda: [80, 3000, 8000, 8080])
    tls_ports: list[int] = field(default_factory=lambda: [443, 8443])


class Exposure(NamedTuple):
    container_port: int
    host_port: int | None  # the port the outside sees: published host port, or the Service's port
    path: Path
    document: Document
    how: str  # "published on all interfaces", "Service/web (type LoadBalancer)"


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    documents = in_scope(doc, context.environments)
    services = [d for d in documents if d.kind == "k8s" and d.meta.get("k8s_kind") == "Service" and exposure(d)]
    apps = [w for w in workloads(documents) if in_environments(w.doc, image_path(w), context.environments)
            and not (w.source == "compose" and one_off(w.name, w.spec, set()))]
    bootstraps = [d for d in documents if d.kind == "yaml" and _envoy_admin(d) is not None]
    if not apps and not services and not (bootstraps and params.check == "admin"):
        yield Observation((), "no compose service, Kubernetes workload or Envoy bootstrap in scope", status="skip")
        return
    if params.check == "plain-http":
        yield from _plain_http(documents, apps, services, params, context)
        return
    envoys: set[str] = set()  # folders with an Envoy workload: their bootstraps are judged through it
    for app in apps:
        product = _product(app)
        if product is not None and product.name == "envoy":
            envoys.add(os.path.dirname(app.doc.path))
        ports = _admin_ports(app, product, _near(app.doc, bootstraps)) if params.check == "admin" else _debug_ports(app)
        if not ports:
            continue
        for seen in _exposures(app, services, context):
            if seen.container_port in ports:
                what, confidence = ports[seen.container_port]
                yield Observation(seen.path, f"{app.label()}: {what} (port {seen.container_port}) is {seen.how}",
                                  document=seen.document, confidence=confidence)
    if params.check != "admin":
        return
    for bootstrap in bootstraps:
        found = _envoy_admin(bootstrap)
        if found and found[0] not in LOOPBACK and not any(_inside(bootstrap.path, folder) for folder in envoys):
            yield Observation(found[2], f"the Envoy admin interface listens on {found[0]}:{found[1]}, beyond loopback",
                              document=bootstrap, confidence="low")


def _inside(path: str, folder: str) -> bool:
    return not folder or path.startswith(folder.rstrip("/") + "/")


def _near(doc: Document, bootstraps: list[Document]) -> list[Document]:
    """The bootstrap files of a compose project or manifest: in its folder or below."""
    folder = os.path.dirname(doc.path)
    return [b for b in bootstraps if _inside(b.path, folder)]


def _product(app: Workload) -> Product | None:
    """What the workload runs; a compose service built here is told by the folder of its Dockerfile
    (`build: {dockerfile: ../shared/envoy/Dockerfile}`) or its build context, when no image names it."""
    found = identify(app.images, app.command)
    build = app.spec.get("build") if app.source == "compose" else None
    if found is None and build:
        parts = [build] if isinstance(build, str) else [str(build.get(k) or "") for k in ("context", "dockerfile")]
        names = [part for text in parts for part in re.split(r"[/\\]", text) if part not in ("", ".", "..", "Dockerfile")]
        found = identify(names[-1:], "")  # the Dockerfile's folder, else the context's last folder
    return found


def _admin_ports(app: Workload, product: Product | None, bootstraps: list[Document]) -> dict[int, tuple[str, Literal["high", "low"]]]:
    if product is None or product.name not in _WHAT:
        return {}
    command, values = app.command, " ".join(s.value for s in app.settings)
    port = product.admin_ports[0]
    if product.name in ("prometheus", "alertmanager") and "--web.config.file" in command:
        return {}
    if product.name == "consul" and re.search(r"\bacl\b", f"{command} {values}", re.IGNORECASE):
        return {}
    if product.name == "traefik" and not _traefik_insecure(app):
        return {}
    if product.name == "envoy":  # the admin ports of the bootstraps beside it, else Envoy's usual 9901, a guess
        found = [a for a in (_envoy_admin(b) for b in bootstraps) if a is not None]
        if found:
            return {a[1]: (_WHAT["envoy"], "high") for a in found if a[0] not in LOOPBACK}
        return {port: (_WHAT["envoy"], "low")}
    listen = _LISTEN.get(product.name)
    given = re.search(rf"{re.escape(listen)}[=\s]+[\"']?[^\s:\"']*:(\d+)", command) if listen else None
    if given:
        port = int(given.group(1))
    return {port: (_WHAT[product.name], "high")}


def _traefik_insecure(app: Workload) -> bool:
    """`--api.insecure` (Traefik 2 and 3), or `--api` in Traefik 1, which served its dashboard on :8080 with no auth."""
    if re.search(r"--api\.insecure(?:=true)?(?=$|[\s\"',])", app.command, re.IGNORECASE):
        return True
    v1 = any(re.match(r"v?1\.", split_image(i)[1] or "") for i in app.images)
    if v1 and re.search(r"--api(?:=true)?(?=$|[\s\"',])", app.command):
        return True
    return any(s.key == "TRAEFIK_API_INSECURE" and s.value.lower() in TRUE_WORDS for s in app.settings)


def _debug_ports(app: Workload) -> dict[int, tuple[str, Literal["high", "low"]]]:
    for line in [app.command] + [s.value for s in app.settings]:
        found = debug_listener(line)
        if found:
            return {found[1]: (f"the {found[0]}", "high")}
    return {}


def _envoy_admin(doc: Document) -> tuple[str, int, Path] | None:
    """(address, port, where) of an Envoy bootstrap's admin listener."""
    data = doc.data
    if not isinstance(data, dict) or not ({"static_resources", "dynamic_resources", "node"} & set(data)):
        return None
    socket = _at(data, "admin", "address", "socket_address")
    if not isinstance(socket, dict) or not str(socket.get("port_value", "")).isdigit():
        return None
    return str(socket.get("address", "")), int(socket["port_value"]), ("admin", "address", "socket_address", "address")


def _exposures(app: Workload, services: list[Document], context: Context) -> Iterator[Exposure]:
    if app.source == "compose":
        for index, entry in enumerate(app.spec.get("ports") or []):
            binding = parse_port(entry)
            path: Path = app.path + ("ports", index)
            if binding is None or binding.host_ip in LOOPBACK or not in_environments(app.doc, path, context.environments):
                continue
            for offset, port in enumerate(binding.container_ports[:100]):
                host = binding.host_ports[offset] if binding.host_ports and offset < len(binding.host_ports) else None
                yield Exposure(port, host, path, app.doc, f"published on {binding.host_ip or 'all interfaces'}")
        return
    named = {str(p.get("name")): int(p["containerPort"]) for c in kubernetes.containers(app.doc)
             for p in c.spec.get("ports") or [] if isinstance(p, dict) and isinstance(p.get("containerPort"), int)}
    for service in services:
        if unit(service) != unit(app.doc) or not obs.selects_workload(service, app):
            continue
        for index, entry in enumerate(_spec(service).get("ports") or []):
            if not isinstance(entry, dict):
                continue
            given = entry.get("targetPort", entry.get("port"))
            target: Any = named.get(given) if isinstance(given, str) and not given.isdigit() else given
            if str(target).isdigit():
                front = entry.get("port")
                yield Exposure(int(str(target)), front if isinstance(front, int) else None, ("spec", "ports", index),
                               service, f"exposed by {kubernetes.describe(service)} ({exposure(service)})")


def _plain_http(documents: list[Document], apps: list[Workload], services: list[Document], params: Params,
                context: Context) -> Iterator[Observation]:
    # from the parsed model, not the text: a document judged in a worker process travels without its text
    nginx_tls = any(d.kind == "nginx" and any(_nginx.is_tls(server) for server in _nginx.build(d).servers) for d in documents)
    projects: dict[int, bool] = {}  # compose project -> terminates TLS
    for app in apps:
        if app.source != "compose" or nginx_tls or data_store(app.images, app.command, app.ports) is not None:
            continue
        if id(app.doc) not in projects:
            projects[id(app.doc)] = _compose_tls(app.doc, params)
        if projects[id(app.doc)]:
            continue
        for seen in _exposures(app, [], context):
            if seen.host_port in params.ports:
                yield Observation(seen.path, f"{app.label()} serves port {seen.host_port} over plain HTTP, "
                                  f"{seen.how}, and nothing in the project terminates TLS", document=seen.document)
    tls_units = {unit(d) for d in documents if d.kind == "k8s" and d.meta.get("k8s_kind") == "Ingress" and _spec(d).get("tls")}
    for service in services:
        if unit(service) in tls_units or _service_tls(service, params):
            continue
        for index, entry in enumerate(_spec(service).get("ports") or []):
            if isinstance(entry, dict) and entry.get("port") in params.ports:
                yield Observation(("spec", "ports", index), f"{kubernetes.describe(service)} ({exposure(service)}) serves "
                                  f"port {entry['port']} over plain HTTP, and no Ingress of its unit has tls",
                                  document=service)
                break


def _compose_tls(doc: Document, params: Params) -> bool:
    services = doc.data.get("services") if isinstance(doc.data, dict) else None
    for service in (services or {}).values():
        for entry in (service.get("ports") or []) if isinstance(service, dict) else []:
            binding = parse_port(entry)
            if binding and set(binding.host_ports or binding.container_ports) & set(params.tls_ports):
                return True
    return False


def _service_tls(service: Document, params: Params) -> bool:
    annotations = obs.annotations_of(service)
    if any(key in annotations for key in LB_CERTIFICATES):
        return True
    ports = [p for p in _spec(service).get("ports") or [] if isinstance(p, dict)]
    return any(p.get("port") in params.tls_ports or p.get("targetPort") in params.tls_ports for p in ports)


def _spec(doc: Document) -> dict[str, Any]:
    body = doc.data.get("spec") if isinstance(doc.data, dict) else None
    return body if isinstance(body, dict) else {}


def _at(data: Any, *keys: str) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data
