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
    waivers: .preflight/waivers.yaml   # default: .preflight/waivers.yaml beside the first scanned folder
    baseline: .preflight-baseline.json # fail only on findings not recorded here
    docker: true                    # also inspect running containers (scan --docker)
    docker_host: unix:///run/docker.sock  # their Docker API (scan --docker-host)

Without a `.preflight.yaml`, a `[tool.preflight]` table in `pyproject.toml`
(same keys) is read instead; `--config pyproject.toml` names one explicitly.
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
PYPROJECT = "pyproject.toml"


@dataclass
class Config:
    __pydantic_config__ = STRICT
    rules: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)  # deployment-unit folders (inputs/units.py): narrows relations only
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
    docker: bool = False  # inspect the running containers of a Docker host (scan --docker)
    docker_host: Optional[str] = None  # its API URL (scan --docker-host)
    waivers: Optional[str] = None
    baseline: Optional[str] = None


def load_config(explicit: str | None) -> Config:
    path = Path(explicit) if explicit else next((Path(n) for n in DEFAULT_NAMES if Path(n).is_file()), None)
    if path is None and Path(PYPROJECT).is_file():
        path = Path(PYPROJECT)
    if path is None:
        return Config()
    if path.suffix == ".toml":
        return _load_pyproject(path, required=explicit is not None)
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
    return _relative_to(config, path)


def _relative_to(config: Config, path: Path) -> Config:
    base = path.parent
    for name in ("rules", "env_files", "attestations"):
        setattr(config, name, [str(base / p) for p in getattr(config, name)])
    for name in ("waivers", "baseline"):
        if getattr(config, name):
            setattr(config, name, str(base / getattr(config, name)))
    return config


def _load_pyproject(path: Path, required: bool) -> Config:
    """`[tool.preflight]` in pyproject.toml: the same keys as `.preflight.yaml`."""
    import tomllib

    try:
        text = read_text(path)
    except InputError as exc:
        raise UsageError(f"{path}:{exc.line or 1}: {exc.message}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _toml_error_line(str(exc))
        raise UsageError(f"{path}:{line}: {str(exc).split(' (at line')[0]}") from None
    table = data.get("tool", {}).get("preflight")
    if table is None:
        if required:
            raise UsageError(f"{path}:1: no [tool.preflight] table")
        return Config()
    from pydantic import ValidationError

    try:
        config = validate(Config, table)
    except ValidationError as exc:
        error = exc.errors()[0]
        location = tuple(error["loc"])
        line = _toml_key_line(text, str(location[0]) if location else "")
        raise UsageError(f"{path}:{line}: config field {'.'.join(map(str, location))}: {error_message(error)}") from None
    return _relative_to(config, path)


def _toml_error_line(message: str) -> int:
    import re

    found = re.search(r"at line (\d+)", message)
    return int(found.group(1)) if found else 1


def _toml_key_line(text: str, key: str) -> int:
    """The line of `key = ...` inside [tool.preflight] (else the table header, else 1)."""
    import re

    header, inside = 1, False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            inside = stripped.replace(" ", "") == "[tool.preflight]"
            if inside:
                header = number
            continue
        if inside and key and re.match(rf"^{re.escape(key)}\s*=", stripped):
            return number
    return header
