"""`preflight baseline PATH... -o FILE`: record today's failures so CI fails only on new ones."""
from __future__ import annotations

import argparse
import sys

from checker.api import scan_paths
from checker.config import load_config
from checker.engine.baseline import write_baseline
from checker.engine.waivers import apply_waivers


def run_baseline(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    paths = args.paths or ["."]
    report = scan_paths(
        paths,
        rules=config.rules,
        env=config.env,
        checklists=config.checklists,
        select=config.select,
        skip=config.skip,
        min_severity=config.severity,
        profiles=config.profiles,
        exclude=config.exclude,
        env_files=config.env_files,
        attestations=config.attestations,
    )
    report = apply_waivers(report, config.waivers, paths)  # waived findings need no baseline entry
    count = write_baseline(report, args.output)
    print(f"preflight: recorded {count} failing finding(s) in {args.output}", file=sys.stderr)
    return 0
