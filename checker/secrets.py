"""What counts as a secret, and how a secret is shown: masked, always.

Probes and the engine share these so that a value a probe treats as secret is
also one the engine redacts from every message and every output format.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

SECRET_KEY_GLOBS = (
    "*PASSWORD*", "*PASSWD*", "*_PSW", "*_PWD", "*SECRET*", "*TOKEN*", "*_KEY",
    "*APIKEY*", "*API_KEY*", "*PRIVATE_KEY*", "*CREDENTIAL*", "*_DSN", "*AUTH_KEY*",
)
# keys that match the globs above but name a public identifier, not a secret
NOT_SECRET_GLOBS = (
    "*_KEY_ID", "*PUBLIC_KEY*", "*_KEY_PATH", "*_KEY_FILE", "*PASSWORD_FILE*", "*SECRET_FILE*", "*_FILE",
    "*_ENABLED", "*_ENABLE", "*_MONTH*", "*_DAYS", "*_SECONDS", "*_EXPIRE*", "*_TTL", "*_COUNT", "*_LENGTH",
    "*_TIMEOUT", "*_USERS", "*_USER", "*_USERNAME", "*_NAME",
    "MINIO_ACCESS_KEY",  # MinIO's user name, the counterpart of AWS_ACCESS_KEY_ID, not a secret
)

CONNECTION_SCHEMES = (
    "mongodb", "mongodb+srv", "postgres", "postgresql", "redis", "rediss", "mysql",
    "mariadb", "amqp", "amqps", "mssql", "sqlserver", "clickhouse", "nats", "kafka",
)
_URI = re.compile(r"^(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*)://")


PLACEHOLDER = re.compile(
    r"^<.*>$|<[a-z _-]*(replace|change|your|insert|enter|fill)[^>]*>|^your[_-]|[_-]here$|change[_-]?me|replace[_-]?(me|with)"
    r"|^x{3,}$|^(todo|tbd|fixme|placeholder|dummy|sample|null|none|undefined)$|^\.{3}$|^\*+$",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def known_weak_values() -> frozenset[str]:
    """The shipped list of vendor defaults and common weak values, lower-cased."""
    text = (Path(__file__).parent / "probes" / "weak_secrets.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def is_placeholder(value: str) -> bool:
    return PLACEHOLDER.search(value.strip()) is not None


@lru_cache(maxsize=512)
def _glob_pattern(globs: tuple[str, ...]) -> re.Pattern[str]:
    # One regex per list of globs, translated by hand: fnmatch compiles a regex per
    # glob through a heavier translation, which alone cost a one-file scan ~30 ms.
    alternatives = ["".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob.upper()) for glob in globs]
    return re.compile("(?:" + "|".join(alternatives) + r")\Z", re.DOTALL)


@lru_cache(maxsize=4096)
def key_matches(key: str, globs: tuple[str, ...]) -> bool:
    """Whether `key` matches one of the globs (`*` any run, `?` one character), case-insensitively."""
    return _glob_pattern(globs).match(key.upper()) is not None


def is_secret_key(key: str) -> bool:
    return key_matches(key, SECRET_KEY_GLOBS) and not key_matches(key, NOT_SECRET_GLOBS)


def uri_scheme(value: str) -> str | None:
    match = _URI.match(value.strip())
    return match.group("scheme").lower() if match else None


def uri_password(value: str) -> str | None:
    """The password part of a URI, decoded; None when there is none."""
    try:
        parts = urlsplit(value.strip())
        password = parts.password
    except ValueError:
        return None
    return unquote(password) if password else None


def mask(value: str) -> str:
    """A secret as it may be shown: its length and, for long values, a 2-character prefix."""
    if len(value) >= 12:
        return f"{value[:2]}{'*' * 6} ({len(value)} chars)"
    return f"{'*' * 6} ({len(value)} chars)"


def mask_uri(value: str) -> str:
    password = uri_password(value)
    if not password:
        return value
    try:
        raw_password = urlsplit(value.strip()).password or ""
    except ValueError:
        return mask(value)
    return value.replace(f":{raw_password}@", f":{mask(password)}@", 1)
