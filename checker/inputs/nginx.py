"""nginx files (placeholder: the parser comes with the coverage work)."""
from __future__ import annotations

from pathlib import Path

from checker.inputs.document import Document


def parse(display: str, path: Path, text: str, environment: str) -> list[Document]:
    return []
