"""Compose services that run for good: healthchecks and restart policies (MON-030, MON-031).

`check` picks one question about every long-running service of a compose file:
  healthcheck     no `healthcheck.test` (or `healthcheck.disable: true`)
  restart-policy  neither `restart` nor `deploy.restart_policy`; a Swarm stack file
                  (`docker-stack.yml`, `*-stack.yml`) passes: Swarm restarts services by default
  memory-limit    neither `mem_limit` nor `deploy.resources.limits.memory` (PERF-040)
  cpu-limit       none of `cpus`, `cpu_quota`, `cpu_count`, `cpu_percent`, `deploy.resources.limits.cpus`
                  (PERF-041); `cpu_shares` is a weight, not a limit

A service entry with no `image`, `build` or `extends` is a fragment an override file adds to a
service defined in another file: judged where it is defined, not here.

Not long-running, so not judged (issue 14: one-off jobs were asked for healthchecks):
`restart: "no"`; a service another service waits for with `condition:
service_completed_successfully`; a migration, init, setup, seed or bootstrap job, told by
its name (`kong-migrations`, `initContainer`, `rtcstats-setup`) or its command
(`kong migrations up`, `manage.py migrate`).

Params: check.

Fails (check: healthcheck):  services: {api: {image: "api:2.1.0", restart: always}}
Passes:                      services: {api: {image: "api:2.1.0", restart: always, healthcheck: {test: [CMD, true]}}}

>>> limited({"mem_limit": "512m"}, "memory-limit"), limited({"deploy": {"resources": {"limits": {"memory": "1G"}}}}, "memory-limit")
(True, True)
>>> limited({"cpu_shares": 512}, "cpu-limit"), limited({"cpus": 0.5}, "cpu-limit"), limited({"mem_limit": ""}, "memory-limit")
(False, True, False)
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Iterator, Literal

from checker.inputs.document import Document
from checker.models import STRICT
from checker.probes._databases import repository
from checker.probes._ops import text
from checker.probes.base import Context, Observation

NAME = "compose-service"
TARGETS = ("compose",)
_JOB_WORD = re.compile(r"^(migrat\w*|init\w*|setup|seed\w*|bootstrap\w*|provision\w*|createbuckets?|sut)$")
_JOB_COMMAND = re.compile(r"\bmigrations?\b|\bmigrate\b|\bdb[:_ -]?(seed|setup|init)\b")
# images whose default command is a shell: with no command of the service's own, the container exits at once
_DATA_ONLY = re.compile(r"^(library/)?(busybox|alpine|hello-world)$|^tianon/true$")


_TOOLING_PROFILE = re.compile(r"^(selenium|playwright|cypress|tests?|testing|e2e|debug|dev|development|ci|docs?|lint|tools?|"
                              r"seed|setup|init|migrate|benchmarks?|load-?test)([-_].+)?$", re.IGNORECASE)  # selenium-chrome too


def _tooling(profiles: Any) -> bool:
    """Every profile the service is in names test, debug or setup tooling (not `all`, `full`, `database`)."""
    names = [str(p) for p in profiles] if isinstance(profiles, list) else []
    return bool(names) and all(_TOOLING_PROFILE.match(name) for name in names)


_STACK_FILE = re.compile(r"(^|[-_.])stack([-_.]|$)", re.IGNORECASE)


@dataclass
class Params:
    __pydantic_config__ = STRICT
    check: Literal["healthcheck", "restart-policy", "memory-limit", "cpu-limit"]


# the keys that cap a container's memory or CPU, each as a path into the service
LIMITS: dict[str, tuple[tuple[str, ...], ...]] = {
    "memory-limit": (("mem_limit",), ("deploy", "resources", "limits", "memory")),
    "cpu-limit": (("cpus",), ("cpu_quota",), ("cpu_count",), ("cpu_percent",), ("deploy", "resources", "limits", "cpus")),
}
WHAT = {"memory-limit": "memory", "cpu-limit": "CPU"}


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    services = doc.data.get("services") if isinstance(doc.data, dict) else None
    if not isinstance(services, dict):
        return
    awaited = _awaited(services)
    swarm = bool(_STACK_FILE.search(os.path.basename(doc.path)))
    for name, service in services.items():
        if not isinstance(service, dict) or one_off(str(name), service, awaited) or not _defines(service):
            continue
        if _tooling(service.get("profiles")):
            continue  # test and debug tooling started only with `--profile selenium`; `feature-complete`, `all` are the product
        if params.check == "healthcheck":
            health = service.get("healthcheck")
            if not isinstance(health, dict) or not health.get("test") or health.get("disable") is True:
                yield Observation(("services", name), f"service {name} has no healthcheck")
        elif params.check in LIMITS:
            if not limited(service, params.check):
                yield Observation(("services", name), f"service {name} has no {WHAT[params.check]} limit")
        elif not swarm and "restart" not in service and not _get(service, "deploy", "restart_policy"):
            yield Observation(("services", name), f"service {name} has no restart policy")


def limited(service: dict[str, Any], check: str) -> bool:
    """The service sets one of the keys that cap this resource, to something other than empty or 0."""
    return any(_get(service, *path) not in (None, "", 0, "0") for path in LIMITS[check])


def one_off(name: str, service: dict[str, Any], awaited: set[str]) -> bool:
    """A service that runs to completion: a job, not something to keep healthy and restart."""
    if service.get("restart") in ("no", False) or name in awaited:
        return True
    if _DATA_ONLY.match(repository(str(service.get("image") or ""))) and not service.get("command") and not service.get("entrypoint"):
        return True  # `db-data-mysql: {image: busybox, volumes: [...]}`: a data-volume container, which exits at once
    words = [w.lower() for w in re.split(r"[-_.]|(?<=[a-z])(?=[A-Z])", name) if w]
    command = f"{text(service.get('entrypoint'))} {text(service.get('command'))}"
    return any(_JOB_WORD.match(w) for w in words) or bool(_JOB_COMMAND.search(command))


def _defines(service: dict[str, Any]) -> bool:
    """A service this file defines, not a fragment an override file adds to a service defined elsewhere
    (`reverse-proxy/docker-compose.caddy-gen.yml` giving `plausible` its labels): that one is judged where it is defined."""
    return any(key in service for key in ("image", "build", "extends"))


def _awaited(services: dict[str, Any]) -> set[str]:
    """Services that another one waits for until they have completed."""
    found: set[str] = set()
    for service in services.values():
        depends = service.get("depends_on") if isinstance(service, dict) else None
        for other, condition in (depends.items() if isinstance(depends, dict) else []):
            if isinstance(condition, dict) and condition.get("condition") == "service_completed_successfully":
                found.add(str(other))
    return found


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data
