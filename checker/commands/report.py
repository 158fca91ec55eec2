"""`preflight report FILE.json -f FORMAT`: render a saved run again, without scanning."""
from __future__ import annotations

import argparse
from pathlib import Path

from checker.commands.output import emit_all, report_inputs
from checker.errors import UsageError
from checker.reporters.json_report import TooDeep, load


def run_report(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    try:
        report = load(Path(args.file).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{args.file}: {exc.strerror}") from None
    except ValueError as exc:
        if isinstance(exc, TooDeep):
            raise UsageError(f"{args.file}: not a preflight JSON report: {exc}") from None
        if not isinstance(exc, ValidationError):
            raise UsageError(f"{args.file}: not JSON ({exc})") from None
        raise UsageError(f"{args.file}: not a preflight JSON report ({exc.error_count()} problems, first: {exc.errors()[0]['msg']})") from None
    inputs = [args.file, *report_inputs(report)]  # never over the saved report, nor a file it names
    emit_all(report, args.format, args.output, args.output_dir, inputs, verbose=args.verbose)
    return 0
