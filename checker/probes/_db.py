"""Shared by the live database probes: the target's address, timeouts, and turning
connection failures into the ProbeError reasons the engine reports."""
from __future__ import annotations

from typing import Any, Mapping
from urllib.parse import unquote, urlsplit

from checker.errors import ProbeError
from checker.inputs.document import Document

DEFAULT_TIMEOUT = 5.0


def timeout(options: Mapping[str, Any]) -> float:
    try:
        return max(0.1, float(options.get("timeout", DEFAULT_TIMEOUT)))
    except (TypeError, ValueError):
        return DEFAULT_TIMEOUT


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
