"""Small YAML data files we validate (attestations, waivers): one document, one-line errors.

A bad file stops the run (UsageError → exit 2) with one line naming the file,
the line and the field, the same shape as rule-file errors.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from checker.errors import InputError, UsageError
from checker.inputs.load import read_text
from checker.models import error_message, validate

if TYPE_CHECKING:
    from checker.inputs.yaml_source import YamlDocument

T = TypeVar("T")


class _Entries(Protocol):
    def entries(self) -> list[Any]: ...


def load_entries(path: Path, cls: type[_Entries], what: str, key: str, roots: tuple[str, ...] | None = None) -> list[Any]:
    """The entries under `key` (`attestations:`, `waivers:`), each stamped with this file and its line;
    with `roots`, a file whose real path is outside them is not read (exit 2)."""
    loaded = load_validated(path, cls, what, roots)
    if loaded is None:
        return []
    parsed, document = loaded
    entries = parsed.entries()
    for index, entry in enumerate(entries):
        entry.file = str(path)
        entry.line = document.positions.get((key, index), (1, 1))[0]
    return entries


def load_validated(path: Path, cls: type[T], what: str, roots: tuple[str, ...] | None = None) -> tuple[T, YamlDocument] | None:
    """The file validated into `cls`, with its positions; None for an empty file."""
    from pydantic import ValidationError

    from checker.inputs.yaml_source import load_all

    where = str(path)
    try:
        documents = load_all(read_text(path, roots))
    except InputError as exc:
        raise UsageError(f"{where}:{exc.line or 1}: {exc.message}") from None
    if not documents:
        return None
    if len(documents) > 1:
        raise UsageError(f"{where}: one YAML document expected")
    document = documents[0]
    try:
        return validate(cls, document.data), document
    except ValidationError as exc:
        error = exc.errors()[0]
        location = tuple(error["loc"])
        message = error_message(error)
        named = re.match(r"^(\w+): (.+)$", message)
        if named:  # a __post_init__ check names its field
            location, message = location + (named.group(1),), named.group(2)
        line = document.positions.get(location[:3]) or document.positions.get(location[:2]) or (1, 1)
        field = ".".join(str(p) for p in location)
        raise UsageError(f"{where}:{line[0]}: {what} field {field}: {message}") from None
