"""Read and parse discovered files into Documents; bad files become problems, never crashes."""
from __future__ import annotations

import codecs
import importlib
import os
import sys
import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, NamedTuple

from checker.errors import InputError
from checker.inputs import compose, containment, env_file, kubernetes, templates, yaml_kinds
from checker.inputs.discover import Candidate
from checker.inputs.document import Document, Position
from checker.inputs.environment import DEFAULT_ENVIRONMENT, infer
from checker.inputs.rule_files import named_rule_files
from checker.models import Status

if TYPE_CHECKING:
    from checker.inputs.k8s_types import TypeProblem
    from checker.inputs.yaml_source import YamlDocument

MAX_FILE_BYTES = 10 * 1024 * 1024
# Files found in a folder but never opened (inputs/discover.py): the reason of their skip result.
NOT_READ = {
    "symlink": "symbolic link: not followed (it may loop, or point outside the scanned folder)",
    "special": "FIFO, socket or device: never opened",
}
_GO_TEMPLATE = re.compile(r"(?<!\$)\{\{")  # Helm / Go templates; `${{x}}` is a build placeholder, not Helm


class Problem(NamedTuple):
    """A file that could not be scanned (status error) or was deliberately not (status skip)."""

    file: str
    status: Status
    message: str
    line: int | None = None
    column: int | None = None
    reason: str | None = None  # for errors: unparsable | too-large | unreadable


class LoadOptions(NamedTuple):
    environment: str | None = None  # forced with --env
    env_files: tuple[str, ...] = ()  # --env-file, for compose interpolation
    roots: tuple[str, ...] = ()  # the scanned paths: every file read lies inside them (inputs/containment.py)
    readable: tuple[str, ...] = ()  # filled in by load(): the real folders those paths let it read
    built_images: frozenset[str] = frozenset()  # images a build tool in the tree tags at deploy (inputs/skaffold.py)


class Loaded(NamedTuple):
    documents: list[Document]
    problems: list[Problem]
    files: list[str]  # every file looked at


def load(
    candidates: list[Candidate], options: LoadOptions = LoadOptions(), follow_env_files: bool = True,
    loaded_elsewhere: frozenset[Path] = frozenset(),
) -> Loaded:
    """Parse every candidate; env files a compose service names are loaded too, unless `follow_env_files` is
    False (a worker process: the parent loads them once, see `env_files_named`)."""
    documents: list[Document] = []
    problems: list[Problem] = []
    files: list[str] = []
    _new_scan()
    options = options._replace(readable=_readable(options, candidates))
    known = {c.path for c in candidates} | loaded_elsewhere  # elsewhere: by --jobs workers
    # compose files last: they are merged into projects after loading, and a --jobs scan loads them in the
    # parent after the workers' files (engine/parallel.py); both keep the same order
    queue = [c for c in candidates if c.kind != "compose"] + [c for c in candidates if c.kind == "compose"]
    while queue:
        candidate = queue.pop(0)
        files.append(candidate.display)
        if candidate.kind == "unknown":
            problems.append(Problem(candidate.display, "skip", "not a file kind preflight knows"))
            continue
        if candidate.kind in NOT_READ:
            problems.append(Problem(candidate.display, "skip", NOT_READ[candidate.kind]))
            continue
        try:
            text = read_text(candidate.path, options.readable)
            new = _parse(candidate, text, options)
        except InputError as exc:
            problems.append(Problem(candidate.display, "error", exc.message, exc.line, exc.column, exc.reason))
            continue
        except _Skip as skip:
            problems.append(Problem(candidate.display, "skip", str(skip)))
            continue
        except _NotRead:  # a .json or .conf file that is neither a manifest nor nginx: passed over
            files.pop()
            continue
        if options.built_images:
            for doc in new:
                if doc.kind == "k8s":
                    doc.meta["built_images"] = options.built_images
        documents.extend(new)
        problems.extend(_wrong_types(candidate.display, new))
        if follow_env_files:
            for named in env_files_named(candidate, new, known):
                known.add(named.path)
                queue.append(named)
    loaded = _compose_projects(Loaded(documents, problems, files), candidates, options, known)
    return _rendered(loaded, candidates, options)


