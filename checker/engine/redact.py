"""The last line of defence for secrets: every secret value a scan saw is scrubbed from every result.

Probes mark the values they report as secret, and those are masked; on top of
that, any secret-looking setting's value or URI password that turns up in any
message, observed value or evidence string is replaced by its mask.
"""
from __future__ import annotations

from typing import Any, Iterable

from checker.inputs.document import Document
from checker.models import Result
from checker.secrets import is_secret_key, known_weak_values, mask, uri_password

MIN_SECRET_LENGTH = 6  # shorter values would scrub ordinary words and numbers
# Messages are the tool's own words and name keys, never values, so they are
# scrubbed of long secrets only. Known public defaults ("postgres", "gitea")
# are not scrubbed anywhere: they are ordinary words in image names and
# messages, and the probe that reports one masks it itself.
MIN_SECRET_LENGTH_IN_MESSAGES = 12


def collect_secrets(documents: Iterable[Document]) -> list[str]:
    secrets: set[str] = set()
    for doc in documents:
        for setting in doc.settings:
            if is_secret_key(setting.key):
                secrets.add(setting.value)
                secrets.add(setting.raw)
            password = uri_password(setting.value) if "://" in setting.value else None
            if password:
                secrets.add(password)
    # longest first, so a secret that contains another is replaced whole
    weak = known_weak_values()
    kept = (s for s in secrets if len(s) >= MIN_SECRET_LENGTH and "${" not in s and s.lower() not in weak)
    return sorted(kept, key=len, reverse=True)


def scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, mask(secret))
    return text


def redact_result(result: Result, secrets: list[str]) -> Result:
    if not secrets or not (result.message or result.observed or result.evidence):
        return result  # most results are passes: nothing written that could hold a secret
    result.message = scrub(result.message, [s for s in secrets if len(s) >= MIN_SECRET_LENGTH_IN_MESSAGES])
    if result.observed:
        result.observed = scrub(result.observed, secrets)
    result.evidence = _scrub_any(result.evidence, secrets)
    return result


def _scrub_any(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, dict):
        return {k: _scrub_any(v, secrets) for k, v in value.items()} if value else value
    if isinstance(value, list):
        return [_scrub_any(v, secrets) for v in value]
    return value
