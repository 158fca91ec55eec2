"""Scale: `preflight scan` of 100 / 1,000 / 10,000 Kubernetes manifests against the YAML parse floor.

    python benchmarks/scale.py [--sizes 100,1000,10000] [--runs 3] [--layouts teams,environments]
                               [--with-checkov] [--jobs N] [--smoke]

Builds each corpus once (cached under $TMPDIR/preflight-bench) by replicating
the real manifests in ../shared/corpus/k8s (or tests/fixtures when the corpus
is absent): file j is source file j mod S with every object moved to the
namespace `team-<j div S>`, so replicas are distinct deployments, as in a
monorepo of many teams, rather than thousands of copies of one Service
(layout `teams`). Layout `environments` is the other monorepo: file j goes to
folder `env-<j div S>/` unchanged, so every environment folder holds the same
manifests with identical names, namespaces and labels (one deployment unit
each, inputs/units.py): cross-object rules must relate each copy to its own
folder's objects only, and stay linear.

For each size it runs, alternately and in fresh processes:
- the parse floor: one Python process that reads every file and parses it with
  `yaml.CSafeLoader` (libyaml), nothing else;
- `preflight scan DIR -f json -o /dev/null` with every shipped rule;
- with --with-checkov, `checkov -d DIR --framework kubernetes -o json`, from
  its own virtualenv (created on first use; Checkov 3.3.30, as in issue #6).

It prints medians, the preflight/floor ratio, peak memory (the proportional set
size of the process and its children, summed, sampled every 100 ms) and the
time per 1,000 files, so linear growth can be read off. The issue #6 targets
(at most 2x the floor, at most 300 MB, linear) are reported, never asserted.
`--smoke` (used by CI) runs one small size once, to keep the runner working.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# not under a hidden folder: Checkov skips every path with a dot-folder in it (and then scans nothing)
CACHE = Path(os.environ.get("PREFLIGHT_BENCH_CACHE", Path(tempfile.gettempdir()) / "preflight-bench"))
CHECKOV_VERSION = "3.3.30"
PARSE_FLOOR = """\
import sys, yaml
from pathlib import Path
count = 0
for path in sorted(Path(sys.argv[1]).rglob("*.yaml")):
    count += sum(1 for _ in yaml.load_all(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader))
print(count)
"""


def source_manifests() -> list[Path]:
    corpus = ROOT.parent / "shared" / "corpus" / "k8s"
    if not corpus.is_dir():
        corpus = ROOT / "tests" / "fixtures"
    return sorted(p for p in corpus.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def build_corpus(size: int, layout: str = "teams") -> Path:
    """Write `size` manifest files (once; reused while the sources are unchanged)."""
    import yaml

    sources = [(path, _parse_all(path)) for path in source_manifests()]
    sources = [(path, docs) for path, docs in sources if docs and any(_is_object(d) for d in docs)]
    stamp = f"{len(sources)}-{sum(p.stat().st_size for p, _ in sources)}"
    target = CACHE / (f"k8s-{size}" if layout == "teams" else f"k8s-{layout}-{size}")
    if (target / ".stamp").is_file() and (target / ".stamp").read_text() == stamp:
        return target
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for j in range(size):
        path, docs = sources[j % len(sources)]
        replica = j // len(sources)
        if layout == "teams":
            moved = [_in_namespace(doc, f"team-{replica:04d}") for doc in docs]
            folder = target / f"team-{replica:04d}"
        else:  # the same objects in every environment folder
            moved, folder = docs, target / f"env-{replica:04d}"
        folder.mkdir(exist_ok=True)
        text = yaml.safe_dump_all(moved, sort_keys=False)
        name = f"{j:05d}-{path.stem}.yaml" if layout == "teams" else f"{j % len(sources):05d}-{path.stem}.yaml"
        (folder / name).write_text(text, encoding="utf-8")
    (target / ".stamp").write_text(stamp)
    return target


def _parse_all(path: Path) -> list[object]:
    import yaml

    try:
        return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    except (yaml.YAMLError, UnicodeDecodeError):
        return []


def _is_object(doc: object) -> bool:
    return isinstance(doc, dict) and "kind" in doc and "apiVersion" in doc


def _in_namespace(doc: object, namespace: str) -> object:
    if _is_object(doc) and isinstance(doc, dict) and doc.get("kind") != "Namespace":
        metadata = doc.setdefault("metadata", {})
        if isinstance(metadata, dict):
            metadata["namespace"] = namespace
    return doc


class Sample:
    def __init__(self, seconds: float, peak_mb: float, code: int) -> None:
        self.seconds, self.peak_mb, self.code = seconds, peak_mb, code


def measure(command: list[str], timeout: float, env: dict[str, str]) -> Sample:
    """Wall time and peak resident memory of the command's process tree."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, preexec_fn=_cap_memory)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_memory_kb(process.pid))
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_tree(process)
        done.set()
        return Sample(float("inf"), peak[0] / 1024, -1)
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if process.returncode not in (0, 1):  # 1 = findings; anything else: the command did not run
        raise SystemExit(f"{' '.join(command)} exited {process.returncode}: {stderr.decode()[-800:]}")
    return Sample(elapsed, peak[0] / 1024, process.returncode)


