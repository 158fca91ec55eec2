"""Relations between the Kubernetes objects of the whole scan, whatever file each one is in.

One result for the scan; each finding points at the object (file and line) it is
about. `check` picks the relation:

    replicas            a Deployment/StatefulSet/ReplicaSet that a Service sends traffic to runs fewer than
                        `min_replicas` and no HorizontalPodAutoscaler (or KEDA ScaledObject) targets it;
                        database workloads and `replicas: 0` are not judged
    hpa-min-replicas    an HPA whose minReplicas (default 1) is below `min_replicas`
    hpa-requests        an HPA scales on cpu/memory utilization (explicitly, or by the default 80% cpu) but a
                        container of its target has no request (nor limit) for that resource: it cannot scale
    pdb                 a Deployment/StatefulSet with 2+ replicas or an autoscaler and no PodDisruptionBudget
                        selecting its pods; or a PDB that allows no disruption at all (maxUnavailable 0,
                        minAvailable 100% or >= replicas)
    readiness           a container that a Service sends traffic to has no readinessProbe (the containers whose
                        ports the Service targets; all containers when no port matches)
    network-policy      a long-running workload's pods are selected by no NetworkPolicy that isolates ingress
                        (pods on the host network are not judged: policies do not apply to them)
    database-service    a LoadBalancer/NodePort Service (or one with externalIPs) selecting a workload that runs
                        a data store (checker/probes/_databases.py: image, command and ports together;
                        `database_images` adds names); a Service that selects no workload in scope is judged
                        by its port alone (`database_ports`), at lower confidence;
                        internal load balancers and ones limited by loadBalancerSourceRanges are not exposed
    ingress-tls         an Ingress with no `tls`, or a rule host no tls entry covers (`tls_annotations` count as TLS)
    ingress-rate-limit  an ingress-nginx Ingress without a `rate_limit_annotations` annotation or `limit_req` snippet
    ingress-cors        an ingress-nginx Ingress with enable-cors and cors-allow-origin `*` (its default)
    ingress-headers     an ingress-nginx Ingress that adds no security header (snippet `more_set_headers`/`add_header`,
                        custom-headers), unless a ConfigMap in the scan holds them for the controller (add-headers)
    pod-token           a pod that gets an API token it does not ask for; account-token: a ServiceAccount that
                        automounts and is not bound to a role; default-account: API rights used through the
                        `default` ServiceAccount (one model for the three: _k8s_tokens.py)

Selectors: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist); a Service's map selector.
Objects without `metadata.namespace` may be applied to any namespace, so they relate to every namespace.
With nothing to judge (no workload, no HPA, no Service, no Ingress in scope) the result is `skip`.

Params: check, min_replicas, database_ports, database_images, tls_annotations, rate_limit_annotations.
The network and ingress checks live in _k8s_network.py, the selector matching in _k8s.py.

Fails (check: pdb):
    kind: Deployment, metadata: {name: web}, spec: {replicas: 3, template: {metadata: {labels: {app: web}}, ...}}
Passes: the same, and
    kind: PodDisruptionBudget, spec: {maxUnavailable: 1, selector: {matchLabels: {app: web}}}
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator, Literal

from checker.errors import ProbeError
from checker.inputs import kubernetes
from checker.inputs.document import Document
from checker.inputs.paths import Path
from checker.models import STRICT
from checker.probes import _k8s, _k8s_network as network, _k8s_tokens as tokens
from checker.probes._k8s import LONG_RUNNING, SCALABLE, Objects, as_map, object_name, of_kind, pod_labels, same_namespace, skip, spec, written
from checker.probes.base import Context, Observation

NAME = "k8s-relations"
TARGETS = ("project",)


@dataclass
class Params:
    __pydantic_config__ = STRICT
    check: Literal[
        "replicas", "hpa-min-replicas", "hpa-requests", "pdb", "readiness", "network-policy", "database-service",
        "ingress-tls", "ingress-rate-limit", "ingress-cors", "ingress-headers", "pod-token", "account-token",
        "default-account",
    ]
    min_replicas: int = 2
    database_ports: list[int] = field(default_factory=lambda: list(_k8s.DATABASE_PORTS))  # decide alone, at low confidence
    database_images: list[str] = field(default_factory=list)  # more image names that are databases
    tls_annotations: list[str] = field(default_factory=lambda: list(network.TLS_ANNOTATIONS))
    rate_limit_annotations: list[str] = field(default_factory=lambda: list(network.RATE_LIMIT_ANNOTATIONS))


def check(project: Document, params: Params, context: Context) -> Iterator[Observation]:
    key = f"k8s-objects {context.environments}"  # one index per scan, shared by every k8s-relations rule
    objects = project.meta.get(key)
    if objects is None:
        objects = project.meta[key] = Objects(
            d for d in project.data.get("documents", [])
            if d.kind == "k8s" and (context.environments is None or d.environment in context.environments)
        )
    try:
        yield from CHECKS[params.check](objects, params)
    except _k8s.SelectorError as exc:
        raise ProbeError("unparsable", f"invalid label selector: {exc}") from None


def _replicas(workload: Document) -> int | None:
    value = spec(workload).get("replicas", 1)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _autoscaler(workload: Document, objects: Objects) -> Document | None:
    for scaler in objects.near(workload, "HorizontalPodAutoscaler", "ScaledObject"):
        ref = spec(scaler).get("scaleTargetRef")
        if not isinstance(ref, dict) or not same_namespace(scaler, workload):
            continue
        kind = ref.get("kind") or ("Deployment" if scaler.data.get("kind") == "ScaledObject" else None)
        if ref.get("name") == object_name(workload) and kind == workload.data.get("kind"):
            return scaler
    return None


def _services(workload: Document, objects: Objects) -> list[Document]:
    found: list[Document] = objects.remember("services", workload, lambda: objects.services_selecting(workload, pod_labels(workload)))
    return found


def _app_containers(workload: Document) -> list[kubernetes.Container]:
    return [c for c in kubernetes.containers(workload) if c.list_name == "containers"]


def _database(workload: Document, params: Params) -> bool:
    return _k8s.is_database(workload, params.database_ports, params.database_images)


# --- availability -----------------------------------------------------------------------------------


def _check_replicas(objects: Objects, params: Params) -> Iterator[Observation]:
    workloads = of_kind(objects, *SCALABLE)
    if not workloads:
        yield skip("Deployment, StatefulSet or ReplicaSet")
    for workload in workloads:
        count = _replicas(workload)
        if count is None or count == 0 or count >= params.min_replicas:
            continue
        services = _services(workload, objects)
        if not services or _autoscaler(workload, objects) or _database(workload, params):
            continue
        message = f"{kubernetes.describe(workload)} runs {count} replica behind {kubernetes.describe(services[0])} and no autoscaler targets it"
        yield Observation(written(workload, "spec", "replicas"), message, str(count), document=workload)


def _check_hpa_min_replicas(objects: Objects, params: Params) -> Iterator[Observation]:
    hpas = of_kind(objects, "HorizontalPodAutoscaler")
    if not hpas:
        yield skip("HorizontalPodAutoscaler")
    for hpa in hpas:
        minimum = spec(hpa).get("minReplicas", 1)
        if isinstance(minimum, int) and minimum < params.min_replicas:
            message = f"{kubernetes.describe(hpa)} may scale down to {minimum} replica (minReplicas)"
            yield Observation(written(hpa, "spec", "minReplicas"), message, str(minimum), document=hpa)


def _utilization_metrics(hpa: Document) -> list[tuple[str, str | None]]:
    """(resource, container or None) of every utilization target; no metrics at all means 80% cpu."""
    body = spec(hpa)
    if str(hpa.data.get("apiVersion", "")).endswith("/v1"):
        return [("cpu", None)]
    metrics = body.get("metrics")
    if not metrics or not isinstance(metrics, list):
        return [("cpu", None)]
    found = []
    for metric in metrics:
        metric = as_map(metric)
        source = as_map(metric.get({"Resource": "resource", "ContainerResource": "containerResource"}.get(str(metric.get("type")), "")))
        if as_map(source.get("target")).get("type") == "Utilization" or "targetAverageUtilization" in source:
            found.append((str(source.get("name")), source.get("container")))
    return found


def _check_hpa_requests(objects: Objects, params: Params) -> Iterator[Observation]:
    hpas = of_kind(objects, "HorizontalPodAutoscaler")
    if not hpas:
        yield skip("HorizontalPodAutoscaler")
    for hpa in hpas:
        ref = as_map(spec(hpa).get("scaleTargetRef"))
        targets = [w for w in objects.near(hpa, str(ref.get("kind"))) if object_name(w) == ref.get("name")]
        for workload in targets[:1]:
            for resource, only in _utilization_metrics(hpa):
                for container in _app_containers(workload):
                    name = str(container.spec.get("name", "?"))
                    resources = as_map(container.spec.get("resources"))
                    if (only and name != only) or any(resource in as_map(resources.get(k)) for k in ("requests", "limits")):
                        continue
                    message = (f"{kubernetes.describe(workload)}: container {name} has no {resource} request, "
                               f"so {kubernetes.describe(hpa)} cannot compute {resource} utilization")
                    yield Observation(written(workload, *container.path, "resources"), message, document=workload)


def _check_pdb(objects: Objects, params: Params) -> Iterator[Observation]:
    workloads = of_kind(objects, "Deployment", "StatefulSet")
    if not workloads:
        yield skip("Deployment or StatefulSet")
    for workload in workloads:
        count, scaler = _replicas(workload), _autoscaler(workload, objects)
        if scaler is None and (count is None or count < 2):
            continue
        labels = pod_labels(workload)
        matching = [
            b for b in objects.near(workload, "PodDisruptionBudget") if _k8s.selects(
                spec(b).get("selector"), labels, empty_selects_all=not str(b.data.get("apiVersion")).endswith("v1beta1"))
        ]
        scale = f"is scaled by {kubernetes.describe(scaler)}" if scaler else f"runs {count} replicas"
        if not matching:
            message = f"{kubernetes.describe(workload)} {scale} and no PodDisruptionBudget selects its pods"
            yield Observation(written(workload, "spec", "replicas"), message, document=workload)
        for budget in matching:
            blocked = _no_disruption(budget, None if scaler else count)
            if blocked:
                message = f"{kubernetes.describe(budget)} allows no voluntary disruption of {kubernetes.describe(workload)} ({blocked[1]})"
                yield Observation(blocked[0], message, blocked[1], document=budget)


def _no_disruption(budget: Document, replicas: int | None) -> tuple[Path, str] | None:
    body = spec(budget)
    most, least = body.get("maxUnavailable"), body.get("minAvailable")
    if most is not None and str(most).strip() in ("0", "0%"):
        return ("spec", "maxUnavailable"), f"maxUnavailable: {most}"
    if least is not None and str(least).strip() == "100%":
        return ("spec", "minAvailable"), "minAvailable: 100%"
    if isinstance(least, int) and replicas is not None and least >= replicas:
        return ("spec", "minAvailable"), f"minAvailable: {least} of {replicas} replicas"
    return None


def _check_readiness(objects: Objects, params: Params) -> Iterator[Observation]:
    workloads = of_kind(objects, *LONG_RUNNING)
    if not workloads:
        yield skip("long-running workload")
    for workload in workloads:
        services = _services(workload, objects)
        if not services:
            continue
        containers = _app_containers(workload)
        for container in _serving(containers, services) or containers:
            if "readinessProbe" not in container.spec:
                message = (f"{kubernetes.describe(workload)}: container {container.spec.get('name', '?')} gets traffic from "
                           f"{kubernetes.describe(services[0])} but has no readinessProbe")
                yield Observation(container.path, message, document=workload)


def _serving(containers: list[kubernetes.Container], services: list[Document]) -> list[kubernetes.Container]:
    """The containers whose ports (number or name) a Service targets."""
    targets = {
        str(port.get("targetPort", port.get("port")))
        for service in services for port in spec(service).get("ports") or [] if isinstance(port, dict)
    }
    return [
        c for c in containers
        if any(isinstance(p, dict) and ({str(p.get("containerPort")), str(p.get("name", ""))} & targets) for p in c.spec.get("ports") or [])
    ]


CHECKS: dict[str, Callable[[Objects, Params], Iterator[Observation]]] = {
    "replicas": _check_replicas,
    "hpa-min-replicas": _check_hpa_min_replicas,
    "hpa-requests": _check_hpa_requests,
    "pdb": _check_pdb,
    "readiness": _check_readiness,
    "network-policy": network.check_network_policy,
    "database-service": network.check_database_service,
    "ingress-tls": network.check_ingress_tls,
    "ingress-rate-limit": network.check_ingress_rate_limit,
    "ingress-cors": network.check_ingress_cors,
    "ingress-headers": network.check_ingress_headers,
    "pod-token": tokens.check_pod_token,
    "account-token": tokens.check_account_token,
    "default-account": tokens.check_default_account,
}
