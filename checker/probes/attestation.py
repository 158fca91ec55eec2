"""A checklist item that a person attests: restore tests, recovery docs, user-flow tests.

Passes when an attestation file (.preflight/attestations.yaml, or --attestations)
holds an entry for this rule (by id or name) that is in date and whose
evidence exists; fails when the only entries have expired (older than
`max_age_days`, or past `expires`) or point at missing evidence; otherwise the
result is `manual`: a human has yet to look. `hint` says what a later live
probe will automate, for items that are declared now and probed later.

Fails (max_age_days: 90): an attestation dated 200 days ago
Passes:                   an attestation dated last week, its evidence file present
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Iterator, Optional

from checker.inputs.attestations import Attestation, evidence_path
from checker.inputs.document import Document
from checker.models import STRICT
from checker.probes.base import Context, Observation

NAME = "attestation"
TARGETS = ("project",)


@dataclass
class Params:
    __pydantic_config__ = STRICT
    max_age_days: Optional[int] = None
    hint: Optional[str] = None


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    entries: list[Attestation] = [
        a for a in doc.data.get("attestations", [])
        if a.rule in (context.rule_id, context.rule_name)
        and (a.environments is None or doc.environment in a.environments)
    ]
    if not entries:
        hint = f" ({params.hint})" if params.hint else ""
        yield Observation((), f"no attestation yet{hint}", status="manual")
        return
    # an in-date entry with its evidence wins over newer unusable ones; else report the newest
    usable = [a for a in entries if not _expired(a, params, context.today) and _evidence_exists(a)]
    latest = max(usable or entries, key=lambda a: a.date)
    evidence: dict[str, str | None] = {"by": latest.by, "date": latest.date.isoformat(), "evidence": latest.evidence,
                "note": latest.note, "attestation_file": f"{latest.file}:{latest.line}"}
    expiry = _expiry(latest, params)
    evidence["expires"] = expiry.isoformat() if expiry else None  # the controls view shows it
    if expiry is not None and expiry < context.today:
        yield Observation((), f"attestation by {latest.by} on {latest.date} expired on {expiry}", evidence=evidence)
    elif latest.evidence_outside:
        yield Observation((), f"evidence {latest.evidence} named by the attestation lies outside the repository: "
                          "not looked at", evidence=evidence)
    elif not _evidence_exists(latest):
        yield Observation((), f"evidence {latest.evidence} named by the attestation does not exist", evidence=evidence)
    else:
        until = f", valid until {expiry}" if expiry else ""
        yield Observation((), f"attested by {latest.by} on {latest.date}{until}", evidence=evidence, status="pass")


def _expiry(attestation: Attestation, params: Params) -> date | None:
    limits = [attestation.expires] if attestation.expires else []
    if params.max_age_days is not None:
        limits.append(attestation.date + timedelta(days=params.max_age_days))
    return min(limits) if limits else None


def _expired(attestation: Attestation, params: Params, today: date) -> bool:
    expiry = _expiry(attestation, params)
    return expiry is not None and expiry < today


def _evidence_exists(attestation: Attestation) -> bool:
    if "://" in attestation.evidence:
        return True  # a link: recorded, not fetched (scans stay offline)
    if attestation.evidence_outside:
        return False  # never looked at (inputs/attestations.py)
    return evidence_path(attestation).exists()

