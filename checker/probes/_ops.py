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

Linear is not yet bounded: RE2 falls back from its DFA to an NFA whose cost
per character grows with the compiled program, and a counted repetition
multiplies the program (`(\\pL|\\pN|\\s|\\pP){200}0` is 288,805 instructions and
took 128 s on one 9 MB value). So the work of each match is bounded:
- a pattern compiling to more than MAX_PROGRAM_SIZE instructions is refused
  when the rules load (exit 2, naming the rule file, line and field);
- a text is matched only if its length times the program size is at most
  MAX_MATCH_WORK (the NFA's worst case, ~5 ns per unit measured: under a
  second); a longer value is an `error` result (reason too-large), never a pass;
- matches that could be slow (over COSTLY_MATCH_WORK) share a budget of
  COSTLY_MATCH_SECONDS per scan; past it they are `error` results (timeout).
"""
from __future__ import annotations

import math
import re
import time
from functools import lru_cache
from typing import Any, Callable, Protocol

from checker.errors import ProbeError

MAX_PATTERN_LENGTH = 1000
MAX_PATTERN_MEMORY = 8 * 1024 * 1024  # bytes RE2 may use for one compiled pattern
MAX_PROGRAM_SIZE = 2_000  # RE2 instructions; the largest shipped pattern has 156
MAX_MATCH_WORK = 100_000_000  # text length x program size, per match
COSTLY_MATCH_WORK = 1_000_000  # matches above this are timed against the scan's budget
COSTLY_MATCH_SECONDS = 10.0
_spent = [0.0]  # seconds of costly matches in this scan (reset_match_budget at the start of each)
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


_DECIMAL = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def number(value: Any) -> float | None:
    """A number, or a string of plain decimal digits as applications read one.

    Python's float() would also take `Infinity`, `nan`, `1_000` and `1e3`, which FastGPT's and
    most services' parseInt / strconv.Atoi refuse: a lockout of `Infinity` seconds is no number.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    text = str(value).strip()
    return float(text) if _DECIMAL.fullmatch(text) else None


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
        compiled = re2.compile(pattern, options)
    except re2.error as exc:
        detail = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ValueError(
            f"invalid regular expression {pattern!r}: {detail} (patterns run on RE2: no look-around, no back-references)"
        ) from None
    size = max(compiled.programsize, compiled.reverseprogramsize)
    if compiled.reverseprogramsize < 0 or size > MAX_PROGRAM_SIZE:
        shown = f"{size:,}" if compiled.reverseprogramsize >= 0 else f"over {size:,}"
        raise ValueError(
            f"regular expression {pattern!r} compiles to {shown} RE2 instructions, over the limit of {MAX_PROGRAM_SIZE:,}"
            " (a counted repetition such as {200} multiplies the pattern inside it)"
        )
    return BoundedPattern(pattern, compiled, size)


class BoundedPattern:
    """An RE2 pattern whose every match is bounded in work (see the module's docstring)."""

    __slots__ = ("pattern", "_compiled", "_size")

    def __init__(self, pattern: str, compiled: Any, size: int) -> None:
        self.pattern, self._compiled, self._size = pattern, compiled, max(size, 1)

    def search(self, text: str) -> Any:
        return self._bounded(self._compiled.search, text)

    def fullmatch(self, text: str) -> Any:
        return self._bounded(self._compiled.fullmatch, text)

    def _bounded(self, match: Callable[[str], Any], text: str) -> Any:
        length = len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))  # RE2 counts bytes
        work = length * self._size
        if work <= COSTLY_MATCH_WORK:
            return match(text)
        longest = MAX_MATCH_WORK // self._size
        if length > longest:
            raise ProbeError("too-large", (
                f"a value of {length:,} bytes is too long to match against {_shown(self.pattern)} "
                f"(at most {longest:,} bytes for a pattern of {self._size:,} RE2 instructions)"))
        if _spent[0] > COSTLY_MATCH_SECONDS:
            raise ProbeError("timeout", (
                f"not matched against {_shown(self.pattern)}: this scan already spent {COSTLY_MATCH_SECONDS:.0f} s "
                "matching long values against large patterns"))
        started = time.perf_counter()
        try:
            return match(text)
        finally:
            _spent[0] += time.perf_counter() - started


def _shown(pattern: str) -> str:
    return repr(pattern if len(pattern) <= 60 else pattern[:57] + "...")


def reset_match_budget() -> None:
    """The engine calls this at the start of each scan."""
    _spent[0] = 0.0


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
