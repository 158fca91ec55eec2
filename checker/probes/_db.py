"""Shared by the live database probes: the target's address, timeouts, a deadline on a
whole check, and turning connection failures into the ProbeError reasons the engine reports."""
from __future__ import annotations

import threading
from typing import Any, Callable, Iterator, Mapping
from urllib.parse import unquote, urlsplit

from checker.errors import ProbeError
from checker.inputs.document import Document
from checker.probes._deadline import Late, within
from checker.probes.base import Observation

DEFAULT_TIMEOUT = 5.0
DEADLINE_FACTOR = 2  # a check ends within this many timeouts per login attempt, plus one for its queries


def timeout(options: Mapping[str, Any]) -> float:
    try:
        return max(0.1, float(options.get("timeout", DEFAULT_TIMEOUT)))
    except (TypeError, ValueError):
        return DEFAULT_TIMEOUT


def anonymous_only(options: Mapping[str, Any]) -> bool:
    """`--no-credentials`: no login attempt at all, neither the URI's password nor a guessed one."""
    return options.get("credentials", True) is False


NO_CREDENTIALS = "not judged with --no-credentials (it needs a login attempt)"


def address(doc: Document) -> str:
    return f"{doc.data.get('host')}:{doc.data.get('port')}"


def credentials(doc: Document) -> tuple[str | None, str | None]:
    """The user name and password in the target's URI (decoded), if any."""
    parts = urlsplit(str(doc.data.get("url", "")))
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    return user, password


def connection_error(doc: Document, exc: BaseException) -> ProbeError:
    """A failure to reach the server: `timeout` when the text says so, else `unreachable`."""
    text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
    lowered = str(exc).lower()
    reason = "timeout" if ("timed out" in lowered or "timeout" in lowered) and "refused" not in lowered else "unreachable"
    return ProbeError(reason, f"{address(doc)}: {text}")


def described(password: str) -> str:
    """A password as evidence may show it: never the value, only its length."""
    return "empty password accepted" if password == "" else f"default password accepted ({len(password)} chars)"


def within_deadline(doc: Document, seconds: float, attempts: int, produce: Callable[[], Iterator[Observation]]) -> list[Observation]:
    """The observations of `produce()`, computed in a worker thread this one waits for at most
    DEADLINE_FACTOR * seconds * (attempts + 1).

    The drivers' timeouts bound each connect and each read, not a whole exchange: a
    server that logs a client in and then never answers a query (libpq has no client
    read timeout), or drips its replies, would hold the probe for ever. Past the
    deadline the worker is abandoned (it ends when the server closes or a read times
    out) and the check is a `timeout` error.
    """
    budget = DEADLINE_FACTOR * seconds * (attempts + 1)
    try:
        return within(budget, lambda: list(produce()), f"probe {address(doc)}")
    except Late:
        raise ProbeError("timeout", f"{address(doc)}: no complete answer within {budget:g} s") from None


# A default password one rule found is reused by the rules that need a login on the same
# target (protected-mode, the index rules): kept in the target Document's meta, in memory
# for the scan only, never in a result. The guessing rule announces itself in `applies()`
# (called for every selected rule before any runs), so a rule that needs its answer waits for it.
_LOCK = threading.Lock()


def expect_login(doc: Document) -> None:
    with _LOCK:
        doc.meta.setdefault("_login_pending", threading.Event())


def found_login(doc: Document, user: str | None, password: str | None) -> None:
    """The guessing rule's answer: a (user, password) that logs in, or None; wakes the waiting rules."""
    with _LOCK:
        if password is not None:
            doc.meta["_login"] = (user, password)
        event = doc.meta.setdefault("_login_pending", threading.Event())
    event.set()


def login_found(doc: Document, wait: float) -> tuple[str | None, str] | None:
    """The login the guessing rule found, after waiting up to `wait` seconds for it to finish."""
    with _LOCK:
        event = doc.meta.get("_login_pending")
    if event is not None:
        event.wait(wait)
    found: tuple[str | None, str] | None = doc.meta.get("_login")
    return found
