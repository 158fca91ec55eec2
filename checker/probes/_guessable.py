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
"""
from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from typing import Iterable

MAX_GUESSES_LOG10 = 12.0
MIN_WORD_SHARE = 0.6  # of the value's characters inside dictionary matches
MAX_LENGTH = 64  # longer values are not passwords a person chose; zxcvbn's cost grows with length
_WORD_PATTERNS = {"dictionary", "spatial", "sequence", "repeat", "date"}
_PRODUCT_WORD = re.compile(r"[A-Za-z]{3,}")


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
    if _case_flips(value) * 2 > len(value):
        return None  # `HuVLVzkBaAHuU6`: case flips inside runs of letters, as no word is written
    return _judge(value, products)


def _case_flips(value: str) -> int:
    return sum(1 for a, b in zip(value, value[1:]) if a.isalpha() and b.isalpha() and a.islower() != b.islower())


# Word-made values repeat letters: 3.3-3.9 bits/char for 16-26 characters (`fastgptsecretpassword`
# 3.4, `ThisIsMyVeryLongPassphrase` 3.9), where 24 random base62 characters give 4.2-4.6.
RANDOM_ENTROPY = 4.2


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


@lru_cache(maxsize=4096)
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
