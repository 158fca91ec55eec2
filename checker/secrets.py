"""What counts as a secret, and how a secret is shown: masked, always.

Probes and the engine share these so that a value a probe treats as secret is
also one the engine redacts from every message and every output format.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

# names that say "secret" whatever the value
CLEAR_SECRET_GLOBS = (
    "*PASSWORD*", "*PASSWD*", "*_PSW", "*_PWD", "*SECRET*", "*TOKEN*", "*_KEY",
    "*APIKEY*", "*API_KEY*", "*PRIVATE_KEY*", "*CREDENTIAL*", "*AUTH_KEY*",
)
# names that hold a secret as often as a setting (`SMTP_AUTH=login`, `REDIS_AUTH=s3cr3t`): judged
# by the weak-secret rules like the others, but an inline value must look like a secret (inline_secret.py)
WIDE_SECRET_GLOBS = ("*_PASS", "*_KEY_V*", "*SALT*", "*_AUTH", "*_AUTH_*")
SECRET_KEY_GLOBS = CLEAR_SECRET_GLOBS + WIDE_SECRET_GLOBS
# `*_DSN` is judged by the password inside it (uri_password): a Sentry DSN holds a public key, not a secret
# keys that match the globs above but name a public identifier, not a secret
NOT_SECRET_GLOBS = (
    "*_KEY_ID", "*PUBLIC_KEY*", "*_KEY_PATH", "*_KEY_FILE", "*PASSWORD_FILE*", "*SECRET_FILE*", "*_FILE",
    "*_ENABLED", "*_ENABLE", "*_MONTH*", "*_DAYS", "*_SECONDS", "*_EXPIRE*", "*_TTL", "*_COUNT", "*_LENGTH",
    "*_TIMEOUT", "*_USERS", "*_USER", "*_USERNAME", "*_NAME", "*_VERSION", "*_ALGORITHM", "*_STRATEGY", "*TOKENS",
    # widened `*_AUTH*` names: the switches and addresses around an authentication secret
    "*_AUTH_METHOD*", "*_AUTH_TYPE", "*_AUTH_MODE", "*_AUTH_URL", "*_AUTH_URI", "*_AUTH_HOST", "*_AUTH_PORT",
    "*_AUTH_PROVIDER*", "*_AUTH_ENDPOINT", "*_AUTH_DOMAIN", "*_AUTH_SOURCE", "*_AUTH_MECHANISM", "*_AUTH_PLUGIN",
    "*_AUTH_DB", "*_AUTH_DATABASE", "*_AUTH_REALM", "*_AUTH_SCOPE*", "*_AUTH_ISSUER", "*_AUTH_CALLBACK*",
    "*_AUTH_REDIRECT*", "*_AUTH_PATH", "*_AUTH_REQUIRED", "*_AUTH_DISABLED", "*_AUTH_BACKEND*", "*_AUTH_HEADER",
    "*_ROLE", "*_ROLES",  # GF_AUTH_ANONYMOUS_ORG_ROLE=Admin: a role name, not a password
    "*TOKEN_URL", "*TOKEN_URI", "*TOKEN_ENDPOINT", "*TOKEN_TYPE", "*TOKEN_HEADER", "*SALT_ROUNDS", "*SALT_LENGTH",
    "MINIO_ACCESS_KEY",  # MinIO's user name, the counterpart of AWS_ACCESS_KEY_ID, not a secret
)

CONNECTION_SCHEMES = (
    "mongodb", "mongodb+srv", "postgres", "postgresql", "redis", "rediss", "mysql",
    "mariadb", "amqp", "amqps", "mssql", "sqlserver", "clickhouse", "nats", "kafka",
)
_URI = re.compile(r"^(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*)://")


PLACEHOLDER = re.compile(
    r"^<.*>$|<[a-z _-]*(replace|change|your|insert|enter|fill)[^>]*>|^your[_-]|[_-]here$|replace[_-]?(me|with|this)"
    r"|^(please[_-]?)?change[_-]?(me|it|this|the|your|[a-z]*(password|secret|token|key|pass|salt))"  # changeMe, changeThisSecret
    r"|^(please[_-]?)?change(?-i:[A-Z0-9_-])|^(?-i:CHANGE)"  # change<Something>: ChangeMe1234, change_this, CHANGEME
    r"|^(set|fill|put|insert|enter|update)[_-]?(me|it|your|this|here)|^to[_-]?be[_-]?(set|replaced|changed)"
    r"|x{6,}|^x{3,}$|^(todo|tbd|fixme|placeholder|dummy|sample|undefined|example|secret_here|not[_-]?set)$|^\.{3}$|^\*{3,}$",  # `*` alone is a wildcard (ALLOWED_ORIGINS=*), not a placeholder
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def known_weak_values() -> frozenset[str]:
    """The shipped list of vendor defaults and common weak values, lower-cased."""
    text = (Path(__file__).parent / "probes" / "weak_secrets.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def is_placeholder(value: str, key: str = "") -> bool:
    """Template text left in a value: `<replace-me>`, `your_token_here`, or the key's own name as its value
    (`GOOGLE_API_KEY=GOOGLE_API_KEY_VAL`, `REGION: REGION_VALUE`), which a deploy script replaces.

    >>> is_placeholder("GOOGLE_API_KEY_VAL", "GOOGLE_API_KEY"), is_placeholder("eu-west-1", "REGION")
    (True, False)
    """
    text = value.strip()
    return PLACEHOLDER.search(text) is not None or bool(key) and echoes_key(text, key)


_ECHO_AFFIXES = ("", "_VAL", "_VALUE", "_HERE", "_PLACEHOLDER", "_TBD", "_TODO")


def echoes_key(value: str, key: str) -> bool:
    """The value is the key's name, with at most a placeholder affix (`_VAL`, `YOUR_`, `<...>`)."""
    text = value.strip().strip("<>{}[]'\"").upper().replace("-", "_")
    name = key.upper()
    if len(name) < 3 or not text:
        return False
    if text.startswith("YOUR_"):
        text = text[5:]
    return any(text == name + affix for affix in _ECHO_AFFIXES)


