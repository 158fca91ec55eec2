"""The rule files a Prometheus config loads (`rule_files:`), whatever their names.

Discovery reads `*.yml` / `*.yaml`; Prometheus projects often name their rule files
`alert.rules` or `targets.rules`, so without this the alerting rules they define were
never read and MON-201/MON-203..205 reported missing alerts that were there (issue 14).

Paths resolve as Prometheus resolves them: relative to the config file, with a glob
allowed in the last part. An absolute path is the path inside the Prometheus container
(`/etc/prometheus/rules/*.rules`, mounted from the config's folder): its longest tail that
exists beside the config is read (`rules/*.rules`). Only files inside the config file's folder are read, so a scanned
config cannot send the scanner elsewhere on the disk.
"""
from __future__ import annotations

import glob
from pathlib import Path, PurePosixPath
from typing import Any, Iterable

MAX_FILES = 200  # per config: a glob over a large folder reads no more than this


def named_rule_files(config_path: Path, config: Any, display: str) -> list[tuple[Path, str]]:
    """(absolute path, display path) of the existing rule files a Prometheus config names."""
    entries = config.get("rule_files") if isinstance(config, dict) else None
    if not isinstance(entries, list):
        return []
    folder = config_path.parent.resolve()
    shown = PurePosixPath(display).parent
    found: dict[Path, str] = {}
    for entry in entries:
        if not isinstance(entry, str) or not entry.strip():
            continue
        pattern = PurePosixPath(entry.strip())
        for match in _matches(folder, pattern):
            if len(found) >= MAX_FILES:
                break
            path = Path(match).resolve()
            if path.is_file() and _inside(path, folder):
                found.setdefault(path, str(shown / path.relative_to(folder).as_posix()))
    return list(found.items())


def _matches(folder: Path, pattern: PurePosixPath) -> Iterable[str]:
    """A relative pattern beside the config; an absolute one (a container path) by its longest tail that
    matches there: `/etc/prometheus/rules/*.rules` mounted from the config's folder is `rules/*.rules`."""
    if not pattern.is_absolute():
        return _glob(folder, str(pattern))
    parts = pattern.parts[1:]
    for start in range(len(parts)):
        found = [m for m in _glob(folder, str(PurePosixPath(*parts[start:]))) if Path(m).is_file()]
        if found:
            return found
    return []


def _glob(folder: Path, relative: str) -> Iterable[str]:
    if glob.has_magic(relative):
        return sorted(glob.glob(glob.escape(str(folder)) + "/" + relative))
    return [str(folder / relative)]


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True
