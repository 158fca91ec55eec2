"""--no-credentials over HTTP: a URL's user:password@ is not sent as Basic auth (issue 12 item 14)."""
from __future__ import annotations

import http.server
import threading
from pathlib import Path
from typing import Iterator

import pytest

from checker.api import scan_paths


class _Recording(http.server.BaseHTTPRequestHandler):
    seen: list[str | None] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        type(self).seen.append(self.headers.get("Authorization"))
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<html></html>")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[int]:
    _Recording.seen = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recording)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield int(httpd.server_address[1])
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("credentials", [True, False])
def test_url_userinfo_is_basic_auth_only_with_credentials(server: int, tmp_path: Path, credentials: bool) -> None:
    envfile = tmp_path / "app.env"
    envfile.write_text(f"APP_URL=http://deploy:Hunter2pass@127.0.0.1:{server}/\n", encoding="utf-8")
    report = scan_paths([str(envfile)], live=True, select=["SEC-521"], live_options={"timeout": 3, "credentials": credentials})
    assert _Recording.seen, "the server was not asked"
    sent = {header is not None for header in _Recording.seen}
    assert sent == {credentials}
    assert "Hunter2pass" not in repr(report.results)


@pytest.mark.parametrize("credentials", [True, False])
def test_the_users_netrc_is_never_sent_to_a_host_a_scanned_file_names(server: int, tmp_path: Path, credentials: bool,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    netrc = tmp_path / "netrc"  # the person running preflight has a password for this host
    netrc.write_text("machine 127.0.0.1 login me password Netrc-Canary-5h\n", encoding="utf-8")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    envfile = tmp_path / "app.env"
    envfile.write_text(f"APP_URL=http://127.0.0.1:{server}/\n", encoding="utf-8")
    scan_paths([str(envfile)], live=True, select=["SEC-521"], live_options={"timeout": 3, "credentials": credentials})
    assert _Recording.seen and set(_Recording.seen) == {None}  # requests' trust_env sent it as Basic auth before


def test_proxies_from_the_environment_are_still_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from checker.probes import _http

    _http._environment_proxies.cache_clear()
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:3128")
    monkeypatch.setenv("no_proxy", "internal.example")
    try:
        assert _http._proxies("http://app.example.com/") == {"http": "http://127.0.0.1:3128", "no": "internal.example"}
        assert _http._proxies("http://internal.example/") == {}
    finally:
        _http._environment_proxies.cache_clear()
