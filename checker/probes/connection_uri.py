"""Database, cache and broker connection URIs: credentials, TLS, and where they point.

For settings whose value is a connection URI (mongodb://, mongodb+srv://,
postgres(ql)://, redis(s)://, mysql://, amqp(s):// ...), `require` one of:
  credentials  the URI carries a password, and its %-escapes decode (`%zz` does not: the
               driver refuses the URI or logs in with another password)
  tls          TLS is on: rediss://, amqps://, mongodb+srv://, or a query such as
               tls=true, ssl=true, sslmode=require|verify-ca|verify-full, ssl-mode=REQUIRED
  remote       the host is not localhost / 127.0.0.1 / ::1 / 0.0.0.0, in any numeric
               form (in production that address is the container or pod itself)
With `uri_only: true` every listed key must hold a URI of one of `schemes`: a value
in another form (a key=value DSN where the service wants a URI) is reported, since
the service ignores it (aiproxy silently falls back to SQLite). A driver suffix
(`postgresql+asyncpg://`) counts as its database's scheme.

Internal traffic (credentials, tls): a URI whose hosts are services of the same compose
project, or the pod itself (localhost in a Kubernetes manifest), never leaves that
network: `tls` does not report it and `credentials` reports it at low confidence. A bare
host name (`fastgpt-mongo`, resolved only by a container network's or cluster's DNS) in an
env file or manifest: `tls` reports it at low confidence.

Fails (require: credentials):  MONGODB_URI=mongodb://mongo:27017/app
Passes:                        MONGODB_URI=mongodb://app:Xk3r9Lq2Vw7z@mongo:27017/app
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator, Literal
from urllib.parse import parse_qsl, urlsplit

from checker.inputs.document import Document
from checker.models import STRICT
from checker.probes._settings import applies as applies  # re-exported: the engine calls probe.applies()
from checker.probes._settings import matching, where
from checker.probes.base import Context, Observation
from checker.hosts import is_local_host
from checker.secrets import CONNECTION_SCHEMES, mask_uri, uri_password, uri_password_malformed, uri_scheme

NAME = "connection-uri"
TARGETS = ("env", "compose", "k8s", "helm-values", "docker")

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "[::1]"}
TLS_SCHEMES = {"rediss", "amqps", "mongodb+srv"}
TLS_ON = {"true", "1", "yes", "require", "required", "verify-ca", "verify-full", "verify_ca", "verify_identity", "preferred_no"}


@dataclass
class Params:
    __pydantic_config__ = STRICT
    require: Literal["credentials", "tls", "remote"]
    keys: list[str] = field(default_factory=lambda: ["*"])
    schemes: list[str] = field(default_factory=lambda: list(CONNECTION_SCHEMES))
    uri_only: bool = False


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    for setting in matching(doc, params.keys):
        scheme = uri_scheme(setting.value)
        if not setting.resolved or setting.origin:  # passed through from a scanned env file: judged there
            continue
        if scheme not in params.schemes:
            if params.uri_only and setting.value.strip():
                shown = "a URI of another scheme" if scheme else "no URI"
                yield Observation(setting.path, f"{where(setting)} is {shown}, not {'/'.join(params.schemes[:4])}://...",
                                  setting.value, secret=True)
            continue
        try:
            parts = urlsplit(setting.value.strip())
            hosts = [h.split(":")[0].strip("[]").lower() for h in parts.netloc.rpartition("@")[2].split(",")]
        except ValueError:
            continue
        shown = mask_uri(setting.value)
        problem = _problem(params.require, scheme or "", parts.query, setting.value, hosts)
        if not problem:
            continue
        evidence = {"scheme": scheme, "hosts": hosts}
        network = internal_network(doc, hosts) if params.require in ("credentials", "tls") else None
        if network is not None and params.require == "tls" and network != "a bare host name":
            continue  # the traffic never leaves the compose network or the pod: nothing to encrypt against
        if network == "a bare host name" and params.require == "credentials":
            network = None  # who else can reach it is not known from the name: a password still counts in full
        if network is not None:
            yield Observation(setting.path, f"{where(setting)}: {problem} (the host is {network}: internal traffic)",
                              shown, evidence={**evidence, "network": network}, confidence="low")
            continue
        yield Observation(setting.path, f"{where(setting)}: {problem}", shown, evidence=evidence)


def internal_network(doc: Document, hosts: list[str]) -> str | None:
    """Where every host of a URI lives when that is never outside: a service of this compose project, the
    pod itself (Kubernetes localhost), or, for TLS, a bare name only a container network resolves."""
    if not hosts or any(not h for h in hosts):
        return None
    if doc.kind == "compose":
        names = _compose_names(doc)
        if all(h in names for h in hosts):
            return "a service of this compose project"
    if doc.kind == "k8s" and all(h in LOCAL_HOSTS or h.startswith("127.") for h in hosts):
        return "the pod itself"
    if all(_BARE_NAME.match(h) for h in hosts) and not any(h in LOCAL_HOSTS for h in hosts):
        return "a bare host name"
    return None


_BARE_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")  # no dot, not an address: resolved by container or cluster DNS only


def _compose_names(doc: Document) -> set[str]:
    found: set[str] | None = doc.meta.get("_compose_hosts")
    if found is None:
        found = set()
        services = doc.data.get("services") if isinstance(doc.data, dict) else None
        for name, service in (services.items() if isinstance(services, dict) else []):
            found.add(str(name).lower())
            if isinstance(service, dict):
                found.update(str(service[k]).lower() for k in ("hostname", "container_name") if service.get(k))
                networks = service.get("networks")
                for network in networks.values() if isinstance(networks, dict) else []:
                    aliases = network.get("aliases") if isinstance(network, dict) else None
                    found.update(str(a).lower() for a in aliases if a) if isinstance(aliases, list) else None
        doc.meta["_compose_hosts"] = found
    return found


def _problem(require: str, scheme: str, query: str, value: str, hosts: list[str]) -> str | None:
    if require == "credentials" and not uri_password(value):
        return f"{scheme}:// URI has no password"
    if require == "credentials" and uri_password_malformed(value):
        return f"{scheme}:// URI's password has a %-escape that does not decode (write % as %25)"
    if require == "tls" and not uses_tls(scheme, query):
        return f"{scheme}:// URI does not turn TLS on"
    if require == "remote":
        local = [h for h in hosts if h in LOCAL_HOSTS or h.startswith("127.") or is_local_host(h)]
        if local:
            return f"{scheme}:// URI points at {local[0]}"
    return None


def uses_tls(scheme: str, query: str) -> bool:
    if scheme in TLS_SCHEMES:
        return True
    options = {k.lower().replace("-", "_"): v.lower() for k, v in parse_qsl(query)}
    for key in ("tls", "ssl", "sslmode", "ssl_mode", "use_ssl", "encrypt"):
        if options.get(key) in TLS_ON:
            return True
    return False
