"""`preflight scan`: merge options with the config file, scan, render, and pick the exit code."""
from __future__ import annotations

import argparse

from checker.api import scan_paths
from checker.commands.output import emit_all, use_color
from checker.engine.baseline import apply_baseline
from checker.engine.waivers import apply_waivers
from checker.config import load_config
from checker.models import Report, severity_rank


def run_scan(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    endpoints = config.endpoints + args.endpoint
    docker_host = args.docker_host or config.docker_host
    docker = args.docker or config.docker or docker_host is not None
    paths = args.paths if args.paths is not None else ([] if endpoints or docker else ["."])
    report = scan_paths(
        paths,
        rules=config.rules + args.rules,
        shipped_rules=not args.no_default_rules,
        env=args.env or config.env,
        checklists=config.checklists + args.checklist,
        select=config.select + args.select,
        skip=config.skip + args.skip,
        min_severity=args.severity or config.severity,
        exclude=config.exclude + args.exclude,
        env_files=config.env_files + args.env_file,
        attestations=config.attestations + args.attestations,
        per_file=args.per_file,
        live=args.live or config.live,
        endpoints=endpoints,
        jobs=args.jobs,
        live_options={"ca_bundle": args.ca_bundle, "timeout": args.timeout, "concurrency": args.concurrency,
                      "progress": use_color() and args.format == "text"},
        docker=docker,
        docker_host=docker_host,
    )
    report = apply_waivers(report, args.waivers or config.waivers, paths)
    report = apply_baseline(report, args.baseline or config.baseline)
    emit_all(report, args.format, args.output, args.output_dir, verbose=args.verbose, quiet=args.quiet)
    return exit_code(report, args.fail_on or config.fail_on)


def exit_code(report: Report, fail_on: str) -> int:
    """1 when a failing or error result is at or above `fail_on`, else 0."""
    floor = severity_rank(fail_on)
    failing = [r for r in report.results if r.status in ("fail", "error") and severity_rank(r.severity) >= floor]
    return 1 if failing else 0
