"""Compose projects as `docker compose` builds them: one merged model per project, judged once.

    assemble(documents, open_compose, variables_for) -> documents with each project's files merged into one

A project is a base file (`compose.yaml`, `compose.yml`, `docker-compose.yaml`,
`docker-compose.yml`, the first Compose itself would pick in its folder), the
override file Compose merges by itself (`<base>.override.y?ml`), then the
overlays named like the base (`compose.<x>.yaml`, `docker-compose.<x>.yml`),
meant for `-f base -f overlay`, in name order. An overlay without a base is a
project of its own. Each file's `include:` is merged before it and each
service's `extends:` resolved first (a loop is an input error, not a hang);
files they name are read only inside the project's folder.

The merged Document keeps, for every value, the file and line that set it:
`doc.source(path)` names the file, `doc.position(path)` its line, so a
finding about an overlay's port points at the overlay. Bare `environment:`
entries (`- OTEL_EXPORTER_OTLP_ENDPOINT`) take their value from the
variables Compose reads (`.env`, or the `--env-file`s); when no file gives one
the value stays *unknown* (`resolved=False`, raw ""), never the empty string.
"""
from __future__ import annotations

import os
import re
from pathlib import Path as FilePath
from typing import Any, Callable, Iterator, Mapping, NamedTuple

from checker.inputs import containment
from checker.inputs.compose_merge import Merge, tags_of
from checker.inputs.document import Document, Position, Setting
from checker.inputs.interpolate import Unknown
from checker.inputs.paths import Path

_NAME = re.compile(r"^(?P<stem>docker-compose|compose)(?:\.(?P<part>.+))?\.ya?ml$")
BASE_ORDER = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
MAX_DEPTH = 16

OpenCompose = Callable[[FilePath], Document]  # parse one more compose file (include / extends), raises InputError


