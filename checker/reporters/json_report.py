"""The full result model as JSON, with its schema version: the source every other format renders from."""
from __future__ import annotations

from typing import Any

from checker.models import Report

FORMAT, SUFFIX = "json", ".json"


def render(report: Report, **_: Any) -> str:
    return report.model_dump_json(indent=2, exclude_none=False) + "\n"


def load(text: str) -> Report:
    return Report.model_validate_json(text)
