"""Default, weak, placeholder, short and low-entropy secrets.

Looks at settings whose key looks secret (`keys`, default *PASSWORD*, *SECRET*,
*TOKEN*, *_KEY, *_PSW, ...) and, with `uris: true`, at the password inside
connection URIs (mongodb://, postgres://, redis://, mysql://, amqp:// ...)
under any key (a driver suffix such as postgresql+asyncpg:// included), and at
the `password=` of a key=value DSN under a `*_DSN` key. `checks` picks what to
look for. Each weak value belongs to exactly one check, the first that matches in
this order, so one value never gets two findings and never falls between two rules:
  placeholder  template text left in: <replace-...>, your_token_here, xxxxxxxx, changeme1234, changeThisSecret
  default      a shipped list of vendor defaults and common weak values, plus `weak_values`
  guessable    dictionary words and product names (zxcvbn): fastgptsecretpassword, dify_password
  length       shorter than `min_length` (an int, or per environment)
  entropy      fewer than `min_entropy` bits of Shannon entropy per character
A later check leaves a value to an earlier one only if that check is in `defers_to`
(default: all of them, as the shipped SEC-001/002/009 report them); a checklist
without a guessable rule sets `defers_to: [placeholder, default]`.
Switches (`disabled`, `off`, `none` ...), numbers and file paths (`/certs/redis.key`)
are not secrets: only the placeholder and default checks look at them.
Values from an unset `${VAR}` are not judged; empty values only with `allow_empty: false`.

Fails:  POSTGRES_PASSWORD=postgres
Passes: POSTGRES_PASSWORD=q7Vn2pR9tLx4mK8sW3zY6bH1
"""
from __future__ import annotations

from dataclasses import dataclass, field
import math
from pathlib import PurePath
from collections import Counter
from typing import Iterator, Literal, Union

from checker.inputs.document import Document
from checker.models import STRICT
from checker.probes._settings import applies as applies  # re-exported: the engine calls probe.applies()
from checker.probes._settings import matching, where
from checker.probes._guessable import BUDGET_SECONDS, budget_spent
from checker.probes.base import Context, Observation
from checker.probes._guessable import guessable, product_words
from checker.secrets import (
    CONNECTION_SCHEMES, NOT_SECRET_GLOBS, SECRET_KEY_GLOBS, dsn_password, is_placeholder, key_matches, known_weak_values,
    not_a_secret_value, uri_password, uri_scheme,
)

NAME = "weak-secret"
TARGETS = ("env", "compose", "k8s", "helm-values", "docker")

Check = Literal["placeholder", "default", "guessable", "length", "entropy"]
ORDER: tuple[Check, ...] = ("placeholder", "default", "guessable", "length", "entropy")


@dataclass
class Params:
    __pydantic_config__ = STRICT
    keys: list[str] = field(default_factory=lambda: list(SECRET_KEY_GLOBS))
    exclude: list[str] = field(default_factory=lambda: list(NOT_SECRET_GLOBS))
    checks: list[Check] = field(default_factory=lambda: ["placeholder", "default", "guessable", "length", "entropy"])
    defers_to: list[Check] = field(default_factory=lambda: list(ORDER))
    weak_values: list[str] = field(default_factory=lambda: [])
    builtin_weak_values: bool = True
    min_length: Union[int, dict[str, int]] = field(default_factory=lambda: {"development": 8, "staging": 12, "production": 16})
    min_entropy: float = 2.5
    uris: bool = True
    allow_empty: bool = True


def entropy_per_char(value: str) -> float:
    counts = Counter(value)
    return 0.0 + -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())  # 0.0 +: never "-0.0"


def classify(
    value: str, params: Params, environment: str, products: tuple[str, ...] = (), key: str = ""
) -> tuple[Check, str] | None:
    """The one check `value` belongs to and why, among `params.checks` and the checks it defers to."""
    weak = {v.lower() for v in params.weak_values}
    if params.builtin_weak_values:
        weak |= known_weak_values()
    min_length = params.min_length if isinstance(params.min_length, int) else params.min_length.get(environment, 12)
    text = value.strip()
    wanted = set(params.checks) | set(params.defers_to)
    not_secret = not_a_secret_value(text, key)
    for check in ORDER:
        if check not in wanted:
            continue
        if check == "placeholder" and is_placeholder(text, key) and text.lower() not in weak:
            return check, "is a template placeholder"  # a listed weak value is reported as such, not twice
        if check == "default" and text.lower() in weak:
            return check, "is a known default or weak value"
        if not_secret and check not in ("placeholder", "default"):
            return None  # a switch, a number or a file path: no length or entropy to judge
        if check == "guessable":
            how = guessable(text, products)
            if how:
                return check, how
        if check == "length" and len(value) < min_length:
            return check, f"is {len(value)} characters, shorter than {min_length}"
        if check == "entropy" and len(value) >= 4 and entropy_per_char(value) < params.min_entropy:
            return check, f"has low entropy ({entropy_per_char(value):.1f} bits/char, under {params.min_entropy})"
    return None


def weakness(
    value: str, params: Params, environment: str, products: tuple[str, ...] = (), key: str = ""
) -> str | None:
    """Why `value` is a weak secret for one of this rule's checks, or None (also when another rule owns it)."""
    found = classify(value, params, environment, products, key)
    return found[1] if found is not None and found[0] in params.checks else None


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    secret_keys = {s.key for s in matching(doc, params.keys, params.exclude)}
    products: tuple[str, ...] | None = None
    for setting in doc.settings:
        if not setting.resolved or setting.origin:  # passed through from a scanned env file: judged there
            continue
        if setting.key in secret_keys:
            if setting.value == "":
                if not params.allow_empty:
                    yield Observation(setting.path, f"{where(setting)} is empty", "", secret=True)
                continue
            value, label = setting.value, where(setting)
            if uri_scheme(value) in CONNECTION_SCHEMES and uri_password(value):
                value, label = uri_password(value) or "", f"password in {where(setting)}"  # judge the secret part
        elif params.uris and (uri_scheme(setting.value) in CONNECTION_SCHEMES or key_matches(setting.key, ("*DSN*",))):
            password = uri_password(setting.value) if "://" in setting.value else dsn_password(setting.value)
            if not password:
                continue
            value, label = password, f"password in {where(setting)}"
        else:
            continue
        if products is None:
            products = _products(doc) if "guessable" in params.checks else ()
        reason = weakness(value, params, doc.environment, products, setting.key)
        if reason:
            yield Observation(setting.path, f"{label} {reason}", value, secret=True)
    if "guessable" in params.checks and budget_spent():
        yield Observation((), f"dictionary check stopped: zxcvbn's {BUDGET_SECONDS:.0f} s per scan are spent, "
                          f"{budget_spent()} value(s) not judged by it", status="skip")


def _products(doc: Document) -> tuple[str, ...]:
    """Names a product's own passwords are built from: the file's folders, service, object and image names."""
    names = list(PurePath(doc.path).parts[-4:-1])
    names += [setting.scope.partition(" ")[2] for setting in doc.settings if setting.scope]
    data = doc.data if isinstance(doc.data, dict) else {}
    services = data.get("services")
    for name, service in (services.items() if isinstance(services, dict) else ()):
        names.append(str(name))
        if isinstance(service, dict) and isinstance(service.get("image"), str):
            names.append(service["image"].rpartition("/")[2].partition(":")[0])
    return product_words(names)
