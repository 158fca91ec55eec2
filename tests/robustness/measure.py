"""Measure each hostile file's cost: wall time and peak RSS of a scan of a folder holding it (and one good file).

    python tests/robustness/measure.py            # a Markdown table, as in docs/security.md

Each scan runs in a child process of its own (`preflight scan DIR -f json`), so
the peak RSS is that scan's alone, Python's start-up included; the first row is
the folder with the good file only, the baseline the others add to.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from robustness.hostile import HOSTILE, build_tree, measure_scan  # noqa: E402


def main() -> None:
    print("| file | exit | time (s) | peak RSS (MB) |")
    print("|---|---:|---:|---:|")
    for name in ("(good file only)", *HOSTILE):
        with tempfile.TemporaryDirectory() as folder:
            made = build_tree(Path(folder), () if name.startswith("(") else (name,))
            if not name.startswith("(") and name not in made:
                print(f"| {name} | - | not made on this machine | |")
                continue
            seconds, rss, code = measure_scan(Path(folder) / "tree")
            print(f"| {name} | {code} | {seconds:.2f} | {rss:.0f} |", flush=True)


if __name__ == "__main__":
    main()
