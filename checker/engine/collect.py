"""The secrets of a scan: every value that must be masked wherever it turns up later.

From each document, of any kind:
- its settings (env lines, compose `environment:`, container `env`, ConfigMap data, Dockerfile
  ENV/ARG ...): the value and the raw text of each secret-ish key, the password of each URI;
- its parsed data, at any depth: every scalar under a secret-ish key (`password:`,
  `auth.token:` in a values file ...), and every secret part found by its form in any string
  (URI passwords, credential query parameters, token formats: secret_patterns.py).

A document's secrets are computed once and kept in `doc.meta["_secrets"]`, so a worker process
can compute them before the document travels back without its text (engine/parallel.py).
Known public defaults ("postgres", "gitea") and placeholders are not collected: they are
ordinary words in image names and messages, and the probe that reports one masks it itself.
"""
from __future__ import annotations

from typing import Any, Iterable

from checker.inputs.document import Document
from checker.secret_patterns import secret_values
from checker.secrets import is_secret_key, key_matches, known_weak_values, not_a_secret_value, uri_password

MIN_SECRET_LENGTH = 6
# Manifest fields that match the secret globs but hold names of secrets, not secrets
# (`secretName: tls-cert`, `secretKeyRef`, `existingSecret`, compose's `secrets:` list).
NOT_SECRET_FIELDS = (
    "*NAME", "*REF", "*REFS", "EXISTING*", "*PATH", "*FILE", "*ID", "*TYPE", "*MODE", "*SECRETS", "*PROVIDER*",
    "*AUDIENCE", "*SECONDS", "*ENABLED", "*FORMAT", "*KEYS",
)
MAX_NODES = 1_000_000  # a document's data is bounded by the loaders (250,000 values); this guards the walk itself


def collect_secrets(documents: Iterable[Document]) -> set[str]:
    found: set[str] = set()
    for doc in documents:
        found.update(document_secrets(doc))
    return found


def document_secrets(doc: Document) -> frozenset[str]:
    cached: frozenset[str] | None = doc.meta.get("_secrets")
    if cached is not None:
        return cached
    found: set[str] = set()
    for setting in doc.settings:
        if is_secret_key(setting.key):
            found.add(setting.value)
            found.add(setting.raw)
        if "://" in setting.value:
            password = uri_password(setting.value)
            if password:
                found.add(password)
    if doc.kind != "project":  # the project's data is the other documents
        _walk(doc.data, found)
    weak = known_weak_values()
    kept = frozenset(
        s for s in found
        if len(s) >= MIN_SECRET_LENGTH and "${" not in s and s.lower() not in weak
        and not_a_secret_value(s, "PASSWORD") is None  # numbers stay: a numeric password is still one
    )  # `disabled`, `/certs/redis.key`: a switch or a path under a secret-ish key is no secret to hide
    doc.meta["_secrets"] = kept
    return kept


def _walk(data: Any, found: set[str]) -> None:
    """Scalars under secret-ish keys, and secrets by form in every string; each container once."""
    stack: list[tuple[Any, bool]] = [(data, False)]
    visited: set[int] = set()
    nodes = 0
    while stack and nodes < MAX_NODES:
        value, secret = stack.pop()
        nodes += 1
        if isinstance(value, str):
            if secret:
                found.add(value)
            if len(value) >= MIN_SECRET_LENGTH:
                found.update(secret_values(value))
        elif isinstance(value, dict):
            if id(value) in visited:
                continue  # YAML aliases share containers (and may even form cycles)
            visited.add(id(value))
            for key, item in value.items():
                stack.append((item, isinstance(key, str) and _secret_field(key)))
        elif isinstance(value, list):
            if id(value) in visited:
                continue
            visited.add(id(value))
            stack.extend((item, secret) for item in value)  # `passwords: [a, b]`; a mapping inside is judged by its own keys
        elif secret and isinstance(value, (int, float)) and not isinstance(value, bool):
            found.add(str(value))


def _secret_field(key: str) -> bool:
    return is_secret_key(key) and not key_matches(key, NOT_SECRET_FIELDS)
