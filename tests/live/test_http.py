"""Live HTTP rules against real servers on 127.0.0.1: nginx (weak over http, hardened over https) and http.server.

Given a server started by a fixture, when one rule is scanned against its URL,
then the status, the message and the evidence say what the server really sent.
"""
from __future__ import annotations

import http.server
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from checker.api import scan_paths
from checker.models import Result

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

COMMON = """
worker_processes 1;
{user}
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    types {{ text/html html; text/css css; application/javascript js; }}
    default_type application/octet-stream;
{http}
    server {{
        root {d}/www;
{server}
    }}
}}
"""

WEAK_HTTP = ""
WEAK_SERVER = """
        listen 127.0.0.1:{port};
        add_header Access-Control-Allow-Origin $http_origin always;
        add_header Access-Control-Allow-Credentials true always;
        add_header Set-Cookie "sessionid=s3cr3tvalue; Path=/" always;
        location /static/ { }
"""

HARDENED_HTTP = """
    limit_req_zone $binary_remote_addr zone=burst:1m rate=20r/s;
    map $http_origin $cors_origin { default ""; "~^https://app\\.example\\.com$" $http_origin; }
    map $http_origin $cors_credentials { default ""; "~^https://app\\.example\\.com$" "true"; }
"""
HARDENED_SERVER = """
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {d}/cert.pem;
        ssl_certificate_key {d}/key.pem;
        gzip on;
        gzip_types text/css application/javascript;
        gzip_min_length 1;
        limit_req zone=burst burst=20 nodelay;
        limit_req_status 429;
        add_header Content-Security-Policy "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'" always;
        add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;
        add_header X-Content-Type-Options nosniff always;
        add_header X-Frame-Options DENY always;
        add_header Referrer-Policy no-referrer always;
        add_header Cross-Origin-Resource-Policy same-origin always;
        add_header Access-Control-Allow-Origin $cors_origin always;
        add_header Access-Control-Allow-Credentials $cors_credentials always;
        add_header Vary Origin always;
        add_header Set-Cookie "sessionid=s3cr3tvalue; Path=/; Secure; HttpOnly; SameSite=Lax" always;
        location /static/ { expires 1y; }
"""

PAGE = '<!doctype html><html><head><link rel="stylesheet" href="/static/app.css"></head>' \
       '<body><h1>preflight test page</h1>' + "<p>padding text for compression</p>" * 40 + \
       '<script src="/static/app.js"></script></body></html>'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"nginx exited: {log.read_text() if log.exists() else process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    pytest.fail("nginx did not start listening within 10 s")


