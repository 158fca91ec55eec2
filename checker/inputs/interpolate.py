"""Compose-spec variable interpolation.

    $$            a literal $
    $VAR ${VAR}   the value, or "" when unset
    ${VAR:-def}   def when VAR is unset or empty     ${VAR-def}  def when unset
    ${VAR:?err}   error when unset or empty          ${VAR?err}  error when unset
    ${VAR:+alt}   alt when VAR is set and non-empty  ${VAR+alt}  alt when set

Defaults and alternatives may themselves contain ${...}. Nothing here raises
on odd input: an unterminated `${` is kept as written.

A variable whose value is `UNKNOWN` (a key a template env file defines, whose real value is
not in the tree) is set but unknown: it satisfies `:?`, and what it yields is unknown too
(`Interpolated.unknown` names it; the value has "" in its place).
"""
from __future__ import annotations

import re
from typing import Mapping, NamedTuple

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATORS = (":-", ":?", ":+", "-", "?", "+")


class Unset(NamedTuple):
    name: str
    required: bool | None  # written with ? or :?, so Compose would refuse to start; None: set, value unknown


class Interpolated(NamedTuple):
    value: str
    unset: list[Unset]  # variables that were needed and had no value
    unknown: list[str] = []  # variables that are set to a value the scan cannot know (UNKNOWN)


class Unknown(str):
    """The value of a variable that is set where the scan cannot see (a template's key): not ""."""


UNKNOWN = Unknown("")


# A value with more references than this is not expanded (it is unknown): each nesting level copies and
# rescans the value, and a 9.9 MB `${V:-${V:-...}}` took 10 s and 330 MB. Real values hold a handful.
MAX_REFERENCES = 1000
TOO_MANY = "(more than 1000 ${...} references in one value: not expanded)"


def interpolate(text: str, variables: Mapping[str, str]) -> Interpolated:
    if text.count("${") > MAX_REFERENCES:
        return Interpolated("", [], [TOO_MANY])
    unset: list[Unset] = []
    value = _expand(text, variables, unset, depth=0)
    unknown = [u.name for u in unset if u.required is None]
    if unknown:
        return Interpolated(value, [u for u in unset if u.required is not None], unknown)
    return Interpolated(value, unset)


def references(text: str) -> list[str]:
    """Names of the variables a string refers to (for reporting)."""
    return [name for name in re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", text.replace("$$", ""))]


def _expand(text: str, variables: Mapping[str, str], unset: list[Unset], depth: int) -> str:
    if "$" not in text or depth > 10:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char != "$":
            out.append(char)
            i += 1
            continue
        nxt = text[i + 1 : i + 2]
        if nxt == "$":
            out.append("$")
            i += 2
        elif nxt == "{":
            end = _closing_brace(text, i + 2)
            if end < 0:
                out.append(text[i:])
                break
            out.append(_braced(text[i + 2 : end], variables, unset, depth))
            i = end + 1
        else:
            match = _NAME.match(text, i + 1)
            if not match:
                out.append("$")
                i += 1
                continue
            name = match.group(0)
            if name not in variables or isinstance(variables[name], Unknown):
                unset.append(Unset(name, required=None if name in variables else False))
            out.append(variables.get(name, ""))
            i = match.end()
    return "".join(out)


def _closing_brace(text: str, start: int) -> int:
    depth = 1
    i = start
    while i < len(text):
        if text.startswith("${", i):
            depth += 1
            i += 2
            continue
        if text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _braced(body: str, variables: Mapping[str, str], unset: list[Unset], depth: int) -> str:
    match = _NAME.match(body)
    if not match:
        return "${" + body + "}"
    name, rest = match.group(0), body[match.end() :]
    is_set = name in variables
    value = variables.get(name, "")
    if isinstance(value, Unknown):  # whatever the operator, what it yields depends on the unknown value
        unset.append(Unset(name, required=None))
        return ""
    if not rest:
        if not is_set:
            unset.append(Unset(name, required=False))
        return value
    operator = next((op for op in _OPERATORS if rest.startswith(op)), None)
    if operator is None:
        return "${" + body + "}"
    argument = rest[len(operator) :]
    empty_counts = operator.startswith(":")
    present = is_set and (bool(value) or not empty_counts)
    if operator in (":-", "-"):
        return value if present else _expand(argument, variables, unset, depth + 1)
    if operator in (":+", "+"):
        return _expand(argument, variables, unset, depth + 1) if present else ""
    if not present:  # :? and ?
        unset.append(Unset(name, required=True))
    return value
