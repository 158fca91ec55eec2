"""`preflight report FILE.json -f FORMAT`: render a saved run again, without scanning."""
from __future__ import annotations

import argparse
from pathlib import Path

from checker.commands.output import emit_all
from checker.errors import UsageError
from checker.reporters.json_report import load


def run_report(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    try:
        report = load(Path(args.file).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{args.file}: {exc.strerror}") from None
    except ValueError as exc:
        if not isinstance(exc, ValidationError):
            raise UsageError(f"{args.file}: not JSON ({exc})") from None
        raise UsageError(f"{args.file}: not a preflight JSON report ({exc.error_count()} problems, first: {exc.errors()[0]['msg']})") from None
    emit_all(report, args.format, args.output, args.output_dir, verbose=args.verbose)
    return 0
