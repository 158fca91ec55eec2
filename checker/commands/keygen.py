"""`preflight keygen`: an Ed25519 key pair for signing evidence bundles (PREFIX.key 0600, PREFIX.pub)."""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from checker.errors import UsageError
from checker.evidence import signing


def run_keygen(args: argparse.Namespace) -> int:
    private_path, public_path = Path(args.output + ".key"), Path(args.output + ".pub")
    for path in (private_path, public_path):
        if path.exists():
            raise UsageError(f"{path}: already exists; not overwriting a key")
    if not private_path.parent.is_dir():
        raise UsageError(f"{private_path.parent}: no such folder")
    private, public = signing.generate()
    # O_EXCL: never overwrite; 0600 from the start, not chmod after writing
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private)
    os.chmod(private_path, 0o600)  # in case the umask was stricter than needed, or looser
    public_path.write_bytes(public)
    key = signing.load_public(public_path)
    print(f"wrote {private_path} (private, keep it secret) and {public_path}; fingerprint {signing.fingerprint(key)}")
    return 0
