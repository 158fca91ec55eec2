"""Secrets written literally in a compose file's `environment:` or a Kubernetes container's `env`.

A compose file is committed and shared; a literal secret in it is in every
clone and every image of the repository's history. Secret-looking keys should
take their value from `${VAR}` (an env file kept out of git) or use Compose
`secrets:`; in Kubernetes, `valueFrom: {secretKeyRef: ...}`. Empty values and `${VAR}` references pass; a literal default
(`${VAR:-s3cr3t}`) or a literal around a reference is committed all the same.

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
from checker.secrets import CONNECTION_SCHEMES, is_secret_key, uri_password, uri_scheme

NAME = "inline-secret"
TARGETS = ("compose", "k8s", "helm-values")


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    for setting in doc.settings:
        raw = interpolate(setting.raw, {}).value.strip()  # what is left with no variable set: the literal part
        if not raw:
            continue
        if is_secret_key(setting.key):
            yield Observation(setting.path, f"{where(setting)} is written inline", raw, secret=True)
        elif uri_scheme(raw) in CONNECTION_SCHEMES and uri_password(raw):
            yield Observation(setting.path, f"{where(setting)} has a password written inline in its URI", raw, secret=True)
