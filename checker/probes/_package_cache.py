"""Package-manager caches left in an image layer by one RUN instruction (for probes/dockerfile.py).

A cache removed in a later RUN is still in the earlier layer, so the clean-up
must be in the same RUN. A BuildKit cache mount (`RUN --mount=type=cache,target=...`)
keeps the cache out of the layer and counts as clean.

  apt  `apt-get install` / `apt install` without `rm -rf /var/lib/apt/lists/*`
  apk  `apk add` without `--no-cache` (on that command), unless /var/cache/apk is removed
  pip  `pip install` without `--no-cache-dir` (or PIP_NO_CACHE_DIR, `pip cache purge`,
       removing ~/.cache/pip); `uv pip` and pipx are other tools and are not judged
  npm  `npm install` / `npm i` / `npm ci` without `npm cache clean --force` (or removing ~/.npm)
"""
from __future__ import annotations

import re
from typing import Any

MANAGERS = ("apt", "apk", "pip", "npm")
_SEGMENTS = re.compile(r"&&|\|\||;|\||\n|\(|\)|\bthen\b|\bdo\b|\belse\b")
_APT_INSTALL = re.compile(r"(?:^|[\s/])apt(?:-get)?\s(?:.*\s)?install(?![\w-])")
# `apt-get dist-clean` (apt 2.7.8+, Debian trixie's official images) removes the lists as `rm -rf` does
_APT_CLEAN = re.compile(r"\brm\s[^;&|]*/var/lib/apt/lists|(?:^|[\s/;&|])apt(?:-get)?\s+(?:-\S+\s+)*dist-clean\b")
# a cleanup helper script the image ships (jitsi's `apt-cleanup`, `clean-apt`, `cleanup.sh`): its body is
# in another file, so the RUN is not judged rather than reported
_CLEANUP_SCRIPT = re.compile(r"(?:^|[\s/;&|])(?:apt-?clean(?:up)?|clean-?apt|[\w-]*cleanup(?:\.sh)?)(?=$|[\s;&|])")
_APK_ADD = re.compile(r"(?:^|[\s/])apk\s(?:.*\s)?add(?![\w-])")
_APK_CLEAN = re.compile(r"\brm\s[^;&|]*/var/cache/apk")
_PIP_INSTALL = re.compile(r"(?:^|[\s/])(?:pip[0-9.]*|python[0-9.]*\s+-m\s+pip)\s(?:.*\s)?install(?![\w-])")
_PIP_OTHER = re.compile(r"\buv\s+pip\b|\bpipx\b")
_PIP_NO_CACHE = re.compile(r"(?<![\w-])--no-cache(?:-dir)?(?![\w-])")
_PIP_CLEAN = re.compile(r"\bpip[0-9.]*\s+cache\s+(purge|remove)\b|\brm\s[^;&|]*(\.cache/pip|/root/\.cache(?![\w/])|~/\.cache(?![\w/]))")
_NPM_INSTALL = re.compile(r"(?:^|[\s/])npm\s+(?:-\S+\s+)*(?:install|i|ci|add)(?![\w-])")
_NPM_CLEAN = re.compile(r"\bnpm\s+cache\s+clean\b|\brm\s[^;&|]*(~|/root|\$HOME|\$\{HOME\})/\.npm\b")
_CACHE_TARGETS = {
    "apt": ("/var/lib/apt",),
    "apk": ("/var/cache/apk", "/etc/apk/cache"),
    "pip": ("/root/.cache", "~/.cache"),
    "npm": ("/root/.npm", "~/.npm"),
}


def leaves_cache(manager: str | None, instruction: dict[str, Any], env: dict[str, str]) -> str | None:
    """What the RUN leaves behind for `manager`, as a message fragment; None when it is clean or not concerned."""
    if instruction["instruction"] != "RUN" or manager is None:
        return None
    text = str(instruction["arguments"])
    segments = [s.strip() for s in _SEGMENTS.split(text)]
    if _cache_mounted(instruction, manager):
        return None
    if manager == "apt":
        if any(_APT_INSTALL.search(s) for s in segments) and not _APT_CLEAN.search(text) and not _CLEANUP_SCRIPT.search(text):
            return "installs apt packages without removing /var/lib/apt/lists in the same RUN"
    elif manager == "apk":
        if any(_APK_ADD.search(s) and "--no-cache" not in s.split() for s in segments) and not _APK_CLEAN.search(text):
            return "runs apk add without --no-cache"
    elif manager == "pip":
        installs = [s for s in segments if _PIP_INSTALL.search(s) and not _PIP_OTHER.search(s)]
        if env.get("PIP_NO_CACHE_DIR") or _PIP_CLEAN.search(text):
            return None
        if any(not _PIP_NO_CACHE.search(s) for s in installs):
            return "runs pip install without --no-cache-dir"
    elif manager == "npm":
        if any(_NPM_INSTALL.search(s) for s in segments) and not _NPM_CLEAN.search(text):
            return "runs npm install without `npm cache clean --force` in the same RUN"
    return None


def _cache_mounted(instruction: dict[str, Any], manager: str) -> bool:
    for mount in instruction["flags"].get("mount", []):
        options = dict(part.partition("=")[::2] for part in mount.split(","))
        if options.get("type") not in ("cache", "tmpfs"):
            continue
        target = options.get("target") or options.get("dst") or options.get("destination") or ""
        if any(target.rstrip("/").startswith(prefix) for prefix in _CACHE_TARGETS[manager]):
            return True
    return False
