"""The network and edge checks of the `k8s-relations` probe (see k8s_relations.py for their documentation).

    network-policy  database-service  ingress-tls  ingress-rate-limit  ingress-cors  ingress-headers
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterator

from checker.inputs import kubernetes
from checker.inputs.document import Document
from checker.inputs.paths import Path
from checker.probes import _k8s
from checker.probes._databases import describe
from checker.probes._k8s import Objects, metadata_map, object_name, of_kind, pod_labels, skip, spec, written
from checker.probes._ops import TRUE_WORDS
from checker.probes.base import Observation

if TYPE_CHECKING:
    from checker.probes.k8s_relations import Params

NGINX = "nginx.ingress.kubernetes.io/"
SNIPPETS = (NGINX + "configuration-snippet", NGINX + "server-snippet")
CONTROLLER_SNIPPETS = ("server-snippet", "location-snippet")
RATE_LIMIT_ANNOTATIONS = (NGINX + "limit-rps", NGINX + "limit-rpm", NGINX + "limit-connections", NGINX + "global-rate-limit")
TLS_ANNOTATIONS = (  # certificates a cloud load balancer attaches
    "networking.gke.io/managed-certificates", "ingress.gcp.kubernetes.io/pre-shared-cert",
    "alb.ingress.kubernetes.io/certificate-arn", "appgw.ingress.kubernetes.io/appgw-ssl-certificate",
)
SECURITY_HEADERS = ("x-frame-options", "x-content-type-options", "content-security-policy", "referrer-policy",
                    "permissions-policy", "strict-transport-security")
_SETS_HEADER = re.compile(r"(more_set_headers|add_header)[^;]*(" + "|".join(SECURITY_HEADERS) + ")", re.IGNORECASE)
_LIMIT_REQ = re.compile(r"\blimit_req\b")
INTERNAL_LB = {
    "networking.gke.io/load-balancer-type": "internal", "cloud.google.com/load-balancer-type": "internal",
    "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
    "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
    "service.beta.kubernetes.io/oci-load-balancer-internal": "true",
    "service.beta.kubernetes.io/openstack-internal-load-balancer": "true",
}


def check_network_policy(objects: Objects, params: Params) -> Iterator[Observation]:
    workloads = of_kind(objects, *_k8s.LONG_RUNNING)
    if not workloads:
        yield skip("long-running workload")
    for workload in workloads:
        found = kubernetes.pod_spec(workload)
        if found is None or found[1].get("hostNetwork") is True:
            continue
        labels = pod_labels(workload)
        policies = [p for p in objects.near(workload, "NetworkPolicy") if str(p.data.get("apiVersion", "")).startswith("networking.k8s.io/")]
        if any(_isolates_ingress(p) and _k8s.selects(spec(p).get("podSelector", {}), labels) for p in policies):
            continue
        message = f"{kubernetes.describe(workload)}: no NetworkPolicy selects its pods for ingress, so any pod in the cluster can reach them"
        yield Observation(written(workload, *found[0][:-1], "metadata", "labels"), message, document=workload)


def _isolates_ingress(policy: Document) -> bool:
    types = spec(policy).get("policyTypes")
    return "Ingress" in types if isinstance(types, list) else True  # without policyTypes, Ingress always applies


def check_database_service(objects: Objects, params: Params) -> Iterator[Observation]:
    services = of_kind(objects, "Service")
    if not services:
        yield skip("Service")
    index = objects if isinstance(objects, Objects) else Objects(objects)
    for service in services:
        exposure = _exposure(service)
        if exposure is None:
            continue
        selector = spec(service).get("selector")
        selected = [w for w in index.near(service) if kubernetes.is_workload(w) and _k8s.selects_map(selector, pod_labels(w))]
        found: tuple[Path, str, str] | None = None  # where, what, confidence
        for workload in selected:  # what the Service sends traffic to decides, not its port number
            store = _k8s.database(workload, params.database_ports, params.database_images)
            if store is not None:
                found = (("spec", "selector"), f"it selects {kubernetes.describe(workload)}{describe(store)}",
                         store.confidence)
                break
        if found is None and not selected:  # nothing in scope behind it: only the port can tell, and only as a guess
            port = _database_port(service, params.database_ports)
            found = (port[0], f"{port[1]}, and it selects no workload in scope", "low") if port else None
        if found:
            message = f"{kubernetes.describe(service)} ({exposure}) exposes a database outside the cluster: {found[1]}"
            yield Observation(found[0], message, exposure, document=service, confidence="low" if found[2] == "low" else "high")


def _exposure(service: Document) -> str | None:
    body = spec(service)
    kind = body.get("type")
    if kind == "LoadBalancer":
        annotations = {k: v.lower() for k, v in metadata_map(service, "annotations").items()}
        if any(annotations.get(key) == value for key, value in INTERNAL_LB.items()):
            return None
        ranges = body.get("loadBalancerSourceRanges")
        if isinstance(ranges, list) and ranges and not any(str(r) in ("0.0.0.0/0", "::/0") for r in ranges):
            return None
        return "type LoadBalancer"
    if kind == "NodePort":
        return "type NodePort"
    if isinstance(body.get("externalIPs"), list) and body["externalIPs"]:
        return "externalIPs"
    return None


def _database_port(service: Document, ports: list[int]) -> tuple[Path, str] | None:
    for index, port in enumerate(spec(service).get("ports") or []):
        for key in ("port", "targetPort") if isinstance(port, dict) else ():
            if port.get(key) in ports:
                return ("spec", "ports", index, key), f"port {port[key]}"
    return None


# --- ingress ----------------------------------------------------------------------------------------


def check_ingress_tls(objects: Objects, params: Params) -> Iterator[Observation]:
    ingresses = of_kind(objects, "Ingress")
    if not ingresses:
        yield skip("Ingress")
    for ingress in ingresses:
        if any(key in metadata_map(ingress, "annotations") for key in params.tls_annotations):
            continue
        body = spec(ingress)
        entries = [t for t in body.get("tls") or [] if isinstance(t, dict)]
        if not entries:
            yield Observation(written(ingress, "spec"), f"{kubernetes.describe(ingress)} has no tls section: it serves plain HTTP", document=ingress)
            continue
        if any(not t.get("hosts") for t in entries):
            continue  # an entry without hosts covers every host (the controller's default certificate)
        covered = {str(h).lower() for t in entries for h in t.get("hosts") or []}
        for index, rule in enumerate(body.get("rules") or []):
            host = str(rule.get("host") or "").lower() if isinstance(rule, dict) else ""
            if host and not _covers(covered, host):
                yield Observation(("spec", "rules", index, "host"), f"{kubernetes.describe(ingress)} serves {host} without TLS", host, document=ingress)


def _covers(hosts: set[str], host: str) -> bool:
    wildcard = "*." + host.split(".", 1)[1] if "." in host else None
    return host in hosts or (wildcard is not None and wildcard in hosts)


def _nginx(objects: Objects) -> list[Document]:
    """Ingresses served by ingress-nginx: class `nginx`, or an nginx.ingress.kubernetes.io annotation."""
    found = []
    for ingress in of_kind(objects, "Ingress"):
        annotations = metadata_map(ingress, "annotations")
        ingress_class = str(spec(ingress).get("ingressClassName") or annotations.get("kubernetes.io/ingress.class") or "")
        if "nginx" in ingress_class.lower() or any(key.startswith(NGINX) for key in annotations):
            found.append(ingress)
    return found


def _annotations_path(ingress: Document) -> Path:
    return ("metadata", "annotations") if metadata_map(ingress, "annotations") else ("metadata", "name")


def _controller_config(objects: Objects, pattern: re.Pattern[str]) -> bool:
    """A ConfigMap in the scan whose server/location snippet (ingress-nginx controller settings) matches."""
    return any(
        pattern.search(str(value)) for cm in of_kind(objects, "ConfigMap")
        for key, value in _configmap_data(cm).items() if key in CONTROLLER_SNIPPETS
    )


def _configmap_data(configmap: Document) -> dict[str, object]:
    data = configmap.data.get("data")
    return data if isinstance(data, dict) else {}


def check_ingress_rate_limit(objects: Objects, params: Params) -> Iterator[Observation]:
    ingresses = _nginx(objects)
    if not ingresses:
        yield skip("ingress-nginx Ingress")
    if _controller_config(objects, _LIMIT_REQ):
        return
    for ingress in ingresses:
        annotations = metadata_map(ingress, "annotations")
        if any(key in annotations for key in params.rate_limit_annotations):
            continue
        if any(_LIMIT_REQ.search(annotations.get(key, "")) for key in SNIPPETS):
            continue
        message = f"{kubernetes.describe(ingress)} sets no rate limit (limit-rps, limit-rpm or limit-connections)"
        yield Observation(_annotations_path(ingress), message, document=ingress)


def check_ingress_cors(objects: Objects, params: Params) -> Iterator[Observation]:
    ingresses = _nginx(objects)
    if not ingresses:
        yield skip("ingress-nginx Ingress")
    for ingress in ingresses:
        annotations = metadata_map(ingress, "annotations")
        if annotations.get(NGINX + "enable-cors", "").strip().lower() not in TRUE_WORDS:
            continue
        origin = annotations.get(NGINX + "cors-allow-origin")
        if origin is None:
            message = f"{kubernetes.describe(ingress)} enables CORS without cors-allow-origin, which then allows any origin (*)"
            yield Observation(("metadata", "annotations", NGINX + "enable-cors"), message, "*", document=ingress)
        elif "*" in [o.strip() for o in re.split(r"[,\s]+", origin)]:
            message = f"{kubernetes.describe(ingress)} allows CORS requests from any origin (cors-allow-origin: {origin})"
            yield Observation(("metadata", "annotations", NGINX + "cors-allow-origin"), message, origin, document=ingress)


def check_ingress_headers(objects: Objects, params: Params) -> Iterator[Observation]:
    ingresses = _nginx(objects)
    if not ingresses:
        yield skip("ingress-nginx Ingress")
    if _headers_configmap(objects, None) or _controller_config(objects, _SETS_HEADER):
        return
    for ingress in ingresses:
        annotations = metadata_map(ingress, "annotations")
        if any(_SETS_HEADER.search(annotations.get(key, "")) for key in SNIPPETS):
            continue
        custom = annotations.get(NGINX + "custom-headers")
        if custom and _headers_configmap(objects, custom) is not False:
            continue
        message = f"{kubernetes.describe(ingress)} adds no security headers (X-Frame-Options, X-Content-Type-Options, Content-Security-Policy ...)"
        yield Observation(_annotations_path(ingress), message, document=ingress)


def _headers_configmap(objects: Objects, reference: str | None) -> bool | None:
    """Any ConfigMap (or the one `namespace/name` refers to) whose keys are security headers; None: not in the scan."""
    namespace, _, name = reference.rpartition("/") if reference else ("", "", "")
    candidates = [
        cm for cm in of_kind(objects, "ConfigMap")
        if reference is None or (object_name(cm) == name and (not namespace or _k8s.namespace(cm) in (None, namespace)))
    ]
    if reference and not candidates:
        return None
    return any(str(key).lower() in SECURITY_HEADERS for cm in candidates for key in _configmap_data(cm))


def exposure(service: Document) -> str | None:
    """How a Service is reachable from outside the cluster (`type LoadBalancer`, `type NodePort`, `externalIPs`), or None."""
    return _exposure(service)
