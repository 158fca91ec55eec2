"""`preflight history record | verify | report`: the Type II history of evidence runs.

    preflight history record BUNDLE --history DB --public-key FILE      append a bundle made elsewhere
    preflight history verify --history DB --public-key FILE             check every stored run and the chain
    preflight history report --framework soc2 --since 2026-06-01 [--until 2026-06-30] -o DIR --sign KEY
                             [--history DB] [-f pdf]                    the signed period report

`--history` is a SQLite file (default: preflight-history.sqlite in the working folder) or a
`postgresql://` URL; like `-o` and the keys, it is taken from the command line only. Exit codes:
0 done; 1 a stored run or a bundle fails its checks (nothing is recorded or reported); 2 usage;
3 `record`: the bundle is not authenticated by a trusted key.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING

from checker import __version__
from checker.errors import PreflightError, UsageError
from checker.history import clock

if TYPE_CHECKING:  # `preflight --help` defines these options: it must not import cryptography
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

DEFAULT_STORE = "preflight-history.sqlite"


class StoreProblems(PreflightError):
    exit_code = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="history_command", metavar="ACTION", required=True)
    record = actions.add_parser("record", help="record an evidence bundle made elsewhere (it must verify)")
    record.add_argument("bundle", metavar="DIR")
    verify = actions.add_parser("verify", help="check every stored run against its signed bundle, and the chain")
    report = actions.add_parser("report", help="the signed period report for an audit period")
    report.add_argument("--framework", choices=["soc2", "gdpr"], required=True)
    report.add_argument("--since", required=True, metavar="DATE", help="first day of the period (UTC), e.g. 2026-06-01")
    report.add_argument("--until", metavar="DATE", help="last day of the period (default: today, UTC)")
    report.add_argument("-o", "--output", required=True, metavar="DIR", help="a new or empty folder")
    report.add_argument("--sign", required=True, metavar="KEY", help="Ed25519 private key (PEM) to sign the report with")
    report.add_argument("-f", "--format", choices=["json", "html", "pdf"], action="append", default=[],
                        help="json and html are always written; pdf too when given")
    for sub in (record, verify, report):
        sub.add_argument("--history", default=DEFAULT_STORE, metavar="DB",
                         help=f"SQLite file or postgresql:// URL (default: {DEFAULT_STORE})")
        sub.add_argument("--public-key", action="append", default=[], metavar="FILE",
                         help="a signer's public key you trust (repeatable)")
        sub.add_argument("--config", metavar="FILE", help="configuration file whose trusted_signers pin signing keys")
        sub.add_argument("--now", help=argparse.SUPPRESS)  # tests: the clock (history/clock.py)


def trusted_keys(args: argparse.Namespace) -> tuple[list[Ed25519PublicKey], set[str]]:
    from checker.evidence import signing

    keys = [signing.load_public(Path(path)) for path in args.public_key]
    pinned: set[str] = set()
    if args.config:
        from checker.config import load_config

        pinned = set(load_config(args.config).trusted_signers)
    return keys, pinned


def run_history(args: argparse.Namespace) -> int:
    from checker.evidence import signing
    from checker.history.store import open_store

    keys, pinned = trusted_keys(args)
    sign_key = signing.load_private(Path(args.sign)) if getattr(args, "sign", None) else None
    if sign_key is not None:
        keys.append(sign_key.public_key())
    moment = clock.now(args.now)
    if args.history_command == "report":
        since, until = clock.day(args.since, "--since"), clock.day(args.until, "--until") if args.until else moment.date()
        if until < since:
            raise UsageError(f"--until {until} is before --since {since}")
    store = open_store(args.history, create=args.history_command == "record")
    try:
        if args.history_command == "record":
            return _record(args, store, keys, pinned, moment)
        if args.history_command == "verify":
            return _verify(store, keys, pinned)
        assert sign_key is not None
        return _report(args, store, keys, pinned, since, until, moment, sign_key)
    finally:
        store.close()


def _record(args: argparse.Namespace, store: object, keys: list[Ed25519PublicKey], pinned: set[str],
            moment: dt.datetime) -> int:
    from checker.history.record import record_bundle
    from checker.history.store import Store

    assert isinstance(store, Store)
    run = record_bundle(Path(args.bundle), store, keys, now=moment, pinned=pinned)
    print(f"recorded run {run.seq} in {store.label}: scanned {run.scanned_at}, bundle {run.bundle_sha256}")
    return 0


def _verify(store: object, keys: list[Ed25519PublicKey], pinned: set[str]) -> int:
    from checker.history.integrity import check_store
    from checker.history.store import Store

    assert isinstance(store, Store)
    runs, problems = check_store(store, keys, pinned)
    for problem in problems:
        print(problem)
    if problems:
        print(f"history verification failed: {len(problems)} problem{'s' if len(problems) != 1 else ''}")
        return 1
    if not keys and not pinned:
        print(f"hashes and chain intact: {len(runs)} runs in {store.label}")
        print("not authenticated: each signature matches the key stored with its run, but that key comes from the "
              "store itself; give --public-key FILE (or pin the signer's "
              "fingerprint in trusted_signers of a --config file)")
        return 3
    print(f"history verified: {len(runs)} runs in {store.label}, chain intact")
    return 0


def _report(args: argparse.Namespace, store: object, keys: list[Ed25519PublicKey], pinned: set[str],
            since: dt.date, until: dt.date, moment: dt.datetime, sign_key: Ed25519PrivateKey) -> int:
    from checker.evidence import signing
    from checker.history import output, period
    from checker.history.integrity import check_store
    from checker.history.store import Store

    assert isinstance(store, Store)
    runs, problems = check_store(store, keys, pinned)  # the whole chain: a report is built only on intact history
    if problems:
        shown = "\n  ".join(problems[:10])
        raise StoreProblems(f"{store.label}: not reporting, the history fails verification "
                            f"(`preflight history verify` lists every problem):\n  {shown}")
    chosen = [period.Run(run, store.results(run.seq)) for run in runs
              if run.framework == args.framework and run.scan_day <= until.isoformat()]
    body = period.build(chosen, framework=args.framework, since=since, until=until)
    head = runs[-1] if runs else None
    report = {
        "format": output.FORMAT, "format_version": 1, "generated_at": clock.stamp(moment),
        "tool": {"name": "preflight", "version": __version__}, "store": store.label,
        "chain_head": {"seq": head.seq if head else 0, "digest": head.digest if head else None},
        "signed_by": signing.fingerprint(sign_key.public_key()),
        **body,
    }
    written = output.write(Path(args.output), report, sign_key, args.format)
    print(f"period report: {args.output} ({len(written)} files, {len(body['runs'])} runs from {since} to {until}, "
          f"signed by {signing.fingerprint(sign_key.public_key())})")
    return 0


def inside_scanned(path: str, scanned: list[str]) -> bool:
    """Whether a history file would land inside a scanned folder (nothing preflight does writes there)."""
    target = os.path.realpath(path)
    for given in scanned:
        if given == "-":
            continue
        root = os.path.realpath(given)
        root = root if os.path.isdir(root) else os.path.dirname(root)
        if target == root or target.startswith(root.rstrip(os.sep) + os.sep):
            return True
    return False
