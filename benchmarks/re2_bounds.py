"""The work bound on rule-file patterns (probes/_ops.py), measured: what a hostile pattern can cost.

    python benchmarks/re2_bounds.py

For each pattern: its RE2 program size, whether rules refuse it, and for an
accepted one the time of one match over the longest value it may be matched
against (MAX_MATCH_WORK / program size, random text with no match), and of a
value of 9 MB, which is an `error` result before any matching. Reported, not asserted.
"""
from __future__ import annotations

import random
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from checker.errors import ProbeError  # noqa: E402
from checker.probes import _ops  # noqa: E402

PATTERNS = (
    r"(\pL|\pN|\s|\pP){200}0",  # issue #12: 128 s on one 9 MB value
    r"(.|\pL){1000}0",  # issue #12: 39 s per MB
    r"(.|\pL){120}0",
    r"(a|b|.){150}0",
    r"([a-z]|[A-Z]|[0-9]|\W){120}0",
    r"[a-z]{50}[0-9]{50}$",
    r".*password.*0",
)


def main() -> None:
    rng = random.Random(12)
    alphabet = string.ascii_letters + string.punctuation + " "
    text = "".join(rng.choice(alphabet) for _ in range(9_000_000))
    print("| pattern | RE2 instructions | verdict | longest value matched | time of that match (s) | 9 MB value |")
    print("|---|---:|---|---:|---:|---|")
    for pattern in PATTERNS:
        try:
            compiled = _ops.compile_pattern(pattern)
        except ValueError:
            import re2

            options = re2.Options()
            options.max_mem = _ops.MAX_PATTERN_MEMORY
            size = re2.compile(pattern, options).programsize
            print(f"| `{pattern}` | {size:,} | refused (exit 2) | - | - | - |")
            continue
        size = compiled._size  # type: ignore[attr-defined]
        longest = min(_ops.MAX_MATCH_WORK // size, len(text))
        _ops.reset_match_budget()
        started = time.perf_counter()
        compiled.search(text[:longest])
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        try:
            compiled.search(text)
            verdict = f"matched in {time.perf_counter() - started:.2f} s"
        except ProbeError as exc:
            verdict = f"error {exc.reason} in {time.perf_counter() - started:.3f} s"
        print(f"| `{pattern}` | {size:,} | accepted | {longest:,} | {seconds:.3f} | {verdict} |", flush=True)


if __name__ == "__main__":
    main()
