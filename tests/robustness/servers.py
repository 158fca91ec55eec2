"""Misbehaving servers on 127.0.0.1 for the network-fault tests, each one a context manager.

Every server runs in a daemon thread for the length of one test, answers every
connection the same hostile way, and is stopped (listener closed, threads told
to stop) when its `with` block ends. `sent` counts the bytes a server wrote, so a
test can show that a client stopped reading.
"""
from __future__ import annotations

import os
import socket
import struct
import threading
from contextlib import contextmanager
from typing import Callable, Iterator

Behaviour = Callable[[socket.socket, threading.Event, list[int]], None]


@contextmanager
def serve(behaviour: Behaviour) -> Iterator[tuple[int, list[int]]]:
    """Yield (port, sent) for a listener that hands each connection to `behaviour` in its own thread."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    listener.settimeout(0.1)
    stop = threading.Event()
    sent = [0]
    connections: list[socket.socket] = []

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (socket.timeout, OSError):
                continue
            connections.append(conn)
            threading.Thread(target=_run, args=(behaviour, conn, stop, sent), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], sent
    finally:
        stop.set()
        thread.join(5)
        listener.close()
        for conn in connections:
            try:
                conn.close()
            except OSError:
                pass


def _run(behaviour: Behaviour, conn: socket.socket, stop: threading.Event, sent: list[int]) -> None:
    try:
        behaviour(conn, stop, sent)
    except OSError:
        pass  # the client went away: what these servers expect
    finally:
        try:
            conn.close()
        except OSError:
            pass


@contextmanager
def silent() -> Iterator[int]:
    """The kernel completes the TCP handshake (the backlog); nobody ever accepts or answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def closed_port() -> int:
    """A port nobody listens on: connecting is refused."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port: int = probe.getsockname()[1]
    probe.close()
    return port


def reset_after_first_bytes(conn: socket.socket, stop: threading.Event, sent: list[int]) -> None:
    """Read the start of what the client sends (a TLS ClientHello ...), then reset the connection."""
    conn.settimeout(2)
    conn.recv(5)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close sends RST


def garbage(conn: socket.socket, stop: threading.Event, sent: list[int]) -> None:
    """Answer anything with random bytes (not TLS, not HTTP, not any database protocol), then close."""
    conn.settimeout(2)
    try:
        conn.recv(4096)
    except socket.timeout:
        pass
    data = b"\x15\x03\x00\x00\x02\xff\xff" + os.urandom(4096)
    conn.sendall(data)
    sent[0] += len(data)


def drip(conn: socket.socket, stop: threading.Event, sent: list[int]) -> None:
    """An HTTP answer that never ends: one byte of an endless header every 50 ms."""
    data = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10_000_000
    for index in range(len(data)):
        if stop.wait(0.05):
            return
        conn.sendall(data[index:index + 1])
        sent[0] += 1


def redirect_loop(conn: socket.socket, stop: threading.Event, sent: list[int]) -> None:
    """Every request is sent back to the same URL with a 301."""
    conn.settimeout(2)
    while not stop.is_set():
        request = conn.recv(65536)
        if not request:
            return
        path = request.split(b" ", 2)[1] if request.count(b" ") >= 2 else b"/"
        host = conn.getsockname()
        answer = (
            b"HTTP/1.1 301 Moved Permanently\r\nLocation: http://%s:%d%s\r\nContent-Length: 0\r\n\r\n"
            % (host[0].encode(), host[1], path)
        )
        conn.sendall(answer)
        sent[0] += len(answer)


def huge_body(conn: socket.socket, stop: threading.Event, sent: list[int]) -> None:
    """A 200 whose body is 1 GiB of zeros, written until the client stops reading."""
    conn.settimeout(2)
    conn.recv(65536)
    size = 1024 ** 3
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % size)
    block = b"\0" * 65536
    written = 0
    while written < size and not stop.is_set():
        conn.sendall(block)  # blocks (then times out) once the client stops reading
        written += len(block)
        sent[0] += len(block)


def postgres_that_logs_in_and_falls_silent(conn: socket.socket, stop: threading.Event, sent: list[int]) -> None:
    """Speak just enough of the PostgreSQL protocol to log any client in, then never answer a query.

    The client first may ask for TLS or GSS encryption (8-byte requests, answered
    `N`), then sends its startup message: answered with AuthenticationOk, the server
    version, a cancel key and ReadyForQuery. Its first query gets no answer.
    """
    conn.settimeout(5)
    while True:
        header = _read_exactly(conn, 8)
        length, code = struct.unpack("!ii", header)
        if code in (80877103, 80877104):  # SSLRequest, GSSENCRequest
            conn.sendall(b"N")
            continue
        _read_exactly(conn, length - 8)  # the rest of the startup message
        break

    def message(kind: bytes, body: bytes) -> bytes:
        return kind + struct.pack("!i", len(body) + 4) + body

    answer = (
        message(b"R", struct.pack("!i", 0))
        + message(b"S", b"server_version\x0015.4\x00")
        + message(b"S", b"client_encoding\x00UTF8\x00")
        + message(b"K", struct.pack("!ii", 1, 2))
        + message(b"Z", b"I")
    )
    conn.sendall(answer)
    sent[0] += len(answer)
    while not stop.wait(0.1):  # the query arrives and is never answered
        pass


def _read_exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("client went away")
        data += chunk
    return data
