"""A Kubernetes API for the tests: the `kmock` emulator (PyPI, by nolar) on 127.0.0.1, in a thread.

No real API server can run on these machines, so kmock stands in for one: it
serves `list`/`get` of the objects we load, with the status JSON of real
errors, to the official `kubernetes` client. It does not apply defaults,
admission or RBAC of its own: a `forbidden` kind is scripted with a 403.

kmock 0.8 parses `/api/v1/namespaces[/NAME]` as a namespace prefix, not as the
`namespaces` resource (the list answers 500), so `_serve_namespaces_resource`
corrects its URL parser for exactly that path: a fix to the stand-in, not to preflight.
"""
from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from checker.inputs.k8s_live import KINDS

_BY_KIND = {kind.kind: kind for kind in KINDS}


def resource_of(kind_name: str) -> Any:
    import kmock

    kind = _BY_KIND[kind_name]
    group, _, version = kind.api_version.rpartition("/")
    return kmock.resource(group, version, kind.plural)


def manifests(folder: Path) -> list[dict[str, Any]]:
    return [obj for file in sorted(folder.rglob("*.yaml")) for obj in yaml.safe_load_all(file.read_text()) if obj]


def _serve_namespaces_resource() -> None:
    from kmock._internal import parsing

    if getattr(parsing.parse_path, "_preflight_fix", False):
        return
    original = parsing.parse_path

    def parse_path(path: str) -> Any:
        parts = path.strip("/").split("/")
        if parts[:3] == ["api", "v1", "namespaces"] and len(parts) <= 4:
            name = parts[3] if len(parts) == 4 else None
            return parsing.ParsedPath("", "v1", "namespaces", None, name, None)
        return original(path)

    parse_path._preflight_fix = True  # type: ignore[attr-defined]
    parsing.parse_path = parse_path


@contextmanager
def serve(objects: list[dict[str, Any]], forbidden: tuple[str, ...] = ()) -> Iterator[str]:
    """Serve `objects` (every built-in kind of KINDS declared, CRD kinds only when objects have them); yields the URL."""
    import kmock

    _serve_namespaces_resource()
    ready = threading.Event()
    state: dict[str, Any] = {}

    async def run() -> None:
        async with kmock.KubernetesEmulator() as emulator, kmock.Server(emulator, host="127.0.0.1") as server:
            for kind in KINDS:
                if not kind.optional:
                    emulator.resources[resource_of(kind.kind)] = kmock.ResourceInfo(
                        kind=kind.kind, namespaced=kind.namespaced, verbs={"get", "list"})
            for obj in objects:
                metadata = obj.get("metadata", {})
                namespace = metadata.get("namespace") if _BY_KIND[obj["kind"]].namespaced else None
                emulator.objects[resource_of(obj["kind"]), namespace, metadata["name"]] = obj
            for kind_name in forbidden:
                emulator[resource_of(kind_name)] << 403 << {
                    "apiVersion": "v1", "kind": "Status", "status": "Failure", "reason": "Forbidden", "code": 403,
                    "message": f"{kind_name} is forbidden: User cannot list resource",
                }
            state["url"], state["loop"], state["stop"] = str(server.url).rstrip("/"), asyncio.get_running_loop(), asyncio.Event()
            ready.set()
            await state["stop"].wait()

    thread = threading.Thread(target=asyncio.run, args=(run(),), daemon=True)
    thread.start()
    if not ready.wait(15):
        raise RuntimeError("kmock did not start")
    try:
        yield state["url"]
    finally:
        state["loop"].call_soon_threadsafe(state["stop"].set)
        thread.join(10)


def write_kubeconfig(path: Path, url: str, context: str = "kmock-cluster", namespace: str = "default") -> Path:
    config = {
        "apiVersion": "v1", "kind": "Config", "current-context": context,
        "clusters": [{"name": "kmock", "cluster": {"server": url}}],
        "users": [{"name": "reader", "user": {"token": "test-token-not-a-secret"}}],
        "contexts": [{"name": context, "context": {"cluster": "kmock", "user": "reader", "namespace": namespace}}],
    }
    path.write_text(yaml.safe_dump(config))
    return path
