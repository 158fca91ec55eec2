"""Inline suppressions: `# preflight: ignore[SEC-001] reason` on the line or the line above.

Several ids or names may be listed, comma-separated; `ignore[*]`... is not
accepted on purpose: a suppression names what it silences.
"""
from __future__ import annotations

import re

from checker.inputs.document import Document
from checker.models import Waiver

_IGNORE = re.compile(r"preflight:\s*ignore\[(?P<keys>[^\]]+)\]\s*(?P<reason>.*)$", re.IGNORECASE)


def inline_waiver(doc: Document, line: int | None, keys: tuple[str, str]) -> Waiver | None:
    if not line:
        return None
    marked: bool | None = doc.meta.get("_has_ignore")
    if marked is None:  # searched once per file: a file with thousands of findings must not be read thousands of times
        marked = doc.meta["_has_ignore"] = "preflight:" in doc.text
    if not marked:
        return None
    lines = doc.lines()
    for number in (line, line - 1):
        if 1 <= number <= len(lines):
            if number != line and not lines[number - 1].lstrip().startswith("#"):
                continue  # the line above counts only as a comment of its own, not another line's trailing one
            match = _IGNORE.search(lines[number - 1])
            if match and {k.strip() for k in match.group("keys").split(",")} & set(keys):
                return Waiver(source="inline", reason=match.group("reason").strip() or "(no reason given)")
    return None


ANNOTATION = "preflight.dev/ignore"


def annotation_waiver(doc: Document, keys: tuple[str, str]) -> Waiver | None:
    """A Kubernetes object annotated `preflight.dev/ignore: "SEC-100,SEC-101 reason"` waives those rules on it;
    so does a container labelled so (`docker run --label "preflight.dev/ignore=SEC-604 reason"`)."""
    if not isinstance(doc.data, dict):
        return None
    if doc.meta.get("k8s_kind"):
        metadata = doc.data.get("metadata")
        annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    elif doc.kind == "docker":  # a running container has no comments: its labels carry the waiver
        config = doc.data.get("Config")
        annotations = config.get("Labels") if isinstance(config, dict) else None
    else:
        return None
    value = annotations.get(ANNOTATION) if isinstance(annotations, dict) else None
    if not isinstance(value, str) or not value.strip():
        return None
    listed, _, reason = value.strip().partition(" ")
    if {k.strip() for k in listed.split(",")} & set(keys):
        return Waiver(source="annotation", reason=reason.strip() or "(no reason given)")
    return None
