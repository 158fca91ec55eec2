"""`preflight scan`: discover, load, run the rules, render, and pick the exit code."""
from __future__ import annotations

import argparse
from pathlib import Path

from checker.commands.output import emit
from checker.config import load_config
from checker.engine.rules import load_rules
from checker.engine.run import ScanInput, scan
from checker.engine.select import Selection, select_rules
from checker.errors import UsageError
from checker.inputs import attestations as attestation_files
from checker.inputs.discover import discover
from checker.inputs.load import LoadOptions, load
from checker.models import Report, severity_rank


def run_scan(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        raise UsageError(f"no such file or folder: {missing[0]}")
    rule_set = load_rules(config.rules + args.rules, include_shipped=not args.no_default_rules)
    selection = Selection(
        checklists=tuple(config.checklists + args.checklist),
        select=tuple(config.select + args.select),
        skip=tuple(config.skip + args.skip),
        min_severity=args.severity or config.severity,
    )
    rules = select_rules(rule_set, selection)
    environment = args.env or config.env
    candidates = list(discover(args.paths, config.exclude + args.exclude))
    loaded = load(candidates, LoadOptions(environment, tuple(config.env_files + args.env_file)))
    attestation_paths = [Path(p) for p in config.attestations + args.attestations] or attestation_files.find(args.paths)
    attested = [a for path in attestation_paths for a in attestation_files.load(path)]
    report = scan(ScanInput(rules, loaded, attested, list(args.paths), environment, rule_set.sha256))
    emit(report, args.format, args.output, verbose=args.verbose)
    return exit_code(report, args.fail_on or config.fail_on)


def exit_code(report: Report, fail_on: str) -> int:
    floor = severity_rank(fail_on)
    failing = [r for r in report.results if r.status in ("fail", "error") and severity_rank(r.severity) >= floor]
    return 1 if failing else 0
