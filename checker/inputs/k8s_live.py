"""Live Kubernetes objects: list them from a cluster and hand them to the rules as Documents.

`preflight scan --k8s` reads the objects the shipped Kubernetes rules judge
(`KINDS`) with the official `kubernetes` client, from the kubeconfig (or
`--kubeconfig`, `--context`) or, inside a pod, the in-cluster service account.
Only `list` requests are made (the read-only ClusterRole in `deploy/rbac.yaml`
grants get/list on exactly these resources). Each object becomes a Document of
kind `k8s`, built exactly like one read from a manifest, so the same rules run,
cross-object ones included. Its path names cluster, namespace, kind and name,
`k8s://prod/default/Deployment/web` (cluster-scoped: `k8s://prod/ClusterRole/view`);
there is no file line.

What the API server adds and a manifest never holds is dropped: `status`,
`metadata.managedFields`, the `last-applied-configuration` annotation (a whole
earlier manifest, Secret values included), and pods, ReplicaSets and Jobs that
a controller owns (their owner is judged instead). Secret values are never kept:
each is replaced by an empty string, keys and type stay.

A kind the cluster does not serve (404: a CRD not installed) is a `skip`, one
the account may not list (403) or any other failure an `error`, both named by
cluster, namespace and kind; the other kinds are still scanned. An API server
that cannot be reached is one `error` for the whole cluster.
"""
from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any, Iterator, NamedTuple

from checker.errors import UsageError
from checker.inputs import kubernetes
from checker.inputs.document import Document
from checker.inputs.environment import DEFAULT_ENVIRONMENT, infer
from checker.inputs.load import Loaded, Problem
from checker.inputs.shard import Shard, pick
from checker.models import Status

IN_CLUSTER_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
PAGE_SIZE = 500


class Kind(NamedTuple):
    api_version: str  # "v1", "apps/v1"
    plural: str
    kind: str
    namespaced: bool = True
    optional: bool = False  # served only when a CRD is installed: a 404 is expected, not an error


# What the shipped Kubernetes rules read; deploy/rbac.yaml grants get/list on exactly these.
KINDS: tuple[Kind, ...] = (
    Kind("apps/v1", "deployments", "Deployment"),
    Kind("apps/v1", "statefulsets", "StatefulSet"),
    Kind("apps/v1", "daemonsets", "DaemonSet"),
    Kind("apps/v1", "replicasets", "ReplicaSet"),
    Kind("batch/v1", "jobs", "Job"),
    Kind("batch/v1", "cronjobs", "CronJob"),
    Kind("v1", "pods", "Pod"),
    Kind("v1", "services", "Service"),
    Kind("v1", "configmaps", "ConfigMap"),
    Kind("v1", "secrets", "Secret"),
    Kind("v1", "serviceaccounts", "ServiceAccount"),
    Kind("v1", "namespaces", "Namespace", namespaced=False),
    Kind("networking.k8s.io/v1", "ingresses", "Ingress"),
    Kind("networking.k8s.io/v1", "networkpolicies", "NetworkPolicy"),
    Kind("policy/v1", "poddisruptionbudgets", "PodDisruptionBudget"),
    Kind("autoscaling/v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler"),
    Kind("rbac.authorization.k8s.io/v1", "roles", "Role"),
    Kind("rbac.authorization.k8s.io/v1", "rolebindings", "RoleBinding"),
    Kind("rbac.authorization.k8s.io/v1", "clusterroles", "ClusterRole", namespaced=False),
    Kind("rbac.authorization.k8s.io/v1", "clusterrolebindings", "ClusterRoleBinding", namespaced=False),
    Kind("monitoring.coreos.com/v1", "prometheusrules", "PrometheusRule", optional=True),
    Kind("monitoring.coreos.com/v1", "servicemonitors", "ServiceMonitor", optional=True),
    Kind("monitoring.coreos.com/v1", "podmonitors", "PodMonitor", optional=True),
    Kind("velero.io/v1", "schedules", "Schedule", optional=True),
)
OWNED_KINDS = {"Pod", "ReplicaSet", "Job"}  # judged through the controller that owns them


class ClusterOptions(NamedTuple):
    context: str | None = None  # --context; default: the kubeconfig's current context
    kubeconfig: str | None = None  # --kubeconfig; default: $KUBECONFIG or ~/.kube/config, else in-cluster
    namespace: str | None = None  # --namespace; default: the context's namespace, else "default"
    all_namespaces: bool = False
    timeout: float = 10.0


