"""A TCP relay on 127.0.0.1 that records what a client sends to a real server behind it.

Tests use it to see, byte for byte, what a probe put on the wire (an AUTH command, a
PostgreSQL password message, an Authorization header) without mocking the client.
"""
from __future__ import annotations

import socket
import threading
from typing import Any


class LoopbackServer:
    """A listening socket on 127.0.0.1 served by one thread while the `with` block runs; `_serve` is the loop."""

    def __init__(self, accept_timeout: float = 0.2) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(accept_timeout)
        self.port = int(self._listener.getsockname()[1])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> Any:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _serve(self) -> None:
        raise NotImplementedError


class Recorder(LoopbackServer):
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.streams: list[bytearray] = []  # what each client sent, one per connection
        self.connections = 0
        self._lock = threading.Lock()
        super().__init__()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                continue
            stream = bytearray()
            with self._lock:
                self.connections += 1
                self.streams.append(stream)
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
            threading.Thread(target=self._pipe, args=(client, upstream, stream), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, None), daemon=True).start()

    @property
    def sent(self) -> bytes:
        with self._lock:
            return b"".join(self.streams)

    def _pipe(self, source: socket.socket, target: socket.socket, record: bytearray | None) -> None:
        try:
            while chunk := source.recv(65536):
                if record is not None:
                    with self._lock:
                        record.extend(chunk)
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (source, target):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class Listener(LoopbackServer):
    """A port that counts the connections made to it and answers nothing."""

    def __init__(self) -> None:
        self.connections = 0
        super().__init__()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                continue
            self.connections += 1
            client.close()
