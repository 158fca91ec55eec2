"""Shared test helpers: run one rule over real files, the way `preflight scan --select` does."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from checker.api import scan_paths
from checker.models import Result

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
CORPUS = ROOT.parent / "shared" / "corpus"
# Attestation expiry depends on "today"; fixtures are dated relative to this day.
TODAY = date(2026, 11, 27)

SNIPPET_NAMES = {"env": "snippet.env", "compose": "compose.yaml", "yaml": "snippet.yaml", "project": "attestations.yaml", "dockerfile": "Dockerfile", "nginx": "nginx.conf", "docker": "docker-inspect.json"}


def run_rule(rule_id: str, *paths: Path | str, env: str | None = None, rules: tuple[str, ...] = ()) -> list[Result]:
    """Results of one rule over the given files (input errors included, other rules not)."""
    attestations = [str(p) for p in paths if str(p).endswith("attestations.yaml")]
    scanned = [str(p) for p in paths if str(p) not in attestations] or [str(Path(attestations[0]).parent)]
    report = scan_paths(
        scanned, select=[rule_id], env=env, attestations=attestations, today=TODAY, rules=rules,
        exclude=["*attestations.yaml"] if attestations else [],
    )
    return [r for r in report.results if r.rule_id in (rule_id, "PF-INPUT")]


def run_snippet(rule_id: str, text: str, kind: str, tmp_path: Path, env: str | None = None) -> list[Result]:
    """Write `text` to a file of the given input kind and run one rule over it."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / SNIPPET_NAMES[kind]
    path.write_text(text, encoding="utf-8")
    return run_rule(rule_id, path, env=env)


def statuses(results: list[Result]) -> list[str]:
    return [r.status for r in results]


def preflight(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a subprocess."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "checker", *args], capture_output=True, text=True, cwd=cwd or ROOT, env=full_env,
        timeout=120, input=input,
    )
