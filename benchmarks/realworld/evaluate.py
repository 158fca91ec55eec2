"""Score preflight's findings on real deploy repositories against hand judgements (see README.md).

    python benchmarks/realworld/evaluate.py CHECKOUTS             findings per repository, precision per rule
    python benchmarks/realworld/evaluate.py CHECKOUTS --dump      every failing finding not judged yet, as TSV rows
    python benchmarks/realworld/evaluate.py CHECKOUTS --markdown  the per-rule table for docs/accuracy.md
    python benchmarks/realworld/evaluate.py CHECKOUTS --lost      judged findings no longer reported

Verdicts in judgements.tsv: `agree` (a platform engineer would act on it), `required`
(correct, but the product needs it that way: cAdvisor privileged, a proxy mounting the
Docker socket), `disagree` (wrong, or a restatement not worth a finding). The older
round-one verdicts `noise` and `wrong` count as `disagree`. Agreement is agree + required
over all judged findings still reported; "worth acting on" is agree alone.
"""
from __future__ import annotations

import argparse
import collections
import csv
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
Key = tuple[str, str, str, str]  # repository, rule, file, line
VERDICTS = {"agree": "agree", "required": "required", "disagree": "disagree", "noise": "disagree", "wrong": "disagree"}


def findings(checkout: Path) -> list[dict[str, object]]:
    """Failing results of a default offline scan of one checkout, run from inside it as a user would."""
    done = subprocess.run([sys.executable, "-m", "checker", "scan", ".", "-f", "json"], cwd=checkout,
                          capture_output=True, text=True, timeout=900)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{checkout}: preflight exited {done.returncode}: {done.stderr.strip()[:400]}")
    report = json.loads(done.stdout)
    return [r for r in report["results"] if r["status"] in ("fail", "error")]


def key(repository: str, result: dict[str, object]) -> Key:
    location = result.get("location") or {}
    assert isinstance(location, dict)
    return repository, str(result["rule_id"]), str(location.get("file") or "project"), str(location.get("line") or "")


# the tuned-on repositories' verdicts: the main file and each branch's own (judgements-<branch>.tsv)
NOT_TUNED = ("judgements-round1.tsv", "judgements-held-out.tsv", "judgements-held-out-2.tsv")


def load_judgements(path: Path | None = None) -> dict[Key, tuple[str, str]]:
    paths = [path] if path is not None else [HERE / "judgements.tsv"] + sorted(
        p for p in HERE.glob("judgements-*.tsv") if p.name not in NOT_TUNED)
    judged: dict[Key, tuple[str, str]] = {}
    for each in paths:
        judged.update(_load(each))
    return judged


def _load(path: Path) -> dict[Key, tuple[str, str]]:
    if not path.exists() or path.is_dir():
        return {}
    with path.open(encoding="utf-8") as handle:
        rows = [row for row in csv.reader(handle, delimiter="\t") if row and not row[0].startswith("#")
                and row[0] != "repository"]
    judged = {}
    for row in rows:
        if row[4] not in VERDICTS:
            raise SystemExit(f"{path.name}: unknown verdict {row[4]!r} in {row[:4]}")
        judged[(row[0], row[1], row[2], row[3])] = (VERDICTS[row[4]], row[5] if len(row) > 5 else "")
    return judged


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkouts", type=Path, help="a folder with one checkout per repository (owner+name)")
    parser.add_argument("--dump", action="store_true", help="print every finding not judged yet as a judgements.tsv row")
    parser.add_argument("--markdown", action="store_true", help="print the per-rule precision table")
    parser.add_argument("--lost", action="store_true", help="print every judged finding no longer reported")
    parser.add_argument("--judgements", type=Path, default=None,
                        help="the verdicts to score (judgements-held-out.tsv: the repositories never tuned on)")
    args = parser.parse_args()
    judged = load_judgements(args.judgements)
    seen: set[Key] = set()
    failing_places: set[tuple[str, str, str]] = set()  # repository, file, line of any failing finding
    per_rule: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    unjudged: list[str] = []
    repositories = sorted(p for p in args.checkouts.iterdir() if p.is_dir())
    for checkout in repositories:
        results = findings(checkout)
        counts = collections.Counter(str(r["rule_id"]) for r in results)
        print(f"{checkout.name}: {len(results)} failing/error results; top rules {counts.most_common(6)}", file=sys.stderr)
        for result in results:
            k = key(checkout.name, result)
            if k in seen:
                continue  # two results on one line of one rule are judged once
            seen.add(k)
            failing_places.add((k[0], k[2], k[3]))
            if k in judged:
                per_rule[k[1]][judged[k][0]] += 1
            else:
                unjudged.append("\t".join(k) + "\t?\t" + str(result.get("message", ""))[:200])
    if args.dump:
        print("\n".join(unjudged))
    total = collections.Counter[str]()
    for counter in per_rule.values():
        total.update(counter)
    if args.markdown:
        print("| rule | findings | agree | correct but required | disagree | precision |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for rule in sorted(per_rule, key=lambda r: (-sum(per_rule[r].values()), r)):
            c = per_rule[rule]
            n = sum(c.values())
            print(f"| {rule} | {n} | {c['agree']} | {c['required']} | {c['disagree']} | {100 * (c['agree'] + c['required']) / n:.0f}% |")
    n = sum(total.values())
    scanned = {p.name for p in repositories}
    judged = {k: v for k, v in judged.items() if k[0] in scanned}  # verdicts on other checkouts say nothing here
    gone = collections.Counter(v for k, (v, _) in judged.items() if k not in seen)
    # A lost agreed finding whose place another rule still reports was a restatement folded into
    # one finding (SEC-109/SEC-110 said by SEC-130, a short placeholder said by SEC-002): not lost.
    restated = sum(1 for k, (v, _) in judged.items()
                   if k not in seen and v != "disagree" and (k[0], k[2], k[3]) in failing_places)
    if args.lost:
        print("\n".join("\t".join(k) + f"\t{v}\t{note}" for k, (v, note) in sorted(judged.items()) if k not in seen))
    print(f"repositories: {len(repositories)}; findings: {len(seen)}; judged: {n}; not judged yet: {len(unjudged)}")
    if n:
        print(f"agreement (agree + required): {total['agree'] + total['required']}/{n} "
              f"({100 * (total['agree'] + total['required']) / n:.1f}%); worth acting on (agree): {total['agree']}/{n} "
              f"({100 * total['agree'] / n:.1f}%); disagree {total['disagree']}")
    print(f"judged findings no longer reported: disagree {gone['disagree']}, agree lost {gone['agree']}, "
          f"required lost {gone['required']} ({restated} of the lost still reported at the same line by another rule)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
