"""A key set twice in the same file: the last value silently wins.

Fails:  LOG_LEVEL=info\nLOG_LEVEL=debug
Passes: LOG_LEVEL=info
"""
from __future__ import annotations

from typing import Iterator

from checker.inputs.document import Document
from checker.inputs.paths import format_path
from checker.probes.base import Context, Observation, Params

NAME = "duplicate-key"
TARGETS = ("env", "compose", "yaml", "k8s")


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    for duplicate in doc.duplicates:
        yield Observation(
            duplicate.path,
            f"{format_path(duplicate.path)} is set again (first on line {duplicate.first_line}); the last value wins",
        )
