"""nginx on 127.0.0.1 with TLS, started and stopped by the end-to-end live tests.

Two configurations: a deliberately weak server (TLS 1.0 accepted, a
certificate that expires in a few days, no security headers, CORS reflecting
any origin with credentials) and a hardened one. Every path nginx writes is
under the test's temporary folder; nginx runs in the foreground and is stopped
(with its workers) at teardown.
"""
from __future__ import annotations

import datetime as dt
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, NamedTuple

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

WEAK_SERVER = """
        ssl_protocols TLSv1 TLSv1.1 TLSv1.2;
        ssl_ciphers ALL:@SECLEVEL=0;
        location / {
            add_header Access-Control-Allow-Origin $http_origin always;
            add_header Access-Control-Allow-Credentials true always;
            return 200 "weak\\n";
        }
"""

HARDENED_SERVER = """
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers ECDHE+AESGCM:ECDHE+CHACHA20;
        gzip on;
        gzip_types text/plain text/css application/json application/javascript;
        gzip_min_length 1;
        location / {
            add_header Strict-Transport-Security "max-age=63072000; includeSubDomains; preload" always;
            add_header Content-Security-Policy "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'" always;
            add_header X-Content-Type-Options nosniff always;
            add_header X-Frame-Options DENY always;
            add_header Referrer-Policy no-referrer always;
            add_header Cross-Origin-Resource-Policy same-origin always;
            default_type text/plain;
            return 200 "hardened hardened hardened hardened hardened hardened hardened hardened\\n";
        }
"""


class Server(NamedTuple):
    url: str
    ca_bundle: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def nginx_tls(tmp: Path, server_block: str, valid_days: int) -> Iterator[Server]:
    import trustme

    ca = trustme.CA()
    now = dt.datetime.now(dt.timezone.utc)
    leaf = ca.issue_cert("127.0.0.1", "localhost", not_before=now - dt.timedelta(days=1),
                         not_after=now + dt.timedelta(days=valid_days), key_type=trustme.KeyType.RSA)
    (tmp / "logs").mkdir(parents=True, exist_ok=True)
    cert, key, bundle = tmp / "cert.pem", tmp / "key.pem", tmp / "ca.pem"
    leaf.private_key_pem.write_to_path(str(key))
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    ca.cert_pem.write_to_path(str(bundle))
    port = free_port()
    config = tmp / "nginx.conf"
    config.write_text(f"""
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/logs/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    server_tokens off;
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name localhost 127.0.0.1;
        ssl_certificate {cert};
        ssl_certificate_key {key};
{server_block}
    }}
}}
""")
    process = subprocess.Popen([NGINX, "-p", str(tmp), "-c", str(config), "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"nginx exited: {process.stderr.read().decode() if process.stderr else ''}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield Server(f"https://127.0.0.1:{port}/", bundle)
    finally:
        # SIGTERM lets the master stop its workers; SIGKILL would orphan them, still listening
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
