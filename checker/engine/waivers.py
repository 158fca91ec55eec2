"""Waivers file (placeholder: filled in by the reports-and-workflow work)."""
from __future__ import annotations

from checker.models import Report


def apply_waivers(report: Report, waivers_file: str | None, paths: list[str]) -> Report:
    return report
