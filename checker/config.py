"""The configuration file (`.preflight.yaml` in the working folder, or --config FILE).

    rules: [ci/checklists]          # extra rule folders or files
    exclude: ["legacy/*"]
    checklists: [security, backups]
    select: []                      # rule ids or names; empty = all
    skip: [SEC-005]
    severity: low                   # run rules at or above this severity
    fail_on: high                   # exit 1 only for failures at or above this severity
    env: production
    env_files: [deploy/.env.production]
    attestations: [.preflight/attestations.yaml]

Command-line options win over the file; lists from both are combined.
Relative paths are relative to the file.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal, Optional

from dataclasses import dataclass, field

from checker.errors import InputError, UsageError
from checker.inputs.load import read_text
from checker.models import STRICT, Severity, error_message, validate

DEFAULT_NAMES = (".preflight.yaml", ".preflight.yml")


@dataclass
class Config:
    __pydantic_config__ = STRICT
    rules: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    checklists: list[str] = field(default_factory=list)
    select: list[str] = field(default_factory=list)
    skip: list[str] = field(default_factory=list)
    severity: Severity = "info"
    fail_on: Severity = "info"
    env: Optional[Literal["development", "staging", "production"]] = None
    env_files: list[str] = field(default_factory=list)
    attestations: list[str] = field(default_factory=list)
    live: bool = False
    endpoints: list[str] = field(default_factory=list)


def load_config(explicit: str | None) -> Config:
    path = Path(explicit) if explicit else next((Path(n) for n in DEFAULT_NAMES if Path(n).is_file()), None)
    if path is None:
        return Config()
    from pydantic import ValidationError

    from checker.inputs.yaml_source import load_all

    try:
        documents = load_all(read_text(path))
    except InputError as exc:
        raise UsageError(f"{path}:{exc.line or 1}: {exc.message}") from None
    data = documents[0].data if documents else {}
    try:
        config = validate(Config, data or {})
    except ValidationError as exc:
        error = exc.errors()[0]
        location = tuple(error["loc"])
        line = documents[0].positions.get(location[:1], (1, 1))[0] if documents else 1
        message = error_message(error)
        raise UsageError(f"{path}:{line}: config field {'.'.join(map(str, location))}: {message}") from None
    base = path.parent
    for field in ("rules", "env_files", "attestations"):
        setattr(config, field, [str(base / p) for p in getattr(config, field)])
    return config
