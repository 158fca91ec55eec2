"""A live TLS endpoint: its certificate, protocols, cipher suites, redirect and HSTS.

For https (and rediss) live targets, `check` is one of:
  certificate  the chain verifies against the system trust store (or --ca-bundle)
               and the certificate names the host
  expiry       at least `fail_days` days are left before the certificate's not-after
  key          RSA keys have >= `min_rsa_bits`, EC keys >= `min_ec_bits`; the signature
               hash is not SHA-1 or MD5
  protocols    the server refuses each of `protocols` (default SSLv3, TLS 1.0, TLS 1.1);
               every version from SSLv3 to TLS 1.3 is tried and listed. SSLv3 is asked
               with a hand-written ClientHello (_tls_legacy); for TLS 1.0/1.1 the client
               allows them explicitly (@SECLEVEL=0), since Debian's OpenSSL would
               otherwise refuse them itself and every server would pass
  ciphers      the server refuses every weak family (NULL, anonymous, RC4, 3DES, EXPORT):
               one hand-written ClientHello per family lists only its suites, since
               OpenSSL 3 cannot offer most of them
  redirect     http://host:`http_port`/ answers with a redirect to https:// (an http
               target is fetched as given)
  hsts         the https response has Strict-Transport-Security with max-age >= `min_max_age`
Every result carries the leaf certificate's subject, issuer, SANs, not-after, SHA-256
fingerprint and the protocols seen accepted (redirect: the http answer instead).
A refused connection, a DNS failure or a failed handshake is an `unreachable` error,
no answer within the timeout (--timeout, default 5 s) a `timeout` error; never a pass.
Each check makes one handshake per protocol or suite family tested, plus one to read
the certificate; `certificate` makes a second, unverified one only when verification fails.

Fails (check: protocols): a server that accepts TLS 1.0
Passes:                   a server that only speaks TLS 1.2 and 1.3
"""
from __future__ import annotations

import socket
import ssl
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterator, Literal, Mapping

from checker.errors import ProbeError
from checker.inputs.document import Document
from checker.models import STRICT
from checker.probes._http import system_store
from checker.probes._tls_connect import Refused, accepts, handshake, inspecting, load
from checker.probes._tls_connect import evidence as cert_evidence
from checker.probes._tls_legacy import FAMILIES, SSL3_SUITES, Answer, ask
from checker.probes.base import Context, Observation

NAME = "tls"
TARGETS = ("live",)
TLS_SCHEMES = ("https", "rediss")
ALL_VERSIONS = {"TLSv1": "TLSv1", "TLSv1.1": "TLSv1_1", "TLSv1.2": "TLSv1_2", "TLSv1.3": "TLSv1_3"}

Check = Literal["certificate", "expiry", "key", "protocols", "ciphers", "redirect", "hsts"]


@dataclass
class Params:
    __pydantic_config__ = STRICT
    check: Check
    fail_days: int = 14
    min_rsa_bits: int = 2048
    min_ec_bits: int = 256
    protocols: list[Literal["SSLv3", "TLSv1", "TLSv1.1"]] = field(default_factory=lambda: ["SSLv3", "TLSv1", "TLSv1.1"])
    http_port: int = 80
    min_max_age: int = 15552000  # 180 days


def applies(doc: Document, params: Params) -> bool:
    scheme = doc.data.get("scheme")
    if params.check == "redirect":
        return scheme in ("https", "http")
    return scheme in TLS_SCHEMES


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    host, port = str(doc.data["host"]), int(doc.data["port"])
    timeout = float(context.options.get("timeout", 5))
    where = f"{host}:{port}"
    if params.check == "redirect":
        yield _redirect(doc, params, timeout)
        return
    if params.check == "hsts":
        yield _hsts(doc, params, where, context.options, timeout)
        return
    if params.check == "certificate":
        if context.options.get("insecure"):
            yield Observation((), f"certificate of {where} not judged: --insecure", status="skip")
            return
        yield _certificate(host, port, where, context.options, timeout)
        return
    der, version, _ = handshake(host, port, inspecting(), timeout)
    evidence = cert_evidence(der, [version])
    if params.check == "expiry":
        yield _expiry(der, params, where, evidence)
    elif params.check == "key":
        yield _key(der, params, where, evidence)
    elif params.check == "protocols":
        yield _protocols(host, port, params, where, evidence, timeout)
    else:
        yield _ciphers(host, port, where, evidence, timeout)


