"""`preflight evidence`: scan and write a hashed (optionally signed) evidence bundle for auditors."""
from __future__ import annotations

import argparse
from pathlib import Path

from checker.config import load_config
from checker.evidence.build import Request, build


def run_evidence(args: argparse.Namespace) -> int:
    request = Request(
        paths=list(args.paths), framework=args.framework, output=Path(args.output), config=load_config(args.config),
        live=args.live, endpoints=list(args.endpoint), sign_key=Path(args.sign) if args.sign else None,
        docker=args.docker, docker_host=args.docker_host, pdf="pdf" in getattr(args, "format", []),
    )
    written = build(request)
    for note in written.notes:
        print(f"note: {note}")
    signed = f", signed by {written.signer}" if written.signer else ""
    print(f"evidence bundle: {written.output} ({written.files} files{signed})")
    return 0
