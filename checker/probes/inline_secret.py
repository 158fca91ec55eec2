"""Secrets written literally in a compose file's `environment:` or a Kubernetes container's `env`.

A compose file is committed and shared; a literal secret in it is in every
clone and every image of the repository's history. Secret-looking keys should
take their value from `${VAR}` (an env file kept out of git) or use Compose
`secrets:`; in Kubernetes, `valueFrom: {secretKeyRef: ...}`. Empty values and `${VAR}` references pass; a literal default
(`${VAR:-s3cr3t}`) or a literal around a reference is committed all the same, and only that
literal is reported. Values that cannot be secrets (switches such as `disabled`, numbers, file
paths such as `/certs/redis.key`) and placeholders (reported by SEC-002) pass, and so does
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
from checker.secrets import CONNECTION_SCHEMES, is_placeholder, is_secret_key, not_a_secret_value, uri_password, uri_scheme

NAME = "inline-secret"
TARGETS = ("compose", "k8s", "helm-values")


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    for setting in doc.settings:
        if setting.scope.startswith("Secret "):
            continue
        literal = interpolate(setting.raw, {}).value.strip()  # what is left with no variable set: the literal part
        if not literal or not_a_secret_value(literal, setting.key) or is_placeholder(literal):
            continue
        reference = "${" in setting.raw or "$" in setting.raw.replace("$$", "")
        if is_secret_key(setting.key):
            how = "has a literal default around its variable reference" if reference else "is written inline"
            yield Observation(setting.path, f"{where(setting)} {how}", literal, secret=True)
        elif uri_scheme(literal) in CONNECTION_SCHEMES and uri_password(literal):
            yield Observation(setting.path, f"{where(setting)} has a password written inline in its URI", literal, secret=True)