def _certificate(host: str, port: int, where: str, options: Mapping[str, Any], timeout: float) -> Observation:
    bundle = options.get("ca_bundle")
    verifying = ssl.create_default_context(cafile=str(bundle) if bundle else None)
    try:
        try:
            der, version, _ = handshake(host, port, verifying, timeout)
        except ProbeError as exc:
            if isinstance(exc.__cause__, ssl.SSLCertVerificationError) or exc.reason != "unreachable":
                raise
            # a server of TLS 1.0/1.1 only: its chain is still judged (its protocols are SEC-504's)
            verifying = ssl.create_default_context(cafile=str(bundle) if bundle else None)
            verifying.set_ciphers("ALL:@SECLEVEL=0")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                verifying.minimum_version = ssl.TLSVersion.TLSv1
            der, version, _ = handshake(host, port, verifying, timeout)
    except ProbeError as exc:
        cause = exc.__cause__
        if not isinstance(cause, ssl.SSLCertVerificationError):
            raise
        der, version, _ = handshake(host, port, inspecting(), timeout)
        evidence = {**cert_evidence(der, [version]), "verify_error": cause.verify_message,
                    "trusted_by": f"CA bundle {bundle}" if bundle else system_store()[1]}
        hint = "" if bundle else " (a private CA: pass it with --ca-bundle)"
        return Observation((), f"certificate of {where} does not verify: {cause.verify_message}{hint}", evidence=evidence)
    trust = f"CA bundle {bundle}" if bundle else system_store()[1]
    evidence = {**cert_evidence(der, [version]), "trusted_by": trust}
    return Observation((), f"certificate of {where} verifies against {trust}", evidence=evidence, status="pass")


def _expiry(der: bytes, params: Params, where: str, evidence: dict[str, Any]) -> Observation:
    cert = load(der)
    left = cert.not_valid_after_utc - datetime.now(timezone.utc)
    days = left.days
    evidence = {**evidence, "days_left": days}
    if days < 0:  # whole days since it expired: 10 days and 2 hours ago is "10 days", as sslyze says
        ago = (-left).days
        return Observation((), f"certificate of {where} expired {ago} days ago", evidence["not_after"], evidence=evidence)
    if days < params.fail_days:
        text = f"certificate of {where} expires in {days} days (< {params.fail_days})"
        return Observation((), text, evidence["not_after"], evidence=evidence)
    return Observation((), f"certificate of {where} expires in {days} days", evidence=evidence, status="pass")


def _key(der: bytes, params: Params, where: str, evidence: dict[str, Any]) -> Observation:
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    cert = load(der)
    problems = []
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < params.min_rsa_bits:
        problems.append(f"RSA key of {key.key_size} bits (< {params.min_rsa_bits})")
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.key_size < params.min_ec_bits:
        problems.append(f"EC key of {key.curve.key_size} bits (< {params.min_ec_bits})")
    if evidence["signature_hash"] in ("sha1", "md5"):
        problems.append(f"signed with {evidence['signature_hash'].upper()}")
    if problems:
        return Observation((), f"certificate of {where}: {'; '.join(problems)}", evidence["key"], evidence=evidence)
    text = f"certificate of {where}: {evidence['key']} key, {evidence['signature_hash']} signature"
    return Observation((), text, evidence=evidence, status="pass")


def _protocols(host: str, port: int, params: Params, where: str, evidence: dict[str, Any], timeout: float) -> Observation:
    tried: dict[str, str] = {}  # every version asked for, each accepted or refused
    for name in ("SSLv3", *ALL_VERSIONS):
        if name == "SSLv3":
            tried[name] = "accepted" if _legacy_ask(host, port, SSL3_SUITES, 0x0300, timeout).accepted else "refused"
            continue
        context = inspecting()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = context.maximum_version = getattr(ssl.TLSVersion, ALL_VERSIONS[name])
        tried[name] = "accepted" if accepts(host, port, context, timeout) else "refused"
    accepted = [n for n, verdict in tried.items() if verdict == "accepted"]
    evidence = {**evidence, "protocols_accepted": accepted, "protocols_tried": tried}
    bad = [n for n in params.protocols if tried.get(n) == "accepted"]
    if bad:
        return Observation((), f"{where} accepts {', '.join(bad)}", ", ".join(bad), evidence=evidence)
    return Observation((), f"{where} refuses {', '.join(params.protocols)}", evidence=evidence, status="pass")


