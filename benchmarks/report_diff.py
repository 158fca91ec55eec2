"""Compare two `preflight scan -f json` reports by (rule, file, object): counts, and every change of verdict.

    python benchmarks/report_diff.py before.json after.json [--limit N]
"""
from __future__ import annotations

import json
import sys
from collections import Counter
from typing import Any


def _key(result: dict[str, Any]) -> tuple[str, str, str]:
    location = result.get("location") or {}
    return (result["rule_id"], location.get("file") or result.get("target") or "-", location.get("object") or "")


def _verdicts(report: dict[str, Any]) -> dict[tuple[str, str, str], Counter[str]]:
    found: dict[tuple[str, str, str], Counter[str]] = {}
    for result in report["results"]:
        found.setdefault(_key(result), Counter())[result["status"]] += 1
    return found


def main(argv: list[str]) -> int:
    limit = int(argv[argv.index("--limit") + 1]) if "--limit" in argv else 400
    before, after = (json.load(open(p, encoding="utf-8")) for p in argv[:2])
    for name, report in (("before", before), ("after", after)):
        print(name, dict(sorted(Counter(r["status"] for r in report["results"]).items())), len(report["results"]), "results")
    old, new = _verdicts(before), _verdicts(after)
    changes = Counter()
    lines = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key, Counter()), new.get(key, Counter())
        if a != b:
            change = f"{'+'.join(sorted(a)) or '-'} -> {'+'.join(sorted(b)) or '-'}"
            changes[(key[0], change)] += 1
            lines.append(f"{key[0]:10} {change:22} {key[1]} {key[2]}")
    print(f"\n{len(lines)} changed (rule, file, object) keys; by rule and change:")
    for (rule, change), count in sorted(changes.items()):
        print(f"  {rule:10} {change:22} {count}")
    print()
    for line in lines[:limit]:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
