"""Secrets written literally in a compose file's `environment:` or a Kubernetes container's `env`.

A compose file is committed and shared; a literal secret in it is in every
clone and every image of the repository's history. Secret-looking keys should
take their value from `${VAR}` (an env file kept out of git) or use Compose
`secrets:`; in Kubernetes, `valueFrom: {secretKeyRef: ...}`. Empty values and `${VAR}` references pass; a literal default
(`${VAR:-s3cr3t}`) or a literal around a reference is committed all the same, and only that
literal is reported. Values that cannot be secrets (switches such as `disabled`, numbers, file
paths such as `/certs/redis.key`) and placeholders (reported by SEC-002) pass, and so does
a value under a name that holds settings as often as secrets (`*_AUTH*`, `*SALT*`, `*_PASS`,
`*_KEY_V*`) unless it looks like one (`SMTP_AUTH: login` passes, `REDIS_AUTH: s3cr3tValue1` fails);
the data of a Kubernetes Secret (the place a secret belongs; SEC-113 judges committed Secrets).

Fails:  services: {db: {image: "postgres:16", environment: {POSTGRES_PASSWORD: s3cr3tValue}}}
Passes: services: {db: {image: "postgres:16", environment: {POSTGRES_PASSWORD: "${POSTGRES_PASSWORD}"}}}
"""
from __future__ import annotations

from typing import Iterator

from checker.inputs.document import Document
from checker.inputs.interpolate import interpolate
from checker.probes._settings import applies as applies  # re-exported: the engine calls probe.applies()
from checker.probes._settings import where
from checker.probes.base import Context, Observation, Params
from checker.secrets import CONNECTION_SCHEMES, is_clear_secret_key, is_placeholder, is_secret_key, known_weak_values, not_a_secret_value, uri_password, uri_scheme

NAME = "inline-secret"
TARGETS = ("compose", "k8s", "helm-values")


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    for setting in doc.settings:
        if setting.scope.startswith("Secret "):
            continue
        literal = interpolate(setting.raw, {}).value.strip()  # what is left with no variable set: the literal part
        if not literal or not_a_secret_value(literal, setting.key) or is_placeholder(literal, setting.key):
            continue
        reference = "${" in setting.raw or "$" in setting.raw.replace("$$", "")
        if is_secret_key(setting.key) and (is_clear_secret_key(setting.key) or _looks_secret(literal)):
            how = "has a literal default around its variable reference" if reference else "is written inline"
            yield Observation(setting.path, f"{where(setting)} {how}", literal, secret=True)
        elif uri_scheme(literal) in CONNECTION_SCHEMES and uri_password(literal):
            yield Observation(setting.path, f"{where(setting)} has a password written inline in its URI", literal, secret=True)


def _looks_secret(value: str) -> bool:
    """For names such as `SMTP_AUTH` that hold settings as often as secrets: a known weak password,
    or 8+ characters of three kinds (lower, upper, digits, symbols): `login`, `oauth2` stay settings."""
    if value.lower() in known_weak_values():
        return True
    classes = sum((any(c.islower() for c in value), any(c.isupper() for c in value), any(c.isdigit() for c in value),
                   any(not c.isalnum() for c in value)))
    return len(value) >= 8 and classes >= 3
