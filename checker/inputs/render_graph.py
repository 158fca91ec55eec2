"""What a kustomization reads, found before it is built: local files inside the scan roots, and remote bases.

    walk(folder, roots) -> Graph

A kustomization is built only when every file it names (resources, bases, components, patches,
generator files ...) resolves, after links, inside a scan root, and it names no remote base
(`https://`, `github.com/...`, `git@...`, `?ref=`): those are reported, never fetched.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, NamedTuple

from checker.inputs import containment

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_LISTS = ("resources", "bases", "components", "crds", "patchesStrategicMerge", "configurations", "generators",
          "transformers", "validators")
_REMOTE = re.compile(r"^([a-z][a-z0-9+.-]*://|git@|github\.com/|gitlab\.com/|bitbucket\.org/)|[?&]ref=", re.IGNORECASE)
MAX_KUSTOMIZATIONS = 64  # one build reads at most this many kustomization folders


class Graph(NamedTuple):
    folder: Path  # the kustomization built
    file: Path  # its kustomization.yaml
    files: set[str]  # real paths of every file it reads
    folders: set[str]  # real paths of every kustomization folder it reads (itself included)
    refused: list[str]  # why it is not built: remote bases, files outside the scan roots, unreadable files
    component: list[bool]  # [True] when it is a kustomize Component, which builds only inside another kustomization


def kustomization_file(folder: Path) -> Path | None:
    for name in KUSTOMIZATION_FILES:
        if (folder / name).is_file():
            return folder / name
    return None


def walk(folder: Path, roots: tuple[str, ...]) -> Graph:
    file = kustomization_file(folder) or folder / KUSTOMIZATION_FILES[0]
    graph = Graph(folder, file, set(), set(), [], [])
    _visit(folder, roots, graph)
    return graph


def _visit(folder: Path, roots: tuple[str, ...], graph: Graph) -> None:
    real = os.path.realpath(folder)
    if real in graph.folders:
        return
    if len(graph.folders) >= MAX_KUSTOMIZATIONS:
        graph.refused.append(f"more than {MAX_KUSTOMIZATIONS} kustomizations in one build")
        return
    graph.folders.add(real)
    file = kustomization_file(folder)
    if file is None:
        graph.refused.append(f"{folder} has no kustomization.yaml")
        return
    if not containment.inside_given(file, roots):  # a kustomization.yaml that links out of the tree
        graph.refused.append(f"{file} is outside the scanned folders: not read")
        return
    data = _read(file, graph)
    if data is None:
        return
    if not graph.component:  # the first kustomization read is the one built
        graph.component.append(data.get("kind") == "Component")
    graph.files.add(os.path.realpath(file))
    for entry in _references(data, graph, file):
        if _REMOTE.search(entry):
            graph.refused.append(f"remote base {entry}: not fetched (preflight never uses the network for a build)")
            continue
        target = folder / entry
        if not containment.inside_given(target, roots):
            graph.refused.append(f"{entry} is outside the scanned folders: not read")
            continue
        if target.is_dir():
            _visit(target, roots, graph)
        elif target.is_file():
            graph.files.add(os.path.realpath(target))
        else:
            graph.refused.append(f"{entry} (named in {file}) does not exist")


def _read(file: Path, graph: Graph) -> dict[str, Any] | None:
    from checker.errors import InputError
    from checker.inputs.load import read_text
    from checker.inputs.yaml_source import load_all

    try:
        parts = load_all(read_text(file))
    except InputError as exc:
        graph.refused.append(f"{file}: {exc.message}")
        return None
    data = parts[0].data if parts else None
    if not isinstance(data, dict):
        graph.refused.append(f"{file} is not a mapping")
        return None
    return data


def _references(data: dict[str, Any], graph: Graph, file: Path) -> list[str]:
    """Every local or remote path the kustomization names."""
    found: list[str] = []
    for key in _LISTS:
        entries = data.get(key)
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, str) and "\n" not in entry:  # an inline patch is not a path
                found.append(entry)
    for key in ("patches", "patchesJson6902", "replacements"):
        for entry in data.get(key) or [] if isinstance(data.get(key), list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                found.append(entry["path"])
    for key in ("configMapGenerator", "secretGenerator"):
        for generator in data.get(key) or [] if isinstance(data.get(key), list) else []:
            if not isinstance(generator, dict):
                continue
            files = list(generator.get("files") or []) + list(generator.get("envs") or [])
            if isinstance(generator.get("env"), str):
                files.append(generator["env"])
            found.extend(str(f).split("=", 1)[-1] for f in files if isinstance(f, str))
    openapi = data.get("openapi")
    if isinstance(openapi, dict) and isinstance(openapi.get("path"), str):
        found.append(openapi["path"])
    if data.get("helmCharts") or data.get("helmChartInflationGenerator"):
        graph.refused.append(f"{file} inflates Helm charts (helmCharts:), which needs the network: not built")
    return found

