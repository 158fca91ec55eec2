"""Running containers of a Docker host, read through the Docker SDK (`preflight scan --docker`).

`--docker-host URL` (or `docker_host:` in the config file) names the API:
`unix:///run/docker.sock`, `tcp://10.0.0.5:2376`, `ssh://admin@host` (the SDK
needs `paramiko` for ssh://, which is not a dependency), or a Podman service socket; without it the SDK's own defaults apply (DOCKER_HOST,
DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, else the local socket). Only read
calls are made: list the running containers and inspect each one. Each
becomes a `docker` Document through `docker_inspect.container()`, exactly as
a saved `docker inspect` file would, located at `HOST#NAME@IDPREFIX`
(`unix:///run/docker.sock#db@8158253d92d4`).

A host that cannot be reached is one `error` result (reason `unreachable`)
naming the host; the rest of the scan goes on. The `docker` package is
imported here only, and this module only with --docker, so other scans never
load it.
"""
from __future__ import annotations

import os
from typing import NamedTuple

from checker.inputs.docker_inspect import container
from checker.inputs.document import Document
from checker.inputs.load import Problem

DEFAULT_HOST = "unix:///var/run/docker.sock"


class Containers(NamedTuple):
    documents: list[Document]
    problems: list[Problem]


def display_host(host: str | None) -> str:
    """The host as reports show it: the URL given, else the one the SDK will use."""
    return host or os.environ.get("DOCKER_HOST") or DEFAULT_HOST


def read_containers(host: str | None, environment: str, timeout: float = 10.0) -> Containers:
    where = display_host(host)
    try:
        import docker
        from docker.errors import DockerException, NotFound
    except ImportError:  # pragma: no cover - a runtime dependency; only a broken install lacks it
        return Containers([], [Problem(where, "error", "the `docker` package is not installed", reason="unreadable")])
    try:
        if host:  # ssh:// through the system's ssh client (its config and agent), not paramiko
            client = docker.DockerClient(base_url=host, timeout=timeout, use_ssh_client=host.startswith("ssh://"))
        else:
            client = docker.from_env(timeout=timeout)
        try:
            documents = []
            for summary in client.api.containers():  # running ones only, like `docker ps`
                try:
                    documents.append(_located(container(client.api.inspect_container(summary["Id"]), where, environment)))
                except NotFound:
                    continue  # it stopped and was removed between the list and the inspect
        finally:
            client.close()
    except (DockerException, OSError, ValueError) as exc:  # unreachable, refused, or a URL it cannot use
        return Containers([], [Problem(where, "error", f"cannot read containers from the Docker API: {_short(exc)}",
                                       reason="unreachable")])
    return Containers(sorted(documents, key=lambda d: d.meta["container_name"]), [])


def _located(doc: Document) -> Document:
    """`unix:///run/docker.sock#db@8158253d92d4`: the host, the container's name and its id prefix."""
    doc.path = f"{doc.path}#{doc.meta['container_name']}@{doc.meta['container_id']}"
    return doc


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]
