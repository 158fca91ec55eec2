"""Rules that read the same page share one request; a burst always reaches the server."""
from __future__ import annotations

import http.server
import threading
from typing import Iterator

import pytest

from checker.probes._http import fetch


@pytest.fixture()
def counting_server() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            seen.append(self.path)
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
