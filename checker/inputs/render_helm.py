"""Helm charts judged as `helm template` renders them, once per values file; or one `skip` saying how to.

    render(documents, displays, roots) -> (documents, problems)

A chart is a folder with `Chart.yaml`. With `helm` on PATH, each `values*.yaml` beside it other than
`values.yaml` is one release (`helm template <chart> <folder> -f values-prod.yaml`; `values.yaml` alone
when there is no other), rendered offline as inputs/render.py runs kubectl: no proxy, a throw-away HOME
and Helm cache, a timeout. Each release is one deployment unit (`helm:<folder>[values file]`); a finding
points at the template the object came from (Helm's `# Source:` line). The chart's templates are then
not reported as unparsed templates. A chart holding a link that leaves the scan roots is not rendered.
Without `helm`: exactly one `skip` per chart, naming how to install it.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Mapping

from checker.inputs import containment, kubernetes
from checker.inputs import render as kustomize
from checker.inputs.document import Document
from checker.inputs.environment import DEFAULT_ENVIRONMENT, infer

INSTALL = "install helm to judge this chart: https://helm.sh/docs/intro/install/"
_SOURCE = re.compile(r"^# Source: (?P<path>\S+)", re.MULTILINE)
MAX_CHART_FILES = 5000


def render(
    documents: list[Document], displays: Mapping[str, Path], roots: tuple[str, ...]
) -> tuple[list[Document], list[kustomize.Problem], list[str]]:
    """Also returns the folders (as displayed) of the charts rendered: their templates' skips are moot."""
    charts = sorted((display, path) for display, path in displays.items() if path.name == "Chart.yaml")
    done: list[str] = []
    if not charts:
        return documents, [], done
    problems: list[kustomize.Problem] = []
    rendered: list[Document] = []
    for display, path in charts:
        if shutil.which("helm") is None:
            problems.append(kustomize.Problem(display, "skip", INSTALL))
            continue
        folder = path.parent
        escape = _leaves_roots(folder, roots)
        if escape:
            problems.append(kustomize.Problem(display, "skip", f"chart not rendered: {escape}"))
            continue
        for values in _releases(folder):
            command = ["helm", "template", _release_name(folder), str(folder)] + (["-f", str(values)] if values else [])
            output, why = kustomize.run_offline(command)
            if output is None:
                problems.append(kustomize.Problem(display, "error", why))
                continue
            rendered.extend(_objects(output, os.path.dirname(display) or ".", values))
            done.append(os.path.dirname(display) or ".")
    return documents + rendered, problems, done


def _releases(folder: Path) -> list[Path | None]:
    others = sorted(p for p in folder.glob("values*.y*ml") if p.name not in ("values.yaml", "values.yml") and p.is_file())
    return list(others) or [None]


def _release_name(folder: Path) -> str:
    return re.sub(r"[^a-z0-9-]", "-", folder.name.lower())[:40] or "release"


def _leaves_roots(folder: Path, roots: tuple[str, ...]) -> str | None:
    count = 0
    for current, dirs, files in os.walk(folder):
        for name in dirs + files:
            count += 1
            full = Path(current) / name
            if count > MAX_CHART_FILES:
                return f"more than {MAX_CHART_FILES} files"
            if full.is_symlink() and not containment.inside_given(full, roots):
                return f"{full} links outside the scanned folders"
    return None


def _objects(output: str, folder: str, values: Path | None) -> list[Document]:
    from checker.inputs.yaml_source import load_all

    found: list[Document] = []
    unit = f"helm:{folder}" + (f"[{values.name}]" if values else "")
    environment = (infer(values.name) if values else None) or DEFAULT_ENVIRONMENT
    for chunk in output.split("\n---"):
        source = _SOURCE.search(chunk)
        template = os.path.join(os.path.dirname(folder), source.group("path")) if source else folder
        for part in load_all(chunk):
            if not kubernetes.looks_like_object(part.data):
                continue
            # the template's own lines are not the rendered ones: the finding names the template file, no line
            doc = Document(template, "k8s", part.data, {(): (1, 1)}, environment, chunk)
            kubernetes.build(doc)
            doc.meta["unit"] = unit
            doc.meta["label"] = f"{doc.meta['label']} (helm template{' -f ' + values.name if values else ''})"
            found.append(doc)
    return found
