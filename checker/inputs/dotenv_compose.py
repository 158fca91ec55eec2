"""`.env` statements split the way Compose splits them (compose-go's `dotenv` package, Compose v2).

    parse(text) -> (bindings, errors)

What `docker compose` does, and python-dotenv does differently:
- a value ends at the line's end; an unquoted value's comment starts at ` #` (`A=b#c` is `b#c`);
- `KEY: value` is a statement too (YAML style); `export ` is dropped; a key may hold `[A-Za-z0-9_.-[]]`;
- single quotes are literal (only `\\'` is the quote itself); double quotes take the escapes
  `\\a \\b \\f \\n \\r \\t \\v \\" \\\\`, `\\0ddd` (octal) and `\\$` (a literal `$`, kept here as `$$`);
- after a closing quote the rest of the line is read as the next statement (`A="x" # note`);
- `KEY` alone on its line takes its value from the shell: unknown to a scan.
`$` expansion itself (unquoted and double-quoted values) is `inputs/interpolate.py`, applied by
`env_file.parse_env` with the keys set so far. Compose stops at the first bad statement; here the error
names its line and parsing goes on at the next line, so one typo does not hide the rest of the file.
"""
from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

_EXPORT = re.compile(r"export\s+")
_ESCAPE = re.compile(r"\\(?:[abcfnrtv$\"\\]|0\d{0,3})")
_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", '"': '"', "\\": "\\"}
_INLINE_SPACE = "\t\v\f\r \x85\xa0"  # compose-go's isSpace: white space that is not a line break


class Binding(NamedTuple):
    key: str
    raw: str  # quotes removed, double-quote escapes applied; `$` not yet expanded
    quote: str  # "", "'" or '"'
    line: int
    inherited: bool = False  # `KEY` alone: the value comes from the shell


class ParseError(NamedTuple):
    line: int
    message: str  # compose-go's reason, naming no value
    statement: str  # the statement's first line, for the caller to quote safely (it may hold a secret)


def parse(text: str) -> tuple[list[Binding], list[ParseError]]:
    bindings: list[Binding] = []
    errors: list[ParseError] = []
    reader = _Reader(text)
    while reader.next_statement():
        line, first = reader.line, reader.first_line()
        try:
            bindings.append(reader.statement())
        except _BadStatement as bad:
            errors.append(ParseError(line, str(bad), first))
            reader.skip_line()
    return bindings, errors


class _BadStatement(Exception):
    pass


class _Reader:
    def __init__(self, text: str) -> None:
        self.text, self.at, self.line = text, 0, 1

    def _move(self, to: int) -> None:
        self.line += self.text.count("\n", self.at, to)
        self.at = to

    def next_statement(self) -> bool:
        """Past white space and comment lines; False at the end."""
        while True:
            end = self.at
            while end < len(self.text) and self.text[end].isspace():
                end += 1
            self._move(end)
            if end >= len(self.text):
                return False
            if self.text[end] != "#":
                return True
            newline = self.text.find("\n", end)
            if newline < 0:
                self._move(len(self.text))
                return False
            self._move(newline)

    def first_line(self) -> str:
        newline = self.text.find("\n", self.at)
        return self.text[self.at : len(self.text) if newline < 0 else newline]

    def skip_line(self) -> None:
        newline = self.text.find("\n", self.at)
        self._move(len(self.text) if newline < 0 else newline + 1)

    def statement(self) -> Binding:
        text, line = self.text, self.line
        start = self.at
        export = _EXPORT.match(text, start)
        if export:
            start += len("export")
            while start < len(text) and text[start] in _INLINE_SPACE:
                start += 1
        end = start
        while end < len(text) and text[end] not in "=:\n":
            char = text[end]
            if char not in _INLINE_SPACE and char not in "_.-[]" and not _letter_or_number(char):
                raise _BadStatement(f"unexpected character {char!r} in a variable name")
            end += 1
        key = text[start:end].rstrip()
        if not key:  # compose-go takes `=v` as the key "" (which nothing can read): an error here
            raise _BadStatement("no key before the `=`")
        if " " in key:
            raise _BadStatement("key cannot contain a space")
        if end >= len(text) or text[end] == "\n":  # KEY alone: inherited from the shell
            self._move(min(end + 1, len(text)))
            return Binding(key, "", "", line, inherited=True)
        value_at = end + 1
        while value_at < len(text) and text[value_at] in _INLINE_SPACE:
            value_at += 1
        quote = text[value_at : value_at + 1]
        if quote in ("'", '"'):
            raw, after = self._quoted(value_at, quote)
            self._move(after)
            return Binding(key, _expand_escapes(raw) if quote == '"' else raw, quote, line)
        newline = text.find("\n", value_at)
        stop = len(text) if newline < 0 else newline
        value = text[value_at:stop].split(" #", 1)[0].rstrip()
        self._move(stop)
        return Binding(key, value, "", line)

    def _quoted(self, opening: int, quote: str) -> tuple[str, int]:
        """The quoted text (a backslash before the quote dropped, any other kept) and the index after it."""
        text = self.text
        chars: list[str] = []
        escaped = False
        for index in range(opening + 1, len(text)):
            char = text[index]
            if char != quote:
                if not escaped and char == "\\":
                    escaped = True
                    continue
                if escaped:
                    escaped = False
                    chars.append("\\")
                chars.append(char)
                continue
            if escaped:
                escaped = False
                chars.append(char)
                continue
            return "".join(chars), index + 1
        raise _BadStatement(f"unterminated {quote} quoted value (the value is not shown)")


def _letter_or_number(char: str) -> bool:
    return unicodedata.category(char)[0] in ("L", "N")


def _expand_escapes(value: str) -> str:
    def one(match: re.Match[str]) -> str:
        escape = match.group(0)
        if escape == "\\$":
            return "$$"  # a literal `$`: interpolation turns `$$` into `$` and expands nothing
        if escape.startswith("\\0"):
            digits = escape[2:]
            if len(digits) == 3 and all(d in "01234567" for d in digits) and int(digits, 8) < 256:
                return chr(int(digits, 8))
            return escape
        return _SIMPLE_ESCAPES.get(escape[1:], escape)

    return _ESCAPE.sub(one, value) if "\\" in value else value
