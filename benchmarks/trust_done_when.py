"""Issue 12's done-when repository, timed: `preflight scan` in every format, offline.

    python benchmarks/trust_done_when.py [--runs 3]

Builds the hostile repository of tests/robustness/test_trust_done_when.py (hostile .preflight.yaml,
env_file: /etc/passwd and ../outside, a merge-key bomb, a 10,000-line Dockerfile, 20,000 secret-looking
keys ...) in a temporary folder, and prints the wall and CPU time of the scan (target: 10 s in all).
The correctness half (no connection, no canary, tree unchanged) is the test.
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "robustness"), str(ROOT / "benchmarks")]

from test_trust_done_when import FORMATS, hostile_repo  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        repo = hostile_repo(Path(folder), port=9)  # the discard port: nothing listens, nothing is sent
        formats = [arg for fmt in FORMATS for arg in ("-f", fmt)]
        walls, cpus = [], []
        for run in range(args.runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "checker", "scan", ".", *formats, "--output-dir",
                                   str(Path(folder) / f"out{run}")], cwd=repo, capture_output=True, text=True)
            walls.append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            if done.returncode != 1:
                print(done.stderr[-2000:], file=sys.stderr)
                return 1
        print(f"done-when repository, scan in {len(FORMATS)} formats: wall min {min(walls):.2f} s, "
              f"median {sorted(walls)[len(walls) // 2]:.2f} s; CPU min {min(cpus):.2f} s (target 10 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
