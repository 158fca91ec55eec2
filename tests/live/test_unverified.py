"""A host whose certificate does not verify still gets its header and CORS rules judged (issue 15, 8).

The acceptance scenario of issue 15: a self-signed HTTPS endpoint on 127.0.0.1 that reflects
any Origin with credentials and sends no HSTS gets the certificate failure, the HSTS failure
and the critical CORS failure in one scan, and not one `error`.
"""
from __future__ import annotations

import http.server
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest

from checker.api import scan_paths
from checker.models import Result
from test_tls import self_signed


class Reflecting(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        body = b"<!doctype html><html><body>staging</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        origin = self.headers.get("Origin")
        if origin:
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Access-Control-Allow-Credentials", "true")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def staging(tmp_path: Path) -> Iterator[int]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Reflecting)
    httpd.socket = self_signed(tmp_path).wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield int(httpd.server_address[1])
    httpd.shutdown()
    thread.join(5)
    httpd.server_close()


def _scan(port: int, **options: Any) -> dict[str, list[Result]]:
    report = scan_paths([], endpoints=[f"https://127.0.0.1:{port}/"], live_options={"timeout": 3, **options})
    by_rule: dict[str, list[Result]] = {}
    for result in report.results:
        by_rule.setdefault(result.rule_id, []).append(result)
    return by_rule


def test_self_signed_reflecting_host_gets_every_failure_and_no_error(staging: int) -> None:
    results = _scan(staging)
    errors = [f"{r.rule_id}: {r.message}" for rs in results.values() for r in rs if r.status == "error"]
    assert not errors, errors
    (certificate,) = results["SEC-500"]
    assert certificate.status == "fail" and "--ca-bundle" in (certificate.message or "")
    assert [r.status for r in results["SEC-507"]] == ["fail"]  # HSTS (tls probe)
    (hsts,) = results["SEC-521"]
    assert hsts.status == "fail" and "certificate not verified" in (hsts.message or "")
    assert hsts.evidence["tls"] == "certificate not verified"
    (cors,) = results["SEC-530"]
    assert cors.status == "fail" and cors.severity == "critical"
    assert "certificate not verified" in (cors.message or "")
    # the certificate failure is reported once, not once per rule
    assert sum("does not verify" in (r.message or "") for rs in results.values() for r in rs) == 1


def test_insecure_skips_the_certificate_rule_and_still_judges_the_rest(staging: int) -> None:
    results = _scan(staging, insecure=True)
    assert [r.status for r in results["SEC-500"]] == ["skip"]
    assert [r.status for r in results["SEC-530"]] == ["fail"]
    assert "certificate not verified" in (results["SEC-530"][0].message or "")


# --- CORS variants (issue 15, 7) ----------------------------------------------------------

import re  # noqa: E402


def _cors_server(allow: Any) -> Any:
    class Allowing(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            for name, value in allow(self.headers.get("Origin") or "").items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Allowing)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    return httpd


def _cors(url: str, rule: str) -> Result:
    (result,) = scan_paths([], endpoints=[url], select=[rule], live_options={"timeout": 3}).results
    return result


def test_allowlist_with_only_the_last_dot_unescaped_is_caught() -> None:
    """`^https://app\\.example.com$` (the last dot unescaped) lets https://app.examplexcom in;
    the first-dot variant, the only one sent before, does not match it."""
    from checker.probes.http_cors import test_origins

    allowlist = re.compile(r"^https://app\.example.com$")
    origins = test_origins("https", "app.example.com")
    assert not allowlist.match(origins["unescaped-dot"])
    assert allowlist.match(origins["unescaped-last-dot"])


def test_trusted_hosting_origins_are_reported() -> None:
    httpd = _cors_server(lambda origin: {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true"}
                         if origin.endswith(".github.io") else {})
    try:
        result = _cors(f"http://127.0.0.1:{httpd.server_address[1]}/", "SEC-530")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert result.status == "fail" and "github-pages" in (result.message or "")


def test_wildcard_with_credentials_is_a_misconfiguration_not_a_data_leak() -> None:
    httpd = _cors_server(lambda origin: {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Credentials": "true"})
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/"
        critical, origins = _cors(url, "SEC-530"), _cors(url, "SEC-531")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert critical.status == "pass" and "misconfiguration" in (critical.message or "")
    assert origins.status == "fail" and "browsers refuse" in (origins.message or "")


# --- one trust store for every probe (issue 15, 9) ------------------------------------------

@pytest.fixture
def trusted_by_env(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    import ssl

    import trustme

    ca = trustme.CA()
    bundle = tmp_path / "company-ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Reflecting)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield int(httpd.server_address[1]), bundle
    httpd.shutdown()
    thread.join(5)
    httpd.server_close()


def test_ssl_cert_file_is_trusted_by_the_certificate_and_the_http_rules_alike(
    trusted_by_env: tuple[int, Path], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Before: SEC-500 trusted SSL_CERT_FILE while the HTTP rules used certifi and disagreed."""
    port, bundle = trusted_by_env
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    results = scan_paths([], endpoints=[f"https://127.0.0.1:{port}/"], select=["SEC-500", "SEC-520"],
                         live_options={"timeout": 3}).results
    by_rule = {r.rule_id: r for r in results}
    assert by_rule["SEC-500"].status == "pass" and str(bundle) in by_rule["SEC-500"].evidence["trusted_by"]
    assert "tls" not in by_rule["SEC-520"].evidence  # verified, as SEC-500 said
    assert str(bundle) in by_rule["SEC-520"].evidence["trusted_by"]


def test_requests_ca_bundle_alone_does_not_split_the_verdicts(
    trusted_by_env: tuple[int, Path], monkeypatch: pytest.MonkeyPatch,
) -> None:
    port, bundle = trusted_by_env
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    results = scan_paths([], endpoints=[f"https://127.0.0.1:{port}/"], select=["SEC-500", "SEC-520"],
                         live_options={"timeout": 3}).results
    by_rule = {r.rule_id: r for r in results}
    assert by_rule["SEC-500"].status == "fail"
    assert by_rule["SEC-520"].evidence["tls"] == "certificate not verified"
