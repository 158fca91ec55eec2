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
its name and line. A file found in the scanned tree is read only when its real
path lies inside the scan roots, and an evidence path is looked at only inside
them or inside the attestation file's own project folder (inputs/containment.py):
`evidence: ../../../etc/shadow` fails, unread.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Optional

from checker.inputs import containment
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
    evidence_outside: bool = False  # filled in on load: the evidence path leads outside the repository

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
    """The attestation file of each scanned folder; one whose real path leads outside the scan roots (a link
    planted in the tree) is not read."""
    found = []
    roots = containment.scan_roots(scan_paths)
    for given in scan_paths:
        root = Path(given)
        root = root if root.is_dir() else root.parent
        for name in DEFAULT_LOCATIONS:
            if (root / name).is_file():
                if containment.inside(root / name, roots) is not None:
                    found.append(root / name)
                break
    return found


def evidence_path(attestation: Attestation) -> Path:
    """Relative to the project: the folder that holds .preflight/, else the attestation file's own folder."""
    return project_folder(attestation) / attestation.evidence


def project_folder(attestation: Attestation) -> Path:
    folder = Path(attestation.file).parent
    return folder.parent if folder.name == ".preflight" else folder


def load(path: Path, roots: containment.Roots | None = None) -> list[Attestation]:
    """The file's entries; with `roots` (the scan's), the file is read only inside them, and each entry's
    evidence counts only inside them or the file's own project folder."""
    entries: list[Attestation] = load_entries(path, AttestationFile, "attestation", "attestations", roots)
    for entry in entries:
        if "://" not in entry.evidence:
            allowed = (roots or ()) + (os.path.realpath(project_folder(entry)),)
            entry.evidence_outside = containment.inside(evidence_path(entry), allowed) is None
    return entries
