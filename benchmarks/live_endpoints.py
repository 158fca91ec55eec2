"""Live scan of many local endpoints: wall time of one `preflight scan --live` run.

    python benchmarks/live_endpoints.py [--endpoints 50] [--delay-ms 50] [--runs 3]

Starts N HTTP servers on 127.0.0.1 (threads in this process), each answering
after an injected delay, then runs `preflight scan --live` with every live
rule that applies to HTTP (the opt-in rate-limit burst excluded) against all
of them, in a fresh process, and prints the wall time. Traffic stays on
loopback and every server is stopped at the end. Reported, never asserted.
"""
from __future__ import annotations

import argparse
import http.server
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def handler(delay: float) -> type[http.server.BaseHTTPRequestHandler]:
    class Slow(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            time.sleep(delay)
            body = b"<html><body>ok</body></html>"
            if self.path.startswith("/metrics"):
                body = b"# TYPE up gauge\nup 1\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/html" if not self.path.startswith("/metrics") else "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_HEAD = do_GET

        def do_OPTIONS(self) -> None:  # noqa: N802
            time.sleep(delay)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    return Slow


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", type=int, default=50)
    parser.add_argument("--delay-ms", type=float, default=50.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, help="pass --concurrency N to preflight (default: its own default)")
    args = parser.parse_args()
    servers = []
    for _ in range(args.endpoints):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler(args.delay_ms / 1000))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    try:
        command = [sys.executable, "-m", "checker", "scan", "--live", "-f", "json", "-o", os.devnull]
        for server in servers:
            command += ["--endpoint", f"http://127.0.0.1:{server.server_address[1]}/"]
        if args.concurrency:
            command += ["--concurrency", str(args.concurrency)]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        times, cpu, code = [], [], 0
        for _ in range(args.runs):
            start, used = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
            times.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime + after.ru_stime - used.ru_utime - used.ru_stime)
            code = done.returncode
            if code not in (0, 1):
                raise SystemExit(f"scan failed ({code}): {done.stderr[-800:]}")
        print(f"{args.endpoints} endpoints on 127.0.0.1, {args.delay_ms:g} ms injected delay, {args.runs} runs")
        print(f"preflight scan --live: median {statistics.median(times):.2f} s, min {min(times):.2f} s, max {max(times):.2f} s"
              f" (CPU time of the scan: median {statistics.median(cpu):.2f} s)")
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
