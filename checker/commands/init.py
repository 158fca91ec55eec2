"""`preflight init`: write a commented starter `.preflight.yaml` (never over an existing one)."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from checker import safe_write
from checker.errors import UsageError

STARTER = """\
# preflight configuration. Command-line options win over this file; lists from both are combined.
# Relative paths are relative to this file. `preflight rules` lists every rule id and name.

# Extra rule folders or files (your own checklists).
rules: []

# Glob patterns of files not to scan.
exclude: []
#  - "legacy/*"

# Run only these checklists / rules (empty: all), and skip these.
checklists: []
select: []
skip: []
#  - SEC-005

# Run rules at or above this severity; exit 1 only for failures at or above fail_on.
severity: info
fail_on: info

# Environment of every scanned file (default: inferred from file names, else production).
# env: production

# Variables for docker-compose ${VAR} interpolation.
env_files: []

# Signed-off checklist items (default: .preflight/attestations.yaml beside the scan).
attestations: []

# Reviewed, expiring exceptions (default: .preflight/waivers.yaml beside the scan).
# waivers: .preflight/waivers.yaml

# Fail only on findings not recorded here (`preflight baseline . -o .preflight-baseline.json`).
# baseline: .preflight-baseline.json
"""


def run_init(args: argparse.Namespace) -> int:
    path = Path(".preflight.yaml")
    if os.path.lexists(path):  # a dangling symbolic link too: it would be written through
        raise UsageError(f"{path} already exists; not overwriting it")
    safe_write.write_text(path, STARTER, exclusive=True)
    print(f"preflight: wrote {path}", file=sys.stderr)
    return 0
