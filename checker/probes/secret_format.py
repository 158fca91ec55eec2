"""Values that are secrets by their form, whatever their key is called.

A private key in `TLS_BUNDLE`, an AWS key in `S3_CONFIG`, a JWT in a ConfigMap: the name
says nothing, the value says everything. Every setting of a committed file (compose
`environment:`, Kubernetes container `env` and ConfigMap `data`, Dockerfile ENV and ARG
defaults, Helm values at any depth) is matched against the token formats of
secret_patterns.py (PEM private keys, AWS, GitHub, GitLab, Slack, Stripe, npm, PyPI, Google,
OpenAI-style and SendGrid keys, JWTs) and, for the vendors it knows besides, Yelp's
detect-secrets (secret_detectors.py). Values from `${VAR}` and the data of a Kubernetes
Secret (where a secret belongs; SEC-113 judges committed Secrets) are not judged.

Fails:  services: {web: {image: "nginx:1.27", environment: {S3_CONFIG: AKIAIOSFODNN7EXAMPLE}}}
Passes: services: {web: {image: "nginx:1.27", environment: {S3_CONFIG: "${S3_CONFIG}"}}}
"""
from __future__ import annotations

from typing import Any, Iterator

from checker.inputs.document import Document
from checker.inputs.interpolate import interpolate
from checker.inputs.paths import Path
from checker.probes._settings import where
from checker.probes.base import Context, Observation, Params
from checker.secret_patterns import known_format

NAME = "secret-format"
TARGETS = ("compose", "k8s", "helm-values", "dockerfile")
MAX_VALUES = 250_000  # the loaders' own cap per file


def applies(doc: Document, params: object) -> bool:
    return doc.kind != "k8s" or bool(doc.settings)


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    seen: set[Path] = set()
    for setting in doc.settings:
        if setting.scope.startswith("Secret ") or not setting.raw:
            continue
        literal = interpolate(setting.raw, {}).value if "$" in setting.raw and doc.kind == "compose" else setting.value
        kind = known_format(literal)
        if kind:
            seen.add(setting.path)
            yield Observation(setting.path, f"{where(setting)} holds {kind}", literal, secret=True)
    if doc.kind == "helm-values":
        for path, value in _strings(doc.data):
            kind = known_format(value) if path not in seen else None
            if kind:
                yield Observation(path, f"values {'.'.join(str(p) for p in path)} holds {kind}", value, secret=True)


def _strings(data: Any) -> Iterator[tuple[Path, str]]:
    stack: list[tuple[Path, Any]] = [((), data)]
    visited: set[int] = set()
    count = 0
    while stack and count < MAX_VALUES:
        path, value = stack.pop()
        count += 1
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, (dict, list)):
            if id(value) in visited:
                continue  # YAML aliases share containers
            visited.add(id(value))
            items = value.items() if isinstance(value, dict) else enumerate(value)
            stack.extend((path + (key,), item) for key, item in items)
