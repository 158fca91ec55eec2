"""Text from scanned files and rule files, made safe to print: control characters written as escapes.

A value or a file name may hold ESC (terminal colour and OSC title/hyperlink
sequences), NUL and other C0 or C1 controls, lone surrogates (file names that
are not UTF-8) or Unicode bidi overrides. Printed raw, they rewrite the
terminal, and XML 1.0 forbids most of them outright, so one in a JUnit report
makes the whole file unreadable and CI loses every result. Every text that
leaves preflight goes through `escape_controls`: each such character becomes a
visible escape in the style of Python's repr (`\\x1b`, `\\u202e`, `\\udcff`);
tabs and newlines stay, except where a field is one line (`single_line=True`:
file names, targets, locations).
"""
from __future__ import annotations

import re
from typing import Any, TextIO

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}\ufeff\ufffe\uffff\ud800-\udfff]")
_UNSAFE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str, single_line: bool = False) -> str:
    pattern = _UNSAFE_LINE if single_line else _UNSAFE
    if pattern.search(text) is None:
        return text  # the common case: one scan in C, no copy
    return pattern.sub(_visible, text)


def has_controls(text: str) -> bool:
    return _UNSAFE.search(text) is not None


class SafeStream:
    """A text stream (stderr) whose writes are masked and escaped before they reach the real one.

    `unsafe` is the stream underneath, for the one writer that sends control
    sequences on purpose (the live scan's progress bar).
    """

    def __init__(self, stream: TextIO) -> None:
        self.unsafe = stream

    def write(self, text: str) -> int:
        from checker.engine.redact import mask_text  # here: a run that writes nothing on stderr never loads it

        self.unsafe.write(mask_text(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, fileno, encoding ... as the real stream
        return getattr(self.unsafe, name)


class EscapingStream:
    """stdout for the commands that print short messages about files (verify, history, evidence ...):
    a bundle or file name cannot send control sequences to the terminal. Report formats escape their own."""

    def __init__(self, stream: TextIO) -> None:
        self.unsafe = stream

    def write(self, text: str) -> int:
        self.unsafe.write(escape_controls(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.unsafe, name)
