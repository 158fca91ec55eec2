"""Path expressions into parsed documents.

    services.*.ports[*]                       every port of every service
    spec.template.spec.containers[*].image    every container image
    services["my.svc"].image                  keys with dots or spaces
    items[0]                                  one list index

`*` matches every key of a mapping, `[*]` every item of a list. A path that
does not match yields nothing; it is never an error. Expressions are parsed
once and cached.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterator, Union

PathPart = Union[str, int]
Path = tuple[PathPart, ...]

WILDCARD_KEY = object()
WILDCARD_ITEM = object()
MAX_EXPRESSION_LENGTH = 512

_TOKEN = re.compile(
    r"""
      \[\*\]                          # any list item
    | \[(?P<index>-?\d+)\]            # one list index
    | \[(?P<q>["'])(?P<qkey>.*?)(?P=q)\]  # quoted key
    | (?P<key>[^.\[\]]+)              # plain key, * for any key
    | (?P<dot>\.)
    """,
    re.VERBOSE,
)


class PathSyntaxError(ValueError):
    pass


@lru_cache(maxsize=1024)
def parse(expression: str) -> tuple[Any, ...]:
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise PathSyntaxError(f"path longer than {MAX_EXPRESSION_LENGTH} characters")
    steps: list[Any] = []
    position = 0
    while position < len(expression):
        match = _TOKEN.match(expression, position)
        if not match:
            raise PathSyntaxError(f"cannot parse path {expression!r} at character {position + 1}")
        position = match.end()
        if match.group("dot"):
            continue
        if match.group(0) == "[*]":
            steps.append(WILDCARD_ITEM)
        elif match.group("index") is not None:
            steps.append(int(match.group("index")))
        elif match.group("qkey") is not None:
            steps.append(match.group("qkey"))
        else:
            key = match.group("key").strip()
            steps.append(WILDCARD_KEY if key == "*" else key)
    return tuple(steps)


def select(data: Any, expression: str) -> Iterator[tuple[Path, Any]]:
    """Yield (path, value) for every node the expression reaches."""
    steps = parse(expression) if expression else ()
    yield from _walk(data, steps, ())


def _walk(value: Any, steps: tuple[Any, ...], path: Path) -> Iterator[tuple[Path, Any]]:
    if not steps:
        yield path, value
        return
    step, rest = steps[0], steps[1:]
    if step is WILDCARD_KEY:
        if isinstance(value, dict):
            for key, child in value.items():
                yield from _walk(child, rest, path + (key,))
        elif isinstance(value, list):  # `*` on a list behaves like [*]
            for index, child in enumerate(value):
                yield from _walk(child, rest, path + (index,))
    elif step is WILDCARD_ITEM:
        if isinstance(value, list):
            for index, child in enumerate(value):
                yield from _walk(child, rest, path + (index,))
    elif isinstance(step, int):
        if isinstance(value, list) and -len(value) <= step < len(value):
            index = step % len(value)
            yield from _walk(value[index], rest, path + (index,))
    elif isinstance(value, dict) and step in value:
        yield from _walk(value[step], rest, path + (step,))


def format_path(path: Path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[\w\-/]+", str(part)):
            out += f".{part}" if out else str(part)
        elif str(part).isprintable() and not ("'" in str(part) and '"' in str(part)):
            quote = "'" if "'" not in str(part) else '"'  # as written, so that parse() reads the key back
            out += f"[{quote}{part}{quote}]"
        else:
            out += f"[{str(part)!r}]"  # control characters stay visible (escaped): a display, not a path
    return out


def select_path(data: Any, path: Path) -> Iterator[tuple[Path, Any]]:
    """The node at a concrete path (as yielded by `select`), if it exists."""
    yield from _walk(data, path, ())
