"""`--shard INDEX/COUNT`: a deterministic share of the scan's targets, for fleet scans.

The targets are what the command line names (each path argument, each
`--endpoint`, each namespace of `--k8s --all-namespaces`), never single files:
a deployment folder stays whole in one shard, so its cross-object rules
(every Deployment has a PodDisruptionBudget ...) still see every object.
Targets are sorted and dealt round-robin, so every pod of an Indexed Job that
reads the same target list picks a disjoint share, and the shares cover all:

    pick(["a", "b", "c"], Shard(0, 2)) == ["a", "c"]
    pick(["a", "b", "c"], Shard(1, 2)) == ["b"]
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from checker.errors import UsageError

_FORM = re.compile(r"^(\d+)/(\d+)$")


@dataclass(frozen=True)
class Shard:
    index: int  # 0-based, as Kubernetes' JOB_COMPLETION_INDEX
    count: int


def parse(text: str) -> Shard:
    match = _FORM.match(text.strip())
    if not match:
        raise UsageError(f"--shard {text}: expected INDEX/COUNT, e.g. 0/4")
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1 or index >= count:
        raise UsageError(f"--shard {text}: INDEX must be 0 to COUNT-1 and COUNT at least 1")
    return Shard(index, count)


def pick(targets: Sequence[str], shard: Shard | None) -> list[str]:
    """This shard's share of `targets` (duplicates once); all of them without a shard."""
    if shard is None:
        return list(targets)
    ordered = sorted(set(targets))
    return ordered[shard.index :: shard.count]


def owns(target: str, targets: Sequence[str], shard: Shard | None) -> bool:
    return shard is None or target in pick(targets, shard)
