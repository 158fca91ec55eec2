"""preflight's TLS verdicts against sslyze's (PyPI `sslyze`, the test extras) on the same local servers.

A matrix of servers on 127.0.0.1 (Python `ssl` with trustme or self-made certificates, and
Debian's nginx): each is scanned by preflight (SEC-500 trust, SEC-503 key, SEC-504 legacy
protocols, SEC-505 weak suites) and by sslyze (certificate_info with the same CA file, the
cipher-suite scans of SSL 3.0 to TLS 1.2), and the verdicts must agree. What sslyze cannot
be compared on (a server that only answers a ServerHello) is in docs/live.md.
"""
from __future__ import annotations

import ssl
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import trustme

from checker.api import scan_paths
from test_tls import NOW, legacy_context, self_signed, server_context, tls_server

sslyze = pytest.importorskip("sslyze", reason="sslyze is in the test extras (pip install -e '.[test]')")

WEAK = ("NULL", "anon", "RC4", "3DES", "DES_EDE", "EXPORT")
# trustme marks subjectAltName critical next to a non-empty subject; cryptography's verifier, which
# sslyze uses, rejects that (RFC 5280 says SHOULD NOT), OpenSSL and browsers accept it: docs/live.md
CRITICAL_SAN = "EE subjectAltName MUST NOT be critical when subject is nonempty"
RULES = ("SEC-500", "SEC-503", "SEC-504", "SEC-505")


def _sslyze(port: int, bundle: Path) -> dict[str, str]:
    from sslyze import (CertificateInfoExtraArgument, Scanner, ScanCommand, ScanCommandsExtraArguments,
                        ServerNetworkConfiguration, ServerNetworkLocation, ServerScanRequest)

    commands = {ScanCommand.CERTIFICATE_INFO, ScanCommand.SSL_3_0_CIPHER_SUITES, ScanCommand.TLS_1_0_CIPHER_SUITES,
                ScanCommand.TLS_1_1_CIPHER_SUITES, ScanCommand.TLS_1_2_CIPHER_SUITES}
    request = ServerScanRequest(
        ServerNetworkLocation("127.0.0.1", port, ip_address="127.0.0.1"),
        ServerNetworkConfiguration(tls_server_name_indication="127.0.0.1", network_timeout=3),
        scan_commands=commands,
        scan_commands_extra_arguments=ScanCommandsExtraArguments(
            certificate_info=CertificateInfoExtraArgument(custom_ca_file=bundle)),
    )
    scanner = Scanner()
    scanner.queue_scans([request])
    (result,) = list(scanner.get_results())
    scan = result.scan_result
    assert scan is not None, result.connectivity_error_trace
    deployment = scan.certificate_info.result.certificate_deployments[0]
    trusted = any(v.was_validation_successful for v in deployment.path_validation_results) or all(
        CRITICAL_SAN in str(v.validation_error) for v in deployment.path_validation_results)
    leaf = deployment.received_certificate_chain[0]
    key = leaf.public_key()
    weak_key = getattr(key, "key_size", 4096) < (2048 if "RSA" in type(key).__name__ else 256)
    sha1 = (leaf.signature_hash_algorithm.name if leaf.signature_hash_algorithm else "") in ("sha1", "md5")
    legacy = [scan_result.result.tls_version_used.name for scan_result in
              (scan.ssl_3_0_cipher_suites, scan.tls_1_0_cipher_suites, scan.tls_1_1_cipher_suites)
              if scan_result.result.accepted_cipher_suites]
    suites = [s.cipher_suite.name for r in (scan.tls_1_0_cipher_suites, scan.tls_1_1_cipher_suites,
                                            scan.tls_1_2_cipher_suites) for s in r.result.accepted_cipher_suites]
    return {
        "SEC-500": "pass" if trusted else "fail",
        "SEC-503": "fail" if weak_key or sha1 else "pass",
        "SEC-504": "fail" if legacy else "pass",
        "SEC-505": "fail" if any(w in name for name in suites for w in WEAK) else "pass",
    }


def _preflight(port: int, bundle: Path) -> dict[str, str]:
    report = scan_paths([], endpoints=[f"https://127.0.0.1:{port}"], select=list(RULES),
                        live_options={"ca_bundle": str(bundle), "timeout": 3})
    return {r.rule_id: r.status for r in report.results}


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[trustme.CA, Path]:
    authority = trustme.CA()
    bundle = tmp_path_factory.mktemp("ca") / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    return authority, bundle


def _null(leaf: trustme.LeafCert) -> ssl.SSLContext:
    context = server_context(leaf)
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-NULL-SHA:@SECLEVEL=0")
    return context


SERVERS: dict[str, Callable[[trustme.CA, Path], ssl.SSLContext]] = {
    "modern": lambda ca, tmp: server_context(ca.issue_cert("127.0.0.1")),
    "tls-1.0-only": lambda ca, tmp: legacy_context(ca.issue_cert("127.0.0.1")),
    "expired": lambda ca, tmp: server_context(ca.issue_cert("127.0.0.1", not_before=NOW - timedelta(days=40),
                                                            not_after=NOW - timedelta(days=10))),
    "wrong-host": lambda ca, tmp: server_context(ca.issue_cert("other.example")),
    "self-signed": lambda ca, tmp: self_signed(tmp),
    "rsa-1024": lambda ca, tmp: self_signed(tmp, rsa_bits=1024),
    "null-suite": lambda ca, tmp: _null(ca.issue_cert("127.0.0.1")),
}


@pytest.mark.parametrize("name", list(SERVERS))
def test_tls_verdicts_agree_with_sslyze(name: str, ca: tuple[trustme.CA, Path], tmp_path: Path) -> None:
    authority, bundle = ca
    try:
        context = SERVERS[name](authority, tmp_path)
    except (ssl.SSLError, ValueError) as exc:
        pytest.skip(f"the local OpenSSL cannot serve {name}: {exc}")
    with tls_server(context) as port:
        ours = _preflight(port, bundle)
        theirs = _sslyze(port, bundle)
    assert ours == theirs


def test_real_nginx_verdicts_agree_with_sslyze(tmp_path: Path) -> None:
    import shutil

    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        pytest.skip("nginx is not installed")
    from _e2e_servers import nginx_tls

    block = "        ssl_protocols TLSv1 TLSv1.1 TLSv1.2; ssl_ciphers 'DEFAULT:DES-CBC3-SHA:@SECLEVEL=0';"
    with nginx_tls(tmp_path, block, 90) as server:
        port = int(server.url.rsplit(":", 1)[1].strip("/"))
        ours = _preflight(port, server.ca_bundle)
        theirs = _sslyze(port, server.ca_bundle)
    assert ours == theirs
