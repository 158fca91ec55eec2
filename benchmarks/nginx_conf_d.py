"""nginx with many conf.d files: each file is parsed once per scan.

    python benchmarks/nginx_conf_d.py [--files 400] [--timeout 600]

An nginx.conf that includes conf.d/*.conf, and N server files in conf.d/. Each
conf.d file asks whether the nginx.conf beside it includes it (then it is judged
in that context); before issue #12 item 13 every one of them re-parsed nginx.conf
and all its includes: 400 files took 43 s. Prints wall and CPU time of
`preflight scan DIR -f json` in a child process (start-up included). Reported, not asserted.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MAIN = """events {}
http {
    server_tokens off;
    include conf.d/*.conf;
}
"""
SERVER = """server {{
    listen 443 ssl;
    server_name app{n}.example.com;
    ssl_protocols TLSv1.2 TLSv1.3;
    add_header Strict-Transport-Security "max-age=63072000" always;
    location / {{ proxy_pass http://127.0.0.1:{port}; }}
}}
"""


def make_tree(folder: Path, files: int) -> None:
    (folder / "conf.d").mkdir(parents=True)
    (folder / "nginx.conf").write_text(MAIN)
    for n in range(files):
        (folder / "conf.d" / f"app{n:04d}.conf").write_text(SERVER.format(n=n, port=8000 + n % 1000))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, nargs="+", default=[400])
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    for files in args.files:
        with tempfile.TemporaryDirectory() as tmp:
            make_tree(Path(tmp) / "nginx", files)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "checker", "scan", str(Path(tmp) / "nginx"), "-f", "json",
                                   "-o", os.devnull], cwd=ROOT, capture_output=True, timeout=args.timeout)
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            print(f"{files} conf.d files: {wall:.2f} s wall, {cpu:.2f} s CPU (exit {done.returncode})")


if __name__ == "__main__":
    main()
