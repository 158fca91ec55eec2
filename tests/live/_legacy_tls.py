"""A raw-socket TLS server of old: it answers a ClientHello that offers one of its legacy
suites (RC4, 3DES, EXPORT ...) or speaks SSLv3 with a ServerHello choosing it, as such a
server would, and relays every other connection to a modern TLS server behind it.

OpenSSL 3 can serve none of these suites, so this is the only way to have a server here
that accepts them; the probe judges the ServerHello, which is all this server needs to send.
"""
from __future__ import annotations

import os
import socket
import struct
import threading
from typing import Any

from _recorder import LoopbackServer


def _suites_and_version(hello: bytes) -> tuple[int, list[int]]:
    body = hello[5 + 4:]
    version = struct.unpack(">H", body[:2])[0]
    at = 2 + 32
    at += 1 + body[at]
    count = struct.unpack(">H", body[at:at + 2])[0]
    return version, [struct.unpack(">H", body[at + 2 + i:at + 4 + i])[0] for i in range(0, count, 2)]


def server_hello(version: int, suite: int) -> bytes:
    body = struct.pack(">H", version) + os.urandom(32) + b"\x00" + struct.pack(">H", suite) + b"\x00"
    handshake = b"\x02" + struct.pack(">I", len(body))[1:] + body
    return b"\x16" + struct.pack(">HH", version, len(handshake)) + handshake


class LegacyServer(LoopbackServer):
    def __init__(self, backend_port: int, accepts: set[int], sslv3: bool = False) -> None:
        self.backend_port, self.accepts, self.sslv3 = backend_port, accepts, sslv3
        self.answered: list[int] = []  # suites chosen in a ServerHello of ours
        super().__init__(accept_timeout=0.1)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                continue
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        client.settimeout(3)
        try:
            header = client.recv(5, socket.MSG_WAITALL)
            hello = header + client.recv(struct.unpack(">H", header[3:5])[0], socket.MSG_WAITALL)
            version, offered = _suites_and_version(hello)
            if version == 0x0300 and not self.sslv3:
                client.sendall(b"\x15\x03\x00\x00\x02\x02\x46")  # alert: protocol_version
                return
            chosen = [s for s in offered if s in self.accepts]
            if chosen or version == 0x0300:
                suite = chosen[0] if chosen else offered[0]
                self.answered.append(suite)
                client.sendall(server_hello(min(version, 0x0303), suite))
                return
            self._relay(client, hello)
        except (OSError, struct.error, IndexError):
            pass
        finally:
            client.close()

    def _relay(self, client: socket.socket, first: bytes) -> None:
        with socket.create_connection(("127.0.0.1", self.backend_port), timeout=3) as upstream:
            upstream.sendall(first)

            def back() -> None:
                try:
                    while data := upstream.recv(65536):
                        client.sendall(data)
                except OSError:
                    pass

            thread = threading.Thread(target=back, daemon=True)
            thread.start()
            try:
                while data := client.recv(65536):
                    upstream.sendall(data)
            except OSError:
                pass
            thread.join(3)
