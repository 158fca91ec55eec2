"""`preflight scan`: merge options with the config file, scan, render, and pick the exit code."""
from __future__ import annotations

import argparse
import gc
import sys
from typing import Any

from checker.api import scan_paths
from checker.inputs.shard import parse as parse_shard
from checker.commands.output import emit_all, use_color
from checker.engine.baseline import apply_baseline, unmatched_warning
from checker.engine.waivers import apply_waivers
from checker.config import load_config
from checker.errors import NothingToScan, UsageError
from checker.models import Report, severity_rank


def run_scan(args: argparse.Namespace) -> int:
    # A scan allocates millions of small objects that live until the report is written, and
    # almost none form cycles: the collector's full passes over them cost a fifth of a
    # 10,000-file scan. It runs a hundred times less often during a scan; it still runs.
    thresholds = gc.get_threshold()
    gc.set_threshold(70_000, 20, 100)
    try:
        return _scan(args)
    finally:
        gc.set_threshold(*thresholds)


def _scan(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    endpoints = config.endpoints + args.endpoint
    docker_host = args.docker_host or config.docker_host
    docker = args.docker or config.docker or docker_host is not None
    paths = args.paths if args.paths is not None else ([] if endpoints or args.k8s or docker else ["."])
    options: dict[str, Any] = dict(
        rules=config.rules + args.rules,
        shipped_rules=not args.no_default_rules,
        env=args.env or config.env,
        checklists=config.checklists + args.checklist,
        select=config.select + args.select,
        skip=config.skip + args.skip,
        min_severity=args.severity or config.severity,
        profiles=config.profiles + args.profile,
        exclude=config.exclude + args.exclude,
        env_files=config.env_files + args.env_file,
        attestations=config.attestations + args.attestations,
        per_file=args.per_file,
        live=args.live or config.live,
        endpoints=endpoints,
        jobs=args.jobs,
        live_options={"ca_bundle": args.ca_bundle, "timeout": args.timeout, "concurrency": args.concurrency,
                      "credentials": not args.no_credentials, "insecure": args.insecure, "live_hosts": args.live_hosts,
                      "progress": use_color() and args.format == "text"},
        cluster=_cluster_options(args),
        shard=parse_shard(args.shard) if args.shard else None,
        docker=docker,
        docker_host=docker_host,
        units=config.units,
        on_units=_print_units if args.verbose else None,
    )
    report = scan_paths(paths, **options)
    if not (endpoints or args.k8s or docker or args.live or config.live) and nothing_found(report):
        raise NothingToScan(f"nothing to scan: no file in {', '.join(paths)} is one preflight reads "
                            "(env, compose, Kubernetes / Helm YAML, Dockerfile, nginx, docker inspect)")
    if config.notes:  # what a config found in the tree tried, and what it narrowed
        from checker.config_trust import annotate

        report = annotate(report, config.notes)
    report = apply_waivers(report, args.waivers or config.waivers, paths)
    report = apply_baseline(report, args.baseline or config.baseline)
    if args.changed_since:
        report = _changed_only(report, args.changed_since, paths, options)
    if warning := unmatched_warning(report):
        print(f"preflight: warning: {warning}", file=sys.stderr)
    emit_all(report, args.format, args.output, args.output_dir, verbose=args.verbose, quiet=args.quiet)
    return exit_code(report, args.fail_on or config.fail_on)


def _changed_only(report: Report, ref: str, paths: list[str], options: dict[str, Any]) -> Report:
    """PR mode: what the merge base already had is marked unchanged (engine/changes.py)."""
    from checker.engine.changes import changes_since, mark_unchanged

    offline = {**options, "live": False, "endpoints": [], "cluster": None, "docker": False, "docker_host": None,
               "shard": None}  # the merge base's files only: whole-deployment findings to compare with
    return mark_unchanged(report, ref, changes_since(ref, paths), lambda base: scan_paths(base, **offline))


def _cluster_options(args: argparse.Namespace) -> Any:
    """ClusterOptions for --k8s (the module that imports the kubernetes client is loaded only then)."""
    if not args.k8s:
        if args.context or args.kubeconfig or args.namespace or args.all_namespaces:
            raise UsageError("--context, --kubeconfig, --namespace and --all-namespaces need --k8s")
        return None
    from checker.inputs.k8s_live import ClusterOptions

    # a page of a big cluster's list takes longer than one probe's answer: at least 10 s
    return ClusterOptions(args.context, args.kubeconfig, args.namespace, args.all_namespaces, max(args.timeout, 10.0))


def nothing_found(report: Report) -> bool:
    """No file was found that preflight reads, or even reports as not read: the scan judged nothing."""
    return not report.files_read and not any(
        r.rule_id == "PF-INPUT" or r.status in ("pass", "fail", "error") for r in report.results
    )


def exit_code(report: Report, fail_on: str) -> int:
    """1 when a failing or error result is at or above `fail_on`, else 0."""
    floor = severity_rank(fail_on)
    failing = [r for r in report.results if r.status in ("fail", "error") and severity_rank(r.severity) >= floor]
    return 1 if failing else 0


def _print_units(lines: list[str]) -> None:
    """`scan -v`: the deployment units found (inputs/units.py), on stderr so reports on stdout stay clean."""
    print(f"deployment units: {len(lines)}", file=sys.stderr)
    for line in lines:
        print(f"  {line}", file=sys.stderr)
