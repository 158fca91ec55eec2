"""PR mode (`scan --changed-since REF`, alias `--diff REF`): report what a change brings, not the whole backlog.

The checkout is scanned as usual (whole-deployment rules see every file), then
each failing or erroring result is new or unchanged against the merge base of
REF and HEAD:

- new: located on a line changed since the merge base (`git diff` of the
  working tree against it, untracked files whole); or located in a changed file,
  or nowhere (a whole-deployment finding), with a fingerprint the merge base's
  own scan does not have;
- unchanged: everything else. It becomes `waived` (source "unchanged"), so the
  gate ignores it, the score still counts it (engine/score.py), and SARIF marks
  it `baselineState: unchanged` while new results are `new`.

The merge base's scan reads a `git archive` of it unpacked in a temporary
folder: the repository is never written to. Git runs with the repository's
command-running settings turned off (fsmonitor, external diff, textconv), so a
scanned repository cannot make it execute anything.
"""
from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path
from typing import Callable, NamedTuple, Sequence

from checker.engine.fingerprint import fingerprint, relative_to_root
from checker.engine.waivers import resummarize
from checker.errors import UsageError
from checker.models import Report, Result, Waiver

SOURCE = "unchanged"
_SAFE = ["-c", "core.fsmonitor=false", "-c", "core.untrackedCache=false", "-c", "diff.external=",
         "-c", "core.quotepath=off"]
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
ALL_LINES = None  # a file changed as a whole (untracked, added)


class Changes(NamedTuple):
    root: Path  # the git top level
    base: str  # the merge base's commit
    lines: dict[str, set[int] | None]  # root-relative path -> changed lines (None: the whole file)


def git(root: Path, *args: str, binary: bool = False) -> str | bytes:
    done = subprocess.run(["git", *_SAFE, *args], cwd=root, capture_output=True, timeout=120)
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise UsageError(f"git {' '.join(args[:2])}: {message[-1] if message else 'failed'}")
    return done.stdout if binary else done.stdout.decode(errors="replace")


def changes_since(ref: str, paths: Sequence[str]) -> Changes:
    start = Path(next((p for p in paths if p != "-" and "://" not in p), ".")).resolve()
    folder = start if start.is_dir() else start.parent
    try:
        top = Path(str(git(folder, "rev-parse", "--show-toplevel")).strip())
    except (UsageError, FileNotFoundError):
        raise UsageError(f"--changed-since {ref}: {folder} is not inside a git repository") from None
    try:
        base = str(git(top, "merge-base", ref, "HEAD")).strip()
    except UsageError:
        raise UsageError(f"--changed-since {ref}: no merge base of {ref} and HEAD (is {ref} fetched? "
                         "actions/checkout needs fetch-depth: 0)") from None
    diff = str(git(top, "diff", "--no-color", "--no-ext-diff", "--no-textconv", "--no-renames", "--unified=0",
                   base, "--"))
    lines = parse_diff(diff)
    for name in str(git(top, "ls-files", "--others", "--exclude-standard")).splitlines():
        lines[name] = ALL_LINES
    return Changes(top, base, lines)


def parse_diff(diff: str) -> dict[str, set[int] | None]:
    """Changed lines of the new side of a `--unified=0` diff; a deletion marks the lines on both sides of it."""
    changed: dict[str, set[int] | None] = {}
    current: set[int] | None = None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            name = line[4:]
            current = None
            if name != "/dev/null":
                name = name[2:] if name.startswith("b/") else name
                current = changed.setdefault(name, set())
        elif current is not None and (hunk := _HUNK.match(line)):
            first, count = int(hunk.group(1)), int(hunk.group(2) if hunk.group(2) is not None else 1)
            current.update(range(first, first + count) if count else (first, first + 1))
    return changed


def mark_unchanged(report: Report, ref: str, changes: Changes, base_scan: Callable[[list[str]], Report]) -> Report:
    """Turn the results this change did not bring into `waived` (source "unchanged")."""
    before = _base_fingerprints(report.paths, changes, base_scan)
    changed = False
    for result in report.results:
        if result.status in ("fail", "error") and not _is_new(result, changes, before):
            result.status = "waived"
            result.waiver = Waiver(source=SOURCE, reason=f"unchanged since {ref} (merge base {changes.base[:12]})")
            changed = True
    report.changed_since = ref
    return resummarize(report) if changed else report


def _is_new(result: Result, changes: Changes, before: set[str]) -> bool:
    location = result.location
    file = location.file if location else None
    if file is None:
        if location is not None and location.url:
            return False  # a live finding: not about this change
        return fingerprint(result, changes.root) not in before  # whole-deployment
    name = relative_to_root(file, changes.root)
    if name not in changes.lines:
        return False
    lines = changes.lines[name]
    if lines is ALL_LINES or (location is not None and location.line in lines) or (location and not location.line):
        return True
    return fingerprint(result, changes.root) not in before


def _base_fingerprints(paths: list[str], changes: Changes, base_scan: Callable[[list[str]], Report]) -> set[str]:
    import io
    import tarfile

    archive = git(changes.root, "archive", "--format=tar", changes.base, binary=True)
    with tempfile.TemporaryDirectory(prefix="preflight-base-") as folder:
        checkout = Path(folder)
        (checkout / ".git").mkdir()  # marks the top, as the real checkout's is
        with tarfile.open(fileobj=io.BytesIO(archive if isinstance(archive, bytes) else archive.encode())) as tar:
            tar.extractall(checkout, filter="data")  # no links out, no devices
        mapped = []
        for given in paths:
            if given == "-" or "://" in given:
                continue
            relative = relative_to_root(given, changes.root)
            inside = checkout / relative
            if not Path(relative).is_absolute() and inside.exists():  # a path outside the repository: no base
                mapped.append(str(inside))
        if not mapped:
            return set()
        report = base_scan(mapped)
        return {fingerprint(r, checkout) for r in report.results if r.status in ("fail", "error")}