def _ciphers(host: str, port: int, where: str, evidence: dict[str, Any], timeout: float) -> Observation:
    """One hand-written ClientHello per family, listing only its suites (OpenSSL 3 cannot offer most of them)."""
    verdicts: dict[str, str] = {}
    accepted: list[str] = []
    for family, suites in FAMILIES.items():
        answer = _legacy_ask(host, port, suites, 0x0303, timeout)
        verdicts[family] = f"accepted {answer.suite} ({answer.version})" if answer.accepted else f"refused ({answer.detail})"
        if answer.accepted and answer.suite:
            accepted.append(answer.suite)
    evidence = {**evidence, "weak_families_tested": verdicts}
    if accepted:
        evidence["weak_suite_accepted"] = accepted[0]
        return Observation((), f"{where} accepts the weak suites {', '.join(accepted)}", accepted[0], evidence=evidence)
    return Observation((), f"{where} refuses the weak suites ({', '.join(FAMILIES)})", evidence=evidence, status="pass")


def _legacy_ask(host: str, port: int, suites: dict[int, str], version: int, timeout: float) -> Answer:
    try:
        return ask(host, port, suites, version, timeout)
    except (socket.timeout, TimeoutError) as exc:
        raise ProbeError("timeout", f"{host}:{port}: no answer to a ClientHello within {timeout:g} s") from exc
    except OSError as exc:
        raise ProbeError("unreachable", f"{host}:{port}: {exc.strerror or exc}") from exc


def _redirect(doc: Document, params: Params, timeout: float) -> Observation:
    from checker.probes._http import fetch

    host = str(doc.data["host"])
    url = doc.data["url"] if doc.data["scheme"] == "http" else f"http://{_bracket(host)}:{params.http_port}/"
    try:
        response = fetch(url, timeout=timeout, max_bytes=0)
    except ProbeError as exc:
        if doc.data["scheme"] != "https" or exc.reason != "unreachable" or "refused" not in exc.message.lower():
            raise
        # a host with no plain-http listener has nothing to redirect: not judged, and said why
        return Observation((), f"{url}: nothing listens on port {params.http_port}, no redirect to judge "
                               f"(give --endpoint http://{_bracket(host)}:PORT/ where plain http is served)",
                           evidence={"url": url, "error": exc.message}, status="skip")
    location = response.headers.get("location", "")
    evidence = {"url": url, "status": response.status, "location": location or None}
    if response.status in (301, 302, 303, 307, 308) and location.lower().startswith("https://"):
        return Observation((), f"{url} redirects to {location} ({response.status})", evidence=evidence, status="pass")
    what = f"redirects to {location}" if location else "does not redirect"
    return Observation((), f"{url} {what} ({response.status}), not to https://", str(response.status), evidence=evidence)


def _hsts(doc: Document, params: Params, where: str, options: Mapping[str, Any], timeout: float) -> Observation:
    from checker.probes._http import fetch, verify_option

    response = fetch(doc.data["url"], timeout=timeout, verify=verify_option(options), max_bytes=0)
    header = response.headers.get("strict-transport-security")
    directives = {
        part.split("=", 1)[0].strip().lower(): part.split("=", 1)[1].strip().strip('"') if "=" in part else ""
        for part in (header or "").split(";") if part.strip()
    }
    try:
        max_age: int | None = int(directives.get("max-age", ""))
    except ValueError:
        max_age = None
    evidence = {"header": header, "max_age": max_age, "include_subdomains": "includesubdomains" in directives,
                "preload": "preload" in directives, "status": response.status}
    if not response.verified:
        evidence["tls"] = "certificate not verified"
    if header is None:
        return Observation((), f"{where} sends no Strict-Transport-Security header", evidence=evidence)
    if not response.verified:  # browsers ignore HSTS received over a certificate error (RFC 6797 8.1)
        return Observation((), f"{where} sends HSTS over a certificate that does not verify: browsers ignore it",
                           header, evidence=evidence)
    if max_age is None or max_age < params.min_max_age:
        text = f"{where} sends HSTS max-age={max_age} (< {params.min_max_age})"
        return Observation((), text, header, evidence=evidence)
    return Observation((), f"{where} sends HSTS max-age={max_age}", evidence=evidence, status="pass")


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host
