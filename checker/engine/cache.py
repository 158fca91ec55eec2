"""The compiled-rules cache: validated rules, kept with the rule files' texts they came from.

Validating ~60 rules with pydantic costs more than a one-file scan itself, and
importing pydantic alone costs more than the rest of the start-up. So the
validated rules are pickled once per distinct set of rule files and reloaded
as they are. An entry is used only when the rule files read now are the very
texts it was made from (compared whole: no hash to compute, nothing that a
quick edit within a clock tick could fool). The cache lives in the user's
cache folder, never in the scanned tree; a cache that cannot be read or
written is simply not used.

    PREFLIGHT_CACHE_DIR   where (default: $XDG_CACHE_HOME/preflight or ~/.cache/preflight)
    PREFLIGHT_NO_CACHE=1  validate the rule files on every run
"""
from __future__ import annotations

import os
import pickle
import sys
import zlib
from pathlib import Path
from typing import Any

MAX_ENTRIES = 32  # distinct rule sets kept; the oldest are removed


def folder() -> Path:
    explicit = os.environ.get("PREFLIGHT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "preflight"


def key(version: str, texts: list[str], sources: list[str]) -> str:
    """Everything an entry depends on: the Python version too (pickles of one interpreter are not promised
    to load in another), and the code that defines rules and params (an edited checkout never loads stale
    pickles), then the rule files' names and texts."""
    return "\0".join([version, sys.version, _code_stamp(), *sources, *texts])


def _entry(cache_key: str) -> Path:
    # a name, not the identity: the whole key is stored in the entry and compared on load
    return folder() / f"rules-{zlib.crc32(cache_key.encode()):08x}-{len(cache_key)}.pickle"


def _code_stamp() -> str:
    package = Path(__file__).resolve().parent.parent
    files = [package / "models.py", package / "engine" / "rules.py", *sorted((package / "probes").glob("*.py"))]
    stamps = []
    for path in files:
        try:
            info = path.stat()
        except OSError:
            continue
        stamps.append(f"{path.name}:{info.st_size}:{info.st_mtime_ns}")
    return ",".join(stamps)


def load(cache_key: str) -> Any | None:
    if os.environ.get("PREFLIGHT_NO_CACHE"):
        return None
    try:
        with open(_entry(cache_key), "rb") as handle:
            stored_key, value = pickle.load(handle)
    except Exception:  # missing, truncated, or written by another version: validate again
        return None
    return value if stored_key == cache_key else None


def store(cache_key: str, value: Any) -> None:
    if os.environ.get("PREFLIGHT_NO_CACHE"):
        return
    import tempfile  # only when writing: it pulls in shutil and the compression modules

    try:
        target = folder()
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target, prefix=".rules-", delete=False) as handle:
            pickle.dump((cache_key, value), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, _entry(cache_key))  # atomic: readers never see half a file
        _prune(target)
    except Exception:  # a read-only home, or rules that cannot be pickled: the next run validates again
        return


def _prune(target: Path) -> None:
    entries = sorted(target.glob("rules-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[MAX_ENTRIES:]:
        old.unlink(missing_ok=True)
