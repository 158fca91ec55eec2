"""Default, weak, placeholder, short and low-entropy secrets.

Looks at settings whose key looks secret (`keys`, default *PASSWORD*, *SECRET*,
*TOKEN*, *_KEY, *_PSW, ...) and, with `uris: true`, at the password inside
connection URIs (mongodb://, postgres://, redis://, mysql://, amqp:// ...)
under any key. `checks` picks what to look for, most specific first; a value
reported for one check is not reported again by a later one:
  placeholder  template text left in: <replace-...>, your_prod_key, xxx, changeme
  default      a shipped list of vendor defaults and common weak values, plus `weak_values`
  length       shorter than `min_length` (an int, or per environment)
  entropy      fewer than `min_entropy` bits of Shannon entropy per character
Values from an unset `${VAR}` are not judged; empty values only with `allow_empty: false`.

Fails:  POSTGRES_PASSWORD=postgres
Passes: POSTGRES_PASSWORD=q7Vn2pR9tLx4mK8sW3zY6bH1
"""
from __future__ import annotations

from dataclasses import dataclass, field
import math
from collections import Counter
from typing import Iterator, Literal, Union

from checker.inputs.document import Document
from checker.models import STRICT
from checker.probes._settings import applies as applies  # re-exported: the engine calls probe.applies()
from checker.probes._settings import matching, where
from checker.probes.base import Context, Observation
from checker.secrets import (
    CONNECTION_SCHEMES, NOT_SECRET_GLOBS, SECRET_KEY_GLOBS, is_placeholder, known_weak_values, uri_password, uri_scheme,
)

NAME = "weak-secret"
TARGETS = ("env", "compose", "k8s", "helm-values", "docker")

Check = Literal["placeholder", "default", "length", "entropy"]


@dataclass
class Params:
    __pydantic_config__ = STRICT
    keys: list[str] = field(default_factory=lambda: list(SECRET_KEY_GLOBS))
    exclude: list[str] = field(default_factory=lambda: list(NOT_SECRET_GLOBS))
    checks: list[Check] = field(default_factory=lambda: ["placeholder", "default", "length", "entropy"])
    weak_values: list[str] = field(default_factory=lambda: [])
    builtin_weak_values: bool = True
    min_length: Union[int, dict[str, int]] = field(default_factory=lambda: {"development": 8, "staging": 12, "production": 16})
    min_entropy: float = 2.5
    uris: bool = True
    allow_empty: bool = True


def entropy_per_char(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def weakness(value: str, params: Params, environment: str) -> str | None:
    """Why `value` is a weak secret, or None."""
    weak = {v.lower() for v in params.weak_values}
    if params.builtin_weak_values:
        weak |= known_weak_values()
    min_length = params.min_length if isinstance(params.min_length, int) else params.min_length.get(environment, 12)
    for check in params.checks:
        if check == "placeholder" and is_placeholder(value) and value.strip().lower() not in weak:
            return "is a template placeholder"  # a listed weak value is reported as such, not twice
        if check == "default" and value.strip().lower() in weak:
            return "is a known default or weak value"
        if check in ("length", "entropy") and (is_placeholder(value) or value.strip().lower() in weak):
            return None  # the more specific rule reports it
        if check == "length" and len(value) < min_length:
            return f"is {len(value)} characters, shorter than {min_length}"
        if check == "entropy" and len(value) >= 4 and entropy_per_char(value) < params.min_entropy:
            return f"has low entropy ({entropy_per_char(value):.1f} bits/char, under {params.min_entropy})"
    return None


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    secret_keys = {s.key for s in matching(doc, params.keys, params.exclude)}
    for setting in doc.settings:
        if not setting.resolved:
            continue
        if setting.key in secret_keys:
            if setting.value == "":
                if not params.allow_empty:
                    yield Observation(setting.path, f"{where(setting)} is empty", "", secret=True)
                continue
            reason = weakness(setting.value, params, doc.environment)
            if reason:
                yield Observation(setting.path, f"{where(setting)} {reason}", setting.value, secret=True)
        elif params.uris and uri_scheme(setting.value) in CONNECTION_SCHEMES:
            password = uri_password(setting.value)
            reason = weakness(password, params, doc.environment) if password else None
            if reason:
                yield Observation(setting.path, f"password in {where(setting)} {reason}", password, secret=True)
