"""What the history stores for one run, derived only from the bundle's signed files, and its digest.

A run is the bundle's manifest (whose SHA-256 is the run's `bundle_sha256`), its signature, and
the three files the manifest covers that a period report needs: report.json, scope.json and
tool.json, kept byte for byte (zlib-compressed). Every other column, and every `results` row, is
derived from those bytes by `derive()`, so `history verify` can derive them again and compare.

A finding is identified across runs by its rule and its target: the file (relative to the scanned
folder) or URL, and the object inside it (`services.db.ports[0]`). The line and the message are left
out, so a finding keeps its identity when lines shift or an observed value changes.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import zlib
from dataclasses import dataclass
from typing import Any

from checker.evidence.manifest import canonical

NO_PREVIOUS = "0" * 64


@dataclass(frozen=True)
class ResultRow:
    idx: int
    rule_id: str
    status: str
    severity: str
    finding: str  # sha256(rule, where, object)[:32]: the exception's identity across runs
    target: str  # where and object, as shown to the auditor
    message: str
    controls: str  # JSON list of the framework's controls this rule maps to in this run
    waiver: str | None  # JSON {by, until, reason} of a waived result


@dataclass(frozen=True)
class RunRecord:
    seq: int
    scanned_at: str
    scan_day: str
    recorded_at: str
    framework: str
    bundle_sha256: str
    signer: str
    signer_key: bytes  # the signer's public key (PEM), so a fingerprint pinned in trusted_signers can check it
    tool_version: str
    rules_sha256: str
    environment: str | None
    clock: str
    manifest: bytes
    signature: bytes
    report_json: bytes  # compressed
    scope_json: bytes
    tool_json: bytes
    prev_digest: str
    digest: str


@dataclass(frozen=True)
class BundleFiles:
    """The bytes of one bundle that the history keeps (already authenticated by the caller)."""
    manifest: bytes
    signature: bytes
    signer: str
    signer_key: bytes
    report: bytes
    scope: bytes
    tool: bytes


def compress(data: bytes) -> bytes:
    return zlib.compress(data, 9)


def decompress(data: bytes) -> bytes:
    return zlib.decompress(bytes(data))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def day_of(stamp: str) -> str:
    """The UTC date of an ISO-8601 timestamp (`2026-06-03T10:00:00Z` -> `2026-06-03`)."""
    moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).date().isoformat()


def derive(files: BundleFiles, *, seq: int, recorded_at: str, prev_digest: str) -> tuple[RunRecord, list[ResultRow]]:
    """The run and its result rows from a bundle's bytes; ValueError when a file is not what a bundle holds."""
    report, scope, tool = _json(files.report, "report.json"), _json(files.scope, "scope.json"), _json(files.tool, "tool.json")
    framework = str(scope.get("framework") or "")
    rows = result_rows(report, scope)
    scanned_at = str(report.get("started_at") or tool.get("scan_started_at") or "")
    if not scanned_at or not framework:
        raise ValueError("report.json has no started_at, or scope.json no framework")
    partial = dict(
        seq=seq, scanned_at=scanned_at, scan_day=day_of(scanned_at), recorded_at=recorded_at, framework=framework,
        bundle_sha256=sha256(files.manifest), signer=files.signer, signer_key=files.signer_key,
        tool_version=str(tool.get("version", "")),
        rules_sha256=str(tool.get("rules_sha256", "")), environment=scope.get("environment"),
        clock=str(tool.get("clock", "system")), manifest=files.manifest, signature=files.signature,
        report_json=compress(files.report), scope_json=compress(files.scope), tool_json=compress(files.tool),
        prev_digest=prev_digest,
    )
    record = RunRecord(**partial, digest="")  # type: ignore[arg-type]
    return RunRecord(**partial, digest=run_digest(record, rows)), rows  # type: ignore[arg-type]


def _json(raw: bytes, name: str) -> dict[str, Any]:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"{name}: not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{name}: not a JSON object")
    return data


def result_rows(report: dict[str, Any], scope: dict[str, Any]) -> list[ResultRow]:
    mapped: dict[str, list[str]] = {}
    for control in scope.get("controls") or []:
        for rule_id in control.get("rules") or []:
            mapped.setdefault(str(rule_id), []).append(str(control.get("id")))
    root = _root(scope)
    rows = []
    for idx, result in enumerate(report.get("results") or []):
        rule_id = str(result.get("rule_id"))
        where, what = _where(result, root)
        waiver = result.get("waiver")
        rows.append(ResultRow(
            idx=idx, rule_id=rule_id, status=str(result.get("status")), severity=str(result.get("severity")),
            finding=sha256("\0".join([rule_id, where, what]).encode())[:32],
            target=f"{where} {what}".strip(), message=str(result.get("message") or ""),
            controls=json.dumps(sorted(set(mapped.get(rule_id, [])))),
            waiver=None if not waiver else json.dumps(
                {k: waiver.get(k) for k in ("by", "until", "reason", "source")}, sort_keys=True),
        ))
    return rows


def _root(scope: dict[str, Any]) -> str | None:
    for path in scope.get("paths_resolved") or []:
        return str(path)  # a folder, or a file (whose findings then keep their absolute path): no disk access,
    return None          # so `history verify` derives the same rows anywhere


def _where(result: dict[str, Any], root: str | None) -> tuple[str, str]:
    location = result.get("location") or {}
    where = str(location.get("url") or location.get("file") or result.get("target") or "")
    if root and os.path.isabs(where) and where.startswith(root.rstrip("/") + "/"):
        where = os.path.relpath(where, root)
    return where, str(location.get("object") or "")


def run_digest(record: RunRecord, rows: list[ResultRow]) -> str:
    """SHA-256 over every column of the run (the blobs by their hashes), its result rows and the previous digest."""
    body = {
        "seq": record.seq, "scanned_at": record.scanned_at, "scan_day": record.scan_day,
        "recorded_at": record.recorded_at, "framework": record.framework, "bundle_sha256": record.bundle_sha256,
        "signer": record.signer, "signer_key": sha256(bytes(record.signer_key)), "tool_version": record.tool_version, "rules_sha256": record.rules_sha256,
        "environment": record.environment, "clock": record.clock, "manifest": sha256(bytes(record.manifest)),
        "signature": sha256(bytes(record.signature)), "report_json": sha256(bytes(record.report_json)),
        "scope_json": sha256(bytes(record.scope_json)), "tool_json": sha256(bytes(record.tool_json)),
        "results": sha256(canonical([list(row.__dict__.values()) for row in rows])),
        "prev_digest": record.prev_digest,
    }
    return sha256(canonical(body))
