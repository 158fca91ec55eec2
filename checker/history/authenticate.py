"""A bundle is recorded only when `preflight verify` would pass it with a key the user trusts.

The same checks as `verify` (commands/verify.py): every file's hash against the manifest, no
link or device in the bundle, and the manifest's signature by one of the trusted keys
(`--public-key`, the fingerprints pinned in a `--config` file's `trusted_signers`, or, for
`evidence --history`, the key that just signed it). A bundle with a broken hash is refused with
exit 1; one that is unsigned or signed by a key nobody trusts, with exit 3 (verify's "not
authenticated"): the store never holds a run whose evidence cannot be authenticated.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from checker.errors import PreflightError
from checker.evidence import manifest, signing
from checker.history.records import BundleFiles

KEPT = ("report.json", "scope.json", "tool.json")


class Refused(PreflightError):
    """A bundle that does not verify: not recorded."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def authenticate(root: Path, trusted: Iterable[Ed25519PublicKey], pinned: Iterable[str] = ()) -> BundleFiles:
    keys = list(trusted)
    check = manifest.check_hashes(root)
    if check.problems:
        shown = "; ".join(check.problems[:5]) + ("; ..." if len(check.problems) > 5 else "")
        raise Refused(f"{root}: not recorded, the bundle fails verification: {shown}")
    missing = [name for name in KEPT if name not in check.files]
    if missing:
        raise Refused(f"{root}: not recorded, not an evidence bundle (the manifest lists no {missing[0]})")
    raw = _read(root / manifest.MANIFEST) or b""
    listed, intact = manifest.parse_manifest(raw)  # the bytes signed are the bytes whose hashes are used below
    if listed is None or not intact:
        raise Refused(f"{root}: not recorded, {manifest.MANIFEST} changed while it was read")
    signature = _read(root / manifest.SIGNATURE)
    if signature is None:
        raise Refused(f"{root}: not recorded, the bundle is not signed (sign it with --sign KEY)", 3)
    fingerprints = set(pinned)
    signer, signer_key = None, None
    for key in keys:
        if signing.verify(key, signature, raw):
            signer, signer_key = signing.fingerprint(key), key
            break
    if signer is None and fingerprints:
        bundle_key = signing.public_from_pem(_read(root / manifest.SIGNER) or b"")
        if bundle_key is not None and signing.fingerprint(bundle_key) in fingerprints \
                and signing.verify(bundle_key, signature, raw):
            signer, signer_key = signing.fingerprint(bundle_key), bundle_key
    if signer is None or signer_key is None:
        why = "no trusted key was given (--public-key FILE, or trusted_signers in a --config file)" if not (
            keys or fingerprints) else "no trusted key made its signature"
        raise Refused(f"{root}: not recorded, the bundle is not authenticated: {why}", 3)
    files = {name: _read(root / name) or b"" for name in KEPT}
    for name, data in files.items():
        if hashlib.sha256(data).hexdigest() != listed.get(name):
            raise Refused(f"{root}: not recorded, {name} changed while it was read")
    return BundleFiles(manifest=raw, signature=signature, signer=signer, signer_key=signing.public_pem(signer_key),
                       report=files["report.json"],
                       scope=files["scope.json"], tool=files["tool.json"])


def _read(path: Path) -> bytes | None:
    try:
        return manifest.read_regular(path)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, manifest.NotRegular) as exc:
        raise Refused(f"{path}: not recorded, unreadable ({exc})") from None
