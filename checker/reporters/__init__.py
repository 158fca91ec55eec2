"""Output formats: format name -> module, imported on first use.

Each module sets FORMAT and SUFFIX and has a pure `render(report, **options) -> str`.
Every format renders from the same `Report`, which round-trips through JSON.
"""
from __future__ import annotations

import importlib
from types import ModuleType

REPORTERS: dict[str, str] = {
    "text": "checker.reporters.text",
    "json": "checker.reporters.json_report",
    "sarif": "checker.reporters.sarif",
    "junit": "checker.reporters.junit",
    "markdown": "checker.reporters.markdown",
    "html": "checker.reporters.html",
}


def get(name: str) -> ModuleType:
    return importlib.import_module(REPORTERS[name])
