"""Every file preflight opens lies inside the scan roots: one check, used by every reader.

    roots = scan_roots(["deploy/"])          # the folders a scan may read (real paths)
    inside(path, roots) -> str | None        # the real path when it lies inside a root, else None
    open_inside(path, roots) -> int          # a read-only descriptor, never through a link, never outside

A scan root is a folder given on the command line, or the folder of a file
given there, or, when that lies inside the working folder of a git checkout
(as in CI and in a pre-commit hook), the checkout itself: a compose file in
`deploy/` may name `../shared.env` of the same repository. A reference is
judged by its real path (`os.path.realpath`, every link resolved), so a link
inside the tree that points out is outside too; the file is then opened by
that real path with `O_NOFOLLOW`, so a link swapped in at the last component
is refused rather than followed. What lies outside is never opened: the
caller reports the reference (rule SEC-018) or notes it.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

Roots = tuple[str, ...]  # real paths of folders

NOFOLLOW = _NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class OutsideRoots(OSError):
    """A file that resolves outside the scan roots: never opened."""


def scan_roots(paths: Sequence[str], cwd: str | None = None) -> Roots:
    """The folders a scan of `paths` may read (standard input `-` adds none)."""
    work = os.path.realpath(cwd or os.getcwd())
    checkout = os.path.lexists(os.path.join(work, ".git"))  # a folder, or a file in a git worktree
    found: list[str] = []
    for given in paths:
        if given == "-":
            continue
        real = os.path.realpath(given)
        base = real if os.path.isdir(real) else os.path.dirname(real)
        root = work if checkout and _within(base, work) else base
        if root not in found:
            found.append(root)
    return tuple(found)


def folders_of(paths: Sequence[Path]) -> Roots:
    """Roots when only the files are known (a caller that gave none): each file's own folder."""
    return tuple(dict.fromkeys(os.path.dirname(os.path.realpath(p)) for p in paths if str(p) != "-"))


def _within(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def inside(path: str | os.PathLike[str], roots: Roots) -> str | None:
    """The real path of `path` when it lies inside one of `roots`, else None."""
    real = os.path.realpath(path)
    return real if any(_within(real, root) for root in roots) else None


def inside_given(path: str | os.PathLike[str], given: Sequence[str]) -> bool:
    """Whether `path`, every link resolved, lies inside one of the paths given on the command line (a file
    given stands for its folder); unlike scan_roots, never widened to the git checkout: what a build tool or
    an env file beside a compose file may read stays inside what the user named."""
    real = os.path.realpath(path)
    for root in given:
        base = os.path.realpath(root)
        base = base if os.path.isdir(base) else os.path.dirname(base)
        if os.path.commonpath([base, real]) == base:
            return True
    return False


def lexically_inside(path: str | os.PathLike[str], roots: Roots) -> bool:
    """Whether `path`, `..` folded without touching the disk, lies inside a root: for names never to be looked up
    (a glob pattern), so that nothing outside is even listed."""
    normal = os.path.normpath(os.path.abspath(path))
    return any(_within(normal, root) for root in roots)


def resolved_inside(path: str | os.PathLike[str], roots: Roots) -> str:
    """The real path of `path`; OutsideRoots when it lies outside the roots."""
    real = inside(path, roots)
    if real is None:
        raise OutsideRoots(f"{os.fspath(path)}: outside the scanned folders, not read")
    return real


def open_inside(path: str | os.PathLike[str], roots: Roots) -> int:
    """A read-only, non-blocking descriptor of `path`; OutsideRoots when it resolves outside the roots."""
    return os.open(resolved_inside(path, roots), os.O_RDONLY | _NONBLOCK | _NOFOLLOW | _CLOEXEC)


def open_no_link(path: str | os.PathLike[str]) -> int:
    """A file the discovery walk found without following links: opened so that a link swapped in is refused."""
    return os.open(path, os.O_RDONLY | _NONBLOCK | _NOFOLLOW | _CLOEXEC)
