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
    trusted_signers: [SHA256:...]   # verify: the evidence signing keys it trusts (`preflight keygen` prints one)

Without a `.preflight.yaml`, a `[tool.preflight]` table in `pyproject.toml`
(same keys) is read instead; `--config pyproject.toml` names one explicitly.
A file found rather than named may only narrow what runs (config_trust.py):
`live`, `endpoints`, `docker`, `docker_host` and `trusted_signers` apply from `--config` files only.
Command-line options win over the file; lists from both are combined.
Relative paths are relative to the file.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal, NamedTuple, Optional

from dataclasses import dataclass, field

from checker.errors import InputError, UsageError
from checker.inputs.load import read_text
from checker.models import STRICT, Severity, error_message, validate

DEFAULT_NAMES = (".preflight.yaml", ".preflight.yml")
PYPROJECT = "pyproject.toml"


class Note(NamedTuple):
    """One thing a found config tried and was refused, or (applied=True) the narrowing it applied (config_trust.py)."""
    file: str
    line: int
    message: str
    applied: bool = False


@dataclass
class Config:
    __pydantic_config__ = STRICT
    rules: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)  # deployment-unit folders (inputs/units.py): narrows relations only
    checklists: list[str] = field(default_factory=list)
    select: list[str] = field(default_factory=list)
    skip: list[str] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)  # opt-in rule profiles (scan --profile)
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
    trusted_signers: list[str] = field(default_factory=list)  # `verify`: key fingerprints (SHA256:...) it trusts
    # not keys of the file (init=False: a file that sets them is refused): where this config came from
    source: Optional[str] = field(default=None, init=False)
    trusted: bool = field(default=True, init=False)  # named with --config (or no file at all)
    notes: list[Note] = field(default_factory=list, init=False, repr=False)  # what a found file may not set


def load_config(explicit: str | None) -> Config:
    """The --config file, else the one found in the working folder (which may only narrow: see config_trust)."""
    path = Path(explicit) if explicit else _found()
    if path is None:
        return Config()
    found = explicit is None
    config = _load_pyproject(path, required=not found, found=found) if path.suffix == ".toml" else _load_yaml(path, found)
    config.source, config.trusted = str(path), explicit is not None
    if config.notes:
        from checker.config_trust import warn

        warn(config.notes)
    return config


def _found() -> Path | None:
    for name in (*DEFAULT_NAMES, PYPROJECT):
        path = Path(name)
        if path.is_symlink():  # it would be read from wherever the link points, outside the tree
            print(f"preflight: warning: {path}: a symbolic link; not read (name the file with --config)", file=sys.stderr)
        elif path.is_file():
            return path
    return None


def _load_yaml(path: Path, found: bool) -> Config:
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
    if found and documents and isinstance(data, dict):
        from checker.config_trust import narrow

        positions = documents[0].positions
        config.notes = narrow(config, [str(k) for k in data], path, lambda key: positions.get((key,), (1, 1))[0])
    return _relative_to(config, path)


def _relative_to(config: Config, path: Path) -> Config:
    base = path.parent
    for name in ("rules", "env_files", "attestations"):
        setattr(config, name, [str(base / p) for p in getattr(config, name)])
    for name in ("waivers", "baseline"):
        if getattr(config, name):
            setattr(config, name, str(base / getattr(config, name)))
    return config


def _load_pyproject(path: Path, required: bool, found: bool = False) -> Config:
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
    if found:
        from checker.config_trust import narrow

        config.notes = narrow(config, [str(k) for k in table], path, lambda key: _toml_key_line(text, key))
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
