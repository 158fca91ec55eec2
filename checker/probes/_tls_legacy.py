"""Legacy TLS tested with a hand-written ClientHello: what the local OpenSSL can no longer offer.

OpenSSL 3 has no RC4, 3DES, EXPORT or SSLv3, so a client built on it cannot ask a server
whether it would accept them, and "refused" would only mean "never asked". A ClientHello is
a few dozen bytes: this module sends one that lists only the suites under test (or speaks
SSLv3), reads the first record the server answers with, and stops there. A ServerHello
names the suite (and version) the server chose; an alert, a closed connection or a
ServerHello for something not offered means refused. No key exchange is made, nothing is
encrypted: the answer is known before any of that.
"""
from __future__ import annotations

import os
import socket
import struct
from typing import NamedTuple

# IANA codes: https://www.iana.org/assignments/tls-parameters/tls-parameters.xhtml#tls-parameters-4
FAMILIES: dict[str, dict[int, str]] = {
    "NULL": {0x0001: "RSA_WITH_NULL_MD5", 0x0002: "RSA_WITH_NULL_SHA", 0x003B: "RSA_WITH_NULL_SHA256",
             0xC006: "ECDHE_ECDSA_WITH_NULL_SHA", 0xC010: "ECDHE_RSA_WITH_NULL_SHA"},
    "anon": {0x0018: "DH_anon_WITH_RC4_128_MD5", 0x001B: "DH_anon_WITH_3DES_EDE_CBC_SHA",
             0x0034: "DH_anon_WITH_AES_128_CBC_SHA", 0x003A: "DH_anon_WITH_AES_256_CBC_SHA",
             0x006C: "DH_anon_WITH_AES_128_CBC_SHA256", 0x00A6: "DH_anon_WITH_AES_128_GCM_SHA256",
             0xC018: "ECDH_anon_WITH_AES_128_CBC_SHA", 0xC019: "ECDH_anon_WITH_AES_256_CBC_SHA"},
    "RC4": {0x0004: "RSA_WITH_RC4_128_MD5", 0x0005: "RSA_WITH_RC4_128_SHA", 0xC007: "ECDHE_ECDSA_WITH_RC4_128_SHA",
            0xC011: "ECDHE_RSA_WITH_RC4_128_SHA"},
    "3DES": {0x000A: "RSA_WITH_3DES_EDE_CBC_SHA", 0x0013: "DHE_DSS_WITH_3DES_EDE_CBC_SHA",
             0x0016: "DHE_RSA_WITH_3DES_EDE_CBC_SHA", 0xC008: "ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA",
             0xC012: "ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"},
    "EXPORT": {0x0003: "RSA_EXPORT_WITH_RC4_40_MD5", 0x0006: "RSA_EXPORT_WITH_RC2_CBC_40_MD5",
               0x0008: "RSA_EXPORT_WITH_DES40_CBC_SHA", 0x0011: "DHE_DSS_EXPORT_WITH_DES40_CBC_SHA",
               0x0014: "DHE_RSA_EXPORT_WITH_DES40_CBC_SHA"},
}
# what an SSLv3 server of old would pick from: the common suites of the time
SSL3_SUITES = {0x002F: "RSA_WITH_AES_128_CBC_SHA", 0x0035: "RSA_WITH_AES_256_CBC_SHA",
               0xC013: "ECDHE_RSA_WITH_AES_128_CBC_SHA", 0xC014: "ECDHE_RSA_WITH_AES_256_CBC_SHA",
               0x000A: "RSA_WITH_3DES_EDE_CBC_SHA", 0x0005: "RSA_WITH_RC4_128_SHA", 0x0004: "RSA_WITH_RC4_128_MD5"}
VERSIONS = {0x0300: "SSLv3", 0x0301: "TLSv1", 0x0302: "TLSv1.1", 0x0303: "TLSv1.2"}


class Answer(NamedTuple):
    accepted: bool
    version: str | None  # the ServerHello's, when accepted
    suite: str | None
    detail: str  # "alert 40", "connection closed" ...


def client_hello(suites: list[int], version: int, host: str | None) -> bytes:
    """A ClientHello record offering exactly `suites` at `version` (SSLv3: no extensions, as then)."""
    extensions = b""
    if version >= 0x0301:
        if host and not _is_ip(host):
            name = host.encode("idna")
            entry = b"\x00" + struct.pack(">H", len(name)) + name
            extensions += _ext(0, struct.pack(">H", len(entry)) + entry)
        groups = struct.pack(">HHHH", 6, 0x0017, 0x0018, 0x001D)  # P-256, P-384, X25519
        extensions += _ext(10, groups) + _ext(11, b"\x01\x00")  # supported_groups, ec_point_formats
        algorithms = [0x0401, 0x0501, 0x0601, 0x0403, 0x0503, 0x0804, 0x0805, 0x0201, 0x0203]
        extensions += _ext(13, struct.pack(">H", 2 * len(algorithms)) + b"".join(struct.pack(">H", a) for a in algorithms))
        extensions += _ext(0xFF01, b"\x00")  # renegotiation_info: some servers refuse a hello without it
    body = struct.pack(">H", version) + os.urandom(32) + b"\x00"
    body += struct.pack(">H", 2 * len(suites)) + b"".join(struct.pack(">H", s) for s in suites) + b"\x01\x00"
    if extensions:
        body += struct.pack(">H", len(extensions)) + extensions
    handshake = b"\x01" + struct.pack(">I", len(body))[1:] + body
    return b"\x16" + struct.pack(">HH", min(version, 0x0301), len(handshake)) + handshake


def ask(host: str, port: int, suites: dict[int, str], version: int, timeout: float) -> Answer:
    """Send one ClientHello and read the server's first answer. OSError when the host cannot be reached."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        sock.sendall(client_hello(list(suites), version, host))
        try:
            header = _read(sock, 5)
            if header is None:
                return Answer(False, None, None, "connection closed")
            kind, _, length = struct.unpack(">BHH", header)
            payload = _read(sock, min(length, 16384))
        except (ConnectionResetError, ConnectionAbortedError, BrokenPipeError):
            return Answer(False, None, None, "connection reset")
    if kind == 0x15:
        return Answer(False, None, None, f"alert {payload[1] if payload and len(payload) > 1 else '?'}")
    if kind != 0x16 or not payload or payload[0] != 0x02 or len(payload) < 4 + 2 + 32 + 1:
        return Answer(False, None, None, f"no ServerHello (record type {kind})")
    server_version = struct.unpack(">H", payload[4:6])[0]
    at = 4 + 2 + 32
    at += 1 + payload[at]  # session id
    if len(payload) < at + 2:
        return Answer(False, None, None, "ServerHello cut short")
    chosen = struct.unpack(">H", payload[at:at + 2])[0]
    if chosen not in suites or server_version > version:  # not what was offered: not an acceptance
        return Answer(False, VERSIONS.get(server_version), None, f"ServerHello for 0x{chosen:04X}, not offered")
    return Answer(True, VERSIONS.get(server_version, f"0x{server_version:04X}"), suites[chosen], "ServerHello")


def _read(sock: socket.socket, count: int) -> bytes | None:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            return data or None
        data += chunk
    return data


def _ext(kind: int, data: bytes) -> bytes:
    return struct.pack(">HH", kind, len(data)) + data


def _is_ip(host: str) -> bool:
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host)
            return True
        except OSError:
            continue
    return False
