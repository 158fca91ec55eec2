"""`preflight verify`: recompute an evidence bundle's hashes and check its signature.

One line per problem, naming the file (`changed: …`, `added: …`, `removed: …`,
`not a regular file: …`). A bundle file is read only when it is a regular file
inside the bundle: links, FIFOs and devices are failures, never opened.

The signature is authenticated only against a key the auditor trusts:
`--public-key FILE`, or a fingerprint listed in `trusted_signers:` of the file
named with `--config`. The `signer.pub` inside the bundle proves nothing by
itself (whoever edits a bundle can re-sign it with a key of their own and put
that key beside it), so without a trusted key the signature is checked for
consistency only and the result says it is not authenticated.

Exit codes: 0 every hash holds and a trusted key authenticates the signature;
1 a problem (a changed, added, removed or irregular file, a bad or missing
signature); 3 every hash holds but nothing authenticates the bundle (unsigned,
or signed by a key no one vouched for).
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from checker.errors import UsageError
from checker.evidence import manifest, signing

NOT_AUTHENTICATED = 3


def run_verify(args: argparse.Namespace) -> int:
    root = Path(args.bundle)
    if not root.is_dir():
        raise UsageError(f"{root}: no such folder")
    pinned = _pinned_fingerprints(getattr(args, "config", None))
    check = manifest.check_hashes(root)
    problems = list(check.problems)
    signature = _read(root / manifest.SIGNATURE)
    signer: str | None = None
    trusted = False
    if signature is not None:
        if args.public_key:
            key: Ed25519PublicKey | None = signing.load_public(Path(args.public_key))
            which = f"--public-key {args.public_key}"
        else:
            key, which = _bundle_key(root, problems), f"{manifest.SIGNER} recorded in the bundle"
        if key is not None:
            data = _read(root / manifest.MANIFEST) or b""
            if signing.verify(key, signature, data):
                signer = signing.fingerprint(key)
                trusted = bool(args.public_key) or signer in pinned
                if trusted and not args.public_key:
                    which += f", whose fingerprint is pinned in {args.config}"
                if pinned and not trusted:
                    problems.append(f"untrusted signer: {manifest.SIGNATURE} is signed by {signer}, "
                                    f"which is not among the trusted_signers of {args.config}")
                else:
                    print(f"signature: {'good' if trusted else 'consistent'}, checked against {which}")
            else:
                problems.append(f"bad signature: {manifest.SIGNATURE} does not match {manifest.MANIFEST} "
                                f"and the key {signing.fingerprint(key)} ({which})")
    elif args.public_key or pinned:
        problems.append(f"removed: {manifest.SIGNATURE} (bundle is not signed, but a trusted key was given)")
    elif (root / manifest.SIGNER).exists():
        problems.append(f"removed: {manifest.SIGNATURE} ({manifest.SIGNER} is present)")
    for problem in problems:
        print(problem)
    if problems:
        print(f"verification failed: {len(problems)} problem{'s' if len(problems) != 1 else ''}")
        return 1
    if not trusted:
        print(f"hashes intact: {len(check.files)} files")
        why = (f"signed by {signer}, but that key comes from the bundle itself, and anyone who edits a bundle can "
               "re-sign it" if signer else "the bundle is not signed")
        print(f"not authenticated: {why}; give --public-key FILE (or pin the signer's fingerprint in "
              "trusted_signers of a --config file) for a tamper-evident check")
        return NOT_AUTHENTICATED
    print(f"verified: {len(check.files)} files, signature by {signer}")
    return 0


def _read(path: Path) -> bytes | None:
    """A bundle file's bytes, or None when it is absent or not a regular file (check_hashes names that)."""
    try:
        return manifest.read_regular(path)
    except (OSError, ValueError, manifest.NotRegular):
        return None


def _pinned_fingerprints(config_file: str | None) -> set[str]:
    """`trusted_signers` of the --config file; a config merely found in the working folder pins nothing."""
    if not config_file:
        return set()
    from checker.config import load_config

    return set(load_config(config_file).trusted_signers)


def _bundle_key(root: Path, problems: list[str]) -> Ed25519PublicKey | None:
    raw = _read(root / manifest.SIGNER)
    if raw is None:
        if not os.path.lexists(root / manifest.SIGNER):  # an irregular signer.pub is already named
            problems.append(f"removed: {manifest.SIGNER} (no key to check {manifest.SIGNATURE} against)")
        return None
    key = signing.public_from_pem(raw)
    if key is None:
        problems.append(f"changed: {manifest.SIGNER} (not an Ed25519 public key)")
    return key
