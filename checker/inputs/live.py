"""Live targets: the endpoints and services a `--live` scan probes.

From `--endpoint URL` (and `endpoints:` in the config file) and from the
scanned files themselves: public URLs (FE_DOMAIN, APP_URL ...) and database
URIs (MONGODB_URI, PG_URL, REDIS_URL ...) in env, compose and Kubernetes
settings, so one command checks configuration and reality together. Each
target is a Document of kind `live`; its data says what to reach:

    {"url": "https://app.example.com", "scheme": "https", "host": "app.example.com",
     "port": 443, "source": "--endpoint" | "<file>:<line> KEY"}

URIs keep their credentials in `data["url"]` (probes need them to log in);
the redaction in the engine keeps them out of every output.
"""
from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Iterable, Sequence
from urllib.parse import urlsplit

from checker.inputs.document import Document
from checker.secrets import CONNECTION_SCHEMES, key_matches, uri_scheme

PUBLIC_URL_KEYS = (
    "FE_DOMAIN", "*PUBLIC_URL*", "APP_URL", "SITE_URL", "FRONTEND_URL", "*EXTERNAL_URL*", "NEXTAUTH_URL", "WEB_URL",
)
LIVE_SCHEMES = ("http", "https") + CONNECTION_SCHEMES
DEFAULT_PORTS = {"http": 80, "https": 443, "mongodb": 27017, "postgres": 5432, "postgresql": 5432, "redis": 6379,
                 "rediss": 6379, "mysql": 3306}


def target(url: str, source: str, environment: str) -> Document | None:
    try:
        parts = urlsplit(url.strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    scheme = (parts.scheme or "").lower()
    if scheme not in LIVE_SCHEMES or not host:
        return None
    data = {"url": url.strip(), "scheme": scheme, "host": host, "port": port or DEFAULT_PORTS.get(scheme), "source": source}
    return Document(_display(url), "live", data, environment=environment)


def targets(endpoints: Iterable[str], documents: Iterable[Document], environment: str) -> list[Document]:
    found: dict[str, Document] = {}
    for url in endpoints:
        doc = target(url, "--endpoint", environment)
        if doc is not None:
            found.setdefault(doc.data["url"], doc)
    for doc in documents:
        for setting in doc.settings:
            if not setting.resolved or not setting.value:
                continue
            scheme = uri_scheme(setting.value)
            is_url = scheme in ("http", "https") and key_matches(setting.key, PUBLIC_URL_KEYS)
            if is_url or scheme in CONNECTION_SCHEMES:
                line = doc.position(setting.path)
                live = target(setting.value, f"{doc.path}:{line[0] if line else '?'} {setting.key}", doc.environment)
                if live is not None:
                    found.setdefault(live.data["url"], live)
    return list(found.values())


def _display(url: str) -> str:
    """The URL as shown in reports: without its password."""
    parts = urlsplit(url.strip())
    if parts.password:
        netloc = f"{parts.username or ''}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return parts._replace(netloc=netloc).geturl()
    return url.strip()


NOT_ALLOWED = "not_contacted"  # data key: why this target is reported as a skip and never reached


def admit(found: list[Document], *, credentials: bool = True, hosts: Sequence[str] = ()) -> list[Document]:
    """The targets as `--no-credentials` and `--live-hosts GLOB` let them be probed.

    Without credentials a URI's user and password are dropped before any probe sees it
    (Redis AUTH, PostgreSQL login, HTTP Basic from userinfo): every probe then connects
    as anonymous. A host matching none of `hosts` (case-insensitive globs) is kept, so
    the report says it was not contacted, but marked so that no probe reaches it.
    """
    admitted = []
    for doc in found:
        data = dict(doc.data)
        if not credentials:
            data["url"] = anonymous(str(data["url"]))
        host = str(data.get("host") or "").lower()
        if hosts and not any(fnmatchcase(host, glob.lower()) for glob in hosts):
            data[NOT_ALLOWED] = f"host {host} is not in --live-hosts; not contacted"
        admitted.append(Document(doc.path, doc.kind, data, environment=doc.environment))
    return admitted


def anonymous(url: str) -> str:
    """The URL without user name or password."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]).geturl()