class Cluster(NamedTuple):
    name: str  # the context name, shown in every location
    client: Any  # kubernetes.client.ApiClient
    namespace: str | None  # None: every namespace


def connect(options: ClusterOptions) -> Cluster:
    """The API client and the scope; a kubeconfig that cannot be used is a usage error (exit 2)."""
    from kubernetes.config.config_exception import ConfigException

    config: Any = importlib.import_module("kubernetes.config")  # untyped

    try:
        if options.kubeconfig or options.context or not IN_CLUSTER_NAMESPACE.exists():
            contexts, current = config.list_kube_config_contexts(config_file=options.kubeconfig)
            chosen = next((c for c in contexts if c["name"] == options.context), None) if options.context else current
            if chosen is None:
                raise UsageError(f"--context {options.context}: no such context in the kubeconfig")
            client = config.new_client_from_config(config_file=options.kubeconfig, context=chosen["name"])
            name, default_namespace = chosen["name"], chosen.get("context", {}).get("namespace")
        else:
            from kubernetes import client as k8s_client

            configuration = k8s_client.Configuration()
            config.load_incluster_config(client_configuration=configuration)
            client = k8s_client.ApiClient(configuration)
            name, default_namespace = "in-cluster", IN_CLUSTER_NAMESPACE.read_text().strip()
    except (ConfigException, OSError) as exc:
        raise UsageError(f"--k8s: no usable cluster configuration ({exc})") from None
    namespace = None if options.all_namespaces else (options.namespace or default_namespace or "default")
    return Cluster(name, client, namespace)


CLUSTER_SCOPE = "(cluster-scoped)"  # the shard target of objects outside any namespace


def load_cluster(cluster: Cluster, environment: str | None, timeout: float = 10.0, shard: Shard | None = None) -> Loaded:
    """Every object of every kind in `KINDS` in scope, as Documents; failures per kind as Problems.

    With a shard and every namespace, the namespaces are the targets dealt out
    (cluster-scoped objects count as one more target), so a namespace stays whole.
    """
    documents: list[Document] = []
    problems: list[Problem] = []
    if shard is not None and cluster.namespace is not None and shard.index != 0:
        return Loaded([], [], [])  # one namespace is one target: shard 0 scans it
    for kind in KINDS:
        if cluster.namespace is not None and not kind.namespaced and kind.kind != "Namespace":
            continue  # a namespace-scoped scan does not read cluster-wide objects
        try:
            items = list(_list(cluster, kind, timeout))
        except _ListFailed as failed:
            if failed.reason == "unreachable":  # one error for the cluster, not one per kind
                problems.append(Problem(_scope(cluster), "error", failed.message, reason=failed.reason))
                break
            problems.append(Problem(_where(cluster, kind), failed.status, failed.message, reason=failed.reason))
            continue
        for item in items:
            obj = clean(item, kind)
            if obj is not None and _in_scope(obj, cluster):
                documents.append(to_document(obj, cluster.name, environment))
    scope = _scope(cluster)
    if shard is not None and cluster.namespace is None:
        # the cluster scope is always a target: it carries the problems of cluster-wide lists
        namespaces = {doc.meta.get("k8s_namespace") or CLUSTER_SCOPE for doc in documents} | {CLUSTER_SCOPE}
        namespaces |= {doc.meta["k8s_name"] for doc in documents if doc.meta.get("k8s_kind") == "Namespace"}
        mine = set(pick(sorted(namespaces), shard))
        documents = [doc for doc in documents if _shard_target(doc) in mine]
        problems = problems if CLUSTER_SCOPE in mine else []  # reported once, by the shard with the cluster scope
        return Loaded(documents, problems, [f"{scope}/{name}" for name in sorted(mine)])
    return Loaded(documents, problems, [scope])


def _shard_target(doc: Document) -> str:
    if doc.meta.get("k8s_kind") == "Namespace":
        return str(doc.meta["k8s_name"])  # a Namespace object goes with the objects inside it
    return str(doc.meta.get("k8s_namespace") or CLUSTER_SCOPE)


