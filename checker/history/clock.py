"""The clock of history commands: the system's, or the one a test sets with the hidden `--now` option.

`--now 2026-06-03T09:00:00Z` (on `evidence`, `history record` and `history report`) is for tests and
reproductions: it is not in `--help`. A bundle made with it says so in tool.json (`"clock": "--now"`),
the history stores that with the run, and the period report lists such runs, so a simulated date
never passes for a real one.
"""
from __future__ import annotations

import datetime as dt

from checker.errors import UsageError


def now(given: str | None = None) -> dt.datetime:
    if given is None:
        return dt.datetime.now(dt.timezone.utc)
    return parse(given, "--now")


def parse(text: str, option: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{option} {text}: not an ISO-8601 time (2026-06-03T09:00:00Z)") from None
    return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment.astimezone(dt.timezone.utc)


def day(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} {text}: not a date (2026-06-01)") from None


def stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
