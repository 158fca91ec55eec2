"""Variables a compose file needs that the env files do not set.

`${VAR:?message}` and `${VAR?message}` make `docker compose up` refuse to
start when VAR is unset; with `only_required: false`, plain `${VAR}` without a
default is reported too (Compose substitutes an empty string and warns).

Fails:  services: {app: {image: "app:1.0", environment: {TOKEN: "${TOKEN:?set TOKEN}"}}}
Passes: services: {app: {image: "app:1.0", environment: {TOKEN: "${TOKEN:-}"}}}
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from checker.inputs.document import Document
from checker.models import STRICT
from checker.probes.base import Context, Observation

NAME = "unset-variable"
TARGETS = ("compose",)


@dataclass
class Params:
    __pydantic_config__ = STRICT
    only_required: bool = True


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    seen: set[str] = set()
    used = doc.meta.get("interpolation_env") or []  # inputs/env_select.py: which file, and why
    where = "; ".join(used) if used else "no env file: no .env beside it, no --env-file"
    for name, path, required in doc.unset_variables:
        if name in seen or (params.only_required and not required):
            continue
        seen.add(name)
        kind = "is required" if required else "is used without a default"
        yield Observation(path, f"${{{name}}} {kind} but not set (interpolated with {where})", name,
                          evidence={"interpolated_with": used})
    if not seen:
        yield Observation((), f"every variable it needs is set (interpolated with {where})", status="pass",
                          evidence={"interpolated_with": used})
