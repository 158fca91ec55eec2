"""Record one evidence bundle in the history: authenticate it, derive the run, append it.

`evidence --history DB` calls this on the bundle it has just written and signed (trusting the
key that signed it); `history record DIR --history DB --public-key FILE` on a bundle made
elsewhere, such as a CI job's artefact. The run's date is the scan's own time from the signed
report (`started_at`); `recorded_at` is the recorder's clock, so a bundle recorded long after
its scan shows as such in the period report.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from checker.errors import PreflightError
from checker.history.authenticate import Refused, authenticate
from checker.history.clock import stamp
from checker.history.records import ResultRow, RunRecord, derive
from checker.history.store import Store, errors, scrub


class StoreError(PreflightError):
    """The store refused or failed a write (exit 1: nothing was recorded)."""

    exit_code = 1


def record_bundle(bundle: Path, store: Store, trusted: Iterable[Ed25519PublicKey], *, now: dt.datetime,
                  pinned: Iterable[str] = ()) -> RunRecord:
    files = authenticate(bundle, trusted, pinned)

    def make(seq: int, prev: str) -> tuple[RunRecord, list[ResultRow]]:
        try:
            return derive(files, seq=seq, recorded_at=stamp(now), prev_digest=prev)
        except ValueError as exc:
            raise Refused(f"{bundle}: not recorded, {exc}") from None

    try:
        return store.append(make)
    except errors() as exc:
        raise StoreError(f"{store.label}: not recorded ({scrub(str(exc).strip(), store.label)})") from None
