"""CORS allowlists in settings: an explicit list of https origins.

For settings whose key names a CORS allowlist (CORS_ORIGIN*, ALLOWED_ORIGINS,
CORS_ALLOWED_ORIGINS, ACCESS_CONTROL_ALLOW_ORIGIN ...), `check`:
  wildcard  fails on `*`, `null`, `all`, a catch-all regex, or an empty value
            (many frameworks, FastGPT among them, allow every origin when it is empty)
  https     fails on any `http://` origin (localhost included: not in production)
Origins may be separated by commas, spaces or semicolons.

Fails (check: wildcard):  ALLOWED_ORIGINS=*
Passes:                   ALLOWED_ORIGINS=https://app.example.com,https://admin.example.com
"""
from __future__ import annotations

from dataclasses import dataclass, field
import re
from typing import Iterator, Literal

from checker.inputs.document import Document
from checker.models import STRICT
from checker.probes._settings import applies as applies  # re-exported: the engine calls probe.applies()
from checker.probes._settings import matching, where
from checker.probes.base import Context, Observation

NAME = "cors-origins"
TARGETS = ("env", "compose", "k8s", "docker")
WILDCARDS = {"*", "null", "all", ".*", "^.*$", "true", "any"}


@dataclass
class Params:
    __pydantic_config__ = STRICT
    check: Literal["wildcard", "https"]
    keys: list[str] = field(default_factory=lambda: ["*CORS*ORIGIN*", "*ALLOWED_ORIGIN*", "*ALLOW_ORIGIN*", "*CORS_ALLOW*", "*TRUSTED_ORIGINS*"])
    allow_empty: bool = False


def origins(value: str) -> list[str]:
    return [o for o in re.split(r"[,\s;]+", value.strip().strip("[]")) if o]


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    for setting in matching(doc, params.keys):
        if not setting.resolved:
            continue
        listed = [o.strip("'\"") for o in origins(setting.value)]
        if params.check == "wildcard":
            if not listed and not params.allow_empty:
                yield Observation(setting.path, f"{where(setting)} is empty, which allows every origin", setting.value)
            wild = [o for o in listed if o.lower() in WILDCARDS]
            if wild:
                yield Observation(setting.path, f"{where(setting)} allows any origin ({wild[0]})", setting.value)
        else:
            plain = [o for o in listed if o.lower().startswith("http://")]
            if plain:
                yield Observation(setting.path, f"{where(setting)} trusts a plain-http origin {plain[0]}", setting.value)
