"""What a Role or ClusterRole grants, and what a binding hands out: one RBAC view for SEC-120..SEC-124.

`check` picks the question (one rule each):

    wildcard      a rule with `*` in `resources` or in `verbs` on a built-in API group (core, apps, rbac ...
                  or `*`); a wildcard over an operator's own API group only is not reported
    read-secrets  a ClusterRole rule with get, list, watch or `*` on core `secrets`, not narrowed by `resourceNames`
    escalation    a rule naming `escalate` or `bind` on roles / clusterroles, or `impersonate` on users, groups,
                  serviceaccounts, uids or userextras
    pod-exec      a rule with create (or get, or `*`) on `pods/exec` or `pods/attach`
    cluster-admin a RoleBinding or ClusterRoleBinding whose roleRef is the ClusterRole `cluster-admin`

One cause is said once: a `*` in `resources` is the wildcard rule's alone (the others read only what a rule
names), and the verb rules point at the `verbs:` line, where the wildcard rule reports a `*` verb, so
the engine's `superseded_by` drops the second finding. Kubernetes' own default roles and bindings
(label `kubernetes.io/bootstrapping: rbac-defaults`, as a live `--k8s` scan reads them) are not judged,
and neither is an aggregated ClusterRole's computed `rules` (its parts are judged on their own).

Params: check, message ({object}, {detail}).

Fails (check: wildcard):
    kind: Role ... rules: [{apiGroups: [""], resources: ["*"], verbs: [get]}]
Passes:
    kind: Role ... rules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Literal, Optional

from checker.inputs import kubernetes
from checker.inputs.document import Document
from checker.inputs.paths import Path
from checker.models import STRICT
from checker.probes.base import Context, Observation

NAME = "k8s-rbac"
TARGETS = ("k8s",)

ROLES = ("Role", "ClusterRole")
BINDINGS = ("RoleBinding", "ClusterRoleBinding")
# API groups the API server serves itself: a wildcard there covers objects the cluster runs on
# (metrics.k8s.io, served read-only by metrics-server, and CRD groups are not among them)
BUILT_IN_GROUPS = frozenset({
    "", "apps", "batch", "extensions", "policy", "autoscaling", "rbac.authorization.k8s.io", "networking.k8s.io",
    "storage.k8s.io", "admissionregistration.k8s.io", "apiextensions.k8s.io", "apiregistration.k8s.io",
    "certificates.k8s.io", "coordination.k8s.io", "discovery.k8s.io", "events.k8s.io", "node.k8s.io",
    "scheduling.k8s.io", "authentication.k8s.io", "authorization.k8s.io", "flowcontrol.apiserver.k8s.io",
    "resource.k8s.io", "internal.apiserver.k8s.io", "storagemigration.k8s.io",
})
READ_VERBS = ("get", "list", "watch", "*")
# verb -> (API groups, resources) it is dangerous on
ESCALATION = {
    "escalate": (("rbac.authorization.k8s.io",), ("roles", "clusterroles")),
    "bind": (("rbac.authorization.k8s.io",), ("roles", "clusterroles")),
    "impersonate": (("", "authentication.k8s.io"), ("users", "groups", "serviceaccounts", "uids", "userextras")),
}
EFFECT = {
    "escalate": "may write any permission into a role", "bind": "may bind any role to anyone, itself included",
    "impersonate": "may act as any of them",
}
EXEC_RESOURCES = ("pods/exec", "pods/attach")
EXEC_VERBS = ("create", "get", "*")  # `get` too: a websocket exec is a GET, enough before Kubernetes 1.35
BOOTSTRAP_LABEL = "kubernetes.io/bootstrapping"


@dataclass
class Params:
    __pydantic_config__ = STRICT
    check: Literal["wildcard", "read-secrets", "escalation", "pod-exec", "cluster-admin"]
    message: Optional[str] = None


def applies(doc: Document, params: Params) -> bool:
    if doc.kind != "k8s" or not isinstance(doc.data, dict):
        return False
    kinds = BINDINGS if params.check == "cluster-admin" else ("ClusterRole",) if params.check == "read-secrets" else ROLES
    if doc.data.get("kind") not in kinds or _bootstrap(doc.data):
        return False
    return params.check == "cluster-admin" or not _aggregated(doc.data)


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    if params.check == "cluster-admin":
        yield from _cluster_admin(doc, params)
        return
    rules = doc.data.get("rules")
    for index, rule in enumerate(rules if isinstance(rules, list) else []):
        if not isinstance(rule, dict):
            continue
        found = JUDGES[params.check](rule)
        if found is not None:
            field_name, detail = found
            message = (params.message or "{object}: {detail}").format(object=kubernetes.describe(doc), detail=detail)
            yield Observation(("rules", index, field_name), message, detail)


def _words(rule: dict[str, Any], key: str) -> list[str]:
    value = rule.get(key)
    return [str(v) for v in value] if isinstance(value, list) else []


def _groups(rule: dict[str, Any]) -> list[str]:
    """The rule's API groups; none written means the core group (the API server refuses such a rule, but that is what it meant)."""
    return _words(rule, "apiGroups") if "apiGroups" in rule else [""]