def _rendered(loaded: Loaded, candidates: list[Candidate], options: LoadOptions) -> Loaded:
    """Kustomizations judged as built (inputs/render.py), Helm charts as `helm template` renders them."""
    if not options.roots:
        return loaded
    displays = {c.display: c.path for c in candidates if c.kind == "yaml"}
    names = {p.name for p in displays.values()}
    if not names & {"kustomization.yaml", "kustomization.yml", "Kustomization", "Chart.yaml"}:
        return loaded
    from checker.inputs import render, render_helm

    documents, found = render.render(loaded.documents, displays, options.roots)
    documents, charts, rendered_charts = render_helm.render(documents, displays, options.roots)
    kept = [p for p in loaded.problems if not any(p.file.startswith(f"{chart}/templates/") for chart in rendered_charts)]
    problems = kept + [Problem(p.file, "error" if p.status == "error" else "skip", p.message,
                                          reason="unparsable" if p.status == "error" else None) for p in found + charts]
    seen = {(p.file, p.line, p.message.split(": ", 1)[-1]) for p in problems}
    for doc in documents:
        if doc.kind == "k8s" and options.built_images:
            doc.meta["built_images"] = options.built_images
        if doc.kind == "k8s" and doc.meta.get("unit", "").startswith(("kustomize:", "helm:")) and "wrong_types" not in doc.meta:
            doc.meta["wrong_types"] = _repaired(doc.path, doc.data, doc.positions)[1]  # built output is checked too
            problems += [p for p in _wrong_types(doc.path, [doc]) if (p.file, p.line, p.message.split(": ", 1)[-1]) not in seen]
    return Loaded(documents, problems, loaded.files)


def _compose_projects(
    loaded: Loaded, candidates: list[Candidate], options: LoadOptions, scanned: set[Path] | None = None
) -> Loaded:
    """Each compose project's files merged into one model (inputs/compose_project.py)."""
    if not any(d.kind == "compose" for d in loaded.documents):
        return loaded
    from checker.inputs import compose_project

    by_display = {c.display: c for c in candidates}

    def open_compose(path: Path) -> Document:
        display = str(path)
        candidate = Candidate(path.absolute(), display[2:] if display.startswith("./") else display, "compose", False)
        parsed = _parse(candidate, read_text(candidate.path, options.readable), options)
        if len(parsed) != 1 or parsed[0].kind != "compose":
            raise InputError("not a compose file")
        return parsed[0]

    def variables_for(doc: Document) -> dict[str, str]:
        candidate = by_display.get(doc.path)
        return _compose_variables(candidate, options, doc.text, scanned)[0] if candidate else {}

    documents, errors = compose_project.assemble(loaded.documents, open_compose, variables_for, options.readable)
    problems = loaded.problems + [Problem(e.file, "error", e.message, e.line, None, "unparsable") for e in errors]
    return Loaded(documents, problems, loaded.files)


def _readable(options: LoadOptions, candidates: list[Candidate]) -> tuple[str, ...]:
    """Real paths of the folders this load may read: the scan roots, else (a caller that named none) the
    folder of each candidate."""
    if options.roots:
        return containment.scan_roots(options.roots)
    return containment.folders_of([c.path for c in candidates])


def _new_scan() -> None:
    """Caches that live for one scan (nginx: each file parsed once) start empty."""
    nginx = sys.modules.get("checker.inputs.nginx")
    if nginx is not None:
        nginx.CACHE.clear()


def env_files_named(candidate: Candidate, documents: list[Document], known: set[Path]) -> list[Candidate]:
    """The env files the compose services in `documents` name (`env_file:`), and the rule files a Prometheus
    config names (`rule_files:`, inputs/rule_files.py), that are not among `known`; never an env file that
    points outside the scan roots (recorded on the document when it was parsed)."""
    found: list[Candidate] = []
    for doc in documents:
        outside = {r.name for r in doc.meta.get("outside_references", []) if r.what == "env_file"}
        for name in doc.meta.get("env_files", []):
            if name in outside:
                continue
            # normalised: `../shared/app.env` is the file discovery found as shared/app.env, judged once
            path = Path(os.path.normpath((candidate.path.parent / name).absolute()))
            if path not in known and path not in (c.path for c in found) and path.is_file():
                found.append(Candidate(path, os.path.normpath(Path(candidate.display).parent / name), "env", False))
        if doc.kind == "prometheus":
            for path, display in named_rule_files(candidate.path, doc.data, candidate.display):
                if path not in known and candidate.path.resolve() != path and path not in (c.path for c in found):
                    found.append(Candidate(path, display, "yaml", False))
    return found


