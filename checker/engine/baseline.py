"""Baselines (placeholder: filled in by the reports-and-workflow work)."""
from __future__ import annotations

from checker.models import Report


def apply_baseline(report: Report, baseline_file: str | None) -> Report:
    return report
