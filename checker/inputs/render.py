"""Kustomizations judged as built: `kubectl kustomize` (or `kustomize build`) offline, the output as one unit.

    render(documents, candidates, roots) -> (documents, problems)

Each kustomization that no other one in the scan builds on (an overlay, or a base used by nothing) is
built once, when every file it reads is inside the scan roots and it names no remote base
(inputs/render_graph.py). The build runs with a timeout, no proxy, git restricted to local files and a
throw-away HOME, so it cannot fetch anything. Its objects are one deployment unit
(`kustomize:<folder>`); the files it read are not judged again as written, so nothing is found twice.
A finding points at the object's line in its source file when the built value is the one written there
(or the written object has the same finding: engine/run.py `_blamed`), and at the kustomization.yaml
(its `patches:` line) when the build changed or removed it.
Without kubectl or kustomize the files are judged as written, and one `skip` says so.
Helm charts (`Chart.yaml`): `render_helm.py`.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Iterator, Mapping, NamedTuple

from checker.inputs import kubernetes, render_graph
from checker.inputs.document import Document, Position
from checker.inputs.paths import Path as DocPath

TIMEOUT_S = 60
MAX_OUTPUT = 10 * 1024 * 1024
_CHANGED_BY = ("patches", "patchesStrategicMerge", "patchesJson6902", "replacements", "namePrefix", "nameSuffix",
               "namespace", "labels", "commonLabels", "commonAnnotations", "images", "replicas")
INSTALL_KUBECTL = "https://kubernetes.io/docs/tasks/tools/"


class Problem(NamedTuple):
    file: str
    status: str  # skip | error
    message: str


def build_command(folder: Path) -> list[str] | None:
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize", str(folder)]
    if shutil.which("kustomize"):
        return ["kustomize", "build", str(folder)]
    return None


def offline_env(home: str) -> dict[str, str]:
    """An environment in which a build tool cannot reach the network: no proxy, a dead one for HTTP, git
    limited to local files, and nothing of the user's (kubeconfig, credentials, git config)."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TZ")}
    dead = "http://127.0.0.1:9"  # the discard port: any HTTP fetch fails at once
    return {**keep, "HOME": home, "KUBECONFIG": os.path.join(home, "none"), "HTTP_PROXY": dead, "HTTPS_PROXY": dead,
            "http_proxy": dead, "https_proxy": dead, "ALL_PROXY": dead, "NO_PROXY": "", "no_proxy": "",
            "GIT_ALLOW_PROTOCOL": "file", "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull, "XDG_CONFIG_HOME": home, "XDG_CACHE_HOME": home}


def run_offline(command: list[str]) -> tuple[str | None, str]:
    """(stdout, "") or (None, why): the tool's first error line, a timeout, or output over the size limit."""
    with tempfile.TemporaryDirectory(prefix="preflight-render-") as home:
        try:
            done = subprocess.run(command, cwd=home, env=offline_env(home), capture_output=True, timeout=TIMEOUT_S,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return None, f"`{' '.join(command[:2])}` took over {TIMEOUT_S} s: stopped"
        except OSError as exc:
            return None, f"`{command[0]}` could not run: {exc.strerror or exc}"
    if done.returncode != 0:
        lines = [line for line in done.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
        return None, f"`{' '.join(command[:2])}` failed: {(lines or ['no message'])[-1][:300]}"
    if len(done.stdout) > MAX_OUTPUT:
        return None, f"`{' '.join(command[:2])}` printed over {MAX_OUTPUT // 1048576} MiB: not read"
    return done.stdout.decode("utf-8", "replace"), ""


def render(documents: list[Document], displays: Mapping[str, Path], roots: tuple[str, ...]) -> tuple[list[Document], list[Problem]]:
    """`displays`: each scanned file's display path -> its path on disk."""
    tops = _top_kustomizations(displays, roots)
    if not tops:
        return documents, []
    problems: list[Problem] = []
    built_files: set[str] = set()
    rendered: list[Document] = []
    real_of = {display: os.path.realpath(path) for display, path in displays.items()}
    by_real: dict[str, list[Document]] = {}
    for doc in documents:
        if doc.kind == "k8s" and doc.path in real_of:
            by_real.setdefault(real_of[doc.path], []).append(doc)
    for display, graph in tops:
        if is_component(graph):
            problems.append(Problem(display, "skip", "a kustomize Component that no scanned kustomization lists under "
                                                     "`components:`: not built alone; its files are judged as written"))
            continue
        if graph.refused:
            problems.append(Problem(display, "skip", f"kustomization not built ({'; '.join(graph.refused[:3])}): "
                                                     "its files are judged as written"))
            continue
        command = build_command(graph.folder)
        if command is None:
            problems.append(Problem(display, "skip", "kubectl or kustomize is not on PATH: the kustomization's files "
                                                     f"are judged as written, not as built (install kubectl: {INSTALL_KUBECTL})"))
            continue
        output, why = run_offline(command)
        if output is None:
            problems.append(Problem(display, "error", f"{why}: its files are judged as written"))
            continue
        sources = [d for real in graph.files for d in by_real.get(real, [])]
        kustomization = next((d for d in documents if d.path == display), None)
        try:
            objects = list(_objects(output, display, kustomization, sources))
        except Exception as exc:  # output kubectl printed but our YAML reader refuses: judged as written
            problems.append(Problem(display, "error", f"the built output could not be read: {getattr(exc, 'message', exc)}"))
            continue
        rendered.extend(objects)
        built_files |= graph.files
    if not rendered:
        return documents, problems
    kept = [d for d in documents if not (d.kind == "k8s" and real_of.get(d.path) in built_files)]
    return kept + rendered, problems


def built_candidates(displays: Mapping[str, Path], roots: tuple[str, ...]) -> set[str]:
    """The files (as displayed) a build reads, and each Chart.yaml: `--jobs` loads them in the parent, which builds."""
    reads: set[str] = set()
    for _, graph in _top_kustomizations(displays, roots):
        if is_component(graph):
            continue
        reads |= graph.files
    return {d for d, p in displays.items() if os.path.realpath(p) in reads or p.name == "Chart.yaml"}


def _top_kustomizations(displays: Mapping[str, Path], roots: tuple[str, ...]) -> list[tuple[str, render_graph.Graph]]:
    """The kustomizations no other scanned kustomization builds on, with what each reads."""
    found = [(display, path) for display, path in displays.items() if path.name in render_graph.KUSTOMIZATION_FILES]
    graphs = [(display, render_graph.walk(path.parent, roots)) for display, path in found]
    used: set[str] = set()
    for _, graph in graphs:
        used |= graph.folders - {os.path.realpath(graph.folder)}
    return [(display, graph) for display, graph in graphs if os.path.realpath(graph.folder) not in used]


def is_component(graph: render_graph.Graph) -> bool:
    """A kustomize Component patches the kustomization that lists it under `components:`; built alone, its
    patches have nothing to patch (`no resource matches strategic merge patch`)."""
    return bool(graph.component and graph.component[0])


def _objects(output: str, display: str, kustomization: Document | None, sources: list[Document]) -> Iterator[Document]:
    from checker.inputs.yaml_source import load_all

    folder = os.path.dirname(display) or "."
    changed_at = _changed_line(kustomization)
    for part in load_all(output):
        for data, _positions, _prefix in kubernetes.split_list(part.data, part.positions) if isinstance(part.data, dict) else []:
            if not kubernetes.looks_like_object(data):
                continue
            source = _source_of(data, sources)
            positions = BuiltPositions(data, source, display, changed_at)
            doc = Document(source.path if source else display, "k8s", data, positions,
                           source.environment if source else "production", source.text if source else "")
            kubernetes.build(doc)
            doc.meta["_source"] = positions.file
            doc.meta["unit"] = f"kustomize:{folder}"
            doc.meta["label"] = f"{doc.meta['label']} (built from {folder})"
            doc.meta["rendered_from"] = display
            if source is not None:  # the engine shows a finding the written object has too at its line
                doc.meta["written_as"] = source
            yield doc


def _changed_line(kustomization: Document | None) -> Position:
    if kustomization is None or not isinstance(kustomization.data, dict):
        return (1, 1)
    for key in _CHANGED_BY:
        if key in kustomization.data:
            return kustomization.position((key,)) or (1, 1)
    return (1, 1)


def _source_of(data: dict[str, Any], sources: list[Document]) -> Document | None:
    """The written object a built one comes from: same kind, its name inside the built name (namePrefix and
    nameSuffix), the same namespace first."""
    kind = data.get("kind")
    metadata: dict[str, Any] = data["metadata"] if isinstance(data.get("metadata"), dict) else {}
    name, namespace = str(metadata.get("name") or ""), metadata.get("namespace")
    best: tuple[int, int, Document] | None = None
    for doc in sources:
        written = str(doc.meta.get("k8s_name") or "")
        if doc.meta.get("k8s_kind") != kind or not written or written not in name:
            continue
        score = (len(written), int(doc.meta.get("k8s_namespace") == namespace))
        if best is None or score > best[:2]:
            best = (*score, doc)
    return best[2] if best else None


_MISSING = object()


def _at(data: Any, path: DocPath) -> Any:
    for step in path:
        if isinstance(data, dict) and step in data:
            data = data[step]
        elif isinstance(data, list) and isinstance(step, int) and 0 <= step < len(data):
            data = data[step]
        else:
            return _MISSING
    return data


class BuiltPositions(Mapping[DocPath, Position]):
    """Where a built value was written: the source object's line when the build kept it, else the
    kustomization's (a patch, a prefix, a namespace changed or removed it)."""

    def __init__(self, data: Any, source: Document | None, kustomization: str, changed_at: Position) -> None:
        self.data, self.source, self.kustomization, self.changed_at = data, source, kustomization, changed_at

    def _from_source(self, path: DocPath) -> bool:
        if self.source is None:
            return False
        built, written = _at(self.data, path), _at(self.source.data, path)
        if built is _MISSING and written is _MISSING:  # absent in both: the written object lacks it
            return True
        if built is _MISSING or written is _MISSING:  # the build removed it, or made it
            return False
        if isinstance(built, dict) and isinstance(written, dict):
            # a finding about a mapping (a container, a pod spec) is often about a key it lacks: the
            # build is to blame when it removed keys the written one has; keys it added blame nobody
            return set(written) <= set(built)
        if isinstance(built, list) and isinstance(written, list):
            return len(written) <= len(built)
        return bool(built == written)

    def nearest(self, path: DocPath) -> Position:
        if self.source is not None and self._from_source(path):
            return self.source.position(path) or (1, 1)
        return self.changed_at

    def file(self, path: DocPath) -> str:
        return self.source.path if self.source is not None and self._from_source(path) else self.kustomization

    def __getitem__(self, path: DocPath) -> Position:
        return self.nearest(path)

    def __iter__(self) -> Iterator[DocPath]:
        return iter(())

    def __len__(self) -> int:
        return 0
