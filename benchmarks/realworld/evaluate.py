"""Score preflight's findings on real deploy repositories against hand judgements (see README.md)."""
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


def findings(checkout: Path) -> list[dict[str, object]]:
    """Failing results of a default offline scan of one checkout, run from inside it as a user would."""
    done = subprocess.run([sys.executable, "-m", "checker", "scan", ".", "-f", "json"], cwd=checkout,
                          capture_output=True, text=True, timeout=600)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{checkout}: preflight exited {done.returncode}: {done.stderr.strip()[:400]}")
    report = json.loads(done.stdout)
    return [r for r in report["results"] if r["status"] in ("fail", "error")]


def key(repository: str, result: dict[str, object]) -> Key:
    location = result.get("location") or {}
    assert isinstance(location, dict)
    return repository, str(result["rule_id"]), str(location.get("file") or "project"), str(location.get("line") or "")


def load_judgements() -> dict[Key, tuple[str, str]]:
    path = HERE / "judgements.tsv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as handle:
        rows = [row for row in csv.reader(handle, delimiter="\t") if row and not row[0].startswith("#")]
    return {(r[0], r[1], r[2], r[3]): (r[4], r[5] if len(r) > 5 else "") for r in rows[1:]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("checkouts", type=Path, help="a folder with one checkout per repository (owner+name)")
    parser.add_argument("--dump", action="store_true", help="print every finding as a judgements.tsv row")
    args = parser.parse_args()
    judged = load_judgements()
    seen: set[Key] = set()
    verdicts: collections.Counter[str] = collections.Counter()
    for checkout in sorted(p for p in args.checkouts.iterdir() if p.is_dir()):
        results = findings(checkout)
        per_rule = collections.Counter(str(r["rule_id"]) for r in results)
        print(f"{checkout.name}: {len(results)} failing/error results; top rules {per_rule.most_common(6)}")
        for result in results:
            k = key(checkout.name, result)
            seen.add(k)
            if k in judged:
                verdicts[judged[k][0]] += 1
            if args.dump:
                print("\t".join(k), "?", str(result.get("message", ""))[:160], sep="\t")
    gone = collections.Counter(v for k, (v, _) in judged.items() if k not in seen)
    total = sum(verdicts.values())
    if total:
        agreed = verdicts["agree"]
        print(f"judged findings still reported: {total}; agree {agreed} ({100 * agreed / total:.0f}%), "
              f"noise {verdicts['noise']}, wrong {verdicts['wrong']}")
    print(f"judged findings no longer reported: wrong/noise fixed {gone['wrong'] + gone['noise']}, agree lost {gone['agree']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
