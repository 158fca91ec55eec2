"""Rules that read the same page share one request; a burst always reaches the server."""
from __future__ import annotations

import http.server
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

import pytest

from checker.errors import ProbeError
from checker.probes import _http
from checker.probes._http import fetch


def serve(seen: list[str], delay: float) -> Iterator[tuple[str, list[str]]]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            seen.append(self.path)
            time.sleep(delay)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/page", seen
    server.shutdown()
    server.server_close()


@pytest.fixture()
def counting_server() -> Iterator[tuple[str, list[str]]]:
    yield from serve([], delay=0)


@pytest.fixture()
def slow_server() -> Iterator[tuple[str, list[str]]]:
    yield from serve([], delay=0.3)  # long enough that concurrent askers overlap


def test_same_plain_get_is_asked_once(counting_server: tuple[str, list[str]]) -> None:
    url, seen = counting_server
    first, second = fetch(url, timeout=3), fetch(url, timeout=3)
    assert (first.status, second.status, len(seen)) == (200, 200, 1)


def test_fresh_requests_always_reach_the_server(counting_server: tuple[str, list[str]]) -> None:
    url, seen = counting_server
    for _ in range(3):
        fetch(url, timeout=3, fresh=True)
    assert len(seen) == 3


def test_different_headers_are_different_requests(counting_server: tuple[str, list[str]]) -> None:
    url, seen = counting_server
    fetch(url, timeout=3, headers={"Origin": "https://a.example"})
    fetch(url, timeout=3, headers={"Origin": "https://b.example"})
    assert len(seen) == 2


def test_concurrent_rules_asking_the_same_page_send_one_request(slow_server: tuple[str, list[str]]):
    # live rules run in a thread pool: the first request is still in flight when the others ask
    url, seen = slow_server
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: fetch(url, timeout=5).status, range(8)))
    assert answers == [200] * 8
    assert len(seen) == 1


def test_a_failure_is_shared_too_not_waited_out_once_per_rule():
    with socket.socket() as probe:  # a port with nothing listening: connection refused
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    calls = []
    real = _http._fetch

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    _http._fetch = counted  # type: ignore[assignment]
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            outcomes = list(pool.map(lambda _: _attempt(url), range(6)))
    finally:
        _http._fetch = real  # type: ignore[assignment]
    assert outcomes == ["unreachable"] * 6
    assert len(calls) == 1


def _attempt(url: str) -> str:
    try:
        fetch(url, timeout=2)
    except ProbeError as exc:
        return exc.reason
    return "answered"
