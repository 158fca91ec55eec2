"""Service account tokens: one model for the pod rule (SEC-114) and the account rule (SEC-115).

    pod-token        a pod that gets an API token it has not asked for
    account-token    a ServiceAccount that hands its token to every pod that names it
    default-account  API rights used through the namespace's `default` ServiceAccount, which every pod
                     that names no account shares: a binding granting `default` a role, or a pod that runs
                     as `default` and opts in to its token

The model, decided once (issue 14: the two rules contradicted each other):

* a **pod needs the token** when it sets `automountServiceAccountToken: true` on purpose,
  or when its ServiceAccount needs it;
* an **account needs the token** when a RoleBinding or ClusterRoleBinding of the unit grants
  it a role (it was given API rights to use them), or a pod of the unit that runs as it opts
  in explicitly;
* a pod that leaves the field unset inherits its account's setting: when that account is in
  the unit, the account is where the fix goes (SEC-115 judges it), so the pod is not reported
  a second time; SEC-114 reports pods whose account is not in scope (`default`, or one
  created elsewhere) and that nothing in the unit binds.

* the **default account** (SEC-125) is judged only where a token is wanted: a binding that grants
  `default` a role is reported at its subject; a pod running as `default` that sets
  `automountServiceAccountToken: true` is reported at that line. A pod as `default` that leaves
  the field unset is SEC-114's (opting out is the whole fix), and one that opts out has no token.

Fails (pod-token):  kind: Deployment, spec.template.spec without automountServiceAccountToken, no account in scope
Passes:             the same with `automountServiceAccountToken: true`, or its account bound by a RoleBinding
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator

from checker.inputs import kubernetes
from checker.inputs.document import Document
from checker.probes._k8s import Objects, namespace, object_name, of_kind, skip, written
from checker.probes.base import Observation

BINDINGS = ("RoleBinding", "ClusterRoleBinding")


def account_of(pod: dict[str, Any]) -> str:
    return str(pod.get("serviceAccountName") or pod.get("serviceAccount") or "default")


def _bound(objects: Objects, near: Document, account: str, space: str | None) -> Document | None:
    """A binding of the unit that names this ServiceAccount as a subject (namespaces compared when both are known)."""
    for binding in objects.near(near, *BINDINGS):
        subjects = binding.data.get("subjects")
        for subject in subjects if isinstance(subjects, list) else []:
            if not isinstance(subject, dict) or subject.get("kind") != "ServiceAccount" or subject.get("name") != account:
                continue
            where = subject.get("namespace") or (namespace(binding) if binding.data.get("kind") == "RoleBinding" else None)
            if where is None or space is None or str(where) == space:
                return binding
    return None


def _account(objects: Objects, pod_doc: Document, name: str) -> Document | None:
    space = namespace(pod_doc)
    for account in objects.near(pod_doc, "ServiceAccount"):
        if object_name(account) == name and (namespace(account) is None or space is None or namespace(account) == space):
            return account
    return None


def _pods(objects: Iterable[Document]) -> Iterator[tuple[Document, Any, dict[str, Any]]]:
    for doc in objects:
        found = kubernetes.pod_spec(doc) if doc.kind == "k8s" else None
        if found is not None:
            yield doc, found[0], found[1]


def check_pod_token(objects: Objects, params: Any) -> Iterator[Observation]:
    pods = list(_pods(objects))
    if not pods:
        yield skip("pod-bearing workload")
    for doc, path, pod in pods:
        value = pod.get("automountServiceAccountToken")
        if value is False or value is True:  # opted out, or opted in on purpose: both are decisions
            continue
        name = account_of(pod)
        if _account(objects, doc, name) is not None:  # inherits the account's setting: SEC-115 judges the account
            continue
        if _bound(objects, doc, name, namespace(doc)) is not None:  # given API rights: it uses the token
            continue
        where = "the default ServiceAccount" if name == "default" else f"ServiceAccount {name} (not in scope)"
        message = f"{kubernetes.describe(doc)} gets a Kubernetes API token it does not ask for: " \
                  f"automountServiceAccountToken is unset and it runs as {where}, which nothing in scope binds to a role"
        yield Observation(written(doc, *path, "automountServiceAccountToken"), message, document=doc)


def check_account_token(objects: Objects, params: Any) -> Iterator[Observation]:
    accounts = of_kind(objects, "ServiceAccount")
    if not accounts:
        yield skip("ServiceAccount")
    for account in accounts:
        value = account.data.get("automountServiceAccountToken")
        if value is False or value is True:  # false: opted out; true: written on purpose
            continue
        name, space = object_name(account), namespace(account)
        if _bound(objects, account, name, space) is not None:
            continue
        if any(pod.get("automountServiceAccountToken") is True and account_of(pod) == name
               and (space is None or namespace(doc) in (None, space))
               for doc, _, pod in _pods(objects.near(account))):
            continue  # its pods opt in explicitly: the account is there for API access
        message = f"{kubernetes.describe(account)} mounts its token into every pod that does not opt out, " \
                  "and nothing in scope binds it to a role"
        yield Observation(written(account, "automountServiceAccountToken"), message, document=account)


def check_default_account(objects: Objects, params: Any) -> Iterator[Observation]:
    bindings, pods = of_kind(objects, *BINDINGS), list(_pods(objects))
    if not bindings and not pods:
        yield skip("binding or pod-bearing workload")
    for binding in bindings:
        subjects = binding.data.get("subjects")
        for index, subject in enumerate(subjects if isinstance(subjects, list) else []):
            if isinstance(subject, dict) and subject.get("kind") == "ServiceAccount" and subject.get("name") == "default":
                ref = binding.data.get("roleRef")
                role = f"{ref.get('kind')} {ref.get('name')}" if isinstance(ref, dict) else "a role"
                where = subject.get("namespace") or namespace(binding)
                account = f"the default ServiceAccount{f' of {where}' if where else ''}"
                message = f"{kubernetes.describe(binding)} grants {role} to {account}: every pod there that names no account gets it"
                yield Observation(written(binding, "subjects", index, "name"), message, document=binding)
    for doc, path, pod in pods:
        if account_of(pod) == "default" and pod.get("automountServiceAccountToken") is True:
            message = f"{kubernetes.describe(doc)} asks for an API token but runs as the default ServiceAccount, " \
                      "whose rights every pod of the namespace that names no account shares"
            yield Observation(written(doc, *path, "automountServiceAccountToken"), message, document=doc)
