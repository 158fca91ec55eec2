"""`preflight merge a.json b.json ... -o all.json`: one report from several, e.g. the shards of a fleet scan.

Every result of every input is kept (a result repeated word for word, such as
the same `skip` in every shard, is kept once); paths are united in order; the
summary and the readiness score are computed again by the engine's own
`build_report`, so the merged report is what one scan of every target would
have said. Inputs made with different rule sets (their `rules_sha256`
differ) are still merged, with a warning on stderr: the merged report's
`tool.rules_sha256` is then `mixed`, and `merged_from` records each input's
file, version, rules hash, times and result count. Every format renders from
the merged report (`-f sarif -o all.sarif`, or later `preflight report all.json -f html`).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from checker.commands.output import emit_all, report_inputs
from checker.engine.run import build_report
from checker.errors import UsageError
from checker.models import MergedInput, Report, Result
from checker.reporters.json_report import TooDeep, load

MIXED = "mixed"


def run_merge(args: argparse.Namespace) -> int:
    reports = [(name, _read(name)) for name in args.files]
    merged = merge(reports)
    hashes = sorted({report.tool.rules_sha256 for _, report in reports})
    if len(hashes) > 1:
        print(f"preflight: warning: the reports were made with {len(hashes)} different rule sets "
              f"(rules_sha256 {', '.join(h[:12] for h in hashes)}); merged anyway, see merged_from", file=sys.stderr)
    emit_all(merged, args.format or ["json"], args.output, args.output_dir, [*args.files, *report_inputs(merged)])
    return 0


def merge(reports: list[tuple[str, Report]]) -> Report:
    """The union of `reports` (name, report) as one Report, summary and score recomputed."""
    if not reports:
        raise UsageError("merge: name at least one JSON report")
    results: list[Result] = []
    seen: set[str] = set()
    paths: list[str] = []
    for _, report in reports:
        for result in report.results:
            key = json.dumps(dataclasses.asdict(result), sort_keys=True, default=str)
            if key not in seen:
                seen.add(key)
                results.append(result)
        paths.extend(p for p in report.paths if p not in paths)
    hashes = {report.tool.rules_sha256 for _, report in reports}
    environments = {report.environment for _, report in reports}
    started = min(report.started_at for _, report in reports)
    merged = build_report(
        results, paths, environments.pop() if len(environments) == 1 else None,
        hashes.pop() if len(hashes) == 1 else MIXED, started,
    )
    merged.finished_at = max(report.finished_at for _, report in reports)
    merged.merged_from = [
        MergedInput(name, r.tool.version, r.tool.rules_sha256, r.started_at, r.finished_at, len(r.results))
        for name, r in reports
    ]
    return merged


def _read(name: str) -> Report:
    from pydantic import ValidationError

    try:
        return load(Path(name).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{name}: {exc.strerror}") from None
    except ValueError as exc:
        if isinstance(exc, TooDeep):
            raise UsageError(f"{name}: not a preflight JSON report: {exc}") from None
        if isinstance(exc, ValidationError):
            raise UsageError(f"{name}: not a preflight JSON report (first problem: {exc.errors()[0]['msg']})") from None
        raise UsageError(f"{name}: not JSON ({exc})") from None
