"""The full result model as JSON, with its schema version: the source every other format renders from."""
from __future__ import annotations

from typing import Any

from checker.models import Report

FORMAT, SUFFIX = "json", ".json"


def render(report: Report, **_: Any) -> str:
    return report.to_json(indent=2) + "\n"


def load(text: str) -> Report:
    return Report.from_json(text)