def _in_groups(rule: dict[str, Any], wanted: tuple[str, ...] | frozenset[str]) -> bool:
    return any(group == "*" or group in wanted for group in _groups(rule))


def _wildcard(rule: dict[str, Any]) -> tuple[str, str] | None:
    resources, verbs, groups = _words(rule, "resources"), _words(rule, "verbs"), _groups(rule)
    if not resources or not _in_groups(rule, BUILT_IN_GROUPS):  # an operator's own API group: it owns those objects
        return None
    if "*" in resources:
        what = "every verb" if "*" in verbs else ", ".join(verbs) or "no verb"
        where = "every API group" if "*" in groups else "API group " + ", ".join(g or "core" for g in groups)
        notable = [name for name, group in (("Secrets", ""), ("RBAC", "rbac.authorization.k8s.io")) if "*" in groups or group in groups]
        secrets = f", {' and '.join(notable)} included" if notable else ""
        return ("verbs" if "*" in verbs else "resources"), \
            f"resources: * grants {what} on every resource of {where}{secrets}, and on any added later"
    if "*" in verbs:
        return "verbs", f"verbs: * grants every verb, delete and any added later included, on {', '.join(resources)}"
    return None


def _read_secrets(rule: dict[str, Any]) -> tuple[str, str] | None:
    verbs = [v for v in _words(rule, "verbs") if v in READ_VERBS]
    if "secrets" not in _words(rule, "resources") or not verbs or not _in_groups(rule, ("",)) or _words(rule, "resourceNames"):
        return None
    return "verbs", f"{', '.join(verbs)} on secrets: bound by a ClusterRoleBinding, every Secret's value in every namespace"


def _escalation(rule: dict[str, Any]) -> tuple[str, str] | None:
    resources, verbs = _words(rule, "resources"), _words(rule, "verbs")
    granted = []
    for verb in (v for v in verbs if v in ESCALATION):  # a `*` verb is SEC-120's
        groups, targets = ESCALATION[verb]
        hit = [r for r in resources if r.split("/")[0] in targets or r == "*"]  # userextras/<key>
        if hit and _in_groups(rule, groups):
            granted.append(f"{verb} on {', '.join(hit)} ({EFFECT[verb]})")
    return ("verbs", "; ".join(granted)) if granted else None


def _pod_exec(rule: dict[str, Any]) -> tuple[str, str] | None:
    resources = [r for r in _words(rule, "resources") if r in EXEC_RESOURCES]
    verbs = [v for v in _words(rule, "verbs") if v in EXEC_VERBS]
    if not resources or not verbs or not _in_groups(rule, ("",)):
        return None
    granted = f"{', '.join(verbs)} on {', '.join(resources)}"
    if verbs == ["get"]:  # Kubernetes 1.35 (AuthorizePodWebsocketUpgradeCreatePermission) asks for create too
        return "verbs", f"{granted}: a shell in any pod it may reach over a websocket, on clusters before Kubernetes 1.35"
    return "verbs", f"{granted}: a shell in any pod it may reach, with that pod's secrets and token"


JUDGES = {"wildcard": _wildcard, "read-secrets": _read_secrets, "escalation": _escalation, "pod-exec": _pod_exec}


def _cluster_admin(doc: Document, params: Params) -> Iterator[Observation]:
    ref = doc.data.get("roleRef")
    if not isinstance(ref, dict) or ref.get("kind") != "ClusterRole" or ref.get("name") != "cluster-admin":
        return
    subjects = doc.data.get("subjects")
    names = [f"{s.get('kind')} {s.get('name')}" for s in subjects if isinstance(s, dict)] if isinstance(subjects, list) else []
    scope = "the whole cluster" if doc.data.get("kind") == "ClusterRoleBinding" else "its namespace, Secrets and RBAC included,"
    detail = f"grants cluster-admin over {scope} to {', '.join(names) or 'no subject'}"
    message = (params.message or "{object} {detail}").format(object=kubernetes.describe(doc), detail=detail)
    path: Path = ("roleRef", "name")
    yield Observation(path, message, "cluster-admin")


def _bootstrap(data: dict[str, Any]) -> bool:
    """One of Kubernetes' own default roles or bindings (cluster-admin, admin, system:...), as a live cluster serves them."""
    metadata = data.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, dict) else None
    return isinstance(labels, dict) and labels.get(BOOTSTRAP_LABEL) == "rbac-defaults"


def _aggregated(data: dict[str, Any]) -> bool:
    """A ClusterRole whose rules the controller computes from others (`aggregationRule`): those others are judged."""
    return data.get("kind") == "ClusterRole" and isinstance(data.get("aggregationRule"), dict)
