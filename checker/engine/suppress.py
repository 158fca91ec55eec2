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
    if not line or "preflight:" not in doc.text:
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
