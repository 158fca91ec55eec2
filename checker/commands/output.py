"""Writing a rendered report: to a file when asked (never into the scanned tree by default), else stdout.

Files are written through checker/safe_write.py: never through a symbolic link, never onto an input.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Sequence

from checker.engine.redact import active as active_redactor
from checker.errors import UsageError
from checker.models import Report
from checker.reporters import get as get_reporter


def use_color() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def report_inputs(report: Report) -> list[str]:
    """The files a report was made from: an output must never replace one of them."""
    from checker import safe_write

    return safe_write.read_inputs(report.paths, (r.location.file if r.location else None for r in report.results))


def emit(report: Report, fmt: str, output: str | None, inputs: Sequence[str] = (), **options: Any) -> None:
    reporter = get_reporter(fmt)
    if fmt == "text":
        options.setdefault("color", output is None and use_color())
        if output is None and (sys.stdout.isatty() or os.environ.get("COLUMNS")):
            import shutil  # a terminal's width, COLUMNS first; logs, pipes and files are not wrapped

            options.setdefault("width", shutil.get_terminal_size().columns)
    write = getattr(reporter, "write", None)  # reporters of big outputs stream them
    stdout = getattr(sys.stdout, "buffer", None)
    if write is not None and (output or stdout is not None):
        if output:
            from checker import safe_write  # only when writing a file: a pre-commit run prints to stdout

            with safe_write.open_output(output, inputs=inputs) as stream:
                write(report, stream, **options)
        elif stdout is not None:
            sys.stdout.flush()
            write(report, stdout, **options)
            stdout.flush()
        return
    text = reporter.render(report, **options)
    if output:
        from checker import safe_write

        safe_write.write_text(output, text, inputs=inputs)
    else:
        sys.stdout.write(text)


def emit_all(report: Report, formats: list[str], outputs: list[str], output_dir: str | None,
             inputs: Sequence[str] | None = None, **options: Any) -> None:
    """Several formats from one run: `-f sarif -o a.sarif -f junit -o b.xml`, or `--output-dir DIR`.

    Formats and outputs pair in order; a format without an output goes to stdout
    (at most one may), and with --output-dir each goes to DIR/report<suffix>.
    """
    formats = formats or ["text"]
    if inputs is None and (output_dir or outputs):
        inputs = report_inputs(report)
    report = active_redactor().report(report)  # the choke point of reports: saved ones re-rendered included
    if output_dir:
        from checker import safe_write

        folder = Path(output_dir)
        safe_write.make_folder(folder)
        for fmt in formats:
            emit(report, fmt, str(folder / f"report{get_reporter(fmt).SUFFIX}"), inputs or (), **options)
        return
    if len(outputs) > len(formats):
        raise UsageError("more -o than -f: give a format for each output file")
    unpaired = formats[len(outputs):]
    if len(unpaired) > 1:
        raise UsageError("only one format can go to standard output: give -o FILE for the others")
    for fmt, output in zip(formats, outputs + [None] * len(unpaired)):
        emit(report, fmt, output, inputs or (), **options)
