"""Issue #4's acceptance test: one live scan of a weak and of a hardened nginx on 127.0.0.1.

The weak server accepts TLS 1.0, serves a certificate that expires in five days,
sends no security headers and reflects any origin with credentials; each of
those rules must fail with its evidence. The hardened server passes them all.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from _e2e_servers import HARDENED_SERVER, NGINX, WEAK_SERVER, nginx_tls
from checker.api import scan_paths

pytestmark = pytest.mark.skipif(not os.access(NGINX, os.X_OK), reason="nginx is not installed (.ci/run installs it)")

RULES = {
    "SEC-504": "TLS 1.0 accepted",
    "SEC-501": "certificate expires in days",
    "SEC-520": "Observatory grade",
    "SEC-521": "no HSTS",
    "SEC-522": "no CSP",
    "SEC-523": "no nosniff",
    "SEC-524": "framing allowed",
    "SEC-530": "origin reflected with credentials",
}


def _scan(url: str, ca_bundle: Path) -> dict[str, list]:
    report = scan_paths([], endpoints=[url], select=list(RULES), live_options={"ca_bundle": str(ca_bundle), "timeout": 5})
    by_rule: dict[str, list] = {}
    for result in report.results:
        by_rule.setdefault(result.rule_id, []).append(result)
    return by_rule


def test_weak_server_fails_each_rule_with_evidence(tmp_path: Path) -> None:
    with nginx_tls(tmp_path / "weak", WEAK_SERVER, valid_days=5) as server:
        results = _scan(server.url, server.ca_bundle)
    assert sorted(results) == sorted(RULES)
    for rule_id, what in RULES.items():
        statuses = [r.status for r in results[rule_id]]
        assert "fail" in statuses, f"{rule_id} ({what}): {[(r.status, r.message) for r in results[rule_id]]}"
        failing = next(r for r in results[rule_id] if r.status == "fail")
        assert failing.evidence, f"{rule_id} failed without evidence"
        assert failing.location is not None and (failing.location.url, failing.location.file) == (server.url, None)
    expiry = next(r for r in results["SEC-501"] if r.status == "fail")
    assert "not_after" in str(expiry.evidence) or "not after" in str(expiry.evidence).lower()
    protocols = next(r for r in results["SEC-504"] if r.status == "fail")
    assert "TLSv1" in str(protocols.evidence) or "TLS 1.0" in str(protocols.evidence)


def test_hardened_server_passes_each_rule(tmp_path: Path) -> None:
    with nginx_tls(tmp_path / "hardened", HARDENED_SERVER, valid_days=365) as server:
        results = _scan(server.url, server.ca_bundle)
    for rule_id, what in RULES.items():
        assert [r.status for r in results[rule_id]] == ["pass"], (
            f"{rule_id} ({what}): {[(r.status, r.message) for r in results[rule_id]]}"
        )
        assert results[rule_id][0].evidence, f"{rule_id} passed without evidence"
