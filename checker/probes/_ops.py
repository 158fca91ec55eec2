"""Comparison operators shared by the `assert` and `setting` probes.

    exists absent                    presence of the path
    equals not_equals                value equality (YAML true == "true")
    in not_in                        membership in a list
    matches not_matches              regular expression, searched, case-insensitive
    gte lte gt lt                    numbers (strings that hold numbers count)
    empty not_empty                  "", null, [] and {} are empty
    truthy falsy                     true/yes/on/1 and false/no/off/0 (case-insensitive)

Regular expressions that come from rule files or scanned files run on RE2
(google-re2): matching takes time linear in the text, so a pattern such as
`(a+)+$` cannot backtrack for hours. RE2 has no look-around and no
back-references; a rule that uses them is rejected when the rules load.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Protocol

MAX_PATTERN_LENGTH = 1000
MAX_PATTERN_MEMORY = 8 * 1024 * 1024  # bytes RE2 may use for one compiled pattern
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


class Pattern(Protocol):
    """What preflight uses of a compiled pattern (an RE2 pattern has the `re` interface)."""

    def search(self, text: str) -> Any: ...

    def fullmatch(self, text: str) -> Any: ...


@lru_cache(maxsize=512)
def compile_pattern(pattern: str, ignore_case: bool = True) -> Pattern:
    """An untrusted pattern, compiled for linear-time matching; ValueError names what is wrong.

    Raised as ValueError so that rule validation reports it with the rule and field.
    """
    import re2  # google-re2; imported here so that scans without patterns never load it

    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValueError(f"pattern longer than {MAX_PATTERN_LENGTH} characters")
    options = re2.Options()
    options.log_errors = False  # RE2 would print its own copy of the error on stderr
    options.case_sensitive = not ignore_case
    options.max_mem = MAX_PATTERN_MEMORY
    try:
        compiled: Pattern = re2.compile(pattern, options)
    except re2.error as exc:
        detail = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ValueError(
            f"invalid regular expression {pattern!r}: {detail} (patterns run on RE2: no look-around, no back-references)"
        ) from None
    return compiled


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
