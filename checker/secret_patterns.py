"""Secrets recognised by their form, wherever they are written: one regular expression, one pass per text.

    found = list(secret_values(text))    # the secret parts, e.g. to mask them elsewhere too
    shown = mask_found(text)             # the text with each of them masked

What is recognised (the secret part is what gets masked; names and hosts stay readable):
- a URI's password: `scheme://user:PASSWORD@host` (any scheme, the `@` of the host being the last one)
- a credential query parameter: `?token=`, `&access_token=`, `password`, `secret`, `key`, `sig`,
  `signature`, `X-Amz-Signature`, `X-Amz-Credential`, `X-Amz-Security-Token` ...
- an assignment to a secret-ish name: `DB_PASSWORD=...`, `//registry.npmjs.org/:_authToken=...`,
  `"client_secret": "..."`, `--password ...`, `--requirepass ...`, `Authorization: Bearer ...`
- known token formats: PEM private-key blocks (up to 64 KiB of body), AWS access keys, GitHub,
  GitLab, Slack, Stripe, npm, PyPI, Google and OpenAI-style keys, SendGrid keys, JWTs.

Python's `re`, not RE2: the texts are preflight's own messages and the scanned files (each at most
10 MiB), the pattern is ours, and every repetition in it is bounded or over a character class
(no nested quantifiers), so it cannot backtrack badly; `re` also avoids RE2's per-call UTF-8 copy,
which dominates on the many short messages of a report.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable, Iterator

from checker.secrets import is_secret_key, mask

_QUERY_NAMES = (
    r"(?:[a-z0-9_.-]{0,64}[_.-])?(?:token|secret|password|passwd|pwd|pass|key|apikey|sig|signature|credential|auth|jwt"
    r"|session(?:id)?)"
)
_FLAGS = r"password|passwd|pass|requirepass|masterauth|token|secret|api-key|apikey|auth-token|access-token|client-secret"
_NAMED_TOKENS = (
    ("an AWS access key", r"(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])"),
    ("a GitHub token", r"gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255}"),
    ("a GitLab token", r"gl(?:pat|dt|rt|ptt|cbt|imt|oas|ft|soat|sst|agent|wt)-[A-Za-z0-9_-]{20,255}"),
    ("a Slack token", r"xox[abposre]-[A-Za-z0-9-]{10,255}|xapp-[0-9]-[A-Za-z0-9-]{10,255}"),
    ("a Stripe key", r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,255}|whsec_[A-Za-z0-9]{20,255}"),
    ("an npm token", r"npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])"),
    ("a PyPI token", r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}"),
    ("a Google API key", r"AIza[0-9A-Za-z_-]{35}"),
    ("an OpenAI-style API key", r"sk-(?:proj-|ant-[a-z0-9]{1,10}-)?[A-Za-z0-9_-]{20,255}"),
    ("a SendGrid key", r"SG\.[A-Za-z0-9_-]{16,64}\.[A-Za-z0-9_-]{16,64}"),
    ("a JWT", r"eyJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{4,65536}\.[A-Za-z0-9_-]{0,4096}"),
)
_TOKENS = tuple(pattern for _, pattern in _NAMED_TOKENS)
_VALUE = r"[^\s\"'`;&|<>,)}\]]{1,4096}"
_LONG_WORD = re.compile(r"[A-Za-z0-9_.-]{14}")  # every token format is at least this long
# (form, its secret group, a cheap test that the form may occur: most texts pass none of them)
_FORMS: tuple[tuple[str, str, Callable[[str], bool]], ...] = (
    (r"-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----(?P<pem>(?:(?!-----END)[\s\S]){1,65536})", "pem",
     lambda text: "PRIVATE KEY" in text),
    (r"(?<=://)[^\s:/?#@'\"<>\[\]]{0,256}:(?P<url>[^\s/?#'\"<>]{1,512})@(?=[^\s@/?#]{0,255}(?:[\s/?#'\"<>]|$))", "url",
     lambda text: "://" in text),
    (rf"(?i:[?&;]{_QUERY_NAMES}=)(?P<query>[^&#\s'\"<>]{{1,4096}})", "query",
     lambda text: "=" in text),
    (rf"(?i:(?<![\w-])--(?:{_FLAGS}))(?:=|[ \t]+)[\"']?(?P<flag>{_VALUE})", "flag",
     lambda text: "--" in text),
    (r"(?i:\b(?:authorization|proxy-authorization)[\"']?\s{0,3}[:=]\s{0,3}[\"']?(?:basic|bearer|token|digest)[ \t]+)"
     r"(?P<header>[A-Za-z0-9+/=._~-]{4,4096})", "header",
     lambda text: "uthorization" in text or "UTHORIZATION" in text),
    (rf"(?<![A-Za-z0-9_.:/-])(?P<name>[A-Za-z0-9_.:/-]{{1,128}})(?:[\"'][ \t]{{0,3}}:|[ \t]{{0,3}}=)"
     rf"[ \t]{{0,3}}[\"']?(?P<assigned>{_VALUE})", "assigned",
     lambda text: "=" in text or "':" in text or '":' in text or "' :" in text or '" :' in text),
    (rf"(?<![A-Za-z0-9_])(?P<token>{'|'.join(_TOKENS)})", "token",
     lambda text: _LONG_WORD.search(text) is not None),
)
_ALREADY_MASKED = re.compile(r".{0,2}\*{3,}(?: \(\d+ chars\))?")
_VARIABLE = re.compile(r"\$\{?[A-Za-z_][A-Za-z0-9_]*(?::?[-?+][^}]*)?\}?|\{\{.*\}\}|%\(?[A-Za-z_]+\)?s?")


@lru_cache(maxsize=None)
def _compiled(form: str) -> re.Pattern[str]:
    return re.compile(form)


def _spans(text: str) -> list[tuple[int, int]]:
    """Start and end of each secret part found in `text`, in order, not overlapping."""
    if len(text) < 6:
        return []
    found: list[tuple[int, int]] = []
    for form, group, may_occur in _FORMS:
        if not may_occur(text):
            continue
        for match in _compiled(form).finditer(text):
            span = _secret_span(text, match, group)
            if span is not None:
                found.append(span)
    if len(found) < 2:
        return found
    found.sort(key=lambda span: (span[0], -span[1]))
    kept = [found[0]]
    for start, end in found[1:]:
        if start >= kept[-1][1]:
            kept.append((start, end))  # two forms may find the same secret: the first, longest one counts
    return kept


def _secret_span(text: str, match: re.Match[str], group: str) -> tuple[int, int] | None:
    if group == "assigned" and not _secret_name(match.group("name")):
        return None
    start, end = match.span(group)
    value = text[start:end]
    if group in ("assigned", "flag", "query"):
        value = value.rstrip(".:")  # a sentence's full stop, not part of the value
        end = start + len(value)
        if not value or _VARIABLE.fullmatch(value):
            return None  # `PASSWORD=${DB_PASSWORD}` names a variable; it holds no secret
    if _ALREADY_MASKED.fullmatch(value):
        return None
    return start, end


def _secret_name(name: str) -> bool:
    last = re.split(r"[/:]", name)[-1].strip("._-")
    return bool(last) and is_secret_key(last.replace("-", "_").replace(".", "_"))


def secret_values(text: str) -> Iterator[str]:
    """Every secret part found in `text` by its form."""
    for start, end in _spans(text):
        yield text[start:end]


def mask_found(text: str) -> str:
    """`text` with every secret part found by its form replaced by its mask."""
    pieces: list[str] = []
    last = 0
    for start, end in _spans(text):
        pieces.append(text[last:start])
        pieces.append(mask(text[start:end]))
        last = end
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


_PRIVATE_KEY = re.compile(r"-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----")


@lru_cache(maxsize=1)
def _named_tokens() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((name, re.compile(rf"(?<![A-Za-z0-9_])(?:{pattern})")) for name, pattern in _NAMED_TOKENS)


def known_format(value: str) -> str | None:
    """What known kind of secret `value` holds (`a private key`, `an AWS access key` ...), else None.

    The forms above first (the same ones masking uses), then the detectors of Yelp's detect-secrets
    for the formats they know and we do not (Azure storage, Twilio, Mailchimp, Discord, Telegram,
    Square, Artifactory, IBM ...), imported only when a value is long enough to hold a token.
    """
    if len(value) < 16:
        return None
    if "PRIVATE KEY" in value and _PRIVATE_KEY.search(value):
        return "a private key"
    if _LONG_WORD.search(value) is None:
        return None
    for name, pattern in _named_tokens():
        if pattern.search(value):
            return name
    from checker.secret_detectors import detected_kind  # detect-secrets: ~0.1 s to import, so only here

    return detected_kind(value)
