"""`preflight evidence`: scan and write a hashed (optionally signed) evidence bundle for auditors.

With `--history DB` the signed bundle is then recorded in the Type II history (checker/history/),
verified first against the key that signed it.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from checker.config import load_config
from checker.errors import UsageError
from checker.evidence.build import Request, build


def run_evidence(args: argparse.Namespace) -> int:
    history = getattr(args, "history", None)
    now = None
    if history:
        from checker.commands.history import inside_scanned

        if not args.sign:
            raise UsageError("--history records only signed bundles: give --sign KEY too")
        if "://" not in history and inside_scanned(history, list(args.paths)):
            raise UsageError(f"{history}: inside a scanned path; keep the history outside the scanned tree")
    if getattr(args, "now", None):
        from checker.history import clock

        now = clock.now(args.now)
    request = Request(
        paths=list(args.paths), framework=args.framework, output=Path(args.output), config=load_config(args.config),
        live=args.live, endpoints=list(args.endpoint), sign_key=Path(args.sign) if args.sign else None,
        docker=args.docker, docker_host=args.docker_host, now=now, pdf="pdf" in getattr(args, "format", []),
    )
    store = None
    if history:
        from checker.history.store import open_store

        store = open_store(history)  # a wrong URL or password fails before the scan, not after it
        request.history = earlier_trend(store, args.framework)
    try:
        written = build(request)
        for note in written.notes:
            print(f"note: {note}")
        signed = f", signed by {written.signer}" if written.signer else ""
        print(f"evidence bundle: {written.output} ({written.files} files{signed})")
        if store is not None:
            from checker.evidence import signing
            from checker.history import clock
            from checker.history.record import record_bundle

            assert request.sign_key is not None
            key = signing.load_private(request.sign_key).public_key()
            run = record_bundle(written.output, store, [key], now=now or clock.now())
            print(f"recorded run {run.seq} in {store.label}: scanned {run.scanned_at}, bundle {run.bundle_sha256}")
    finally:
        if store is not None:
            store.close()
    return 0


def earlier_trend(store: object, framework: str) -> list[tuple[str, int]]:
    """(scan time, failures) of the runs already recorded for this framework: the HTML's trend line."""
    from checker.history.period import Run, trend
    from checker.history.store import Store

    assert isinstance(store, Store)
    runs = [Run(run, store.results(run.seq)) for run in store.runs(framework)]
    return [(point.scanned_at, point.failures) for point in trend(runs)]