def _outside_env_files(candidate: Candidate, doc: Document, roots: tuple[str, ...]) -> None:
    """Each `env_file:` that resolves outside the scan roots, recorded where it is written (rule SEC-018)."""
    from checker.probes.outside_reference import Reference, record

    services = doc.data.get("services") if isinstance(doc.data, dict) else None
    for name, service in (services or {}).items():
        entries = service.get("env_file") if isinstance(service, dict) else None
        listed = entries if isinstance(entries, list) else [entries] if entries else []
        for index, entry in enumerate(listed):
            value = entry.get("path") if isinstance(entry, dict) else entry
            if not isinstance(value, str) or containment.inside(candidate.path.parent / value, roots):
                continue
            where: tuple[str | int, ...] = ("services", name, "env_file")
            if isinstance(entries, list):
                where += (index, "path") if isinstance(entry, dict) else (index,)
            position = doc.position(where)
            record(doc, Reference("env_file", value, candidate.display, position[0] if position else None))




class _Skip(Exception):
    pass


class _NotRead(Exception):
    pass


def _by_content(candidate: Candidate, text: str) -> Candidate:
    """A `json?` / `conf?` candidate as the kind its content shows (inputs/by_content.py)."""
    from checker.inputs import by_content

    if candidate.kind == "json?" and by_content.json_manifest(text):
        return candidate._replace(kind="yaml")  # JSON is YAML: parsed with positions, objects become k8s
    if candidate.kind == "conf?" and by_content.nginx_config(text):
        return candidate._replace(kind="nginx")
    if candidate.kind == "ini?" and by_content.grafana_ini(text):
        return candidate._replace(kind="grafana-ini")
    if candidate.explicit:
        raise _Skip("not a file kind preflight knows")
    raise _NotRead()


def read_text(path: Path, roots: tuple[str, ...] | None = None) -> str:
    """The text of a regular file of at most MAX_FILE_BYTES; with `roots`, only when its real path lies
    inside them (and never through a link at its last component)."""
    if str(path) == "-":
        data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise InputError(f"standard input is over the {MAX_FILE_BYTES // 1048576} MiB limit", reason="too-large")
        return decode(data)
    try:
        if roots is not None:  # judged by its real path, which is then opened (O_NOFOLLOW: no link swapped in)
            path = Path(containment.resolved_inside(path, roots))
        if not stat.S_ISREG(path.stat().st_mode):  # FIFOs and devices are never opened
            raise InputError("not a regular file (FIFO, socket or device): not read", reason="unreadable")
        # O_NONBLOCK: opening a FIFO swapped in since the check must not wait for a writer;
        # the checks below run again on the opened file itself, which nothing can swap.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | (containment.NOFOLLOW if roots is not None else 0))
        with os.fdopen(fd, "rb") as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block or never end
                raise InputError("not a regular file (FIFO, socket or device): not read", reason="unreadable")
            size = info.st_size
            if size > MAX_FILE_BYTES:
                raise InputError(f"file is {size / 1048576:.1f} MiB, over the {MAX_FILE_BYTES // 1048576} MiB limit", reason="too-large")
            data = file.read(MAX_FILE_BYTES + 1)  # a file that grows while we read is still cut off
        if len(data) > MAX_FILE_BYTES:
            raise InputError(f"file grew past the {MAX_FILE_BYTES // 1048576} MiB limit while read", reason="too-large")
    except containment.OutsideRoots:
        raise InputError("outside the scanned folders: not read", reason="unreadable") from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", reason="unreadable") from None
    return decode(data)


def decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"invalid UTF-16: {exc.reason}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x})", line) from None
    if "\x00" in text:
        raise InputError("contains NUL bytes (binary file?)", text[: text.index("\x00")].count("\n") + 1)
    return text


def _environment(display: str, options: LoadOptions) -> str:
    return options.environment or infer(display) or DEFAULT_ENVIRONMENT