class ProjectError(Exception):
    def __init__(self, message: str, file: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message, self.file, self.line = message, file, line


def groups(documents: list[Document]) -> list[list[Document]]:
    """Compose documents grouped into projects: base, override, overlays; any other compose file alone."""
    by_folder: dict[str, dict[str, Document]] = {}
    alone: list[list[Document]] = []
    for doc in documents:
        name = os.path.basename(doc.path)
        if _NAME.match(name) and doc.path not in ("-", "<stdin>"):
            by_folder.setdefault(os.path.dirname(doc.path), {})[name] = doc
        else:
            alone.append([doc])
    projects: list[list[Document]] = []
    for folder in by_folder.values():
        bases = [folder[name] for name in BASE_ORDER if name in folder]
        if not bases:
            projects.extend([doc] for doc in folder.values())
            continue
        chosen = bases[0]
        stem = _stem(chosen)
        project = [chosen]
        override = [d for d in folder.values() if _part(d) == "override" and _stem(d) == stem]
        project.extend(override)
        used = {id(d) for d in project}
        others = [b for b in bases[1:] if id(b) not in used]
        overlays = sorted((d for d in folder.values() if id(d) not in used and _part(d) is not None), key=lambda d: d.path)
        project.extend(overlays)
        projects.append(project)
        projects.extend([b] for b in others)
    order = {id(doc): index for index, doc in enumerate(documents)}
    return sorted(projects + alone, key=lambda p: order[id(p[0])])


def _stem(doc: Document) -> str:
    found = _NAME.match(os.path.basename(doc.path))
    return found.group("stem") if found else ""


def _part(doc: Document) -> str | None:
    found = _NAME.match(os.path.basename(doc.path))
    return found.group("part") if found else None


class _Scope(NamedTuple):
    folder: FilePath  # the project's folder: include / extends files are read only inside it
    readable: tuple[str, ...]  # real paths of the scan roots: a file outside them is a finding (SEC-018)


def assemble(
    documents: list[Document], open_compose: OpenCompose, variables_for: Callable[[Document], Mapping[str, str]],
    readable: tuple[str, ...] = (),
) -> tuple[list[Document], list[ProjectError]]:
    """Each compose project merged into one Document (other documents untouched, in order)."""
    compose_docs = [d for d in documents if d.kind == "compose"]
    if not compose_docs:
        return documents, []
    errors: list[ProjectError] = []
    merged_of: dict[int, Document | None] = {}
    for files in groups(compose_docs):
        try:
            project = build_project(files, open_compose, readable)
        except ProjectError as error:
            errors.append(error)
            project = files[0]
        _resolve_bare_entries(project, variables_for(files[0]))
        merged_of[id(files[0])] = project
        for other in files[1:]:
            merged_of[id(other)] = None
    # a file another project includes or extends from is part of that project, not one of its own
    used = {os.path.normpath(path) for project in merged_of.values() if project is not None
            for path in project.meta.get("compose_files", []) if path != project.path}
    result: list[Document] = []
    for doc in documents:
        if id(doc) in merged_of and merged_of[id(doc)] is doc and os.path.normpath(doc.path) in used:
            continue
        if id(doc) in merged_of:
            found = merged_of[id(doc)]
            if found is not None:
                result.append(found)
        else:
            result.append(doc)
    return result, errors


def build_project(files: list[Document], open_compose: OpenCompose, readable: tuple[str, ...] = ()) -> Document:
    base = files[0]
    has_links = any(_links(doc) for doc in files)
    if len(files) == 1 and not has_links:
        return base
    folder = _Scope(FilePath(base.path).parent, readable or containment.folders_of([FilePath(base.path)]))
    sources: list[Document] = []
    merge = Merge(sources)
    for doc in files:
        for included in _includes(doc, folder, open_compose, ()):
            _add(merge, sources, included, open_compose, folder)
        _add(merge, sources, doc, open_compose, folder)
    return _project_document(base, files, merge)


def _links(doc: Document) -> bool:
    data = doc.data if isinstance(doc.data, dict) else {}
    services = data.get("services")
    return "include" in data or isinstance(services, dict) and any(isinstance(s, dict) and "extends" in s for s in services.values())


def _add(merge: Merge, sources: list[Document], doc: Document, open_compose: OpenCompose, folder: _Scope) -> None:
    index = len(sources)
    sources.append(doc)
    data = {k: v for k, v in doc.data.items() if k != "include"} if isinstance(doc.data, dict) else {}
    services = data.get("services")
    if isinstance(services, dict) and any(isinstance(s, dict) and "extends" in s for s in services.values()):
        data = dict(data, services={name: _extended(doc, name, merge, sources, open_compose, folder, ()) for name in services})
    merge.file(index, data, tags_of(doc))


def _extended(
    doc: Document, name: str, merge: Merge, sources: list[Document], open_compose: OpenCompose, folder: _Scope,
    chain: tuple[tuple[str, str], ...],
) -> Any:
    """A service with its `extends:` resolved: the extended service, then this one merged on top."""
    service = doc.data["services"][name]
    if not isinstance(service, dict) or "extends" not in service:
        return service
    here = (doc.path, name)
    if here in chain or len(chain) > MAX_DEPTH:
        trail = " -> ".join(f"{os.path.basename(f)}:{s}" for f, s in chain + (here,))
        raise ProjectError(f"extends loop: {trail}", doc.path, _line(doc, ("services", name, "extends")))
    spec = service["extends"]
    target_name = spec if isinstance(spec, str) else spec.get("service") if isinstance(spec, dict) else None
    target_file = spec.get("file") if isinstance(spec, dict) else None
    target_doc = _open(doc, target_file, folder, open_compose, ("services", name, "extends", "file")) if target_file else doc
    if target_doc is None:  # outside the repository: not read, a finding; the service as written
        return {k: v for k, v in service.items() if k != "extends"}
    target_services = target_doc.data.get("services") if isinstance(target_doc.data, dict) else None
    if not isinstance(target_services, dict) or target_name not in target_services:
        raise ProjectError(f"service {name} extends {target_name}, which {target_doc.path} does not define", doc.path,
                           _line(doc, ("services", name, "extends")))
    parent = _extended(target_doc, str(target_name), merge, sources, open_compose, folder, chain + (here,))
    inner = Merge(sources)  # shaped like a compose file, so the service-level rules (command replaced ...) apply
    inner.file(_source_index(sources, target_doc), {"services": {name: parent}}, {})
    own = {k: v for k, v in service.items() if k != "extends"}
    inner.file(_source_index(sources, doc), {"services": {name: own}}, tags_of(doc))
    return inner.data["services"][name]


def _source_index(sources: list[Document], doc: Document) -> int:
    for index, known in enumerate(sources):
        if known is doc:
            return index
    sources.append(doc)
    return len(sources) - 1


def _includes(doc: Document, folder: _Scope, open_compose: OpenCompose, chain: tuple[str, ...]) -> Iterator[Document]:
    entries = doc.data.get("include") if isinstance(doc.data, dict) else None
    if not isinstance(entries, list):
        return
    if doc.path in chain or len(chain) > MAX_DEPTH:
        raise ProjectError(f"include loop: {' -> '.join(chain + (doc.path,))}", doc.path, _line(doc, ("include",)))
    for index, entry in enumerate(entries):
        paths = entry.get("path") if isinstance(entry, dict) else entry
        for name in paths if isinstance(paths, list) else [paths]:
            if isinstance(name, str):
                included = _open(doc, name, folder, open_compose, ("include", index))
                if included is None:
                    continue
                yield from _includes(included, folder, open_compose, chain + (doc.path,))
                yield included


def _open(doc: Document, name: str, folder: _Scope, open_compose: OpenCompose, where: Path) -> Document | None:
    """The compose file `name` refers to; None (recorded on `doc` for rule SEC-018) when it lies outside the
    scan roots; a ProjectError when it lies outside the project's folder, or does not parse."""
    path = FilePath(doc.path).parent / name
    if containment.inside(path, folder.readable) is None:
        from checker.probes.outside_reference import Reference, record

        record(doc, Reference("extends file" if "extends" in where else "include", name, doc.path, _line(doc, where)))
        return None
    if containment.inside(path, (os.path.realpath(folder.folder),)) is None:
        raise ProjectError(f"{name} is outside the project folder: not read", doc.path, _line(doc, where))
    try:
        return open_compose(path)
    except Exception as exc:  # InputError or OSError: the project is judged without it
        message = getattr(exc, "message", None) or str(exc)
        raise ProjectError(f"{name}: {message}", doc.path, _line(doc, where)) from None


def _line(doc: Document, path: Path) -> int | None:
    found = doc.position(path)
    return found[0] if found else None


class ProjectPositions(Mapping[Path, Position]):
    """Positions of a merged model: each path's line in the file that set its value."""

    def __init__(self, merge: Merge) -> None:
        self.merge = merge

    def nearest(self, path: Path) -> Position:
        index, source = self.merge.origin(path)
        return self.merge.sources[index].position(source) or (1, 1)

    def file(self, path: Path) -> str:
        return self.merge.sources[self.merge.origin(path)[0]].path

    def __getitem__(self, path: Path) -> Position:
        return self.nearest(path)

    def __iter__(self) -> Iterator[Path]:
        return iter(self.merge.origins)

    def __len__(self) -> int:
        return len(self.merge.origins)


def _project_document(base: Document, files: list[Document], merge: Merge) -> Document:
    positions = ProjectPositions(merge)
    doc = Document(base.path, "compose", merge.data, positions, base.environment, base.text, duplicates=list(base.duplicates))
    doc.meta.update({k: v for k, v in base.meta.items() if not k.startswith("_")})
    doc.meta["_source"] = positions.file
    doc.meta["compose_files"] = [d.path for d in merge.sources]
    # each file's own environment (`docker-compose.test.yml`: development): a value an overlay sets is judged
    # in the overlay's environment (engine/run.py), not the base's
    doc.meta["environment_of"] = {d.path: d.environment for d in merge.sources if d.environment != base.environment}
    doc.meta["env_files"] = sorted({name for d in merge.sources for name in d.meta.get("env_files", [])})
    doc.meta["outside_references"] = list(dict.fromkeys(r for d in [base, *files, *merge.sources]
                                                        for r in d.meta.get("outside_references", [])))
    by_path = [{s.path: s for s in d.settings} for d in merge.sources]
    services = merge.data.get("services") if isinstance(merge.data, dict) else None
    for name, service in (services or {}).items():
        environment = service.get("environment") if isinstance(service, dict) else None
        if not isinstance(environment, dict):
            continue
        for key in environment:
            path: Path = ("services", name, "environment", key)
            index, source = merge.origin(path)
            setting = by_path[index].get(source)
            if setting is None:  # a value an extended service brought: known as merged
                value = environment[key]
                text = "" if value is None else str(value)
                setting = Setting(str(key), text, text, path, value is not None, f"service {name}")
            doc.settings.append(setting._replace(path=path))
    for index, source_doc in enumerate(merge.sources):
        for variable, where, required in source_doc.unset_variables:
            landed = merge.merged_path(index, where)
            if landed is not None and merge.origin(landed)[0] == index:
                doc.unset_variables.append((variable, landed, required))
    return doc


# `${KEY}`, `$KEY`, `${KEY:-default}`, `${KEY:?required}`: set in the env file, so its value is the file's
_PASSED_THROUGH = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?][^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))$")


