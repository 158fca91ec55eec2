"""Type II history: what recording costs, how big the store grows, how long a period report takes.

    python benchmarks/history.py [--runs 30] [--tree examples/deploy] [--postgres postgresql://...]

Makes RUNS signed evidence bundles of the tree on consecutive simulated days (`--now`), records each
with `history record` into a fresh SQLite file (and the PostgreSQL URL when given), then times
`history verify` and `history report` over all of them. Figures: docs/history.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checker.cli import main  # noqa: E402


def quiet(argv: list[str]) -> tuple[int, float]:
    started = time.perf_counter()
    with redirect_stdout(StringIO()):
        code = main(argv)
    return code, time.perf_counter() - started


def run(runs: int, tree: str, postgres: str | None) -> None:
    work = Path(tempfile.mkdtemp(prefix="preflight-history-bench-"))
    quiet(["keygen", "-o", str(work / "k")])
    stores = [str(work / "history.sqlite")] + ([postgres] if postgres else [])
    evidence_s, record_s = 0.0, {store: 0.0 for store in stores}
    start = dt.datetime(2026, 6, 1, 9, tzinfo=dt.timezone.utc)
    for n in range(runs):
        now = (start + dt.timedelta(days=n)).isoformat().replace("+00:00", "Z")
        bundle = work / f"b{n:03d}"
        code, seconds = quiet(["evidence", tree, "--framework", "soc2", "-o", str(bundle), "--sign", str(work / "k.key"),
                               "--now", now])
        assert code == 0
        evidence_s += seconds
        for store in stores:
            code, seconds = quiet(["history", "record", str(bundle), "--history", store, "--public-key",
                                   str(work / "k.pub"), "--now", now])
            assert code == 0, code
            record_s[store] += seconds
    until = (start + dt.timedelta(days=runs - 1)).date().isoformat()
    size = os.path.getsize(stores[0]) + sum(os.path.getsize(p) for p in work.glob("history.sqlite-*"))
    report_bytes = sum(os.path.getsize(b / "report.json") for b in work.glob("b*"))
    print(f"{runs} runs of {tree}: evidence {evidence_s / runs:.2f} s per run; report.json {report_bytes / runs / 1024:.0f} KiB per run")
    print(f"SQLite file: {size / 1024 / 1024:.2f} MiB ({size / runs / 1024:.0f} KiB per run)")
    for store in stores:
        kind = "postgres" if "://" in store else "sqlite"
        _, verify_s = quiet(["history", "verify", "--history", store, "--public-key", str(work / "k.pub")])
        code, report_s = quiet(["history", "report", "--framework", "soc2", "--since", "2026-06-01", "--until", until,
                                "-o", str(work / f"report-{kind}"), "--sign", str(work / "k.key"), "--history", store])
        assert code == 0
        print(f"{kind}: record {record_s[store] / runs * 1000:.0f} ms per run; verify {verify_s:.2f} s; "
              f"period report {report_s:.2f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--tree", default=str(ROOT / "examples" / "deploy"))
    parser.add_argument("--postgres", help="also record into this PostgreSQL URL (an empty database)")
    options = parser.parse_args()
    run(options.runs, options.tree, options.postgres)
