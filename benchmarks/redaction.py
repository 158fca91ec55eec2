"""Redaction at scale: an env file with N secret-looking keys, each with its own short random value.

    python benchmarks/redaction.py [--keys 10000 20000 40000] [--timeout 600]

Every key fails the short-secret rules, so every one of its results goes
through redaction, and every value is a secret to mask. Before redaction was
one automaton over each text (issue #12 item 6), each result was checked
against every secret: 10k / 20k / 40k keys took 14 s / 79 s / over 500 s.
Prints wall time and peak RSS of `preflight scan DIR -f json` in a child
process (Python's start-up included). Reported, not asserted.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def env_file(keys: int, seed: int = 12) -> str:
    rng = random.Random(seed)
    lines = [f"SERVICE_{n}_PASSWORD={''.join(rng.choice(_ALPHABET) for _ in range(14))}" for n in range(keys)]
    return "\n".join(lines) + "\n"


def scan_seconds(folder: Path, timeout: float) -> tuple[float | None, int | None]:
    """Wall time of one scan (None past the timeout) and its exit code."""
    started = time.perf_counter()  # on a shared machine the CPU time (printed too) is the steadier figure
    try:
        done = subprocess.run(
            [sys.executable, "-m", "checker", "scan", str(folder), "-f", "json", "-o", os.devnull],
            cwd=ROOT, capture_output=True, timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return None, None
    return time.perf_counter() - started, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, nargs="+", default=[10_000, 20_000, 40_000])
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    print("| secret-looking keys | exit | wall time (s) | CPU time (s) | peak RSS (MB) |")
    print("|---:|---:|---:|---:|---:|")
    for keys in args.keys:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "deploy"
            folder.mkdir()
            (folder / ".env.production").write_text(env_file(keys))
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            seconds, code = scan_seconds(folder, args.timeout)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
            shown = f"{seconds:.1f}" if seconds is not None else f"> {args.timeout:.0f} (stopped)"
            cpu_shown = f"{cpu:.1f}" if seconds is not None else "-"
            print(f"| {keys:,} | {code if code is not None else '-'} | {shown} | {cpu_shown} | {after.ru_maxrss / 1024:.0f} |",
                  flush=True)


if __name__ == "__main__":
    main()