def clean(item: dict[str, Any], kind: Kind) -> dict[str, Any] | None:
    """An API object as its manifest would be written; None for objects a controller owns."""
    metadata: dict[str, Any] = item["metadata"] if isinstance(item.get("metadata"), dict) else {}
    if kind.kind in OWNED_KINDS and any(ref.get("controller") for ref in metadata.get("ownerReferences") or []):
        return None
    metadata = {k: v for k, v in metadata.items() if k not in ("managedFields", "resourceVersion", "uid")}
    annotations = {k: v for k, v in (metadata.get("annotations") or {}).items() if k != LAST_APPLIED}
    metadata = {**metadata, "annotations": annotations} if annotations else {k: v for k, v in metadata.items() if k != "annotations"}
    obj = {"apiVersion": kind.api_version, "kind": kind.kind, **{k: v for k, v in item.items() if k not in ("apiVersion", "kind", "status")}}
    obj["metadata"] = metadata
    if kind.kind == "Secret":  # never hold a secret value: keys and type are all any rule needs
        for field in ("data", "stringData"):
            if isinstance(obj.get(field), dict):
                obj[field] = {key: "" for key in obj[field]}
    return obj


def to_document(obj: dict[str, Any], cluster: str, environment: str | None) -> Document:
    metadata = obj.get("metadata") or {}
    namespace = metadata.get("namespace")
    parts = [cluster] + ([namespace] if namespace else []) + [obj["kind"], str(metadata.get("name", ""))]
    env = environment or (infer(namespace) if namespace else None) or DEFAULT_ENVIRONMENT
    doc = Document("k8s://" + "/".join(parts), "k8s", obj, {}, env)
    kubernetes.build(doc)
    return doc


class _ListFailed(Exception):
    def __init__(self, status: Status, message: str, reason: str | None) -> None:
        super().__init__(message)
        self.status, self.message, self.reason = status, message, reason


def _list(cluster: Cluster, kind: Kind, timeout: float) -> Iterator[dict[str, Any]]:
    """`list` pages of one kind (follows `continue`); raises _ListFailed with a status for the report."""
    base = "/api/v1" if kind.api_version == "v1" else f"/apis/{kind.api_version}"
    scoped = kind.namespaced and cluster.namespace is not None
    path = f"{base}/namespaces/{cluster.namespace}/{kind.plural}" if scoped else f"{base}/{kind.plural}"
    if kind.kind == "Namespace" and cluster.namespace is not None:
        path = f"{base}/namespaces/{cluster.namespace}"  # get the one namespace in scope
    token: str | None = None
    while True:
        query = [("limit", PAGE_SIZE)] + ([("continue", token)] if token else [])
        body = _get(cluster, kind, path, query, timeout)
        yield from body.get("items", [body] if body.get("metadata") else [])
        token = (body.get("metadata") or {}).get("continue")
        if not token or "items" not in body:
            return


def _get(cluster: Cluster, kind: Kind, path: str, query: list[tuple[str, Any]], timeout: float) -> dict[str, Any]:
    from urllib3.exceptions import HTTPError

    what = f"{kind.plural}.{kind.api_version.rpartition('/')[0] or 'core'}"
    try:
        request = cluster.client.param_serialize("GET", path, query_params=query, auth_settings=["BearerToken"])
        response = cluster.client.call_api(*request, _request_timeout=(timeout, timeout))
        status, raw = response.status, response.read()
    except (HTTPError, OSError) as exc:
        raise _ListFailed("error", f"cannot reach the API server: {exc}", "unreachable") from None
    if status == 404 and kind.optional:
        raise _ListFailed("skip", f"{kind.kind} is not served by this cluster (its CRD is not installed)", None)
    if status in (401, 403):
        raise _ListFailed("error", f"not allowed to list {what} (HTTP {status}): grant get/list, see deploy/rbac.yaml", "unreadable")
    if status != 200:
        raise _ListFailed("error", f"listing {what} failed: HTTP {status}", "unreadable")
    try:
        body = json.loads(raw)
    except ValueError:
        raise _ListFailed("error", f"listing {what}: the answer is not JSON", "unparsable") from None
    return body if isinstance(body, dict) else {}


def _in_scope(obj: dict[str, Any], cluster: Cluster) -> bool:
    namespace = (obj.get("metadata") or {}).get("namespace")
    return cluster.namespace is None or namespace in (None, cluster.namespace)


def _scope(cluster: Cluster) -> str:
    return f"k8s://{cluster.name}" + (f"/{cluster.namespace}" if cluster.namespace else "")


def _where(cluster: Cluster, kind: Kind) -> str:
    scope = [cluster.name] + ([cluster.namespace] if cluster.namespace and kind.namespaced else [])
    return "k8s://" + "/".join(scope + [kind.kind])