def _nginx(tmp: Path, http_block: str, server_block: str, tls: bool) -> Iterator[dict[str, Any]]:
    if not os.path.exists(NGINX):
        pytest.skip("nginx is not installed (apt-get install nginx); CI installs it")
    www = tmp / "www" / "static"
    www.mkdir(parents=True)
    (tmp / "www" / "index.html").write_text(PAGE)
    (www / "app.css").write_text("body { color: #222; }\n" * 20)
    (www / "app.js").write_text("console.log('preflight');\n" * 20)
    options: dict[str, Any] = {"timeout": 3}
    if tls:
        trustme = pytest.importorskip("trustme")
        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        cert.private_key_pem.write_to_path(str(tmp / "key.pem"))
        cert.cert_chain_pems[0].write_to_path(str(tmp / "cert.pem"))
        ca.cert_pem.write_to_path(str(tmp / "ca.pem"))
        options["ca_bundle"] = str(tmp / "ca.pem")
    port = _free_port()
    fields = {"d": str(tmp), "port": str(port)}
    server = server_block.replace("{port}", fields["port"]).replace("{d}", fields["d"])
    conf = COMMON.format(d=tmp, user="user root;" if os.geteuid() == 0 else "", http=http_block, server=server)
    (tmp / "nginx.conf").write_text(conf)
    process = subprocess.Popen(
        [NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e", str(tmp / "error.log"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        _wait_for(port, process, tmp / "error.log")
        yield {"url": f"{'https' if tls else 'http'}://127.0.0.1:{port}/", "options": options}
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()


@pytest.fixture
def weak(tmp_path: Path) -> Iterator[dict[str, Any]]:
    yield from _nginx(tmp_path, WEAK_HTTP, WEAK_SERVER, tls=False)


@pytest.fixture
def hardened(tmp_path: Path) -> Iterator[dict[str, Any]]:
    yield from _nginx(tmp_path, HARDENED_HTTP, HARDENED_SERVER, tls=True)


class _AppHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/healthz":
            body, kind = b"ok\n", "text/plain"
        elif self.path == "/metrics":
            body = b"# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\n" \
                   b'http_requests_total{code="200"} 42\n'
            kind = "text/plain; version=0.0.4"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def app() -> Iterator[dict[str, Any]]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _AppHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_address[1]}/", "options": {"timeout": 3}}
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def scan(rule_id: str, server: dict[str, Any]) -> Result:
    report = scan_paths([], endpoints=[server["url"]], select=[rule_id], live_options=server["options"])
    (result,) = [r for r in report.results if r.rule_id == rule_id]
    return result


# --- SEC-520..526: security headers -------------------------------------------------

def test_weak_server_grades_f(weak: dict[str, Any]) -> None:
    r = scan("SEC-520", weak)
    assert r.status == "fail" and "(F)" in r.message and "below B" in r.message
    assert r.evidence["grade"] == "F" and r.evidence["score"] == 0
    assert r.evidence["tests"]["content-security-policy"]["modifier"] == -25
    assert r.evidence["tests"]["cross-origin-resource-sharing"]["modifier"] == -50
    assert r.evidence["tests"]["redirection"]["result"] == "redirection-missing"
    assert "s3cr3tvalue" not in str(r.evidence) and r.evidence["headers"]["set-cookie"].startswith("sessionid=***")


def test_hardened_server_grades_a_plus(hardened: dict[str, Any]) -> None:
    r = scan("SEC-520", hardened)
    assert r.status == "pass", r.message
    assert (r.evidence["score"], r.evidence["grade"]) == (135, "A+")
    assert r.evidence["tests"]["content-security-policy"]["modifier"] == 10
    assert r.evidence["tests"]["cross-origin-resource-policy"]["modifier"] == 10
    assert r.evidence["headers"]["x-content-type-options"] == "nosniff"
    assert "s3cr3tvalue" not in str(r.evidence)


@pytest.mark.parametrize(("rule_id", "words"), [
    ("SEC-521", "plain http"),
    ("SEC-522", "no Content-Security-Policy"),
    ("SEC-523", "no X-Content-Type-Options"),
    ("SEC-524", "neither X-Frame-Options"),
    ("SEC-525", "no Referrer-Policy"),
    ("SEC-526", "sessionid lacks Secure, HttpOnly, SameSite"),
])
def test_each_header_rule_fails_on_the_weak_server(weak: dict[str, Any], rule_id: str, words: str) -> None:
    r = scan(rule_id, weak)
    assert r.status == "fail" and words in r.message and weak["url"] in r.message, r.message
    assert r.remediation and r.evidence["headers"]


@pytest.mark.parametrize("rule_id", ["SEC-521", "SEC-522", "SEC-523", "SEC-524", "SEC-525", "SEC-526"])
def test_each_header_rule_passes_on_the_hardened_server(hardened: dict[str, Any], rule_id: str) -> None:
    r = scan(rule_id, hardened)
    assert r.status == "pass", r.message
    assert r.evidence["headers"]["strict-transport-security"] == "max-age=31536000; includeSubDomains"


# --- SEC-530, SEC-531: CORS ---------------------------------------------------------

def test_reflected_origin_with_credentials_is_critical(weak: dict[str, Any]) -> None:
    r = scan("SEC-530", weak)
    assert r.status == "fail" and r.severity == "critical"
    assert "arbitrary (https://preflight-probe.example)" in r.message and "null (null)" in r.message
    assert r.evidence["origins"]["suffix"]["allow_origin"] == "http://127.0.0.1.evil.example"
    assert r.evidence["origins"]["arbitrary"]["allow_credentials"] == "true"


def test_untrusted_origins_are_reported(weak: dict[str, Any]) -> None:
    r = scan("SEC-531", weak)
    assert r.status == "fail"
    assert all(kind in r.message for kind in ("arbitrary", "null", "prefix", "suffix", "unescaped-dot"))


@pytest.mark.parametrize("rule_id", ["SEC-530", "SEC-531"])
def test_cors_allowlist_trusts_no_test_origin(hardened: dict[str, Any], rule_id: str) -> None:
    r = scan(rule_id, hardened)
    assert r.status == "pass", r.message
    origins = r.evidence["origins"]
    assert origins["http-origin"]["origin"] == "http://127.0.0.1"
    assert all(o["allow_origin"] is None for o in origins.values())


# --- SEC-535: rate limit (opt-in) --------------------------------------------------

def test_rate_limit_is_opt_in(weak: dict[str, Any]) -> None:
    report = scan_paths([], endpoints=[weak["url"]], checklists=["security"], live_options=weak["options"])
    assert "SEC-535" not in {r.rule_id for r in report.results}


def test_no_rate_limit_fails_after_a_bounded_burst(weak: dict[str, Any]) -> None:
    r = scan("SEC-535", weak)
    assert r.status == "fail" and "30 requests" in r.message
    assert r.evidence == {"requests_sent": 30, "statuses": [200]}


def test_limit_req_answers_429(hardened: dict[str, Any]) -> None:
    r = scan("SEC-535", hardened)
    assert r.status == "pass" and "429" in r.message
    assert r.evidence["statuses"][-1] == 429 and r.evidence["requests_sent"] <= 30


# --- PERF-300, PERF-301: compression, asset caching ---------------------------------

def test_uncompressed_html_fails(weak: dict[str, Any]) -> None:
    r = scan("PERF-300", weak)
    assert r.status == "fail" and "text/html uncompressed" in r.message
    assert r.evidence["content_encoding"] is None


def test_gzip_passes(hardened: dict[str, Any]) -> None:
    r = scan("PERF-300", hardened)
    assert r.status == "pass" and "gzip" in r.message


def test_asset_without_cache_lifetime_fails(weak: dict[str, Any]) -> None:
    r = scan("PERF-301", weak)
    assert r.status == "fail" and "/static/app.css" in r.message
    assert list(r.evidence["assets"].values())[0]["cache_control"] is None


def test_asset_with_expires_passes(hardened: dict[str, Any]) -> None:
    r = scan("PERF-301", hardened)
    assert r.status == "pass"
    (asset,) = r.evidence["assets"].values()
    assert asset["cache_control"] == "max-age=31536000" and asset["expires"]


# --- MON-300..302: health and metrics ----------------------------------------------

def test_health_endpoint_answers(app: dict[str, Any]) -> None:
    r = scan("MON-300", app)
    assert r.status == "pass" and "/healthz answered 200" in r.message
    assert r.evidence["tried"][app["url"] + "health"]["status"] == 404


def test_no_health_endpoint_fails(weak: dict[str, Any]) -> None:
    r = scan("MON-300", weak)
    assert r.status == "fail" and "no health endpoint answers 2xx" in r.message
    assert len(r.evidence["tried"]) == 3


def test_metrics_served(app: dict[str, Any]) -> None:
    r = scan("MON-301", app)
    assert r.status == "pass" and r.evidence["tried"][app["url"] + "metrics"]["metric_lines"] == 3


def test_metrics_missing_fails(weak: dict[str, Any]) -> None:
    r = scan("MON-301", weak)
    assert r.status == "fail" and "/metrics" in r.message


def test_public_metrics_is_a_finding(app: dict[str, Any]) -> None:
    r = scan("MON-302", app)
    assert r.status == "fail" and "serves Prometheus metrics to anyone" in r.message


def test_no_public_metrics_passes(hardened: dict[str, Any]) -> None:
    r = scan("MON-302", hardened)
    assert r.status == "pass", r.message


def test_unreachable_target_is_an_error_not_a_pass() -> None:
    server = {"url": f"http://127.0.0.1:{_free_port()}/", "options": {"timeout": 1}}
    r = scan("SEC-520", server)
    assert r.status == "error" and r.reason == "unreachable"


def test_burst_size_is_bounded(tmp_path: Path) -> None:
    from checker.errors import RuleFileError
    from checker.engine.rules import load_rules

    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "checklist: security\nrules:\n  - {id: SEC-599, name: burst, title: t, severity: low, targets: [live],\n"
        "     probe: http-basics, with: {check: rate-limit, requests: 1000}, remediation: r}\n"
    )
    with pytest.raises(RuleFileError, match="requests"):
        load_rules([str(rules)], include_shipped=False)
