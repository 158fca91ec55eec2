"""The full result model as JSON, with its schema version: the source every other format renders from."""
from __future__ import annotations

from typing import Any, BinaryIO

from checker.models import Report

FORMAT, SUFFIX = "json", ".json"


def render(report: Report, **_: Any) -> str:
    return report.to_json() + "\n"


def write(report: Report, stream: BinaryIO, **_: Any) -> None:
    """`render`, written piece by piece: a big report is never held whole in memory."""
    for chunk in report.json_chunks():
        stream.write(chunk)
    stream.write(b"\n")


class TooDeep(ValueError):
    """JSON nested past what the parser's recursion allows: a crafted file, never a report preflight wrote."""


def load(text: str) -> Report:
    """A saved report (raises ValueError, TooDeep or pydantic.ValidationError)."""
    try:
        return Report.from_json(text)
    except RecursionError:
        raise TooDeep("nested too deeply (a preflight report is a few levels deep)") from None
