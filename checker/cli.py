"""Command line: parse arguments and dispatch to one function per subcommand.

Every command returns its exit code. One handler maps errors to exit codes:
0 nothing at or above --fail-on, 1 failing results, 2 usage / configuration /
rule-file errors, 130 interrupted.
"""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from checker import __version__
from checker.errors import PreflightError

SEVERITIES = ["info", "low", "medium", "high", "critical"]
FORMATS = ["text", "json"]


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="preflight", description="Pre-deployment checklist and compliance scanner.")
    parser.add_argument("--version", action="version", version=f"preflight {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    scan = commands.add_parser("scan", help="scan files and folders")
    scan.add_argument("paths", nargs="*", default=None, metavar="PATH", help="files and folders (default: ., or none with --endpoint)")
    scan.add_argument("--env", choices=["development", "staging", "production"],
                      help="environment of every file (default: inferred from file names, else production)")
    scan.add_argument("--checklist", type=_csv, action="extend", default=[], metavar="NAME,...")
    scan.add_argument("--select", type=_csv, action="extend", default=[], metavar="ID,...", help="run only these rules")
    scan.add_argument("--skip", type=_csv, action="extend", default=[], metavar="ID,...")
    scan.add_argument("--severity", choices=SEVERITIES, help="run rules at or above this severity")
    scan.add_argument("--rules", action="append", default=[], metavar="DIR", help="extra rule folder or file (repeatable)")
    scan.add_argument("--no-default-rules", action="store_true", help="run only the --rules given")
    scan.add_argument("--exclude", action="append", default=[], metavar="GLOB")
    scan.add_argument("--env-file", action="append", default=[], metavar="FILE", help="variables for compose interpolation")
    scan.add_argument("--attestations", action="append", default=[], metavar="FILE")
    scan.add_argument("-f", "--format", choices=FORMATS, default="text")
    scan.add_argument("-o", "--output", metavar="FILE", help="write the report here instead of stdout")
    scan.add_argument("--fail-on", choices=SEVERITIES, help="exit 1 only for failures at or above this (default: info)")
    scan.add_argument("--config", metavar="FILE", help="configuration file (default: ./.preflight.yaml)")
    scan.add_argument("-v", "--verbose", action="store_true", help="also show observed values, waived and manual items")
    scan.add_argument("-q", "--quiet", action="store_true", help="text output: only failures and errors (for pre-commit)")
    scan.add_argument("--live", action="store_true", help="also probe running endpoints and services (network)")
    scan.add_argument("--endpoint", action="append", default=[], metavar="URL",
                      help="a live target: https://host, redis://host:6379 ... (repeatable; implies --live)")
    scan.add_argument("--ca-bundle", metavar="FILE", help="live TLS: trust these CAs instead of the system store")
    scan.add_argument("--timeout", type=float, default=5.0, metavar="SECONDS", help="live: connect and read timeout")
    scan.add_argument("--jobs", type=int, default=32, metavar="N", help="live: probes run at once")
    scan.add_argument("--per-file", action="store_true",
                      help="only rules that judge one file at a time, not the whole deployment (for pre-commit)")

    rules = commands.add_parser("rules", help="list the rule catalog")
    rules.add_argument("-f", "--format", choices=["text", "json"], default="text")
    rules.add_argument("--rules", action="append", default=[], metavar="DIR")
    rules.add_argument("--checklist", type=_csv, action="extend", default=[], metavar="NAME,...")

    explain = commands.add_parser("explain", help="explain one rule: why, how to fix, examples")
    explain.add_argument("rule", metavar="ID|NAME")
    explain.add_argument("--rules", action="append", default=[], metavar="DIR")

    report = commands.add_parser("report", help="re-render a saved JSON report")
    report.add_argument("file", metavar="FILE.json")
    report.add_argument("-f", "--format", choices=FORMATS, default="text")
    report.add_argument("-o", "--output", metavar="FILE")
    report.add_argument("-v", "--verbose", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "scan":
            from checker.commands.scan import run_scan

            return run_scan(args)
        if args.command == "rules":
            from checker.commands.catalog import run_rules

            return run_rules(args)
        if args.command == "explain":
            from checker.commands.explain import run_explain

            return run_explain(args)
        from checker.commands.report import run_report

        return run_report(args)
    except PreflightError as exc:
        print(f"preflight: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1
