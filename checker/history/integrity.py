"""Check a store: every run re-derived from its signed bundle files, and the chain of digests.

For each run, in order: its `seq` follows the previous one (a run removed from the middle leaves a
hole), `prev_digest` is the previous run's `digest`, the stored manifest is intact and signed by a
trusted key, the stored report, scope and tool files have the hashes the manifest lists, and every
column and every result row equals what `records.derive` makes of those bytes. So a row changed by
SQL (after dropping the append-only triggers) is named, whichever column it touched.
"""
from __future__ import annotations

import hashlib
import zlib
from typing import Iterable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from checker.evidence import manifest, signing
from checker.history.records import NO_PREVIOUS, BundleFiles, ResultRow, RunRecord, decompress, derive
from checker.history.store import Store


def check_store(store: Store, trusted: Iterable[Ed25519PublicKey], pinned: Iterable[str] = ()) -> tuple[list[RunRecord], list[str]]:
    """(every run, the problems found: one line each, naming the run)."""
    keys = {signing.fingerprint(key): key for key in trusted}
    fingerprints = set(pinned) | set(keys)
    runs = store.runs()
    problems: list[str] = []
    previous = NO_PREVIOUS
    for expected_seq, run in enumerate(runs, start=1):
        name = f"run {run.seq} (scanned {run.scanned_at}, bundle {run.bundle_sha256[:16]})"
        if run.seq != expected_seq:
            problems.append(f"{name}: runs {expected_seq}..{run.seq - 1} are missing from the store")
        if run.prev_digest != previous:
            problems.append(f"{name}: prev_digest does not match the previous run's digest (the chain is broken)")
        problems += [f"{name}: {p}" for p in _check_run(store, run, keys, fingerprints)]
        previous = run.digest
    orphans = store.result_run_seqs() - {run.seq for run in runs}
    if orphans:
        problems.append(f"results stored for runs that do not exist: {sorted(orphans)[:10]}")
    return runs, problems


def _check_run(store: Store, run: RunRecord, keys: dict[str, Ed25519PublicKey], pinned: set[str]) -> list[str]:
    if hashlib.sha256(run.manifest).hexdigest() != run.bundle_sha256:
        return ["bundle_sha256 is not the hash of the stored manifest"]
    listed, intact = manifest.parse_manifest(run.manifest)
    if listed is None or not intact:
        return ["the stored manifest is not intact"]
    key = keys.get(run.signer)
    stored_key = signing.public_from_pem(run.signer_key)
    if stored_key is None or signing.fingerprint(stored_key) != run.signer:
        return ["the stored signer key is not the key of the recorded signer"]
    if key is None and run.signer in pinned:
        key = stored_key  # its fingerprint is the pinned one (checked above)
    if not keys and not pinned:
        key = stored_key  # consistency only: the caller says "not authenticated" (exit 3), as `verify` does
    if key is None:
        return [f"signed by {run.signer}, which is not a trusted key"]
    if not signing.verify(key, run.signature, run.manifest):
        return [f"the stored signature does not verify with {run.signer}"]
    try:
        files = BundleFiles(run.manifest, run.signature, run.signer, run.signer_key, decompress(run.report_json),
                            decompress(run.scope_json), decompress(run.tool_json))
    except zlib.error:
        return ["a stored file is not readable (zlib)"]
    problems = [f"stored {name} does not match the signed manifest" for name, data in
                (("report.json", files.report), ("scope.json", files.scope), ("tool.json", files.tool))
                if hashlib.sha256(data).hexdigest() != listed.get(name)]
    if problems:
        return problems
    try:
        derived, rows = derive(files, seq=run.seq, recorded_at=run.recorded_at, prev_digest=run.prev_digest)
    except ValueError as exc:
        return [str(exc)]
    # the blobs are compared by content: the same bytes may compress differently elsewhere
    changed = [name for name in RunRecord.__dataclass_fields__
               if name not in ("report_json", "scope_json", "tool_json", "digest")
               and getattr(derived, name) != getattr(run, name)]
    problems += [f"column {name} changed" for name in changed]
    stored_rows = store.results(run.seq)
    problems += _row_problems(rows, stored_rows)
    if not problems and _digest(run, stored_rows) != run.digest:
        problems.append("digest does not match the run's columns and results")
    return problems


def _digest(run: RunRecord, rows: list[ResultRow]) -> str:
    from checker.history.records import run_digest

    return run_digest(run, rows)


def _row_problems(derived: list[ResultRow], stored: list[ResultRow]) -> list[str]:
    problems = []
    if len(derived) != len(stored):
        problems.append(f"{len(stored)} result rows stored, the signed report has {len(derived)}")
    for want, have in zip(derived, stored):
        if want != have:
            fields = [f for f in ResultRow.__dataclass_fields__ if getattr(want, f) != getattr(have, f)]
            problems.append(f"result row {have.idx} ({want.rule_id}) changed: {', '.join(fields)}")
    return problems[:20]
