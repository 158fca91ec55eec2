"""Baselines: record today's failures, so CI fails only on new ones.

    preflight baseline deploy/ -o .preflight-baseline.json
    preflight scan deploy/ --baseline .preflight-baseline.json

The file maps each failure's fingerprint (checker/engine/fingerprint.py: the
rule, the file relative to the project root or the URL, the object and the
message, not the line) to what it was. A later failure with a recorded
fingerprint becomes `waived` (source "baseline"); only new failures count for
the exit code. Entries that match no finding are counted in the report
(`Report.baseline`) and warned about: they were fixed, or the scan does not
cover what the baseline was made from.

Version 1 files (fingerprints of paths as given on the command line) still load
and match the scans they were made from.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from checker.engine.fingerprint import fingerprint, project_root, relative_to_root
from checker.engine.redact import mask_data
from checker.engine.waivers import resummarize
from checker.errors import UsageError
from checker.models import BaselineUse, Report, Result, Waiver

VERSION = 2
READABLE = (1, 2)


def build_baseline(report: Report) -> dict[str, Any]:
    root = project_root(report.paths)
    fingerprints = {
        fingerprint(r, root): {"rule_id": r.rule_id, "location": _where(r, root), "message": r.message}
        for r in report.results if r.status == "fail"
    }
    created = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    return {"version": VERSION, "created": created, "fingerprints": fingerprints}


def _where(result: Result, root: Path | None) -> str:
    location = result.location
    if location is None:
        return result.target
    if location.file and root is not None:
        shown = str(location).removeprefix(location.file)  # the :line:column part
        return relative_to_root(location.file, root) + shown
    return str(location)


def write_baseline(report: Report, path: str) -> int:
    import json  # here, not at the top: a scan without a baseline never needs it

    from checker import safe_write

    data = mask_data(build_baseline(report))  # a baseline is committed: masked like every output
    inputs = safe_write.read_inputs(report.paths, (r.location.file if r.location else None for r in report.results))
    safe_write.write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n", inputs=inputs)
    return len(data["fingerprints"])


def load_baseline(path: str) -> tuple[int, dict[str, Any]]:
    """The file's version and its fingerprints."""
    import json

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: baseline file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read baseline: {exc}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}: not a baseline file: {exc.msg}") from None
    if not isinstance(data, dict) or data.get("version") not in READABLE or not isinstance(data.get("fingerprints"), dict):
        raise UsageError(f"{path}:1: not a baseline file (expected version {VERSION} with a fingerprints object)")
    fingerprints: dict[str, Any] = data["fingerprints"]
    return int(data["version"]), fingerprints


def apply_baseline(report: Report, baseline_file: str | None) -> Report:
    if not baseline_file:
        return report
    version, known = load_baseline(baseline_file)
    root = project_root(report.paths) if version >= 2 else None
    matched: set[str] = set()
    changed = False
    for result in report.results:
        if result.status != "fail":
            continue
        key = fingerprint(result, root)
        if key in known:
            matched.add(key)
            result.status = "waived"
            result.waiver = Waiver(source="baseline", reason=f"recorded in baseline {baseline_file}")
            changed = True
    report = resummarize(report) if changed else report
    report.baseline = BaselineUse(file=baseline_file, entries=len(known), matched=len(matched),
                                  unmatched=len(known) - len(matched))
    return report


def unmatched_warning(report: Report) -> str | None:
    """The warning for baseline entries that matched no finding, if any."""
    use = report.baseline
    if use is None or not use.unmatched:
        return None
    return (f"{use.file}: {use.unmatched} of {use.entries} baseline entries match no finding "
            "(fixed since, or this scan does not cover what the baseline was made from)")
