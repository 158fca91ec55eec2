"""TLS connections for the tls probe: one bounded handshake, what a failure means, and the
certificate details every result carries as evidence."""
from __future__ import annotations

import hashlib
import socket
import ssl
import threading
import warnings
from typing import Any

from checker.errors import ProbeError


class Refused(Exception):
    pass


def inspecting() -> ssl.SSLContext:
    """A client that accepts anything, so what the server offers can be read (not trusted)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_ciphers("ALL:@SECLEVEL=0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = ssl.TLSVersion.TLSv1
    return context


def open_tls(host: str, port: int, context: ssl.SSLContext, timeout: float) -> ssl.SSLSocket:
    """One handshake; raises ProbeError for an unreachable host, Refused when the server says no."""
    where = f"{host}:{port}"
    try:
        raw = socket.create_connection((host, port), timeout=timeout)
    except socket.gaierror as exc:
        raise ProbeError("unreachable", f"{where}: DNS lookup failed ({exc.strerror})") from exc
    except (socket.timeout, TimeoutError) as exc:
        raise ProbeError("timeout", f"{where}: no connection within {timeout:g} s") from exc
    except OSError as exc:
        raise ProbeError("unreachable", f"{where}: {exc.strerror or exc}") from exc
    # The socket timeout bounds each read; a server that sends its handshake a byte at a
    # time would pass every one of them, so a timer ends the whole handshake at `timeout`.
    # wrap_socket takes the descriptor over, so the timer holds a duplicate: a shutdown
    # through either one ends the same connection.
    expired = threading.Event()
    handle = raw.dup()
    watchdog = threading.Timer(timeout, _abort, (handle, expired))
    watchdog.daemon = True
    watchdog.start()
    try:
        raw.settimeout(timeout)
        return context.wrap_socket(raw, server_hostname=host)
    except (socket.timeout, TimeoutError) as exc:
        raw.close()
        raise ProbeError("timeout", f"{where}: no TLS handshake within {timeout:g} s") from exc
    except OSError as exc:
        raw.close()
        if expired.is_set():
            raise ProbeError("timeout", f"{where}: no TLS handshake within {timeout:g} s") from exc
        raise handshake_error(where, exc) from exc
    finally:
        watchdog.cancel()
        watchdog.join()  # the timer is done with the handle before it is closed
        handle.close()


def _abort(sock: socket.socket, expired: threading.Event) -> None:
    expired.set()
    try:
        sock.shutdown(socket.SHUT_RDWR)  # the blocked handshake read returns at once
    except OSError:
        pass  # already closed: the handshake ended just now


def handshake_error(where: str, exc: OSError) -> Exception:
    """What a failed handshake means: a bad certificate, a refusal (Refused), or no way through."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return ProbeError("unreachable", f"{where}: certificate does not verify ({exc.verify_message})")
    if isinstance(exc, (ssl.SSLError, ConnectionResetError, ConnectionAbortedError, BrokenPipeError)):
        return Refused(f"{where}: {getattr(exc, 'reason', None) or exc}")
    return ProbeError("unreachable", f"{where}: {exc.strerror or exc}")


def handshake(host: str, port: int, context: ssl.SSLContext, timeout: float) -> tuple[bytes, str, str]:
    try:
        sock = open_tls(host, port, context, timeout)
    except Refused as exc:
        raise ProbeError("unreachable", f"TLS handshake failed with {exc}") from exc
    with sock:
        der = sock.getpeercert(binary_form=True)
        if not der:
            raise ProbeError("unreachable", f"{host}:{port}: the server sent no certificate")
        suite = sock.cipher()
        return der, sock.version() or "?", suite[0] if suite else "?"


def accepts(host: str, port: int, context: ssl.SSLContext, timeout: float) -> bool:
    try:
        sock = open_tls(host, port, context, timeout)
    except Refused:
        return False
    sock.close()
    return True


def load(der: bytes) -> Any:
    from cryptography import x509

    return x509.load_der_x509_certificate(der)


def evidence(der: bytes, accepted: list[str]) -> dict[str, Any]:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    cert = load(der)
    try:
        sans = [str(v.value) for v in cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value]
    except x509.ExtensionNotFound:
        sans = []
    except ValueError:
        sans = ["<unparsable>"]
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        key_text = f"RSA-{key.key_size}"
    elif isinstance(key, ec.EllipticCurvePublicKey):
        key_text = f"EC-{key.curve.key_size} ({key.curve.name})"
    else:
        key_text = type(key).__name__.replace("PublicKey", "").lstrip("_")
    try:
        hash_algorithm = cert.signature_hash_algorithm
        signature = hash_algorithm.name if hash_algorithm else "none"
    except Exception:  # an algorithm cryptography does not know
        signature = "unknown"
    return {
        "subject": cert.subject.rfc4514_string(), "issuer": cert.issuer.rfc4514_string(), "sans": sans,
        "not_before": cert.not_valid_before_utc.isoformat(), "not_after": cert.not_valid_after_utc.isoformat(),
        "sha256": hashlib.sha256(der).hexdigest(), "key": key_text, "signature_hash": signature,
        "protocols_accepted": accepted,
    }
