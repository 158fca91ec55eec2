"""A whole exchange with a server, bounded: `work()` in a worker thread this one waits for at most `seconds`.

Network libraries bound each connect and each read, not a whole exchange: a server
that drips one byte a second, or logs a client in and never answers, would hold a
probe for ever. Past the deadline the worker is abandoned (it ends on its own when
its next read times out or the server closes) and the caller gets `Late`.

    answer = within(10.0, lambda: fetch_page(url), name=f"fetch {url}")
"""
from __future__ import annotations

import threading
from typing import Callable, TypeVar

T = TypeVar("T")


class Late(Exception):
    """The work did not end within its deadline (its own timeouts are its own exceptions)."""


def within(seconds: float, work: Callable[[], T], name: str) -> T:
    """`work()`'s result or exception, or `Late` when it has not ended within `seconds`."""
    outcome: list[T | BaseException] = []
    done = threading.Event()

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # handed over to the waiting thread, which raises it
            outcome.append(exc)
        finally:
            done.set()

    threading.Thread(target=run, name=name, daemon=True).start()
    if not done.wait(seconds):
        raise Late(name)
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result
