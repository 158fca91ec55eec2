"""A finding's fingerprint: stable across runs, line shifts and where the scan was run from.

Used by SARIF `partialFingerprints` and by baselines. Built from the rule, the
file (or URL), the object the finding is about (a key path, `Deployment/web
spec...`) and the message; not from the line number, so adding a line above a
finding keeps its fingerprint. The file is taken relative to the project root
(`project_root`: the git top level, else the scan root), so a baseline written
at the repository root matches a scan by absolute path, from a subfolder, or
of another clone.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Sequence

from checker.models import Result


def fingerprint(result: Result, root: Path | None = None) -> str:
    location = result.location
    if location and location.url:
        where = location.url
    else:
        where = (location.file or "") if location else result.target
        if root is not None and where and location and location.file:
            where = relative_to_root(where, root)
    what = (location.object or "") if location else ""
    message = result.message
    if root is not None and not (location and (location.file or location.url)):
        message = _FILE_TOKEN.sub(lambda m: _file_relative(m.group(0), root), message)
    material = "\0".join([result.rule_id, where, what, message])
    import hashlib  # here, not at the top: a scan without baseline or SARIF never needs it (OpenSSL: 4 ms)

    return hashlib.sha256(material.encode()).hexdigest()[:32]


# a project-wide finding names the files in scope in its message ("... in any file in scope (deploy/.env)")
_FILE_TOKEN = re.compile(r"[^\s,;()'\"`]+")


def _file_relative(token: str, root: Path) -> str:
    if ("/" not in token and "." not in token) or not os.path.isfile(token):
        return token
    return relative_to_root(token, root)


def project_root(paths: Sequence[str]) -> Path | None:
    """The git top level above the first scanned path, else that path's folder; None for a scan of no files."""
    for given in paths:
        if given == "-" or "://" in given:
            continue
        start = Path(given).resolve()
        folder = start if start.is_dir() else start.parent
        return _git_top(folder) or folder
    return None


def _git_top(folder: Path) -> Path | None:
    # a `.git` folder (a clone) or file (a worktree, a submodule) marks the top; no git process is started
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def relative_to_root(file: str, root: Path) -> str:
    """`file` (as reported: relative to the working folder, or absolute) relative to `root`, with `/`;
    unchanged when it lies outside the root."""
    absolute = _resolved(file)
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return file


def _resolved(file: str) -> Path:
    return Path(os.path.abspath(file)).parent.resolve() / os.path.basename(file)
