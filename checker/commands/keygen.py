"""`preflight keygen`: an Ed25519 key pair for signing evidence bundles (PREFIX.key 0600, PREFIX.pub)."""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from checker import safe_write
from checker.errors import UsageError
from checker.evidence import signing


def run_keygen(args: argparse.Namespace) -> int:
    private_path, public_path = Path(args.output + ".key"), Path(args.output + ".pub")
    for path in (private_path, public_path):
        if os.path.lexists(path):  # a dangling symbolic link counts: it would be written through
            raise UsageError(f"{path}: already exists; not overwriting a key")
    if not private_path.parent.is_dir():
        raise UsageError(f"{private_path.parent}: no such folder")
    private, public = signing.generate()
    # O_EXCL | O_NOFOLLOW: never overwrite, never through a link; 0600 from the start, not chmod after writing
    with safe_write.open_output(private_path, exclusive=True, mode=0o600) as handle:
        os.fchmod(handle.fileno(), 0o600)  # whatever the umask: exactly owner read and write
        handle.write(private)
    safe_write.write_bytes(public_path, public, exclusive=True, mode=0o644)
    key = signing.load_public(public_path)
    print(f"wrote {private_path} (private, keep it secret) and {public_path}; fingerprint {signing.fingerprint(key)}")
    return 0
