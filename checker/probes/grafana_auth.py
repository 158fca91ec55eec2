"""Grafana's login left as shipped: the `admin` / `admin` account, anonymous access with a role.

Looks at every document of the scan (target `project`) in the rule's environments: the
Grafana workloads (compose services, Kubernetes workloads; told by checker/probes/_products.py)
with their environment (`environment:`, `env_file:` when scanned, container `env`), and the
Grafana ini files in the tree (`grafana.ini`, `custom.ini`: inputs/grafana_ini.py). As Grafana
does, a `GF_<SECTION>_<KEY>` variable wins over the ini file. `check` picks one question:

    admin-password   GF_SECURITY_ADMIN_PASSWORD (or the ini's [security] admin_password) is `admin`, or
                     nothing sets it, so Grafana creates its first admin as admin / admin.
                     `GF_SECURITY_ADMIN_PASSWORD__FILE`, `$__file{}` / `$__env{}` / `$__vault{}`
                     in the ini and `disable_initial_admin_creation` set it; a value from an unset
                     ${VAR}, an `envFrom:` or a config file mounted from outside the tree cannot be
                     seen: no finding.
    anonymous        anonymous access is on (GF_AUTH_ANONYMOUS_ENABLED / [auth.anonymous] enabled) with
                     an org role in `roles` (Grafana's default role is Viewer).

Params: check, roles (anonymous; default [Admin, Editor]).

Fails (check: admin-password):  services: {grafana: {image: "grafana/grafana:11.2.0"}}
Passes:                         services: {grafana: {image: "grafana/grafana:11.2.0", environment: {GF_SECURITY_ADMIN_PASSWORD__FILE: /run/secrets/gf}}}

>>> ini = Document("grafana.ini", "grafana-ini", {"security": {"admin_password": "admin"}}, {("security", "admin_password"): (5, 1)})
>>> found = _admin_password(_lookup(None, [], [ini]), None, Params(check="admin-password"), [])
>>> found.path, found.message, found.secret
(('security', 'admin_password'), 'the Grafana admin password is admin', True)
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable, Iterator, Literal, NamedTuple, Optional

from checker.inputs.document import Document, Setting
from checker.inputs.paths import Path
from checker.models import STRICT
from checker.probes._ops import TRUE_WORDS
from checker.probes._products import identify
from checker.probes._workloads import Workload, image_path, in_environments, in_scope, workloads
from checker.probes.base import Context, Observation

NAME = "grafana-auth"
TARGETS = ("project",)
_REFERENCE = ("$__file{", "$__env{", "$__vault{")


@dataclass
class Params:
    __pydantic_config__ = STRICT
    check: Literal["admin-password", "anonymous"]
    roles: list[str] = field(default_factory=lambda: ["Admin", "Editor"])


class Value(NamedTuple):
    """One Grafana setting as found: its value, where it is written, whether it could be read."""

    value: str
    path: Path
    document: Document
    known: bool


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    documents = in_scope(doc, context.environments)
    inis = [d for d in documents if d.kind == "grafana-ini"]
    env_docs = [d for d in documents if d.kind == "env"]
    grafanas = [w for w in workloads(documents) if _is_grafana(w) and in_environments(w.doc, image_path(w), context.environments)]
    if not grafanas and not inis:
        yield Observation((), "no Grafana in scope", status="skip")
        return
    judge = _admin_password if params.check == "admin-password" else _anonymous
    said: set[tuple[int, Path]] = set()  # an ini file two Grafanas read: said once
    for workload in grafanas:  # as Grafana resolves it: its variables, else the ini files in the tree
        found = judge(_lookup(workload, env_docs, inis), workload, params, env_docs)
        if found and (id(found.document), found.path) not in said:
            said.add((id(found.document), found.path))
            yield found
    for ini in inis if not grafanas else ():  # the file alone: a Grafana the scan does not run (a VM, a package)
        found = judge(_lookup(None, env_docs, [ini]), None, params, env_docs)
        if found:
            yield found


Lookup = Callable[[str, str], Optional[Value]]


def _admin_password(get: Lookup, workload: Workload | None, params: Params, env_docs: list[Document]) -> Observation | None:
    disabled = get("security", "disable_initial_admin_creation")
    if disabled is not None and disabled.value.lower() in TRUE_WORDS:
        return None
    if get("security", "admin_password__file") is not None:
        return None
    found = get("security", "admin_password")
    where = f" ({workload.label()})" if workload else ""
    if found is None:
        if workload is None or _config_from_outside(workload, env_docs):
            return None
        return Observation(image_path(workload), f"{workload.label()}: nothing sets the Grafana admin password "
                           "(GF_SECURITY_ADMIN_PASSWORD), so the first admin is admin / admin", document=workload.doc)
    if not found.known or found.value.startswith(_REFERENCE) or found.value != "admin":
        return None
    return Observation(found.path, f"the Grafana admin password is admin{where}", found.value, secret=True,
                       document=found.document)


def _anonymous(get: Lookup, workload: Workload | None, params: Params, env_docs: list[Document]) -> Observation | None:
    enabled = get("auth.anonymous", "enabled")
    if enabled is None or not enabled.known or enabled.value.lower() not in TRUE_WORDS:
        return None
    role = get("auth.anonymous", "org_role")
    if role is not None and not role.known:
        return None
    name = role.value if role is not None else "Viewer"
    if name.lower() not in {r.lower() for r in params.roles}:
        return None
    where = f"{workload.label()}: " if workload else ""
    at = role if role is not None else enabled
    return Observation(at.path, f"{where}anonymous Grafana visitors get the {name} role", f"{name}", document=at.document)


def _is_grafana(workload: Workload) -> bool:
    found = identify(workload.images, workload.command)
    return found is not None and found.name == "grafana"


def _config_from_outside(workload: Workload, env_docs: list[Document]) -> bool:
    """Its settings may come from where the scan cannot see: `envFrom:`, an `env_file:` the scan did not read,
    or a grafana.ini mounted from a file the scan did not read (GF_PATHS_CONFIG, a mount at /etc/grafana/)."""
    spec = workload.spec
    if workload.source == "k8s" and "'envFrom'" in repr(spec):
        return True
    if workload.source == "compose":
        entries = spec.get("env_file")
        read = {os.path.normpath(d.path) for d in env_docs}
        for entry in entries if isinstance(entries, list) else [entries] if entries else []:
            name = entry.get("path") if isinstance(entry, dict) else entry
            if os.path.normpath(os.path.join(os.path.dirname(workload.doc.path), str(name))) not in read:
                return True
    if any(s.key == "GF_PATHS_CONFIG" for s in workload.settings):
        return True
    return any(m.target.startswith("/etc/grafana/grafana.ini") or m.target.rstrip("/") == "/etc/grafana"
               for m in workload.mounts)


def _lookup(workload: Workload | None, env_docs: list[Document], inis: list[Document]) -> Lookup:
    """A Grafana setting as Grafana resolves it: its GF_ variable, else the ini files."""
    def get(section: str, key: str) -> Value | None:
        variable = f"GF_{section.replace('.', '_')}_{key}".upper()
        for setting in reversed(workload.settings if workload else []):  # the service's environment wins over env_file
            if setting.key == variable:
                return _setting_value(setting, workload, env_docs) if workload else None
        return _from_ini(inis, section, key)
    return get


def _setting_value(setting: Setting, workload: Workload, env_docs: list[Document]) -> Value:
    document = workload.doc
    if not setting.scope:  # from an env_file: the env document that wrote it
        document = next((d for d in env_docs if any(s is setting for s in d.settings)), workload.doc)
    return Value(setting.value, setting.path if document is not workload.doc or setting.scope else workload.path,
                 document, setting.resolved)


def _from_ini(inis: list[Document], section: str, key: str) -> Value | None:
    for ini in inis:
        values = ini.data.get(section) if isinstance(ini.data, dict) else None
        if isinstance(values, dict) and key in values:
            return Value(str(values[key]), (section, key), ini, True)
    return None