# Inputs that are not YAML or env files: kind -> module with
#   parse(display: str, path: Path, text: str, environment: str) -> list[Document]
# imported on first use, so a scan without such files never pays for their parser.
PARSERS: dict[str, str] = {
    "dockerfile": "checker.inputs.dockerfile",
    "nginx": "checker.inputs.nginx",
    "docker-inspect": "checker.inputs.docker_inspect",
    "grafana-ini": "checker.inputs.grafana_ini",
}
READS_MORE_FILES = {"nginx"}  # its parse() also takes `roots`: the includes it follows stay inside them


def _parse(candidate: Candidate, text: str, options: LoadOptions) -> list[Document]:
    if candidate.kind in ("json?", "conf?", "ini?"):
        candidate = _by_content(candidate, text)
    elif candidate.kind == "nginx" and not candidate.explicit and candidate.path.name != "nginx.conf":
        from checker.inputs import by_content

        if by_content.ini_file(text):  # supervisor's, php-fpm's conf.d/*.conf: another program's folder of the same name
            raise _NotRead()
    environment = _environment(candidate.display, options)
    if candidate.kind in PARSERS:
        module = importlib.import_module(PARSERS[candidate.kind])
        extra = {"roots": options.readable} if candidate.kind in READS_MORE_FILES else {}
        try:
            documents: list[Document] = module.parse(candidate.display, candidate.path, text, environment, **extra)
        except InputError as exc:
            if candidate.kind != "nginx" or "template placeholder" not in exc.message:
                raise
            raise _Skip(f"nginx template, not a configuration ({exc.message} at line {exc.line}, filled in when the "
                        "container starts): scan the rendered configuration instead") from None
        return documents
    if candidate.kind == "env":
        parsed = env_file.parse_env(text)
        if parsed.errors and not parsed.entries:
            raise parsed.errors[0]
        data, positions, settings, duplicates = env_file.to_document_parts(parsed)
        doc = Document(candidate.display, "env", data, positions, environment, text, settings, duplicates)
        doc.meta["parse_errors"] = parsed.errors
        return [doc]
    from checker.inputs.yaml_source import load_all  # an env-only scan never loads the YAML machinery

    documents = []
    for part in _yaml_parts(candidate, text, load_all):
        if kubernetes.looks_like_object(part.data):
            documents.extend(_kubernetes_objects(candidate, part, environment, text))
            continue
        kind = yaml_kinds.classify(candidate.display, part.data)
        doc = Document(candidate.display, kind, part.data, part.positions, environment, text, duplicates=part.duplicates)
        yaml_kinds.fill_settings(doc)
        if kind == "yaml" and (candidate.kind == "compose" or compose.looks_like_compose(part.data)):
            doc.kind = "compose"
            doc.positions = dict(part.positions.items())  # compose.build adds the positions of list-form environments
            if not isinstance(part.data, dict):
                raise InputError("a compose file must be a mapping at the top level", part.start_line)
            variables, used = _compose_variables(candidate, options, text)
            compose.build(doc, variables)
            if used:
                doc.meta["interpolation_env"] = [f"{shown} ({how})" for shown, how in used]
                doc.meta["interpolation_files"] = [shown for shown, _ in used]
            _outside_env_files(candidate, doc, options.readable)
            # where the files its services mount from lie, and the folders a probe may read them in (database-auth)
            doc.meta["folder"], doc.meta["readable"] = str(candidate.path.parent), options.readable
        documents.append(doc)
    return documents


def _yaml_parts(candidate: Candidate, text: str, load_all: Callable[[str], list[YamlDocument]]) -> list[YamlDocument]:
    """YAML first: a file is a template only in a chart's templates/, or when it fails to parse with `{{` as syntax."""
    if templates.chart_template(candidate.display):
        found = templates.template_line(text)
        if found or _GO_TEMPLATE.search(text):
            where = f" (line {found[0]}: {found[1][:80]})" if found else ""
            raise _Skip(f"Helm chart template{where}: scan the output of `helm template` instead")
    try:
        parts = load_all(text)
    except InputError as exc:
        found = templates.template_line(text)
        if found is None:
            raise
        raise _Skip(
            f"Helm/Go template, not YAML ({exc.message} at line {exc.line}; first template action at line {found[0]}: "
            f"{found[1][:80]}): scan the output of `helm template` instead"
        ) from None
    found = templates.template_line(text) if "{{" in text else None
    if found:  # `key: {{ .Values.x }}` reads as a mapping used as a key: YAML no tool would apply
        raise _Skip(f"Helm/Go template (line {found[0]}: {found[1][:80]}): scan the output of `helm template` instead")
    return parts


