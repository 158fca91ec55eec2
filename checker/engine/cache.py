"""The compiled-rules cache: validated rules, kept with the rule files' texts they came from.

Validating ~60 rules with pydantic costs more than a one-file scan itself, and
importing pydantic alone costs more than the rest of the start-up. So the
validated rules are pickled once per distinct set of rule files and reloaded
as they are. An entry is used only when the rule files read now are the very
texts it was made from (compared whole: no hash to compute, nothing that a
quick edit within a clock tick could fool). The cache lives in the user's
cache folder, never in the scanned tree; a cache that cannot be read or
written is simply not used.

Unpickling runs code, so an entry is unpickled only when (1) the folder is
owned by this user and nobody else may write to it (it is made 0700; an
existing one of this user's with a looser mode is tightened to 0700, and if
others could write to it, its entries are removed first; a folder of someone
else's is not used), (2) the entry is a regular file (never
followed through a link) owned by this user and writable by nobody else, and
(3) the key stored at its head, read before any unpickling, is the very key
wanted. An entry is `MAGIC`, the key's length (8 bytes), the key (UTF-8), then
the pickle.

    PREFLIGHT_CACHE_DIR   where (default: $XDG_CACHE_HOME/preflight or ~/.cache/preflight)
    PREFLIGHT_NO_CACHE=1  validate the rule files on every run
"""
from __future__ import annotations

import os
import pickle
import stat
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


MAGIC = b"preflight-rules-cache-2\n"


def _owned_by_me(info: os.stat_result) -> bool:
    getuid = getattr(os, "getuid", None)
    return getuid is None or info.st_uid == getuid()


def _safe_folder(target: Path) -> bool:
    """True when only this user can write to `target` (tightening a folder of ours to 0700 first)."""
    try:
        info = os.stat(target)
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode) or not _owned_by_me(info):
        return False
    if stat.S_IMODE(info.st_mode) & 0o077:
        try:
            os.chmod(target, 0o700)
        except OSError:
            return False
        if stat.S_IMODE(info.st_mode) & 0o022:  # others could have planted entries: none is kept
            for entry in target.glob("rules-*.pickle"):
                entry.unlink(missing_ok=True)
    return True


def load(cache_key: str) -> Any | None:
    if os.environ.get("PREFLIGHT_NO_CACHE"):
        return None
    target = folder()
    if not _safe_folder(target):
        return None
    wanted = cache_key.encode("utf-8", "surrogatepass")
    try:
        fd = os.open(_entry(cache_key), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or not _owned_by_me(info) or stat.S_IMODE(info.st_mode) & 0o022:
            return None
        head = handle.read(len(MAGIC) + 8)
        if head[:len(MAGIC)] != MAGIC or int.from_bytes(head[len(MAGIC):], "big") != len(wanted):
            return None
        if handle.read(len(wanted)) != wanted:  # checked before a single byte is unpickled
            return None
        try:
            return pickle.load(handle)
        except Exception:  # truncated, or written by another version: validate again
            return None


def store(cache_key: str, value: Any) -> None:
    if os.environ.get("PREFLIGHT_NO_CACHE"):
        return
    import tempfile  # only when writing: it pulls in shutil and the compression modules

    try:
        target = folder()
        target.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _safe_folder(target):
            return  # someone else's folder, or one others can write to: never fill it
        key_bytes = cache_key.encode("utf-8", "surrogatepass")
        # mkstemp: created 0600, O_EXCL, in the folder itself (so the rename below is atomic)
        with tempfile.NamedTemporaryFile(dir=target, prefix=".rules-", delete=False) as handle:
            handle.write(MAGIC + len(key_bytes).to_bytes(8, "big") + key_bytes)
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, _entry(cache_key))  # atomic: readers never see half a file
        _prune(target)
    except Exception:  # a read-only home, or rules that cannot be pickled: the next run validates again
        return


def _prune(target: Path) -> None:
    entries = sorted(target.glob("rules-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[MAX_ENTRIES:]:
        old.unlink(missing_ok=True)
