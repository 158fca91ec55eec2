"""A file that a configuration names lies outside the scanned repository: it was not read.

The loader never opens such a file (inputs/containment.py); it records each
reference here, with the file and line that wrote it, in
`doc.meta["outside_references"]`: compose `env_file:`, `include:` and
`extends: file:`, nginx `include`.

Fails:  services: {web: {image: nginx, env_file: /etc/passwd}}
Passes: services: {web: {image: nginx, env_file: app.env}}
"""
from __future__ import annotations

from typing import Iterator, NamedTuple

from checker.inputs.document import Document
from checker.probes.base import Context, Observation, Params

NAME = "outside-reference"
TARGETS = ("compose", "nginx")


class Reference(NamedTuple):
    """`what` names `name` (as written) at `file`:`line`; its real path lies outside the scan roots."""

    what: str  # env_file | include | extends | nginx include
    name: str
    file: str
    line: int | None


def record(doc: Document, reference: Reference) -> None:
    found = doc.meta.setdefault("outside_references", [])
    if reference not in found:
        found.append(reference)


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    for reference in doc.meta.get("outside_references", []):
        where = Document(reference.file, doc.kind, {}, {(): (reference.line or 1, 1)}, doc.environment,
                         doc.text if reference.file == doc.path else "")
        where.meta["label"] = reference.what
        yield Observation((), f"{reference.what} points outside the repository: {reference.name} (not read)",
                          observed=reference.name, document=where)