def _repaired(
    display: str, data: Any, positions: Mapping[tuple[Any, ...], Position]
) -> tuple[Mapping[tuple[Any, ...], Position], list[tuple[TypeProblem, Position | None]]]:
    """A Kubernetes object's wrong-typed fields (inputs/k8s_types.py) with their positions, left out of `data`."""
    from checker.inputs import k8s_types
    wrong = k8s_types.check(data) if isinstance(data, dict) else []
    if not wrong:
        return positions, []
    if not isinstance(positions, dict):  # lazy positions follow the data: take them all before it changes
        positions = dict(positions.items())
    where = Document(display, "k8s", data, positions)
    located = [(w, where.position(w.path)) for w in wrong]
    k8s_types.repair(data, wrong)
    return positions, located


def _wrong_types(file: str, documents: list[Document]) -> Iterator[Problem]:
    """One error per wrong-typed Kubernetes field, at its line; the object is still checked without it."""
    for doc in documents:
        for wrong, position in doc.meta.get("wrong_types", ()):
            if not wrong.message:
                continue  # repaired silently: numbers read as text
            line, column = position or (None, None)
            yield Problem(file, "error", f"{doc.meta.get('label', 'object')}: {wrong.message}", line, column,
                          "unparsable")


def _kubernetes_objects(candidate: Candidate, part: YamlDocument, environment: str, text: str) -> list[Document]:
    objects = []
    for data, positions, _prefix in kubernetes.split_list(part.data, part.positions):
        if not kubernetes.looks_like_object(data):
            continue
        positions, wrong_types = _repaired(candidate.display, data, positions)
        doc = Document(candidate.display, "k8s", data, positions, environment, text, duplicates=part.duplicates)
        if wrong_types:
            doc.meta["wrong_types"] = wrong_types
        kubernetes.build(doc)
        objects.append(doc)
    return objects


def _compose_variables(
    candidate: Candidate, options: LoadOptions, text: str, scanned: set[Path] | None = None
) -> tuple[Variables, list[tuple[str, str]]]:
    """The variables a compose file is interpolated with (inputs/env_select.py), and which file(s) gave them."""
    from checker.inputs import env_select
    from checker.inputs.interpolate import UNKNOWN

    variables = Variables()
    used: list[tuple[str, str]] = []
    judged = {os.path.abspath(p) for p in scanned or ()}  # env files this scan judges as documents of their own
    for choice in env_select.choose(candidate.path, text, options.env_files, options.roots):
        if not choice.path.is_file():
            continue
        try:  # inside the scan roots only; --env-file files are the user's own
            given = choice.how == "--env-file"
            parsed = env_file.parse_env(read_text(choice.path, None if given else options.readable), variables)
        except InputError:
            continue  # the env file itself is reported when it is scanned
        if choice.keys_only:  # a template: its `<...>` placeholders are replaced before deploying, the rest is kept
            variables.update({e.key: UNKNOWN if env_select.placeholder(e.value) else e.value for e in parsed.entries})
        else:
            variables.update({entry.key: entry.value for entry in parsed.entries})
        shown = _shown(choice.path, candidate)
        for entry in parsed.entries:  # a later file wins, as for the values
            if given or os.path.abspath(choice.path) not in judged:
                variables.origin_of.pop(entry.key, None)  # a file not judged itself: its values are judged here
            else:
                variables.origin_of[entry.key] = shown
        used.append((shown, choice.how))
    return variables, used


class Variables(dict[str, str]):
    """A compose file's variables, and for those an env file in the scanned tree gave, that file."""

    def __init__(self) -> None:
        super().__init__()
        self.origin_of: dict[str, str] = {}


def _shown(path: Path, candidate: Candidate) -> str:
    """An env file's path as the report shows the compose file's: relative to the same place."""
    try:
        relative = os.path.relpath(path.absolute(), candidate.path.parent)
    except ValueError:
        return str(path)
    return os.path.normpath(os.path.join(os.path.dirname(candidate.display), relative))