def _resolve_bare_entries(doc: Document, variables: Mapping[str, str]) -> None:
    """`environment: [NAME]` takes NAME's value from the variables Compose reads; unknown stays unknown."""
    if not variables:
        return
    services = doc.data.get("services") if isinstance(doc.data, dict) else None
    origin_of: Mapping[str, str] = getattr(variables, "origin_of", {})
    for index, setting in enumerate(doc.settings):
        if setting.key in origin_of and setting.resolved and setting.value == variables.get(setting.key):
            written = _PASSED_THROUGH.match(setting.raw.strip())
            if written and (written[1] or written[2]) == setting.key:  # `KEY: ${KEY}`: the env file's value, unchanged
                doc.settings[index] = setting._replace(origin=origin_of[setting.key])
            continue
        if setting.resolved or setting.raw or setting.key not in variables or len(setting.path) != 4:
            continue
        value = variables[setting.key]
        if isinstance(value, Unknown):  # a template's key: set where the scan cannot see
            continue
        doc.settings[index] = Setting(setting.key, value, setting.raw, setting.path, True, setting.scope,
                                      origin_of.get(setting.key, ""))
        service = services.get(setting.path[1]) if isinstance(services, dict) else None
        environment = service.get("environment") if isinstance(service, dict) else None
        if isinstance(environment, dict):
            environment[setting.key] = value
