"""preflight's header grade against the MDN HTTP Observatory's own code (npm @mdn/mdn-http-observatory).

One Python HTTPS server (a trustme certificate) serves every header case on its own path.
For each case preflight scans the page (SEC-520, the grade rule), and the same response
(headers, Set-Cookie lines, body) is handed to the Observatory's tests and grader through
tests/parity/observatory.mjs. The score, the grade and every test's result must agree;
the disagreements that remain are in docs/live.md and are listed in KNOWN here.

The Observatory is installed by .ci/run (npm install --ignore-scripts) into
$PREFLIGHT_OBSERVATORY_DIR (default ~/.cache/preflight-observatory); without node or that
folder the test is skipped with the reason.
"""
from __future__ import annotations

import http.server
import json
import os
import shutil
import ssl
import subprocess
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest
import trustme

from checker.api import scan_paths
from checker.probes._http import fetch

HERE = Path(__file__).parent
OBSERVATORY = Path(os.environ.get("PREFLIGHT_OBSERVATORY_DIR", Path.home() / ".cache" / "preflight-observatory"))
STRICT_CSP = "script-src 'nonce-r4nd0m' 'strict-dynamic' 'unsafe-inline' https: http:; object-src 'none'; base-uri 'none'"
HTML = "text/html; charset=utf-8"

# name: (headers, body); every case is served as text/html unless it says otherwise
CASES: dict[str, tuple[list[tuple[str, str]], str]] = {
    "nothing": ([], "<html></html>"),
    "hardened": ([("Content-Security-Policy", "default-src 'none'; form-action 'self'; frame-ancestors 'none'"),
                  ("Strict-Transport-Security", "max-age=31536000"), ("X-Content-Type-Options", "nosniff"),
                  ("Referrer-Policy", "no-referrer"), ("Cross-Origin-Resource-Policy", "same-origin")], ""),
    "hsts-15552000": ([("Strict-Transport-Security", "max-age=15552000")], ""),
    "hsts-15551999": ([("Strict-Transport-Security", "max-age=15551999")], ""),
    "hsts-invalid": ([("Strict-Transport-Security", "includeSubDomains")], ""),
    "csp-strict-dynamic": ([("Content-Security-Policy", STRICT_CSP)], ""),
    "csp-hash-unsafe-inline": ([("Content-Security-Policy", "default-src 'self'; script-src 'sha256-abc=' 'unsafe-inline'")], ""),
    "csp-unsafe-inline": ([("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'")], ""),
    "csp-unsafe-eval": ([("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-eval'")], ""),
    "csp-strict-dynamic-without-nonce": ([("Content-Security-Policy", "script-src 'strict-dynamic'; object-src 'none'")], ""),
    "csp-http-img-only": ([("Content-Security-Policy", "default-src 'self'; img-src http://img.example")], ""),
    "csp-http-script": ([("Content-Security-Policy", "default-src 'self'; script-src http://cdn.example")], ""),
    "csp-style-inline": ([("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'")], ""),
    "csp-broad-object": ([("Content-Security-Policy", "default-src 'self'; object-src *")], ""),
    "csp-report-only": ([("Content-Security-Policy-Report-Only", "default-src 'self'")], ""),
    "csp-duplicate-directive": ([("Content-Security-Policy", "default-src 'self'; script-src 'self'; script-src 'none'")], ""),
    "csp-meta": ([], '<html><head><meta http-equiv="Content-Security-Policy" content="default-src \'none\'"></head></html>'),
    "csp-meta-and-header": ([("Content-Security-Policy", "default-src 'self'")],
                            '<html><head><meta http-equiv="Content-Security-Policy" content="default-src \'self\'; img-src \'self\'"></head></html>'),
    "referrer-meta": ([], '<html><head><meta name="referrer" content="no-referrer"></head></html>'),
    "referrer-meta-overrides": ([("Referrer-Policy", "no-referrer")],
                                '<html><head><meta name="referrer" content="unsafe-url"></head></html>'),
    "referrer-unsafe": ([("Referrer-Policy", "unsafe-url")], ""),
    "referrer-invalid": ([("Referrer-Policy", "bogus")], ""),
    "referrer-list": ([("Referrer-Policy", "unsafe-url, strict-origin-when-cross-origin")], ""),
    "cookie-good": ([("Set-Cookie", "sessionid=a; Path=/; Secure; HttpOnly; SameSite=Lax")], ""),
    "cookie-session-plain": ([("Set-Cookie", "sessionid=a; Path=/")], ""),
    "cookie-session-plain-hsts": ([("Set-Cookie", "sessionid=a; Path=/"), ("Strict-Transport-Security", "max-age=31536000")], ""),
    "cookie-samesite-none-insecure": ([("Set-Cookie", "pref=a; Path=/; SameSite=None")], ""),
    "cookie-samesite-none-insecure-hsts": ([("Set-Cookie", "pref=a; Path=/; SameSite=None"),
                                            ("Strict-Transport-Security", "max-age=31536000")], ""),
    "cookie-samesite-bogus": ([("Set-Cookie", "pref=a; Path=/; Secure; SameSite=Bogus")], ""),
    "cookie-no-samesite": ([("Set-Cookie", "pref=a; Path=/; Secure")], ""),
    "cookie-csrf": ([("Set-Cookie", "csrftoken=a; Path=/; Secure")], ""),
    "cookie-login-no-httponly": ([("Set-Cookie", "login=a; Path=/; Secure; SameSite=Strict")], ""),
    "cookie-two": ([("Set-Cookie", "pref=a; Path=/"), ("Set-Cookie", "sessionid=b; Path=/; Secure")], ""),
    "nosniff-invalid": ([("X-Content-Type-Options", "yes")], ""),
    "xfo-deny": ([("X-Frame-Options", "DENY")], ""),
    "xfo-allow-from": ([("X-Frame-Options", "ALLOW-FROM https://a.example")], ""),
    "xfo-invalid": ([("X-Frame-Options", "maybe")], ""),
    "corp-same-site": ([("Cross-Origin-Resource-Policy", "same-site")], ""),
    "corp-invalid": ([("Cross-Origin-Resource-Policy", "nope")], ""),
    "cors-public": ([("Access-Control-Allow-Origin", "*")], ""),
    "cors-reflect-credentials": ([("Access-Control-Allow-Origin", "{origin}"), ("Access-Control-Allow-Credentials", "true")], ""),
    "sri-external-no-integrity": ([], '<html><script src="https://cdn.example.org/a.js"></script></html>'),
    "sri-external-integrity": ([], '<html><script src="https://cdn.example.org/a.js" integrity="sha384-x" crossorigin="anonymous"></script></html>'),
    "sri-external-http": ([], '<html><script src="http://cdn.example.org/a.js"></script></html>'),
    "sri-local": ([], '<html><script src="/a.js"></script></html>'),
    "not-html": ([("Content-Type", "application/json")], "{}"),
}
KNOWN: dict[str, str] = {}  # case -> the reason preflight differs, as in docs/live.md


class CaseHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        headers, body = CASES[self.path.strip("/")]
        self.send_response(200)
        if not any(name.lower() == "content-type" for name, _ in headers):
            self.send_header("Content-Type", HTML)
        for name, value in headers:
            self.send_header(name, value.replace("{origin}", self.headers.get("Origin", "")))
        data = body.encode()
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    ca = trustme.CA()
    bundle = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), CaseHandler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield int(httpd.server_address[1]), bundle
    httpd.shutdown()
    thread.join(5)
    httpd.server_close()


def observatory(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    if not (OBSERVATORY / "node_modules" / "@mdn" / "mdn-http-observatory").is_dir():
        pytest.skip(f"the MDN Observatory is not installed in {OBSERVATORY} (see .ci/run)")
    done = subprocess.run(["node", str(HERE.parent / "parity" / "observatory.mjs")], input=json.dumps(cases),
                          capture_output=True, text=True, timeout=120, env={**os.environ, "OBSERVATORY_DIR": str(OBSERVATORY)},
                          check=True)
    return list(json.loads(done.stdout))


def test_header_grades_agree_with_the_observatory(server: tuple[int, Path]) -> None:
    port, bundle = server
    urls = {name: f"https://127.0.0.1:{port}/{name}" for name in CASES}
    report = scan_paths([], endpoints=list(urls.values()), select=["SEC-520"],
                        live_options={"ca_bundle": str(bundle), "timeout": 5})
    ours = {r.target.rsplit("/", 1)[1]: r.evidence for r in report.results}
    assert set(ours) == set(CASES), [r.message for r in report.results if r.status == "error"]
    inputs = []
    for name, url in urls.items():
        response = fetch(url, headers={"Origin": "https://preflight-probe.example"}, verify=str(bundle))
        headers = [(k, v) for k, v in response.headers.items() if k != "set-cookie"]
        headers += [("set-cookie", c) for c in response.set_cookies]
        inputs.append({"url": url, "status": response.status, "headers": headers,
                       "body": response.body.decode("utf-8", "replace"), "verified": True, "http": None})
    theirs = dict(zip(urls, observatory(inputs)))
    disagreements = []
    for name in CASES:
        mine = {test: result["result"] for test, result in ours[name]["tests"].items()}
        reference = {test: result["result"] for test, result in theirs[name]["tests"].items()}
        differing = {t: (mine.get(t), reference.get(t)) for t in reference if mine.get(t) != reference.get(t)}
        score = (ours[name]["score"], ours[name]["grade"]) != (theirs[name]["score"], theirs[name]["grade"])
        if (differing or score) and name not in KNOWN:
            disagreements.append(f"{name}: ours {ours[name]['score']} {ours[name]['grade']}, "
                                 f"Observatory {theirs[name]['score']} {theirs[name]['grade']}: {differing}")
    assert not disagreements, "\n".join(disagreements)
