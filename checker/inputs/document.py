"""The parsed form of every scanned file: plain data plus a source position per node.

Probes only see `Document`s. `data` is plain Python (dict / list / str / int /
float / bool / None); `positions` maps a path tuple (keys and list indexes) to
its (line, column), 1-based, so any finding can point at its line.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, NamedTuple

from checker.inputs.paths import Path, select

Position = tuple[int, int]


class Node(NamedTuple):
    path: Path
    value: Any


class Setting(NamedTuple):
    """One environment-variable-like key=value, wherever it is written."""

    key: str
    value: str  # after interpolation
    raw: str  # as written in the file
    path: Path  # where it sits in its document
    resolved: bool  # False when the value came from an unset ${VAR}
    scope: str = ""  # where inside the file: "service web", "container app", "ConfigMap settings"
    # the scanned env file the value was passed through from (`environment: [KEY]`, `KEY: ${KEY}`): the
    # value is written, and judged, there; rules about secret values say nothing more about it here
    origin: str = ""


class Duplicate(NamedTuple):
    path: Path  # the later, winning occurrence
    first_line: int


@dataclass
class Document:
    path: str  # as shown in reports (relative to the scan root where possible)
    kind: str  # env | compose | yaml | project | ...
    data: Any
    positions: Mapping[Path, Position] = field(default_factory=dict)  # a dict, or yaml_source.SourcePositions
    environment: str = "production"
    text: str = ""  # raw source, for inline suppressions
    settings: list[Setting] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    unset_variables: list[tuple[str, Path, bool]] = field(default_factory=list)  # (name, where, required)
    meta: dict[str, Any] = field(default_factory=dict)

    def select(self, expression: str) -> Iterator[Node]:
        for path, value in select(self.data, expression):
            yield Node(path, value)

    def position(self, path: Path) -> Position | None:
        """Position of `path`, or of its nearest ancestor that has one."""
        nearest = getattr(self.positions, "nearest", None)
        if nearest is not None:
            found: Position = nearest(path)
            return found
        for end in range(len(path), -1, -1):
            here = self.positions.get(path[:end])
            if here:
                return here
        return None

    def source(self, path: Path) -> str:
        """The file that wrote the value at `path`: this file, or for a merged compose project the file that set it."""
        found = self.meta.get("_source")
        return str(found(path)) if found is not None else self.path

    def lines(self) -> list[str]:
        cached: list[str] | None = self.meta.get("_lines")
        if cached is None:
            cached = self.meta["_lines"] = self.text.splitlines()
        return cached
