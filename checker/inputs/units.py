"""Deployment units: the documents that deploy together. Cross-object rules relate documents of one unit only.

    assign(documents, globs) -> units    sets doc.meta["unit"] on every document; returns unit -> documents

A document's unit is, in order:
- a live object's source: `k8s://<context>` (one cluster), `docker` (one host);
- a built kustomization, `kustomize:<folder>`, or a rendered chart release, `helm:<folder>[values file]`
  (inputs/render.py, render_helm.py: set when they are built);
- a compose project (inputs/compose_project.py): `compose:<base file>`; its env files too (those it names
  in `env_file:` or reads for interpolation, and the env files in its folder);
- the shallowest folder above the file that matches one of `globs` (`.preflight.yaml` `units:`, e.g.
  `envs/*`, `clusters/*/apps/*`; matched folder by folder against the end of the folder's path);
- the nearest folder above it with a `kustomization.yaml` (a kustomization), or a `Chart.yaml` (a chart);
- else the file's own folder;
and then folders merge upwards while their objects can deploy together: two objects with the same kind,
namespace and name cannot (the second replaces the first), so sibling folders that repeat the same
manifests (`envs/eu/`, `envs/us/`) stay apart, while a tree split by kind (`app/`, `scaling/`,
`policies/`) is one unit. A configured unit never merges with its neighbours.

So a PodDisruptionBudget in `clusters/eu/` never satisfies a Deployment in
`clusters/us/`, and the same manifests copied per environment are indexed
apart: every relation is a lookup inside one unit, and the cost stays linear.
Documents that are not deployed objects (Prometheus and Alertmanager
configuration, env files, workflows ...) get a unit too; the rules that read
them as scan-wide configuration (scrape configs, alert rules) still read them
across units.
"""
from __future__ import annotations

import fnmatch
import os
from functools import lru_cache

from checker.inputs import containment
from checker.inputs.document import Document

KUSTOMIZATION = ("kustomization.yaml", "kustomization.yml", "Kustomization")
CHART = ("Chart.yaml", "Chart.yml")


def assign(documents: list[Document], globs: tuple[str, ...] = (), roots: tuple[str, ...] | None = None) -> dict[str, list[Document]]:
    """`roots`: real paths of the scan roots (inputs/containment.py); the search for a kustomization or a
    chart above a file stops at them (None: no bound, for callers that scan no files)."""
    patterns = tuple(tuple(part for part in glob.strip("/").split("/") if part) for glob in globs if glob.strip("/"))
    leaves: dict[int, str] = {}
    frozen: set[str] = set()
    env_units = _compose_env_units(documents)
    for doc in documents:
        fixed = doc.meta.get("unit") or _fixed_unit(doc) or _env_unit(doc, env_units)
        if fixed:
            doc.meta["unit"] = fixed
            continue
        leaf, configured = _leaf_folder(os.path.dirname(doc.path) or ".", patterns, roots)
        leaves[id(doc)] = leaf
        if configured:
            frozen.add(leaf)
    resolved = _merge_folders(documents, leaves, frozen)
    units: dict[str, list[Document]] = {}
    for doc in documents:
        if id(doc) in leaves:
            doc.meta["unit"] = resolved[leaves[id(doc)]]
        units.setdefault(doc.meta["unit"], []).append(doc)
    return units


def _fixed_unit(doc: Document) -> str | None:
    if doc.path.startswith("k8s://"):
        return "k8s://" + doc.path[len("k8s://"):].split("/", 1)[0]
    if doc.kind == "docker" or doc.path.startswith("docker://"):
        return "docker"
    if doc.kind == "compose":
        return f"compose:{doc.path}"
    if doc.path in ("-", "<stdin>"):
        return "<stdin>"
    return None


def _compose_env_units(documents: list[Document]) -> tuple[dict[str, str], dict[str, str]]:
    """The env files of each compose project: those it names (env_file:, the interpolation file), and its folder's."""
    named: dict[str, str] = {}
    folders: dict[str, str] = {}
    for doc in documents:
        if doc.kind != "compose" or doc.path in ("-", "<stdin>"):
            continue
        unit, folder = f"compose:{doc.path}", os.path.dirname(doc.path)
        for name in doc.meta.get("env_files", []):
            named.setdefault(os.path.normpath(os.path.join(folder, name)), unit)
        for path in doc.meta.get("interpolation_files", []):
            named.setdefault(os.path.normpath(path), unit)
        folders.setdefault(folder, unit)
    return named, folders


