"""Live scan of many local endpoints: wall time of one `preflight scan --live` run.

    python benchmarks/live_endpoints.py [--endpoints 50] [--delay-ms 50] [--runs 3]
    python benchmarks/live_endpoints.py --tls [--endpoints 10] [--runs 3]   # TLS rules, side by side with sslyze

Starts N HTTP servers on 127.0.0.1 (threads in this process), each answering
after an injected delay, then runs `preflight scan --live` with every live
rule that applies to HTTP (the opt-in rate-limit burst excluded) against all
of them, in a fresh process, and prints the wall time. Traffic stays on
loopback and every server is stopped at the end. Reported, never asserted.

--tls: N Python `ssl` servers with trustme certificates instead; preflight runs its TLS
rules (SEC-500..505, 507) and sslyze (when installed: the test extras) runs the same
checks (--certinfo with the CA file, SSL 3.0 to TLS 1.3 suites), each in a fresh process.
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


TLS_RULES = "SEC-500,SEC-501,SEC-502,SEC-503,SEC-504,SEC-505,SEC-507"


def _timed(command: list[str], runs: int, env: dict[str, str]) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        times.append(time.perf_counter() - start)
        if done.returncode not in (0, 1):
            raise SystemExit(f"{command[2]} failed ({done.returncode}): {done.stderr[-800:]}")
    return times


def tls_side_by_side(endpoints: int, runs: int) -> None:
    import tempfile

    import trustme

    sys.path.insert(0, str(ROOT / "tests" / "live"))
    from test_tls import server_context, tls_server  # the servers the TLS tests use

    ca = trustme.CA()
    folder = Path(tempfile.mkdtemp(prefix="preflight-bench-"))
    bundle = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    from contextlib import ExitStack

    with ExitStack() as stack:
        ports = [stack.enter_context(tls_server(server_context(ca.issue_cert("127.0.0.1")))) for _ in range(endpoints)]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        ours = [sys.executable, "-m", "checker", "scan", "--select", TLS_RULES, "--ca-bundle", str(bundle),
                "-f", "json", "-o", str(folder / "report.json")]
        for port in ports:
            ours += ["--endpoint", f"https://127.0.0.1:{port}"]
        times = _timed(ours, runs, env)
        print(f"{endpoints} TLS endpoints on 127.0.0.1 (Python ssl, trustme), {runs} runs")
        print(f"preflight {TLS_RULES}: median {statistics.median(times):.2f} s, min {min(times):.2f} s")
        try:
            import sslyze  # noqa: F401
        except ImportError:
            print("sslyze: not installed (pip install -e '.[test]')")
            return
        theirs = [sys.executable, "-m", "sslyze", "--quiet", "--certinfo", "--certinfo_ca_file", str(bundle),
                  "--sslv3", "--tlsv1", "--tlsv1_1", "--tlsv1_2", "--tlsv1_3", "--json_out", str(folder / "sslyze.json")]
        theirs += [f"127.0.0.1:{port}" for port in ports]
        sslyze_times = _timed(theirs, runs, env)
        print(f"sslyze --certinfo --sslv3..--tlsv1_3: median {statistics.median(sslyze_times):.2f} s, "
              f"min {min(sslyze_times):.2f} s ({statistics.median(sslyze_times) / statistics.median(times):.1f}x preflight)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", type=int, default=50)
    parser.add_argument("--delay-ms", type=float, default=50.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, help="pass --concurrency N to preflight (default: its own default)")
    parser.add_argument("--tls", action="store_true", help="TLS rules against TLS servers, side by side with sslyze")
    args = parser.parse_args()
    if args.tls:
        tls_side_by_side(args.endpoints, args.runs)
        return 0
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
