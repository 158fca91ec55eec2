"""What a configuration file may decide, by where it came from.

A config file named on the command line (`--config FILE`) is the user's: every
key applies. A config file *found* (`.preflight.yaml` or `[tool.preflight]` in
the working folder) may come from the repository being scanned, which in CI is
a pull request that anyone can open. It may only narrow what runs: which rules
(its own rule files included), severities, exclusions, the environment, env
files, attestations, waivers and a baseline, and every file it names must lie
inside its own folder. Network access, live targets, Docker and Kubernetes
targets, credentials, outputs and keys come from the command line or a
`--config` file only. Any other key a found file sets is ignored, with a
warning on stderr and a `PF-CONFIG` result in the report, so the person who
reads the report sees what the repository tried.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Callable

from checker.config import Config, Note
from checker.inputs import containment
from checker.models import Location, Report, Result

# keys a found config may set: each one only selects, within what the command line allows
NARROWING = frozenset({
    "rules", "exclude", "checklists", "select", "skip", "profiles", "severity", "fail_on", "env",
    "env_files", "attestations", "waivers", "baseline",
})
# keys naming files: from a found config, they must resolve inside the config's folder
FILE_KEYS = ("rules", "env_files", "attestations", "waivers", "baseline")
WHY = {
    "live": "only --config files may turn on the network",
    "endpoints": "only --config files may choose live targets (and so turn on the network)",
    "docker": "only --config files may turn on the Docker API",
    "docker_host": "only --config files may choose a Docker host (and so turn on the network)",
    "trusted_signers": "only --config files may choose which keys `verify` trusts",
}
RULE = ("PF-CONFIG", "config-narrows-only", "input", "A configuration file found in the tree only narrows what runs")


def shown_value(key: str, value: Any) -> str:
    """`live: true`; for anything else only the key: a URL may carry a password."""
    if isinstance(value, bool):
        return f"`{key}: {str(value).lower()}`"
    return f"`{key}`"


def narrow(config: Config, keys: list[str], path: Path, line_of: Callable[[str], int]) -> list[Note]:
    """Reset what a found config (read from `path`, setting `keys`) may not decide; a note for each."""
    notes: list[Note] = []
    defaults = Config()
    folder = os.path.realpath(path.parent)
    for key in keys:
        value = getattr(config, key)
        if key not in NARROWING:
            if value == getattr(defaults, key):
                continue  # a default, spelled out: asks for nothing
            setattr(config, key, getattr(defaults, key))
            notes.append(Note(str(path), line_of(key), f"ignored {shown_value(key, value)} from {path}: "
                              + WHY.get(key, "only --config files may set it")))
            continue
        if key in FILE_KEYS:
            kept, outside = _inside_only(value, path.parent, folder)
            setattr(config, key, kept)
            for name in outside:
                notes.append(Note(str(path), line_of(key), f"ignored `{key}: {name}` from {path}: "
                                  "a config found in the tree names only files inside its own folder"))
    applied = [k for k in keys if k in NARROWING and getattr(config, k) != getattr(defaults, k)]
    if applied:
        notes.append(Note(str(path), 1, f"applied {path} (found, not named with --config; it may only narrow): "
                          + ", ".join(applied), applied=True))
    return notes


def _inside_only(value: Any, base: Path, folder: str) -> tuple[Any, list[str]]:
    names = value if isinstance(value, list) else [value]
    kept, outside = [], []
    for name in names:
        if not isinstance(name, str):
            kept.append(name)  # not a path: validation names the problem
            continue
        if containment.inside(base / name, (folder,)) is not None:
            kept.append(name)
        else:
            outside.append(name)
    if isinstance(value, list):
        return kept, outside
    return (kept[0] if kept else None), outside


def warn(notes: list[Note]) -> None:
    for note in notes:
        if not note.applied:
            print(f"preflight: warning: {note.file}:{note.line}: {note.message}", file=sys.stderr)


def results(notes: list[Note]) -> list[Result]:
    rule_id, name, checklist, title = RULE
    return [
        Result(rule_id=rule_id, rule_name=name, checklist=checklist, title=title, severity="info", status="skip",
               target=note.file, location=Location(file=note.file, line=note.line), message=note.message,
               reason="config-applied" if note.applied else "config-ignored")
        for note in notes
    ]


def annotate(report: Report, notes: list[Note]) -> Report:
    """The report with a PF-CONFIG result for each note (summary recomputed); the same report without notes."""
    if not notes:
        return report
    from checker.engine.waivers import resummarize

    report.results.extend(results(notes))
    return resummarize(report)
