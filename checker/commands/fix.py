"""`preflight fix`: print (or, with --write, make) checked, minimal edits for fixable findings.

stdout carries only the unified diff, so `preflight fix | git apply` works;
the summary, hidden unsafe fixes and the reasons for fixes not offered go to
stderr. Exit 0 when nothing is left to fix, 1 when a diff was produced (or a
file could not be written).
"""
from __future__ import annotations

import argparse
import difflib
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Sequence

from checker.api import scan_paths
from checker.fixes.context import SECRETS_FILE, split_lines
from checker.fixes.plan import FileFix, Plan, make_plan
from checker.models import Report

def run_fix(args: argparse.Namespace) -> int:
    paths = args.paths or ["."]
    profiles = _profiles_of(args.select or ())

    def scan(targets: Sequence[str]) -> Report:
        return scan_paths(targets, env=args.env, exclude=args.exclude, jobs=1, profiles=profiles)

    plan = make_plan(paths, scan, select=args.select, unsafe=args.unsafe_fixes, secrets_to=args.secrets_to)
    _summary(plan, args)
    if not plan.fixes:
        return 0
    if not args.write:
        sys.stdout.write("".join(unified_diff(fix) for fix in plan.fixes))
        return 1
    return _write(plan, paths, args)


def _profiles_of(select: Sequence[str]) -> tuple[str, ...]:
    """The opt-in profiles of the rules `--select` names: `fix --select PERF-102` fixes what `scan --select` finds."""
    if not select:
        return ()
    from checker.engine.rules import load_rules

    return tuple(sorted({r.profile for r in load_rules().rules if r.profile and (r.id in select or r.name in select)}))


def unified_diff(fix: FileFix) -> str:
    """What `git apply` takes: a/ and b/ paths relative to the working folder, `\\ No newline` marked."""
    name = _shown(fix.file)
    lines = difflib.unified_diff(split_lines(fix.old), split_lines(fix.new), f"a/{name}", f"b/{name}")
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _write(plan: Plan, roots: Sequence[str], args: argparse.Namespace) -> int:
    from checker.fixes.write import refusal, write_atomic, write_secrets

    refused = 0
    secrets: dict[Path, list[str]] = {}
    warned: set[str] = set()
    for fix in plan.fixes:
        reason = refusal(fix.file, roots, args.force)
        if reason:
            print(f"preflight: not written: {fix.file}: {reason}", file=sys.stderr)
            refused += 1
            continue
        keys = [key for proposal in fix.proposals for key in proposal.secrets]
        target = Path(args.secrets_to) if args.secrets_to else Path(fix.file).parent / SECRETS_FILE
        if keys:  # the values first: a reference to a value that was never written would break the service
            try:
                written, warnings = write_secrets(target, keys)
            except OSError as exc:
                print(f"preflight: not written: {fix.file}: {exc}", file=sys.stderr)
                refused += 1
                continue
            secrets.setdefault(target, []).extend(written)
            for warning in sorted(set(warnings) - warned):
                print(f"preflight: warning: {warning}", file=sys.stderr)
            warned.update(warnings)
        write_atomic(fix.file, fix.old, fix.new)
        print(f"fixed {fix.file}: {', '.join(sorted({p.rule_id for p in fix.proposals}))}", file=sys.stderr)
    for target, keys in secrets.items():
        if keys:
            print(f"generated {', '.join(keys)} in {target} (mode 0600; values not shown)", file=sys.stderr)
    return 1 if refused else 0


def _summary(plan: Plan, args: argparse.Namespace) -> None:
    safety = Counter(p.safety for fix in plan.fixes for p in fix.proposals)
    for fix in plan.fixes:
        rules = ", ".join(f"{p.rule_id} ({p.safety})" for p in fix.proposals)
        print(f"{_shown(fix.file)}: {rules}", file=sys.stderr)
        keys = [key for p in fix.proposals for key in p.secrets]
        if keys and not args.write:
            target = args.secrets_to or str(Path(fix.file).parent / SECRETS_FILE)
            print(f"  --write would generate {', '.join(keys)} into {target} (untracked, 0600)", file=sys.stderr)
    for note in plan.notes:
        print(f"  {note}", file=sys.stderr)
    total = sum(safety.values())
    print(f"{total} fix(es): {safety['safe']} safe, {safety['unsafe']} unsafe, in {len(plan.fixes)} file(s)", file=sys.stderr)
    if plan.hidden_unsafe:
        print(f"{plan.hidden_unsafe} more fix(es) are unsafe: shown with --unsafe-fixes", file=sys.stderr)


def _shown(file: str) -> str:
    absolute = os.path.abspath(file)
    relative = os.path.relpath(absolute)
    return relative if not relative.startswith("..") else absolute.lstrip("/")
