"""`preflight verify`: recompute an evidence bundle's hashes and check its signature.

One line per problem, naming the file (`changed: …`, `added: …`, `removed: …`); exit 0 when all is well, else 1.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from checker.errors import UsageError
from checker.evidence import manifest, signing


def run_verify(args: argparse.Namespace) -> int:
    root = Path(args.bundle)
    if not root.is_dir():
        raise UsageError(f"{root}: no such folder")
    check = manifest.check_hashes(root)
    problems = list(check.problems)
    signature_path, signer_path = root / manifest.SIGNATURE, root / manifest.SIGNER
    signer: str | None = None
    if signature_path.is_file():
        if args.public_key:
            key_path, which = Path(args.public_key), f"--public-key {args.public_key}"
        else:
            key_path, which = signer_path, f"{manifest.SIGNER} recorded in the bundle"
        if not key_path.is_file():
            problems.append(f"removed: {manifest.SIGNER} (no key to check {manifest.SIGNATURE} against)")
        else:
            key = signing.load_public(key_path) if args.public_key else _bundle_key(signer_path, problems)
            if key is not None:
                data = (root / manifest.MANIFEST).read_bytes() if (root / manifest.MANIFEST).is_file() else b""
                if signing.verify(key, signature_path.read_bytes(), data):
                    signer = signing.fingerprint(key)
                    print(f"signature: good, checked against {which}")
                else:
                    problems.append(f"bad signature: {manifest.SIGNATURE} does not match {manifest.MANIFEST} "
                                    f"and the key {signing.fingerprint(key)} ({which})")
    elif args.public_key:
        problems.append(f"removed: {manifest.SIGNATURE} (bundle is not signed, but --public-key was given)")
    elif signer_path.exists():
        problems.append(f"removed: {manifest.SIGNATURE} ({manifest.SIGNER} is present)")
    for problem in problems:
        print(problem)
    if problems:
        print(f"verification failed: {len(problems)} problem{'s' if len(problems) != 1 else ''}")
        return 1
    by = f"signature by {signer}" if signer else "unsigned"
    print(f"verified: {len(check.files)} files, {by}")
    return 0


def _bundle_key(path: Path, problems: list[str]) -> Ed25519PublicKey | None:
    try:
        return signing.load_public(path)
    except UsageError:
        problems.append(f"changed: {manifest.SIGNER} (not an Ed25519 public key)")
        return None
