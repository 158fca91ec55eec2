"""The bundle manifest: every file's relative path and SHA-256, written as canonical JSON.

manifest.json is exactly `canonical(body)`: sorted keys, no spaces, UTF-8, one trailing newline.
`digest` is the SHA-256 of the canonical body without `digest`, so an unsigned manifest that was
edited by hand (or lost a byte) is detected too; the signature covers the file's exact bytes.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = "preflight-evidence-bundle"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
SIGNER = "signer.pub"
# files that are not listed in the manifest (the manifest itself and what is written after it)
UNLISTED = frozenset({MANIFEST, SIGNATURE, SIGNER})


MAX_MANIFEST_BYTES = 64 << 20  # far above any bundle's manifest; a bigger file is not read whole


class NotRegular(Exception):
    """A bundle entry that is a link, folder, FIFO, socket or device where a regular file belongs."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def entry_kind(info: os.stat_result, path: Path | None = None) -> str:
    mode = info.st_mode
    if stat.S_ISLNK(mode):
        try:
            return f"symbolic link to {os.readlink(path)}" if path is not None else "symbolic link"
        except OSError:
            return "symbolic link"
    for test, name in ((stat.S_ISDIR, "folder"), (stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"),
                       (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device")):
        if test(mode):
            return name
    return "not a regular file"


def _open_regular(path: Path) -> int:
    """A descriptor of the regular file at `path`, never through a link, never blocking on a FIFO."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotRegular("symbolic link") from None
        raise
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise NotRegular(entry_kind(info))
    return fd


def sha256_file(path: Path) -> str:
    """SHA-256 of a regular file (NotRegular for anything else: a FIFO would never end, a link points outside)."""
    digest = hashlib.sha256()
    with os.fdopen(_open_regular(path), "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def read_regular(path: Path, limit: int = MAX_MANIFEST_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes (NotRegular, OSError, or ValueError when larger)."""
    with os.fdopen(_open_regular(path), "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"over {limit >> 20} MiB")
    return data


def canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"


def walk(root: Path) -> tuple[list[str], dict[str, str]]:
    """(regular files, other entries -> what they are) under `root`, relative POSIX paths, sorted.

    Links are never followed (a link to a folder is an entry, not a folder to descend into);
    the unlisted names count only at the top.
    """
    regular: list[str] = []
    other: dict[str, str] = {}
    pending = [""]
    while pending:
        prefix = pending.pop()
        try:
            entries = list(os.scandir(root / prefix if prefix else root))
        except OSError as exc:
            other[prefix or "."] = f"unreadable folder ({exc.strerror})"
            continue
        for entry in entries:
            rel = f"{prefix}/{entry.name}" if prefix else entry.name
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                other[rel] = "unreadable"
                continue
            if stat.S_ISDIR(info.st_mode):
                pending.append(rel)
            elif stat.S_ISREG(info.st_mode):
                regular.append(rel)
            else:
                other[rel] = entry_kind(info, Path(entry.path))
    return sorted(regular), dict(sorted(other.items()))


def bundle_files(root: Path) -> list[str]:
    """Relative POSIX paths of every regular file under `root`, except the unlisted ones, sorted."""
    return [p for p in walk(root)[0] if p not in UNLISTED]


def build_manifest(root: Path, notes: list[str] | None = None) -> bytes:
    files = [{"path": rel, "sha256": sha256_file(root / rel)} for rel in bundle_files(root)]
    body: dict[str, Any] = {"format": FORMAT, "format_version": FORMAT_VERSION, "files": files, "notes": list(notes or [])}
    body["digest"] = hashlib.sha256(canonical(body)).hexdigest()
    return canonical(body)


@dataclass
class Check:
    """What `verify` found: one line per problem, each naming a file."""
    problems: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # path -> sha256 recorded in the manifest


def parse_manifest(raw: bytes) -> tuple[dict[str, str] | None, bool]:
    """(path -> sha256, intact). `None` when unreadable; intact is False when the bytes or the digest disagree."""
    try:
        body = json.loads(raw.decode("utf-8"))
        files = {str(f["path"]): str(f["sha256"]) for f in body["files"]}
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None, False
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        return None, False
    recorded = body.pop("digest", None)
    intact = recorded == hashlib.sha256(canonical(body)).hexdigest()
    body["digest"] = recorded
    return files, intact and canonical(body) == raw


def check_hashes(root: Path) -> Check:
    check = Check()
    regular, other = walk(root)
    for rel, kind in other.items():  # links, FIFOs, devices: never read, always a failure
        check.problems.append(f"not a regular file: {rel} ({kind})")
    if MANIFEST not in regular:
        if MANIFEST not in other:
            check.problems.append(f"removed: {MANIFEST}")
        return check
    try:
        raw = read_regular(root / MANIFEST)
    except (OSError, ValueError, NotRegular) as exc:
        check.problems.append(f"changed: {MANIFEST} (unreadable: {exc})")
        return check
    files, intact = parse_manifest(raw)
    if not intact:
        check.problems.append(f"changed: {MANIFEST}" + ("" if files is not None else " (unreadable)"))
    if files is None:
        return check
    check.files = files
    present = {p for p in regular if p not in UNLISTED}
    for rel in sorted(set(files) | present):
        if rel in other:
            continue  # named above
        if rel not in present:
            check.problems.append(f"removed: {rel}")
        elif rel not in files:
            check.problems.append(f"added: {rel}")
        else:
            try:
                digest = sha256_file(root / rel)
            except NotRegular as exc:  # swapped since the walk
                check.problems.append(f"not a regular file: {rel} ({exc.kind})")
                continue
            except OSError as exc:
                check.problems.append(f"unreadable: {rel} ({exc.strerror})")
                continue
            if digest != files[rel]:
                check.problems.append(f"changed: {rel}")
    return check
