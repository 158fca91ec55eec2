"""The bundle manifest: every file's relative path and SHA-256, written as canonical JSON.

manifest.json is exactly `canonical(body)`: sorted keys, no spaces, UTF-8, one trailing newline.
`digest` is the SHA-256 of the canonical body without `digest`, so an unsigned manifest that was
edited by hand (or lost a byte) is detected too; the signature covers the file's exact bytes.
"""
from __future__ import annotations

import hashlib
import json
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


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"


def bundle_files(root: Path) -> list[str]:
    """Relative POSIX paths of every regular file under `root`, except the unlisted ones, sorted."""
    found = [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() or p.is_symlink()]
    return sorted(p for p in found if p not in UNLISTED)


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
    manifest = root / MANIFEST
    if not manifest.is_file():
        check.problems.append(f"removed: {MANIFEST}")
        return check
    files, intact = parse_manifest(manifest.read_bytes())
    if not intact:
        check.problems.append(f"changed: {MANIFEST}" + ("" if files is not None else " (unreadable)"))
    if files is None:
        return check
    check.files = files
    present = set(bundle_files(root))
    for rel in sorted(set(files) | present):
        if rel not in present:
            check.problems.append(f"removed: {rel}")
        elif rel not in files:
            check.problems.append(f"added: {rel}")
        elif sha256_file(root / rel) != files[rel]:
            check.problems.append(f"changed: {rel}")
    return check
