"""Masking as a property of every text that leaves preflight.

Every text is masked in three ways at once, and its control characters escaped (safe_text.py):
1. literal secrets: every value the scan saw under a secret-ish key (in any input kind, at
   any depth), every URI password and credential query parameter, every token of a known
   format (collect.py) — all found with one Aho-Corasick automaton per scan, so the cost of
   a text is its length, not its length times the number of secrets;
2. secrets recognised by their form (secret_patterns.py): a URI's password, `?token=`,
   `KEY=value` under a secret-ish name, `--password x`, bearer headers, token formats;
3. control characters (ESC, OSC, NUL, C1, bidi overrides) written as visible escapes.

The choke points that call this: the end of a scan (engine/run.py: every result), every
report written (commands/output.py), the baseline file, every file of an evidence bundle,
and everything written on stderr (cli.py wraps it in safe_text.SafeStream). The scan makes
its redactor the process's active one, so later writers know the scan's secrets too.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Iterable

from checker.models import Location, Report, Result, Waiver
from checker.safe_text import escape_controls
from checker.secret_patterns import mask_found
from checker.secrets import mask

MIN_SECRET_LENGTH = 6  # shorter literal values would scrub ordinary words and numbers
# Messages are mostly the tool's own words: a short secret (6-11 characters) is masked in one
# only where it stands as a word of its own, so a key name that contains it stays readable.
MIN_ANYWHERE_IN_MESSAGES = 12
# In any text, a secret shorter than this is masked only where it stands as a whole value (not
# inside an image name, a path or a longer word): a database password that is the product's name
# must not turn `ghcr.io/labring/fastgpt-ngx` into `ghcr.io/labring/****** (7 chars)-ngx`. Where
# a secret is held (a URI's password, `KEY=value`, a flag) secret_patterns.py masks it by its place.
MIN_ANYWHERE = 16
_VALUE_CHARS = frozenset("_-./+@%~")
# Texts are cleaned at the end of the scan and again by each writer (a report, the baseline, a
# bundle): a writer's pass finds the scan's texts in this memo instead of scanning them again.
MAX_REMEMBERED = 4096
MAX_MEMO = 500_000


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _value_char(char: str) -> bool:
    return char.isalnum() or char in _VALUE_CHARS


def _inside(text: str, start: int, end: int, part_of: object) -> bool:
    """Whether text[start:end + 1] continues into a neighbouring character of the same word or value."""
    test = part_of if callable(part_of) else _word_char
    after = end + 1
    if after < len(text) and text[after] in ".-/" and (after + 1 >= len(text) or not text[after + 1].isalnum()):
        after = len(text)  # a sentence's full stop (or a trailing dash) ends the value: `... and hunter22.`
    return (start > 0 and bool(test(text[start - 1]))) or (after < len(text) and bool(test(text[after])))


class Redactor:
    """The secrets of one scan, in one automaton; `text()` masks a text in one pass over it."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = frozenset(s for s in secrets if len(s) >= MIN_SECRET_LENGTH)
        self._automaton: Any = None
        self._memo: tuple[dict[str, str], ...] = ({}, {}, {}, {})  # by (message, single_line)
        if self.secrets:
            # pyahocorasick: a C automaton over str (https://pypi.org/project/pyahocorasick/)
            import ahocorasick

            automaton = ahocorasick.Automaton()
            for secret in self.secrets:
                automaton.add_word(secret, secret)
            automaton.make_automaton()
            self._automaton = automaton

    def literal(self, text: str, message: bool = False) -> str:
        """`text` with every known secret in it masked (longest first where they overlap)."""
        if self._automaton is None or len(text) < MIN_SECRET_LENGTH:
            return text
        pieces: list[str] = []
        last = 0
        for end, secret in self._automaton.iter_long(text):
            start = end + 1 - len(secret)
            if message and len(secret) < MIN_ANYWHERE_IN_MESSAGES and _inside(text, start, end, _word_char):
                continue
            if len(secret) < MIN_ANYWHERE and _inside(text, start, end, _value_char):
                continue  # part of a longer value: an image name, a path, a host
            pieces.append(text[last:start])
            pieces.append(mask(secret))
            last = end + 1
        if not pieces:
            return text
        pieces.append(text[last:])
        return "".join(pieces)

    def masked(self, text: str, message: bool = False) -> str:
        """Secrets masked, nothing else changed (a file copied into a bundle)."""
        return mask_found(self.literal(text, message))

    def text(self, text: str, message: bool = False, single_line: bool = False) -> str:
        """Secrets masked and control characters escaped: a text fit to print."""
        if len(text) > MAX_REMEMBERED:
            return escape_controls(self.masked(text, message), single_line)
        memo = self._memo[2 * message + single_line]
        done = memo.get(text)
        if done is None:
            done = escape_controls(self.masked(text, message), single_line)
            if len(memo) > MAX_MEMO:
                memo.clear()
            memo[text] = memo[done] = done  # a masked text masks to itself: the next writer's pass is a lookup
        return done

    def value(self, value: Any) -> Any:
        """Evidence: every string in it masked, dictionary keys included."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.value(k) if isinstance(k, str) else k: self.value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        return value

    def location(self, location: Location) -> Location:
        for name in ("file", "object", "url"):
            given = getattr(location, name)
            if given:
                cleaned = self.text(given, single_line=True)
                if cleaned != given:
                    setattr(location, name, cleaned)
        return location

    def result(self, result: Result, seen: dict[Any, Any] | None = None) -> Result:
        """The result with every text masked and escaped, in place.

        `seen` remembers the targets and Locations already cleaned in this pass: a document's
        pass results (most of a big report) share its path and one Location object.
        """
        seen = {} if seen is None else seen
        target = seen.get(result.target)
        if target is None:
            target = seen[result.target] = self.text(result.target, single_line=True)
        result.target = target
        if result.location is not None and id(result.location) not in seen:
            seen[id(result.location)] = self.location(result.location)
        if result.message:
            result.message = self.text(result.message, message=True)
        if result.observed:
            result.observed = self.text(result.observed)
        if result.reason:
            result.reason = self.text(result.reason, message=True)
        if result.evidence:
            result.evidence = self.value(result.evidence)
        if result.waiver is not None:
            _clean_waiver(self, result.waiver)
        return result

    def report(self, report: Report) -> Report:
        """Every text of a report (its results, paths and merged inputs) masked and escaped, in place."""
        seen: dict[Any, Any] = {}
        for result in report.results:
            self.result(result, seen)
        report.paths = [self.text(p, single_line=True) for p in report.paths]
        if report.environment:
            report.environment = self.text(report.environment, single_line=True)
        for merged in report.merged_from or []:
            merged.file = self.text(merged.file, single_line=True)
        return report


def _clean_waiver(redactor: Redactor, waiver: Waiver) -> None:
    for field in dataclasses.fields(waiver):
        given = getattr(waiver, field.name)
        if isinstance(given, str) and given:
            setattr(waiver, field.name, redactor.text(given, message=True))


_active = Redactor()


def activate(redactor: Redactor) -> Redactor:
    """Make `redactor` the one every later writer of this process uses (and return it)."""
    global _active
    _active = redactor
    return redactor


def active() -> Redactor:
    return _active


def mask_text(text: str) -> str:
    """Any text about to leave the process (a warning, an error, a file of a bundle), masked and escaped."""
    return _active.text(text)


def mask_data(value: Any) -> Any:
    """JSON-like data about to be written (scope.json, a baseline), every string masked and escaped."""
    return _active.value(value)


def redact_result(result: Result, redactor: Redactor) -> Result:
    return redactor.result(result)
