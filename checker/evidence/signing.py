"""Ed25519 keys and signatures for evidence bundles.

manifest.sig holds the base64 of the 64-byte Ed25519 signature over the exact bytes of
manifest.json (one line); raw 64-byte signatures are accepted too. signer.pub is the PEM
(SubjectPublicKeyInfo) public key. A key's fingerprint is `SHA256:` + hex SHA-256 of the raw
32-byte public key.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from checker.errors import UsageError


def generate() -> tuple[bytes, bytes]:
    """(private PEM PKCS8, public PEM)."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return private, public_pem(key.public_key())


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_private(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read signing key: {exc.strerror}") from None
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{path}: not an unencrypted PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError(f"{path}: not an Ed25519 private key")
    return key


def public_from_pem(raw: bytes) -> Ed25519PublicKey | None:
    """An Ed25519 public key from PEM bytes, or None when they are not one."""
    try:
        key = serialization.load_pem_public_key(raw)
    except (ValueError, TypeError):
        return None
    return key if isinstance(key, Ed25519PublicKey) else None


def load_public(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except OSError as exc:
        raise UsageError(f"{path}: cannot read public key: {exc.strerror}") from None
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{path}: not a PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise UsageError(f"{path}: not an Ed25519 public key")
    return key


def fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "SHA256:" + hashlib.sha256(raw).hexdigest()


def sign(key: Ed25519PrivateKey, data: bytes) -> bytes:
    """The manifest.sig contents: base64 signature and a newline."""
    return base64.b64encode(key.sign(data)) + b"\n"


def decode_signature(raw: bytes) -> bytes | None:
    if len(raw) == 64:
        try:
            decoded = base64.b64decode(raw.strip(), validate=True)
            return decoded if len(decoded) == 64 else raw
        except (binascii.Error, ValueError):
            return raw
    try:
        decoded = base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return decoded if len(decoded) == 64 else None


def verify(key: Ed25519PublicKey, signature_file: bytes, data: bytes) -> bool:
    signature = decode_signature(signature_file)
    if signature is None:
        return False
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True
