"""The live TLS probe (rules/security-live-tls.yaml) against real TLS servers on 127.0.0.1.

Each server runs in a thread for the length of one test and is stopped by its fixture.
Certificates come from trustme (a throw-away CA whose PEM is passed as --ca-bundle)
or from cryptography (self-signed and weak certificates).
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import http.server
import socket
import ssl
import threading
import time
import warnings
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
import trustme

from checker.api import scan_paths
from checker.models import Result

NOW = datetime.now(timezone.utc)
TIMEOUT = 3


# --- servers ---------------------------------------------------------------------------

@contextmanager
def tls_server(context: ssl.SSLContext) -> Iterator[int]:
    """A server that completes TLS handshakes (and then closes) until the test ends."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (socket.timeout, OSError):
                continue
            conn.settimeout(2)
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.settimeout(0.2)
                    try:
                        tls.recv(1)
                    except (OSError, ssl.SSLError):
                        pass
            except (OSError, ssl.SSLError):
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        listener.close()


@contextmanager
def http_server(handler: type[http.server.BaseHTTPRequestHandler], context: ssl.SSLContext | None = None) -> Iterator[int]:
    httpd = http.server.HTTPServer(("127.0.0.1", 0), handler)
    if context is not None:
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        thread.join(5)
        httpd.server_close()


def handler(status: int, headers: dict[str, str]) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


# --- certificates ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def bundle(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def server_context(leaf: trustme.LeafCert) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    leaf.configure_cert(context)
    return context


