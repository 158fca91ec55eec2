"""The trend line's data for an HTML report: failures per recorded run of a framework.

    from checker.history.trend import load_trend
    points = load_trend("history.sqlite", "soc2", since=date(2026, 6, 1))   # [TrendPoint(day, scanned_at, failures)]

Only runs that pass `history verify`'s checks are used when `trusted` keys are given; without keys
the stored rows are read as they are (a view, not evidence: the signed period report is that).
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from checker.errors import UsageError
from checker.history.period import Run, TrendPoint, trend
from checker.history.store import open_store


def load_trend(target: str, framework: str, *, since: dt.date | None = None, until: dt.date | None = None,
               trusted: Iterable[Ed25519PublicKey] | None = None) -> list[TrendPoint]:
    store = open_store(target, create=False)
    try:
        if trusted is not None:
            from checker.history.integrity import check_store

            runs, problems = check_store(store, trusted)
            if problems:
                raise UsageError(f"{store.label}: the history fails verification ({problems[0]})")
        else:
            runs = store.runs(framework)
        chosen = [Run(run, store.results(run.seq)) for run in runs if run.framework == framework
                  and (since is None or run.scan_day >= since.isoformat())
                  and (until is None or run.scan_day <= until.isoformat())]
    finally:
        store.close()
    return trend(chosen)