def _cap_memory() -> None:
    """Address space of each measured process capped at 8 GiB: a runaway peer must not take the machine down."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))


def _tree_memory_kb(root: int) -> int:
    """Proportional set size (PSS) of the process and its descendants: forked workers share the parent's
    pages, which a sum of resident sizes would count once per worker."""
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _pss_kb(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children", "rb") as children:
                    stack.extend(int(child) for child in children.read().split())
        except OSError:
            continue
    return total


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
        with open(f"/proc/{pid}/statm", "rb") as statm:  # no smaps_rollup: resident size
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, IndexError, ValueError):
        return 0
    return 0


def _kill_tree(process: subprocess.Popen[bytes]) -> None:
    subprocess.run(["pkill", "-KILL", "-P", str(process.pid)], check=False)
    process.kill()
    process.wait()


def checkov_command() -> list[str]:
    """Checkov from its own virtualenv, kept off the network: it would otherwise fetch guidelines from
    Prisma Cloud and look for a newer release on PyPI (CKV_SKIP_PACKAGE_UPDATE_CHECK in `main`). Where
    `unshare` may make a network namespace (root), it runs in one with no interface up at all."""
    venv = CACHE / f"checkov-{CHECKOV_VERSION}"
    binary = venv / "bin" / "checkov"
    if not binary.exists():
        print(f"installing Checkov {CHECKOV_VERSION} into {venv} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", f"checkov=={CHECKOV_VERSION}"], check=True)
    isolated = shutil.which("unshare") and subprocess.run(["unshare", "-n", "true"], check=False).returncode == 0
    return (["unshare", "-n"] if isolated else []) + [str(binary), "--skip-download"]


def _checkov_summary(command: list[str], env: dict[str, str]) -> str:
    """What Checkov found, so that a run which scanned nothing is not timed as a fast one."""
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1200, check=False)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        return f"no JSON (exit {done.returncode}): {done.stderr[-300:]}"
    reports = report if isinstance(report, list) else [report]
    summary = reports[0].get("summary", reports[0])
    return (f"{summary.get('resource_count')} resources, {summary.get('passed')} passed, "
            f"{summary.get('failed')} failed, {summary.get('parsing_errors')} parsing errors")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="comma-separated corpus sizes (files)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--layouts", default="teams,environments",
                        help="teams: one namespace per copy; environments: identical copies per env folder")
    parser.add_argument("--jobs", type=int, help="pass --jobs N to preflight (default: its own default)")
    parser.add_argument("--with-checkov", action="store_true", help=f"also time Checkov {CHECKOV_VERSION}")
    parser.add_argument("--checkov-max-files", type=int, default=3000,
                        help="skip Checkov above this size (issue #6 saw it pass 22 GiB at 10,000 files)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds before a run is stopped")
    parser.add_argument("--smoke", action="store_true", help="one small size, one run (CI)")
    parser.add_argument("--json", metavar="FILE", help="also write the medians here")
    args = parser.parse_args()
    sizes = [40] if args.smoke else [int(s) for s in args.sizes.split(",")]
    runs = 1 if args.smoke else args.runs
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure the installed state, not recompiling on every start
    preflight = [sys.executable, "-m", "checker", "scan"]
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    subprocess.run([sys.executable, "-m", "checker", "rules"], env=env, check=True, stdout=subprocess.DEVNULL)  # warm the rule cache
    rows = []
    layouts = ["teams"] if args.smoke else args.layouts.split(",")
    for layout, size in [(layout, size) for layout in layouts for size in sizes]:
        corpus = build_corpus(size, layout)
        commands = {
            "parse floor (CSafeLoader)": [sys.executable, "-c", PARSE_FLOOR, str(corpus)],
            "preflight": preflight + [str(corpus), "-f", "json", "-o", os.devnull] + jobs,
        }
        if args.with_checkov and size <= args.checkov_max_files:
            commands["checkov"] = checkov_command() + [
                "-d", str(corpus), "--framework", "kubernetes", "-o", "json", "--quiet"]
            print(f"checkov on {size} files: {_checkov_summary(commands['checkov'], env)}")
        samples: dict[str, list[Sample]] = {name: [] for name in commands}
        for _ in range(runs):  # alternate, so load on the machine hits every command alike
            for name, command in commands.items():
                samples[name].append(measure(command, args.timeout, env))
        row = {"files": size, "layout": layout}
        for name, taken in samples.items():
            row[name] = {
                "median_s": statistics.median(s.seconds for s in taken),
                "peak_mb": max(s.peak_mb for s in taken),
            }
        rows.append(row)
        _print_row(row, runs)
    if args.json:
        Path(args.json).write_text(json.dumps({"cpus": os.cpu_count(), "runs": runs, "rows": rows}, indent=2))
    return 0


def _print_row(row: dict[str, object], runs: int) -> None:
    floor = row["parse floor (CSafeLoader)"]
    assert isinstance(floor, dict)
    print(f"\n{row['files']} files, layout {row['layout']} ({runs} runs each, medians)")
    for name, value in row.items():
        if name in ("files", "layout") or not isinstance(value, dict):
            continue
        seconds = value["median_s"]
        ratio = seconds / floor["median_s"] if floor["median_s"] else float("nan")
        per_thousand = seconds / int(str(row["files"])) * 1000
        shown = "timeout" if seconds == float("inf") else f"{seconds:7.2f} s"
        print(f"  {name:<28} {shown}  x{ratio:5.2f} floor  {value['peak_mb']:7.0f} MB peak"
              f"  {per_thousand:6.2f} s / 1,000 files")


if __name__ == "__main__":
    sys.exit(main())
