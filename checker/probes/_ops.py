"""Comparison operators shared by the `assert` and `setting` probes.

    exists absent                    presence of the path
    equals not_equals                value equality (YAML true == "true")
    in not_in                        membership in a list
    matches not_matches              regular expression, searched, case-insensitive
    gte lte gt lt                    numbers (strings that hold numbers count)
    empty not_empty                  "", null, [] and {} are empty
    truthy falsy                     true/yes/on/1 and false/no/off/0 (case-insensitive)
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Callable

MAX_PATTERN_LENGTH = 1000
TRUE_WORDS = {"true", "yes", "on", "1", "enabled", "enable"}
FALSE_WORDS = {"false", "no", "off", "0", "disabled", "disable", ""}


def text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(text(v) for v in value)
    if isinstance(value, dict):
        return " ".join(f"{k}={text(v)}" for k, v in value.items())
    return str(value)


def number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValueError(f"pattern longer than {MAX_PATTERN_LENGTH} characters")
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:  # a ValueError, so rule validation reports it with the rule and field
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return bool(a == b)
    return text(a).strip().lower() == text(b).strip().lower()


def _compare(value: Any, expected: Any, test: Callable[[float, float], bool]) -> bool:
    left, right = number(value), number(expected)
    return left is not None and right is not None and test(left, right)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, dict)) and len(value) == 0) or text(value).strip() == ""


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "equals": _same,
    "not_equals": lambda v, e: not _same(v, e),
    "in": lambda v, e: any(_same(v, item) for item in e),
    "not_in": lambda v, e: not any(_same(v, item) for item in e),
    "matches": lambda v, e: compile_pattern(e).search(text(v)) is not None,
    "not_matches": lambda v, e: compile_pattern(e).search(text(v)) is None,
    "gte": lambda v, e: _compare(v, e, lambda a, b: a >= b),
    "lte": lambda v, e: _compare(v, e, lambda a, b: a <= b),
    "gt": lambda v, e: _compare(v, e, lambda a, b: a > b),
    "lt": lambda v, e: _compare(v, e, lambda a, b: a < b),
    "empty": lambda v, e: _empty(v),
    "not_empty": lambda v, e: not _empty(v),
    "truthy": lambda v, e: text(v).strip().lower() in TRUE_WORDS,
    "falsy": lambda v, e: text(v).strip().lower() in FALSE_WORDS,
}
PRESENCE = ("exists", "absent")
ALL_OPERATORS = PRESENCE + tuple(OPERATORS)
NEEDS_VALUE = {"equals", "not_equals", "in", "not_in", "matches", "not_matches", "gte", "lte", "gt", "lt"}
# when the path is missing, negative checks hold (privileged absent == not privileged)
HOLDS_WHEN_MISSING = {"not_equals", "not_in", "not_matches", "empty", "falsy"}


def describe(op: str, expected: Any) -> str:
    words = {
        "equals": "equal", "not_equals": "not equal", "in": "be one of", "not_in": "not be one of",
        "matches": "match", "not_matches": "not match", "gte": "be >=", "lte": "be <=", "gt": "be >", "lt": "be <",
    }
    if op in words:
        return f"should {words[op]} {expected!r}" if not isinstance(expected, list) else f"should {words[op]} {expected}"
    return f"should be {op.replace('_', ' ')}"