def self_signed(tmp: Path, *, rsa_bits: int | None = None) -> ssl.SSLContext:
    """A server context with a self-signed certificate for 127.0.0.1 (EC P-256, or RSA of `rsa_bits`)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import NameOID

    key: Any = rsa.generate_private_key(65537, rsa_bits) if rsa_bits else ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "self-signed.test")])
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=90))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = tmp / "cert.pem", tmp / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption(),
    ))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.set_ciphers("ALL:@SECLEVEL=0")
    context.load_cert_chain(str(certfile), str(keyfile))
    return context


def fingerprint(leaf: trustme.LeafCert) -> str:
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(leaf.cert_chain_pems[0].bytes().decode())).hexdigest()


# --- running rules ---------------------------------------------------------------------

def scan(url: str, rule_id: str, bundle: Path | None = None, timeout: float = TIMEOUT) -> Result:
    options: dict[str, Any] = {"timeout": timeout}
    if bundle is not None:
        options["ca_bundle"] = str(bundle)
    report = scan_paths([], endpoints=[url], select=[rule_id], live_options=options)
    (result,) = [r for r in report.results if r.rule_id == rule_id]
    return result


def assert_certificate_evidence(result: Result) -> None:
    for key in ("subject", "issuer", "sans", "not_after", "sha256", "protocols_accepted"):
        assert key in result.evidence, key


@pytest.fixture
def good(ca: trustme.CA) -> Iterator[tuple[int, trustme.LeafCert]]:
    leaf = ca.issue_cert("127.0.0.1", "localhost")
    with tls_server(server_context(leaf)) as port:
        yield port, leaf


# --- certificate -----------------------------------------------------------------------

def test_trusted_certificate_passes_with_its_details_as_evidence(good: tuple[int, trustme.LeafCert], bundle: Path) -> None:
    port, leaf = good
    result = scan(f"https://127.0.0.1:{port}", "SEC-500", bundle)
    assert result.status == "pass"
    assert f"127.0.0.1:{port}" in result.message
    assert_certificate_evidence(result)
    assert result.evidence["sha256"] == fingerprint(leaf)
    assert "127.0.0.1" in result.evidence["sans"] and "localhost" in result.evidence["sans"]
    assert result.evidence["protocols_accepted"] == ["TLSv1.3"]
    assert result.evidence["trusted_by"] == f"CA bundle {bundle}"


def test_localhost_name_verifies_too(good: tuple[int, trustme.LeafCert], bundle: Path) -> None:
    port, _ = good
    assert scan(f"https://localhost:{port}/", "SEC-500", bundle).status == "pass"


def test_untrusted_without_the_bundle(good: tuple[int, trustme.LeafCert]) -> None:
    port, _ = good
    result = scan(f"https://127.0.0.1:{port}", "SEC-500")  # the system store does not know the test CA
    assert result.status == "fail"
    assert "unable to get local issuer certificate" in result.message


@pytest.mark.parametrize("case, expected", [
    ("expired", "certificate has expired"),
    ("wrong-host", "IP address mismatch"),
])
def test_bad_certificates_fail(ca: trustme.CA, bundle: Path, case: str, expected: str) -> None:
    if case == "expired":
        leaf = ca.issue_cert("127.0.0.1", not_before=NOW - timedelta(days=60), not_after=NOW - timedelta(days=2))
    else:
        leaf = ca.issue_cert("example.org")
    with tls_server(server_context(leaf)) as port:
        result = scan(f"https://127.0.0.1:{port}", "SEC-500", bundle)
    assert result.status == "fail"
    assert f"127.0.0.1:{port}" in result.message and expected in result.message
    assert result.evidence["verify_error"] in result.message
    assert result.evidence["sha256"] == fingerprint(leaf)


def test_self_signed_fails(bundle: Path, tmp_path: Path) -> None:
    with tls_server(self_signed(tmp_path)) as port:
        result = scan(f"https://127.0.0.1:{port}", "SEC-500", bundle)
    assert result.status == "fail"
    assert "self-signed certificate" in result.message
    assert result.evidence["subject"] == result.evidence["issuer"] == "CN=self-signed.test"


# --- expiry ----------------------------------------------------------------------------

def test_certificate_expiring_in_5_days_fails_both_expiry_rules(ca: trustme.CA, bundle: Path) -> None:
    leaf = ca.issue_cert("127.0.0.1", not_after=NOW + timedelta(days=5, hours=12))
    with tls_server(server_context(leaf)) as port:
        soon, renewal = scan(f"https://127.0.0.1:{port}", "SEC-501"), scan(f"https://127.0.0.1:{port}", "SEC-502")
    assert (soon.status, soon.severity, soon.evidence["days_left"]) == ("fail", "critical", 5)
    assert soon.message == f"certificate of 127.0.0.1:{port} expires in 5 days (< 14)"
    assert (renewal.status, renewal.severity) == ("fail", "low")
    assert renewal.message.endswith("(< 30)")


@pytest.mark.parametrize("ago", [timedelta(days=3, hours=1), timedelta(days=10, hours=2)])
def test_expired_certificate_fails_expiry(ca: trustme.CA, ago: timedelta) -> None:
    """Whole days since expiry (it said "11 days ago" for 10 days and 2 hours, issue 15, 5)."""
    leaf = ca.issue_cert("127.0.0.1", not_before=NOW - timedelta(days=60), not_after=NOW - ago)
    with tls_server(server_context(leaf)) as port:
        result = scan(f"https://127.0.0.1:{port}", "SEC-501")
    assert result.status == "fail" and result.message == f"certificate of 127.0.0.1:{port} expired {ago.days} days ago"


def test_fresh_certificate_passes_expiry(good: tuple[int, trustme.LeafCert]) -> None:
    port, leaf = good
    result = scan(f"https://127.0.0.1:{port}", "SEC-502")
    assert result.status == "pass" and result.evidence["days_left"] > 30
    assert_certificate_evidence(result)


# --- key -------------------------------------------------------------------------------

def test_weak_rsa_key_fails(tmp_path: Path) -> None:
    try:
        context = self_signed(tmp_path, rsa_bits=1024)
    except (ssl.SSLError, ValueError) as exc:
        pytest.skip(f"cannot build an RSA-1024 server here: {exc}")
    with tls_server(context) as port:
        result = scan(f"https://127.0.0.1:{port}", "SEC-503")
    assert result.status == "fail"
    assert result.message == f"certificate of 127.0.0.1:{port}: RSA key of 1024 bits (< 2048)"
    assert result.evidence["key"] == "RSA-1024"


def test_sha1_signature_fails(tmp_path: Path) -> None:
    """cryptography no longer signs with SHA-1; the openssl command line still does."""
    certfile, keyfile = tmp_path / "cert.pem", tmp_path / "key.pem"
    made = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-sha1", "-nodes", "-keyout", str(keyfile),
         "-out", str(certfile), "-days", "30", "-subj", "/CN=sha1.test", "-addext", "subjectAltName=IP:127.0.0.1"],
        capture_output=True, timeout=60,
    ) if shutil.which("openssl") else None
    if made is None or made.returncode != 0:
        pytest.skip("no openssl command that signs with SHA-1")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.set_ciphers("ALL:@SECLEVEL=0")
    context.load_cert_chain(str(certfile), str(keyfile))
    with tls_server(context) as port:
        result = scan(f"https://127.0.0.1:{port}", "SEC-503")
    assert result.status == "fail"
    assert result.message == f"certificate of 127.0.0.1:{port}: signed with SHA1"
    assert result.evidence["signature_hash"] == "sha1"


def test_ec_p256_sha256_passes_key(good: tuple[int, trustme.LeafCert]) -> None:
    port, _ = good
    result = scan(f"https://127.0.0.1:{port}", "SEC-503")
    assert result.status == "pass"
    assert result.evidence["key"] == "EC-256 (secp256r1)" and result.evidence["signature_hash"] == "sha256"


# --- protocols -------------------------------------------------------------------------

def legacy_context(leaf: trustme.LeafCert) -> ssl.SSLContext:
    context = server_context(leaf)
    context.set_ciphers("ALL:@SECLEVEL=0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = context.maximum_version = ssl.TLSVersion.TLSv1
    return context


def test_tls_1_0_only_server_is_detected(ca: trustme.CA) -> None:
    try:
        context = legacy_context(ca.issue_cert("127.0.0.1"))
    except (ssl.SSLError, ValueError) as exc:
        pytest.skip(f"the local OpenSSL cannot serve TLS 1.0: {exc}")
    with tls_server(context) as port:
        result = scan(f"https://127.0.0.1:{port}", "SEC-504")
    assert result.status == "fail"
    assert result.message == f"127.0.0.1:{port} accepts TLSv1"
    assert result.evidence["protocols_tried"] == {"SSLv3": "refused", "TLSv1": "accepted", "TLSv1.1": "refused",
                                                  "TLSv1.2": "refused", "TLSv1.3": "refused"}
    assert result.evidence["protocols_accepted"] == ["TLSv1"]
    assert_certificate_evidence(result)


def test_modern_server_refuses_legacy_protocols(good: tuple[int, trustme.LeafCert]) -> None:
    port, _ = good
    result = scan(f"https://127.0.0.1:{port}", "SEC-504")
    assert result.status == "pass"
    assert result.message == f"127.0.0.1:{port} refuses SSLv3, TLSv1, TLSv1.1"
    assert result.evidence["protocols_tried"] == {"SSLv3": "refused", "TLSv1": "refused", "TLSv1.1": "refused",
                                                  "TLSv1.2": "accepted", "TLSv1.3": "accepted"}
    assert result.evidence["protocols_accepted"] == ["TLSv1.2", "TLSv1.3"]


# --- ciphers ---------------------------------------------------------------------------

def test_null_cipher_is_detected(ca: trustme.CA) -> None:
    context = server_context(ca.issue_cert("127.0.0.1"))
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.set_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-NULL-SHA:@SECLEVEL=0")
    except ssl.SSLError as exc:
        pytest.skip(f"the local OpenSSL has no NULL suites: {exc}")
    with tls_server(context) as port:
        result = scan(f"https://127.0.0.1:{port}", "SEC-505")
    assert result.status == "fail"
    assert result.message == f"127.0.0.1:{port} accepts the weak suites ECDHE_ECDSA_WITH_NULL_SHA"
    assert result.evidence["weak_families_tested"]["NULL"] == "accepted ECDHE_ECDSA_WITH_NULL_SHA (TLSv1.2)"
    assert result.evidence["weak_families_tested"]["RC4"].startswith("refused")


def test_default_server_refuses_weak_ciphers(good: tuple[int, trustme.LeafCert]) -> None:
    port, _ = good
    result = scan(f"https://127.0.0.1:{port}", "SEC-505")
    assert result.status == "pass" and result.message.startswith(f"127.0.0.1:{port} refuses the weak suites")
    assert set(result.evidence["weak_families_tested"]) == {"NULL", "anon", "RC4", "3DES", "EXPORT"}
    assert all(v.startswith("refused") for v in result.evidence["weak_families_tested"].values())
    assert_certificate_evidence(result)


@pytest.mark.parametrize("suite, family, name", [
    (0x0005, "RC4", "RSA_WITH_RC4_128_SHA"), (0xC012, "3DES", "ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"),
    (0x0003, "EXPORT", "RSA_EXPORT_WITH_RC4_40_MD5"),
])
def test_legacy_suites_the_local_openssl_cannot_offer_are_detected(good: tuple[int, trustme.LeafCert], suite: int,
                                                                    family: str, name: str) -> None:
    """Before the hand-written ClientHello, a server accepting RC4 or 3DES passed SEC-505 (issue 15, 1)."""
    from _legacy_tls import LegacyServer

    with LegacyServer(good[0], {suite}) as legacy:
        result = scan(f"https://127.0.0.1:{legacy.port}", "SEC-505")
    assert result.status == "fail", result.message
    assert result.message == f"127.0.0.1:{legacy.port} accepts the weak suites {name}"
    assert result.evidence["weak_families_tested"][family] == f"accepted {name} (TLSv1.2)"
    assert result.evidence["subject"]  # the certificate was read through the relay to the real server
    assert legacy.answered == [suite]


def test_sslv3_is_detected_with_a_hand_written_hello(good: tuple[int, trustme.LeafCert]) -> None:
    from _legacy_tls import LegacyServer

    with LegacyServer(good[0], set(), sslv3=True) as legacy:
        result = scan(f"https://127.0.0.1:{legacy.port}", "SEC-504")
    assert result.status == "fail" and result.message == f"127.0.0.1:{legacy.port} accepts SSLv3"
    assert result.evidence["protocols_tried"]["SSLv3"] == "accepted"
    assert result.evidence["protocols_tried"]["TLSv1.3"] == "accepted"  # the relayed modern server


# --- redirect and HSTS -----------------------------------------------------------------

@pytest.mark.parametrize("status, headers, expected", [
    (301, {"Location": "https://127.0.0.1/"}, "pass"),
    (302, {"Location": "http://127.0.0.1/other"}, "fail"),
    (200, {}, "fail"),
])
def test_http_redirect(status: int, headers: dict[str, str], expected: str) -> None:
    with http_server(handler(status, headers)) as port:
        result = scan(f"http://127.0.0.1:{port}/", "SEC-506")
    assert result.status == expected
    assert f"http://127.0.0.1:{port}/" in result.message
    assert result.evidence["status"] == status


def test_https_host_without_a_plain_http_port_skips_the_redirect(good: tuple[int, trustme.LeafCert]) -> None:
    """Before: `error: Connection refused` for every https host without port 80 (issue 15, 10)."""
    port, _ = good
    result = scan(f"https://127.0.0.1:{port}", "SEC-506")
    assert result.status == "skip" and "nothing listens on port 80" in (result.message or "")


@pytest.mark.parametrize("header, expected, message", [
    ("max-age=31536000; includeSubDomains", "pass", "sends HSTS max-age=31536000"),
    ("max-age=86400", "fail", "sends HSTS max-age=86400 (< 15552000)"),
    (None, "fail", "sends no Strict-Transport-Security header"),
])
def test_hsts(ca: trustme.CA, bundle: Path, header: str | None, expected: str, message: str) -> None:
    context = server_context(ca.issue_cert("127.0.0.1"))
    with http_server(handler(200, {"Strict-Transport-Security": header} if header else {}), context) as port:
        result = scan(f"https://127.0.0.1:{port}/", "SEC-507", bundle)
    assert result.status == expected
    assert result.message == f"127.0.0.1:{port} {message}"
    assert result.evidence["include_subdomains"] == ("includeSubDomains" in (header or ""))


def test_http_target_is_not_checked_for_hsts() -> None:
    result = scan("http://127.0.0.1:9/", "SEC-507")
    assert result.status == "skip"


# --- unreachable -----------------------------------------------------------------------

def test_refused_port_is_an_unreachable_error() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    result = scan(f"https://127.0.0.1:{port}", "SEC-500")
    assert (result.status, result.reason) == ("error", "unreachable")
    assert f"127.0.0.1:{port}" in result.message


def test_silent_server_is_a_timeout_error_within_the_timeout() -> None:
    listener = socket.socket()  # the kernel completes the TCP handshake; nobody ever answers
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    try:
        port = listener.getsockname()[1]
        started = time.monotonic()
        result = scan(f"https://127.0.0.1:{port}", "SEC-504", timeout=1)
        elapsed = time.monotonic() - started
    finally:
        listener.close()
    assert (result.status, result.reason) == ("error", "timeout")
    assert f"127.0.0.1:{port}" in result.message
    assert elapsed < 3


@pytest.mark.skipif(shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(), reason="nginx is not installed")
def test_real_nginx_asked_for_rc4_and_3des_refuses_them(tmp_path: Path) -> None:
    """nginx on OpenSSL 3, configured with legacy suites, cannot serve them: the hand-written hellos get alerts."""
    from _e2e_servers import nginx_tls

    block = "        ssl_protocols TLSv1.2; ssl_ciphers 'ECDHE-RSA-AES128-GCM-SHA256:DES-CBC3-SHA:RC4-SHA:@SECLEVEL=0';"
    with nginx_tls(tmp_path, block, 90) as server:
        port = int(server.url.rsplit(":", 1)[1].strip("/"))
        result = scan(f"https://127.0.0.1:{port}", "SEC-505")
        protocols = scan(f"https://127.0.0.1:{port}", "SEC-504")
    assert result.status == "pass", result.message
    assert all(v.startswith("refused (alert") for v in result.evidence["weak_families_tested"].values())
    assert protocols.status == "pass" and protocols.evidence["protocols_tried"]["SSLv3"] == "refused"
