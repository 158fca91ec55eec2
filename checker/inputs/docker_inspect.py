"""Containers as Documents of kind `docker`: from a saved `docker inspect` file, or from the live API.

A saved file is what `docker inspect $(docker ps -q) > docker-inspect.json`
writes: a JSON array of container inspect objects (one object alone is read
too). Files are recognised by name: `docker-inspect.json`,
`docker-inspect-<anything>.json`, `<anything>.docker-inspect.json`. The live
path (`preflight scan --docker`, checker/inputs/docker_live.py) hands the same
inspect objects from the Docker SDK to `container()`, so both produce the same
documents and the same rules judge them.

Each document's data is the inspect object unchanged (`HostConfig.Privileged`,
`Config.Env`, `Mounts` ...); its `meta["label"]` names the container and its id
prefix (`container db (8158253d92d4)`), so a finding reads
`docker-inspect.json:42 container db (8158253d92d4) HostConfig.Privileged`, or
for a live host `unix:///run/docker.sock#db@8158253d92d4 container db (8158253d92d4) ...`.
`Config.Env` entries become settings (scope `container db`), so the secret
probes and the engine's masking treat them like env-file lines.
"""
from __future__ import annotations

from pathlib import Path as FilePath
from typing import Any

from checker.errors import InputError
from checker.inputs.document import Document, Position, Setting
from checker.inputs.paths import Path

KIND = "docker"
ID_PREFIX = 12  # as `docker ps` shows it


def parse(display: str, path: FilePath, text: str, environment: str) -> list[Document]:
    from checker.inputs.yaml_source import load_all  # JSON is YAML: one parser, with a line for every key

    parts = load_all(text)
    if not parts:
        return []
    data, positions = parts[0].data, parts[0].positions
    items = data if isinstance(data, list) else [data]
    for index, item in enumerate(items):
        if not _looks_like_container(item):
            line = positions.get((index,) if isinstance(data, list) else (), (1, 1))[0]
            raise InputError("not `docker inspect` output: expected a JSON array of container objects with Id and Config", line)
    per_item: dict[int, dict[Path, Position]] = {}
    for key, where in positions.items():  # one pass: re-root each position at its container
        if not isinstance(data, list):
            per_item.setdefault(0, {})[key] = where
        elif key and isinstance(key[0], int):
            per_item.setdefault(key[0], {})[key[1:]] = where
    # text stays empty: JSON has no comments, so no inline suppressions to find in it
    # (a container waives by label), and each of hundreds of containers would re-scan the whole file
    return [container(item, display, environment, per_item.get(index, {})) for index, item in enumerate(items)]


def container(data: dict[str, Any], display: str, environment: str, positions: dict[Path, Position] | None = None) -> Document:
    """One container's inspect object as a Document (shared by saved files and the live API)."""
    doc = Document(display, KIND, data, positions or {}, environment)
    name = container_name(data)
    doc.meta["container_name"] = name
    doc.meta["container_id"] = str(data.get("Id") or "")[:ID_PREFIX]
    doc.meta["label"] = f"container {name} ({doc.meta['container_id']})"
    doc.settings.extend(_env_settings(data, name))
    return doc


def container_name(data: dict[str, Any]) -> str:
    return str(data.get("Name") or data.get("Id", "?")[:ID_PREFIX]).lstrip("/")


def _env_settings(data: dict[str, Any], name: str) -> list[Setting]:
    config = data.get("Config")
    env = config.get("Env") if isinstance(config, dict) else None
    if not isinstance(env, list):
        return []
    settings = []
    for index, entry in enumerate(env):
        if not isinstance(entry, str) or "=" not in entry:
            continue
        key, value = entry.split("=", 1)
        settings.append(Setting(key, value, value, ("Config", "Env", index), True, f"container {name}"))
    return settings


def _looks_like_container(item: Any) -> bool:
    return isinstance(item, dict) and "Id" in item and isinstance(item.get("Config"), dict)