# Values that are not secrets whatever the key: switches (`FORCE_HTTPS=disabled`, `SMTP_AUTH=none`),
# numbers (`MAX_TOKENS=4096`) and file paths (`REDIS_TLS_KEY=/certs/redis.key`) a secret is read from.
_SWITCH = re.compile(r"^(true|false|yes|no|on|off|none|null|nil|disabled?|enabled?|0|1|-1)$", re.IGNORECASE)
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_PATH = re.compile(r"^(?:~|\.{1,2})?(?:/[\w.@-]+)+/?$|^[\w.-]+(?:/[\w.@-]+)+$|^[A-Za-z]:\\[\w.\\ -]+$")
_KEY_FILE_SUFFIX = re.compile(r"\.(pem|key|crt|cer|csr|p12|pfx|jks|keystore|json|txt|asc|gpg|pub|der|conf)$", re.IGNORECASE)


_PASSWORD_KEY = re.compile(r"PASS|PSW|PWD|PIN", re.IGNORECASE)


def not_a_secret_value(value: str, key: str = "") -> str | None:
    """Why `value` cannot be a secret (a switch, a number, a file path), else None.

    A number is a secret under a password key (`DEFAULT_ROOT_PSW=1234`), a count elsewhere (`MAX_TOKENS=4096`).
    """
    text = value.strip().strip("'\"")
    if _SWITCH.match(text) and not (text.isdigit() and _PASSWORD_KEY.search(key)):
        return "a switch"
    if _NUMBER.match(text) and not _PASSWORD_KEY.search(key):
        return "a number"
    if "://" not in text and _PATH.match(text) and (text.startswith(("/", "~/", "./", "../")) or _KEY_FILE_SUFFIX.search(text)):
        return "a file path"
    if "/" not in text and len(text) <= 64 and _KEY_FILE_SUFFIX.search(text) and re.fullmatch(r"[\w.-]+", text):
        return "a file path"  # `tls.key`, `service-account.json`
    return None


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


def is_clear_secret_key(key: str) -> bool:
    """A secret-ish key whose name alone says it holds a secret (not only `*_AUTH*`, `*SALT*` ...)."""
    return key_matches(key, CLEAR_SECRET_GLOBS) and not key_matches(key, NOT_SECRET_GLOBS)


def uri_scheme(value: str) -> str | None:
    """The scheme, lower-cased; a driver suffix dropped where the base is a known database (`postgresql+asyncpg`)."""
    match = _URI.match(value.strip())
    if not match:
        return None
    scheme = match.group("scheme").lower()
    base = scheme.split("+", 1)[0]
    return base if scheme not in CONNECTION_SCHEMES and base in CONNECTION_SCHEMES else scheme


_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_DSN_PASSWORD = re.compile(r"(?:^|[\s;])(?:password|pwd)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s;]+)", re.IGNORECASE)


def uri_password_malformed(value: str) -> bool:
    """Whether the password of a URI has a `%` escape that does not decode (`%zz`): drivers refuse or misread it."""
    try:
        raw = urlsplit(value.strip()).password
    except ValueError:
        return False
    return bool(raw) and _BAD_ESCAPE.search(raw or "") is not None


def dsn_password(value: str) -> str | None:
    """The password of a key=value DSN (`host=db user=app password=x dbname=app`, libpq and ODBC style)."""
    match = _DSN_PASSWORD.search(value)
    if not match:
        return None
    found = match.group(1)
    return found[1:-1].replace("\\'", "'") if found.startswith("'") else found


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
