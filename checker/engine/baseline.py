"""Baselines: record today's failures, so CI fails only on new ones.

    preflight baseline deploy/ -o .preflight-baseline.json
    preflight scan deploy/ --baseline .preflight-baseline.json

The file maps each failure's fingerprint (checker/engine/fingerprint.py: the
rule, the file or URL, the object and the message, not the line) to what it
was. A later failure with a recorded fingerprint becomes `waived` (source
"baseline"); only new failures count for the exit code.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from checker.engine.fingerprint import fingerprint
from checker.engine.redact import mask_data
from checker.engine.waivers import resummarize
from checker.errors import UsageError
from checker.models import Report, Waiver

VERSION = 1


def build_baseline(report: Report) -> dict[str, Any]:
    fingerprints = {
        fingerprint(r): {"rule_id": r.rule_id, "location": str(r.location) if r.location else r.target, "message": r.message}
        for r in report.results if r.status == "fail"
    }
    created = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    return {"version": VERSION, "created": created, "fingerprints": fingerprints}


def write_baseline(report: Report, path: str) -> int:
    import json  # here, not at the top: a scan without a baseline never needs it

    from checker import safe_write

    data = mask_data(build_baseline(report))  # a baseline is committed: masked like every output
    inputs = safe_write.read_inputs(report.paths, (r.location.file if r.location else None for r in report.results))
    safe_write.write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n", inputs=inputs)
    return len(data["fingerprints"])


def load_baseline(path: str) -> dict[str, Any]:
    import json

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: baseline file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read baseline: {exc}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}: not a baseline file: {exc.msg}") from None
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("fingerprints"), dict):
        raise UsageError(f"{path}:1: not a baseline file (expected version {VERSION} with a fingerprints object)")
    fingerprints: dict[str, Any] = data["fingerprints"]
    return fingerprints


def apply_baseline(report: Report, baseline_file: str | None) -> Report:
    if not baseline_file:
        return report
    known = load_baseline(baseline_file)
    changed = False
    for result in report.results:
        if result.status == "fail" and fingerprint(result) in known:
            result.status = "waived"
            result.waiver = Waiver(source="baseline", reason=f"recorded in baseline {baseline_file}")
            changed = True
    return resummarize(report) if changed else report
