"""docker-compose files: interpolation, `environment:` normalised to a map, settings.

After loading, `doc.data` is what Compose itself would see: every string
interpolated against the variables that apply (`.env` beside the file, or the
`--env-file`s given), merge keys applied, and each service's `environment:`
turned into a KEY -> value map whatever syntax it was written in. The values as
written stay available as `Setting.raw`, so a probe can tell a literal secret
from a `${VAR}` reference.
"""
from __future__ import annotations

from typing import Any, Mapping

from checker.inputs.document import Document, Position, Setting
from checker.inputs.interpolate import interpolate
from checker.inputs.paths import Path

SERVICE_KEYS = {"image", "build", "command", "ports", "environment", "volumes", "depends_on", "restart", "networks"}


def looks_like_compose(data: Any) -> bool:
    """Top level has a `services` mapping whose entries look like services."""
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
        return False
    services = data["services"]
    if not services:
        return "apiVersion" not in data
    return any(isinstance(s, dict) and SERVICE_KEYS & set(s) for s in services.values())


def build(doc: Document, variables: Mapping[str, str]) -> None:
    """Interpolate and normalise `doc` in place, and fill in its settings."""
    raw = doc.data
    doc.data = _interpolate_tree(raw, (), variables, doc)
    unset = {path for _, path, _ in doc.unset_variables} | doc.meta.get("unknown_paths", set())
    services = doc.data.get("services") if isinstance(doc.data, dict) else None
    raw_services = raw.get("services") if isinstance(raw, dict) else None
    if not isinstance(services, dict) or not isinstance(raw_services, dict):
        return
    for name, service in services.items():
        if not isinstance(service, dict) or "environment" not in service:
            continue
        raw_env = raw_services.get(name, {}).get("environment") if isinstance(raw_services.get(name), dict) else None
        assert isinstance(doc.positions, dict)  # made a dict by the loader: list environments add positions
        environment, settings = _environment(name, service["environment"], raw_env, doc.positions, unset)
        service["environment"] = environment
        doc.settings.extend(settings)
    doc.meta["env_files"] = _env_files(services)


def _interpolate_tree(value: Any, path: Path, variables: Mapping[str, str], doc: Document) -> Any:
    if isinstance(value, str):
        if "$" not in value:
            return value
        result = interpolate(value, variables)
        for unset in result.unset:
            doc.unset_variables.append((unset.name, path, bool(unset.required)))
        if result.unknown:  # set by a template env file: the value is unknown, not missing
            doc.meta.setdefault("unknown_paths", set()).add(path)
        return result.value
    if isinstance(value, dict):
        return {key: _interpolate_tree(child, path + (key,), variables, doc) for key, child in value.items()}
    if isinstance(value, list):
        return [_interpolate_tree(child, path + (index,), variables, doc) for index, child in enumerate(value)]
    return value


def _environment(
    service: str, environment: Any, raw_environment: Any, positions: dict[Path, Position], unset: set[Path]
) -> tuple[dict[str, str | None], list[Setting]]:
    """A service's environment as a map, and its settings; a value that needed an unset ${VAR} is unknown."""
    base: Path = ("services", service, "environment")
    mapping: dict[str, str | None] = {}
    settings: list[Setting] = []
    if isinstance(environment, list):
        for index, item in enumerate(environment):
            raw_item = raw_environment[index] if isinstance(raw_environment, list) and index < len(raw_environment) else item
            key, has_value, value = str(item).partition("=")
            _, _, raw_value = str(raw_item).partition("=")
            key = key.strip()
            mapping[key] = value if has_value else None
            if base + (index,) in positions:
                positions[base + (key,)] = positions[base + (index,)]
            resolved = bool(has_value) and base + (index,) not in unset
            settings.append(Setting(key, value, raw_value, base + (key,), resolved, f"service {service}"))
    elif isinstance(environment, dict):
        for key, value in environment.items():
            raw_item_value: Any = raw_environment.get(key) if isinstance(raw_environment, dict) else value
            text = _text(value)
            mapping[str(key)] = None if value is None else text
            resolved = value is not None and base + (key,) not in unset
            settings.append(Setting(str(key), text, _text(raw_item_value), base + (key,), resolved, f"service {service}"))
    return mapping, settings


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _env_files(services: dict[str, Any]) -> list[str]:
    files: list[str] = []
    for service in services.values():
        entries = service.get("env_file") if isinstance(service, dict) else None
        for entry in entries if isinstance(entries, list) else [entries] if entries else []:
            path = entry.get("path") if isinstance(entry, dict) else entry
            if isinstance(path, str) and path not in files:
                files.append(path)
    return files