def _env_unit(doc: Document, env_units: tuple[dict[str, str], dict[str, str]]) -> str | None:
    """An env file deploys with the compose project that reads it, else with the one in its folder."""
    if doc.kind != "env":
        return None
    named, folders = env_units
    return named.get(os.path.normpath(doc.path)) or folders.get(os.path.dirname(doc.path))


@lru_cache(maxsize=65536)
def _leaf_folder(folder: str, patterns: tuple[tuple[str, ...], ...], roots: tuple[str, ...] | None = None) -> tuple[str, bool]:
    """The shallowest configured unit folder above `folder`, else the nearest kustomization / chart, else itself."""
    parts = [p for p in folder.replace("\\", "/").split("/") if p not in ("", ".")]
    prefix = "/" if folder.startswith("/") else ""
    for end in range(1, len(parts) + 1):
        if any(_matches(parts[:end], pattern) for pattern in patterns):
            return prefix + "/".join(parts[:end]), True
    for end in range(len(parts), 0, -1):
        here = prefix + "/".join(parts[:end])
        if roots is not None and containment.inside(here, roots) is None:
            break  # above the scan roots: never looked at
        if any(os.path.isfile(os.path.join(here, name)) for name in KUSTOMIZATION + CHART):
            return here, False
    return folder, False


def _merge_folders(documents: list[Document], leaves: dict[int, str], frozen: set[str]) -> dict[str, str]:
    """Folders merged upwards into one unit while their objects can deploy together.

    Two objects with the same kind, namespace and name cannot be applied together (the second
    replaces the first): sibling folders that repeat objects (`envs/eu/`, `envs/us/`) are
    separate units; folders that split one deployment by kind (`app/`, `policies/`) merge.
    """
    identities: dict[str, set[tuple[str, str, str]]] = {}
    for doc in documents:
        leaf = leaves.get(id(doc))
        if leaf is None:
            continue
        own = identities.setdefault(leaf, set())
        if doc.kind == "k8s" and doc.meta.get("k8s_name"):
            own.add((str(doc.meta.get("k8s_kind")), str(doc.meta.get("k8s_namespace") or ""), str(doc.meta["k8s_name"])))
    children: dict[str, set[str]] = {}
    for leaf in identities:
        node = leaf
        while True:
            parent = os.path.dirname(node)
            if parent == node or not node or node == ".":
                break
            if node in children.setdefault(parent, set()):
                break
            children[parent].add(node)
            node = parent
    merged_into: dict[str, str] = {}
    blocked: set[str] = set(frozen)
    seen: dict[str, set[tuple[str, str, str]]] = {}
    rep: dict[str, str] = {}  # the unit a subtree is so far: a folder with one child and no files is its child's
    for node in sorted(set(identities) | set(children), key=lambda f: f.count("/"), reverse=True):
        parts = [identities.get(node, set())] if node not in frozen else []
        kids = sorted(children.get(node, ()))
        if node in frozen or any(kid in blocked for kid in kids):
            blocked.add(node)
            continue
        if len(kids) == 1 and node not in identities:
            rep[node] = rep.get(kids[0], kids[0])
            seen[node] = seen.pop(kids[0], set())
            continue
        total = sum(len(part) for part in parts) + sum(len(seen.get(kid, ())) for kid in kids)
        union = set().union(*parts, *(seen.get(kid, set()) for kid in kids))
        if len(union) != total:  # objects repeat across the children: each child deploys on its own
            blocked.add(node)
            continue
        seen[node] = union
        for kid in kids:
            merged_into[rep.get(kid, kid)] = node
            seen.pop(kid, None)
    resolved: dict[str, str] = {}
    for leaf in identities:
        unit = leaf
        while unit in merged_into:
            unit = merged_into[unit]
        resolved[leaf] = unit
    return resolved


def _matches(parts: list[str], pattern: tuple[str, ...]) -> bool:
    return len(parts) >= len(pattern) and all(
        fnmatch.fnmatchcase(part, glob) for part, glob in zip(parts[-len(pattern):], pattern)
    )


def describe(units: dict[str, list[Document]]) -> list[str]:
    """One line per unit, for `preflight scan -v`."""
    lines = []
    for unit, docs in sorted(units.items()):
        kinds: dict[str, int] = {}
        for doc in docs:
            kinds[doc.kind] = kinds.get(doc.kind, 0) + 1
        files = len({doc.path for doc in docs})
        summary = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
        lines.append(f"{unit}: {files} file(s), {summary}")
    return lines
