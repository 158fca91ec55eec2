"""Public URLs in settings: https, and not a local address.

For settings whose key names the address users or browsers reach (FE_DOMAIN,
*PUBLIC_URL*, APP_URL, SITE_URL, *EXTERNAL_URL*, NEXTAUTH_URL ...), `check`:
  https   the value starts with https:// (a bare host name fails: browsers
          and callbacks would build http:// links from it); a name without a dot
          (`http://frontend`, an in-cluster Service; `replace-me`, a placeholder)
          is not a public address and is not judged
  remote  the host is not localhost, 127.x, ::1 or 0.0.0.0, in any numeric form
          (`https://0x7f000001`, `https://2130706433`, `https://127.1`: checker/hosts.py)
Empty values are not judged (the setting is unused).

Fails (check: https):  FE_DOMAIN=http://fastgpt.example.com
Passes:                FE_DOMAIN=https://fastgpt.example.com
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Literal
from urllib.parse import urlsplit

from checker.inputs.document import Document
from checker.models import STRICT
from checker.probes._settings import applies as applies  # re-exported: the engine calls probe.applies()
from checker.probes._settings import matching, where
from checker.probes.base import Context, Observation
from checker.hosts import is_local_host

NAME = "public-url"
TARGETS = ("env", "compose", "k8s")
LOCAL = ("localhost", "127.", "::1", "0.0.0.0")
PUBLIC_URL_KEYS = (
    "FE_DOMAIN", "FILE_DOMAIN", "*PUBLIC_URL*", "*PUBLIC_DOMAIN*", "APP_URL", "SITE_URL", "BASE_URL", "FRONTEND_URL",
    "*EXTERNAL_URL*", "*EXTERNAL_ENDPOINT*", "NEXTAUTH_URL", "PUBLIC_HOST", "SERVER_URL", "WEB_URL", "ROOT_URL",
    "*_SITEURL", "*_SITE_URL",
)


@dataclass
class Params:
    __pydantic_config__ = STRICT
    check: Literal["https", "remote"]
    keys: list[str] = field(default_factory=lambda: list(PUBLIC_URL_KEYS))
    exclude: list[str] = field(default_factory=lambda: [])


def _not_public(value: str) -> bool:
    """A name with no dot is no public address: an in-cluster Service (`http://frontend`) or a placeholder
    (`replace-me`, which SEC-002 reports); localhost is the `remote` check's."""
    try:
        host = (urlsplit(value if "://" in value else f"//{value}").hostname or "").lower()
    except ValueError:
        return False
    return bool(host) and "." not in host and ":" not in host and host != "localhost"


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    for setting in matching(doc, params.keys, params.exclude):
        value = setting.value.strip()
        if not setting.resolved or not value:
            continue
        if params.check == "https":
            if not value.lower().startswith("https://") and not _not_public(value):
                yield Observation(setting.path, f"{where(setting)} is not an https:// URL", value)
            continue
        try:
            host = (urlsplit(value if "://" in value else f"//{value}").hostname or "").lower()
        except ValueError:
            continue
        if host.startswith(LOCAL) or is_local_host(host):
            yield Observation(setting.path, f"{where(setting)} points at {host}, which users cannot reach", value)
