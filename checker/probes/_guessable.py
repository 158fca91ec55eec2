"""Secrets made of dictionary words and product names: `fastgptsecretpassword`, `dify_password`,
a salt set to `peppermint`.

zxcvbn (Dropbox's password-strength estimator, https://pypi.org/project/zxcvbn/) splits a value
into the dictionary words, names, keyboard walks, dates and sequences it is made of and counts the
guesses an attacker needs; its dictionaries (common passwords, English words, names) and its
l33t and reversed-word handling are what a hand-written word list would never keep up with.
The product's own names (service, image and folder names: `user_inputs`) count as dictionary words.

A value is guessable here when words cover most of it *and* it falls to fewer than 10^12
guesses (seconds offline): random characters around a word (`q7Vn2pR9-admin-tLx4mK8s`) pass, and
short random values are left to the length rule. Imported only when a value gets this far.

zxcvbn costs about 1 ms a value, so two bounds keep a file of 20,000 secrets fast: a value with
upper case, lower case and digits mixed and no run of four letters (after l33t: `p4ssw0rd` is
`password`) has no word to find and is not looked at; and zxcvbn gets BUDGET_SECONDS of CPU per
scan, after which values are no longer judged and the rule says so (`budget_spent`).
"""
from __future__ import annotations

import math
import re
import time
from collections import Counter
from functools import lru_cache
from typing import Iterable

MAX_GUESSES_LOG10 = 12.0
MIN_WORD_SHARE = 0.6  # of the value's characters inside dictionary matches
MAX_LENGTH = 64  # longer values are not passwords a person chose; zxcvbn's cost grows with length
_WORD_PATTERNS = {"dictionary", "spatial", "sequence", "repeat", "date"}
_PRODUCT_WORD = re.compile(r"[A-Za-z]{3,}")
BUDGET_SECONDS = 3.0
_LEET = str.maketrans("4@3106$57!", "aaeiogsstl")
_WORD_RUN = re.compile(r"[A-Z]?[a-z]{3,}|[a-z]{4,}|[A-Z]{4,}")
_spent = [0.0, 0.0]  # zxcvbn seconds this scan, values not judged for want of budget (reset_budget)


def reset_budget() -> None:
    """The engine calls this at the start of each scan (with the regex budget of probes/_ops.py)."""
    _spent[0] = _spent[1] = 0.0


def budget_spent() -> int:
    """How many values this scan left unjudged because zxcvbn's budget was spent (0: none)."""
    return int(_spent[1])


def _may_hold_words(value: str) -> bool:
    """False for a value that mixes upper case, lower case and digits and has no run of four letters in it
    (l33t read as letters): no dictionary word can cover most of it."""
    mixed = any(c.isupper() for c in value) and any(c.islower() for c in value) and any(c.isdigit() for c in value)
    return not mixed or _WORD_RUN.search(value.translate(_LEET)) is not None


def product_words(texts: Iterable[str]) -> tuple[str, ...]:
    """The words of service, image, object and folder names, lower-cased, for zxcvbn's user_inputs."""
    found: dict[str, None] = {}
    for text in texts:
        for word in _PRODUCT_WORD.findall(text):
            found.setdefault(word.lower(), None)
    return tuple(found)[:50]


def guessable(value: str, products: tuple[str, ...] = ()) -> str | None:
    """How `value` can be guessed ("dictionary words: secret, password"), or None."""
    if not 4 <= len(value) <= MAX_LENGTH:
        return None
    if len(value) >= 16 and _entropy(value) >= RANDOM_ENTROPY:
        return None  # almost no repeated character: generated, not words (spares zxcvbn's ~20 ms start)
    if not _may_hold_words(value):
        return None
    if (value, products) in _seen:
        return _judge(value, products)
    if _spent[0] >= BUDGET_SECONDS:
        _spent[1] += 1
        return None
    started = time.process_time()
    try:
        return _judge(value, products)
    finally:
        _spent[0] += time.process_time() - started
        if len(_seen) >= 65536:
            _seen.clear()
        _seen.add((value, products))


_seen: set[tuple[str, tuple[str, ...]]] = set()  # values judged: a cache hit costs no budget


# Word-made values repeat letters: 3.3-3.9 bits/char for 16-26 characters (`fastgptsecretpassword`
# 3.4, `ThisIsMyVeryLongPassphrase` 3.9), where 24 random base62 characters give 4.2-4.6.
RANDOM_ENTROPY = 4.2


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


@lru_cache(maxsize=65536)  # the five weak-value rules ask about the same values
def _judge(value: str, products: tuple[str, ...]) -> str | None:
    from zxcvbn import zxcvbn  # loads its frequency lists on first use

    result = zxcvbn(value, user_inputs=list(products))
    if float(result["guesses_log10"]) >= MAX_GUESSES_LOG10:
        return None
    covered = 0
    words: list[str] = []
    for match in result["sequence"]:
        if match["pattern"] in _WORD_PATTERNS:
            covered += len(match["token"])
            if match["pattern"] == "dictionary":
                source = "product name" if match.get("dictionary_name") == "user_inputs" else "word"
                words.append(f"{source} `{match['matched_word']}`")
    if not words or covered < MIN_WORD_SHARE * len(value):
        return None
    return "is made of " + ", ".join(words[:4])
