"""Attestation files: a person's signed-off word for checklist items no tool can decide.

    # .preflight/attestations.yaml
    attestations:
      - rule: BAK-004                    # rule id or name
        by: Jane Doe <jane@example.com>
        date: 2026-10-01                 # when the work was done
        evidence: docs/restore-test-2026-10-01.md   # a URL, or a path relative to the folder that holds
                                                    # .preflight/ (else to this file's folder)
        expires: 2027-01-01              # optional; the rule's max_age_days applies too
        environments: [production]       # optional; default: every environment
        note: Restored last night's dump into staging; 14 min.

The file is validated like rule files: a bad one stops the run (exit 2) with
its name and line.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Optional

from checker.inputs.data_file import load_entries
from checker.models import STRICT

DEFAULT_LOCATIONS = (".preflight/attestations.yaml", ".preflight/attestations.yml", "preflight-attestations.yaml")


@dataclass
class Attestation:
    __pydantic_config__ = STRICT
    rule: str
    by: str
    date: dt.date
    evidence: str
    expires: Optional[dt.date] = None
    environments: Optional[list[Literal["development", "staging", "production"]]] = None
    note: str = ""
    file: str = ""  # filled in on load
    line: int = 0

    def __post_init__(self) -> None:
        for name in ("by", "evidence"):
            if not getattr(self, name).strip():
                raise ValueError(f"{name}: must not be empty")


@dataclass
class AttestationFile:
    __pydantic_config__ = STRICT
    attestations: Optional[list[Attestation]] = None  # an empty `attestations:` (all commented out) is no attestation

    def entries(self) -> list[Attestation]:
        return self.attestations or []


def find(scan_paths: list[str]) -> list[Path]:
    found = []
    for given in scan_paths:
        root = Path(given)
        root = root if root.is_dir() else root.parent
        for name in DEFAULT_LOCATIONS:
            if (root / name).is_file():
                found.append(root / name)
                break
    return found


def load(path: Path) -> list[Attestation]:
    entries: list[Attestation] = load_entries(path, AttestationFile, "attestation", "attestations")
    return entries
