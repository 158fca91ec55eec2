"""Writing a rendered report: to a file when asked (never into the scanned tree by default), else stdout."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from checker.models import Report
from checker.reporters import get as get_reporter


def use_color() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def emit(report: Report, fmt: str, output: str | None, **options: Any) -> None:
    reporter = get_reporter(fmt)
    if fmt == "text":
        options.setdefault("color", output is None and use_color())
    text = reporter.render(report, **options)
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
