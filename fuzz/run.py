"""Run every fuzz target (or the ones named) for a bounded time; not part of CI.

    python fuzz/run.py                 # each target 60 s
    python fuzz/run.py --seconds 300 fuzz_yaml fuzz_load

Needs atheris (`pip install -e '.[fuzz]'`). Each target starts from seeds made
out of the rule fixtures (tests/fixtures), keeps its corpus in fuzz/.work/, and
saves any input that crashes it as fuzz/.work/crashes/<target>-crash-<sha1>.
Turn a crash into a regression test (tests/robustness/test_fuzz_regressions.py)
before fixing it. Exit status: 0 when no target crashed.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIXTURES = ROOT / "tests" / "fixtures"
TARGETS = ("fuzz_env", "fuzz_yaml", "fuzz_interpolate", "fuzz_paths", "fuzz_load")
# which fixture files seed which target; fuzz_load's seeds carry the kind in their first byte
SEED_GLOBS = {
    "fuzz_env": ["*.env", ".env*", "*env*"],
    "fuzz_yaml": ["*.yaml", "*.yml"],
    "fuzz_interpolate": ["*.env", "*compose*.yaml"],
    "fuzz_paths": [],
    "fuzz_load": [],
}
LOAD_KINDS = {0: ["*.env", ".env*"], 1: ["*compose*.y*ml"], 2: ["*.yaml"], 3: ["Dockerfile*", "*Dockerfile"], 4: ["*.conf"]}
MAX_SEED_BYTES = 64 * 1024


def seeds(target: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    if target == "fuzz_load":
        for kind, globs in LOAD_KINDS.items():
            for glob in globs:
                for path in sorted(FIXTURES.rglob(glob)):
                    if path.is_file() and path.stat().st_size <= MAX_SEED_BYTES:
                        (folder / f"seed-{count}").write_bytes(bytes([kind]) + path.read_bytes())
                        count += 1
    elif target == "fuzz_paths":
        for index, expression in enumerate(["services.*.ports[*]", 'services["b.c"][0][*]', "a[-1].b", "*.*.*"]):
            (folder / f"seed-{index}").write_text(expression)
    else:
        for glob in SEED_GLOBS[target]:
            for path in sorted(FIXTURES.rglob(glob)):
                if path.is_file() and path.stat().st_size <= MAX_SEED_BYTES:
                    (folder / f"seed-{count}").write_bytes(path.read_bytes())
                    count += 1
    return folder


def run(target: str, seconds: int, work: Path) -> int:
    corpus = work / "corpus" / target
    corpus.mkdir(parents=True, exist_ok=True)
    crashes = work / "crashes"
    crashes.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, str(HERE / f"{target}.py"), f"-max_total_time={seconds}", "-timeout=10", "-rss_limit_mb=1024",
        f"-artifact_prefix={crashes}/{target}-", "-print_final_stats=1", str(corpus), str(seeds(target, work / "seeds" / target)),
    ]
    print(f"== {target}: {seconds} s", flush=True)
    return subprocess.run(command, cwd=HERE).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="*", metavar="TARGET", help=f"any of {', '.join(TARGETS)} (default: all)")
    parser.add_argument("--seconds", type=int, default=60, help="per target (default 60)")
    parser.add_argument("--work", type=Path, default=HERE / ".work", help="corpus, seeds and crashes (default fuzz/.work)")
    args = parser.parse_args()
    unknown = [t for t in args.targets if t not in TARGETS]
    if unknown:
        parser.error(f"unknown target {unknown[0]!r}: choose from {', '.join(TARGETS)}")
    failed = [t for t in (args.targets or TARGETS) if run(t, args.seconds, args.work) != 0]
    if failed:
        print(f"crashed: {', '.join(failed)} (inputs in {args.work / 'crashes'})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
