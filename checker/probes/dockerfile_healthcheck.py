"""Dockerfile HEALTHCHECK, judged where the platform that runs the image reads it.

A HEALTHCHECK is read by Docker and Compose only: the kubelet ignores it (Kubernetes
uses its own probes, MON-100/MON-101), and a compose `healthcheck:` replaces it. So each
scanned Dockerfile is judged by what runs it, as far as the scan shows:

* a compose service of the scan builds it (`build:` context and `dockerfile`):
  the service's `healthcheck:` counts (pass); without one, the service is where the fix
  goes and MON-030 reports it there, so this rule does not report the same gap twice (pass);
* no compose service builds it and the scan holds Kubernetes workloads: Kubernetes runs
  it and ignores HEALTHCHECK (skip, with that reason);
* a Dockerfile in a folder named like an image another scanned Dockerfile builds FROM
  (`base/Dockerfile`, and `FROM ${REPO}/base:${TAG}` elsewhere) builds a base image that
  never runs by itself (skip, naming the Dockerfile built from it);
* otherwise (`docker run`, or a compose file outside the scan): the final stage must
  declare a HEALTHCHECK, and `HEALTHCHECK NONE` fails.

Params: none.

Fails:  Dockerfile `FROM python:3.12-slim / CMD ["python", "-m", "http.server"]`, nothing else in the scan
Passes: the same Dockerfile built by `services: {web: {build: ., healthcheck: {test: [...]}}}`
"""
from __future__ import annotations

import os
from typing import Any, Iterator

from checker.inputs import kubernetes
from checker.inputs.document import Document
from checker.probes._workloads import in_scope
from checker.probes.base import Context, Observation, Params
from checker.probes.dockerfile import healthcheck

NAME = "dockerfile-healthcheck"
TARGETS = ("project",)
__all__ = ["NAME", "TARGETS", "Params", "check"]


def check(project: Document, params: Params, context: Context) -> Iterator[Observation]:
    documents = in_scope(project, context.environments)
    dockerfiles = [d for d in documents if d.kind == "dockerfile" and isinstance(d.data, dict) and d.data.get("stages")]
    if not dockerfiles:
        yield Observation((), "no Dockerfile in scope", status="skip")
        return
    built = _built_by_compose(documents)
    kubernetes_runs = any(d.kind == "k8s" and kubernetes.is_workload(d) for d in documents)
    bases = _built_from(dockerfiles)
    for dockerfile in dockerfiles:
        base_of = bases.get(os.path.basename(os.path.dirname(os.path.normpath(dockerfile.path))).lower(), [])
        base_of = [other for other in base_of if other != dockerfile.path]
        if base_of:  # jitsi's base/Dockerfile: `FROM ${JITSI_REPO}/base` in web/Dockerfile; it never runs alone
            yield Observation((), f"a base image: {base_of[0]} builds FROM it, and the images built from it are "
                              "judged instead", status="skip", document=dockerfile)
            continue
        services = built.get(os.path.normpath(dockerfile.path))
        if services:  # compose runs it: its healthcheck: (or MON-030's finding about the service) decides
            yield Observation((), f"built by compose service {services[0]}, whose healthcheck decides (MON-030)",
                              status="pass", document=dockerfile)
            continue
        found = list(healthcheck(dockerfile.data["stages"]))
        if not found:
            yield Observation((), "declares a HEALTHCHECK", status="pass", document=dockerfile)
            continue
        if kubernetes_runs:
            yield Observation((), "Kubernetes runs this image and ignores HEALTHCHECK "
                              "(its liveness and readiness probes are judged by MON-100/MON-101)",
                              status="skip", document=dockerfile)
            continue
        for observation in found:
            yield observation._replace(document=dockerfile)


def _built_from(dockerfiles: list[Document]) -> dict[str, list[str]]:
    """The last name segment of every image a scanned Dockerfile builds FROM (`ghcr.io/jitsi/base:1` -> base),
    with the Dockerfiles that do: a Dockerfile in a folder of that name builds the base image."""
    found: dict[str, list[str]] = {}
    for doc in dockerfiles:
        for stage in doc.data["stages"]:
            image = str(stage.get("image") or stage.get("from") or "")
            if stage.get("base_stage") is not None or not image:
                continue
            name = image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0].lower()
            if name and "$" not in name:
                found.setdefault(name, []).append(doc.path)
    return found


def _built_by_compose(documents: list[Document]) -> dict[str, list[str]]:
    """Dockerfile path -> the compose services of the scan that build it."""
    built: dict[str, list[str]] = {}
    for doc in documents:
        services = doc.data.get("services") if doc.kind == "compose" and isinstance(doc.data, dict) else None
        for name, service in (services.items() if isinstance(services, dict) else []):
            path = _dockerfile_of(doc, str(name), service)
            if path:
                built.setdefault(path, []).append(str(name))
    return built


def _dockerfile_of(doc: Document, name: str, service: Any) -> str | None:
    build = service.get("build") if isinstance(service, dict) else None
    if build is None:
        return None
    context, dockerfile = (build, "Dockerfile") if isinstance(build, str) else (
        (build.get("context") or ".", build.get("dockerfile") or "Dockerfile") if isinstance(build, dict) else (None, None))
    if not isinstance(context, str) or not isinstance(dockerfile, str) or "://" in context or context.startswith("git@"):
        return None  # a remote context: its Dockerfile is not in the scan
    base = os.path.dirname(doc.source(("services", name, "build")))
    return os.path.normpath(os.path.join(base, context, dockerfile))
