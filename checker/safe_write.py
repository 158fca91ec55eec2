"""Every file preflight writes (reports, baselines, the starter config, keys, evidence bundles) goes through here.

In CI the working folder is a checkout of a pull request, so any name in it
may be a symbolic link planted to redirect a write (`preflight.sarif ->
~/.bashrc`, `reports -> /etc`). So:

- the file itself is never followed: a new file is created with
  `O_CREAT | O_EXCL | O_NOFOLLOW` (`exclusive=True`: keys, the starter
  config, bundle files), else written to a temporary file in the same folder
  and renamed over the name, which replaces a link instead of writing through it;
- no folder on the way is followed either, for the part of the path inside the
  working folder (opened one component at a time with `O_NOFOLLOW`, relative to
  the folder before); above the working folder, and for paths outside it, the
  path is the user's own and is opened as given;
- a report is never written onto a file that was read as input
  (`scan x.env -o x.env`, `report a.json -o a.json`).

Errors are `UsageError`s: one line naming the path, exit 2.
"""
from __future__ import annotations

import errno
import os
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator, Union

from checker.errors import UsageError

PathLike = Union[str, "os.PathLike[str]"]
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def _inside_working_folder(absolute: str) -> list[str] | None:
    """The components of `absolute` below the working folder, or None when it is not below it."""
    here = os.getcwd()
    if absolute == here:
        return []
    prefix = here.rstrip(os.sep) + os.sep
    if not absolute.startswith(prefix):
        return None
    return [part for part in absolute[len(prefix):].split(os.sep) if part]


def _open_folder(folder: PathLike, create: bool) -> int:
    """A descriptor of `folder` reached without following a symbolic link inside the working folder."""
    absolute = os.path.abspath(folder)
    parts = _inside_working_folder(absolute)
    try:
        if parts is None:  # outside the working folder: the user's own path
            if create:
                os.makedirs(absolute, exist_ok=True)
            return os.open(absolute, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
        descriptor = os.open(os.getcwd(), os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    except OSError as exc:
        raise UsageError(f"{folder}: cannot open folder: {exc.strerror}") from None
    walked = ""
    for part in parts:
        walked = os.path.join(walked, part)
        try:
            following = _open_child(descriptor, part, create)
        except OSError as exc:
            os.close(descriptor)
            raise UsageError(_folder_problem(folder, walked, exc)) from None
        os.close(descriptor)
        descriptor = following
    return descriptor


def _open_child(descriptor: int, name: str, create: bool) -> int:
    flags = os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC
    try:
        return os.open(name, flags, dir_fd=descriptor)
    except FileNotFoundError:
        if not create:
            raise
        try:
            os.mkdir(name, 0o777, dir_fd=descriptor)
        except FileExistsError:
            pass  # made meanwhile (or a dangling link: the open below refuses it)
        return os.open(name, flags, dir_fd=descriptor)


def _folder_problem(folder: PathLike, walked: str, exc: OSError) -> str:
    if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EEXIST) and os.path.islink(walked):
        return f"{folder}: {walked} is a symbolic link; not following it (outputs never follow links in the working folder)"
    if exc.errno == errno.ENOTDIR:
        return f"{folder}: {walked} is not a folder"
    return f"{folder}: cannot open folder {walked}: {exc.strerror}"


def make_folder(folder: PathLike) -> None:
    """`mkdir -p`, refusing symbolic links on the way inside the working folder."""
    os.close(_open_folder(folder, create=True))


def _split(path: PathLike) -> tuple[str, str]:
    folder, name = os.path.split(os.fspath(path))
    if name in ("", ".", ".."):
        raise UsageError(f"{path}: not a file name")
    return folder or ".", name


def _refuse_inputs(descriptor: int, name: str, path: PathLike, inputs: Iterable[PathLike]) -> None:
    try:
        target = os.stat(name, dir_fd=descriptor, follow_symlinks=False)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror}") from None
    if stat.S_ISDIR(target.st_mode):
        raise UsageError(f"{path}: is a folder; name a file")
    if not stat.S_ISREG(target.st_mode):
        return  # a link or other entry is replaced, never written through: it is no input of ours
    for given in inputs:
        try:
            info = os.stat(given)
        except OSError:
            continue
        if (info.st_dev, info.st_ino) == (target.st_dev, target.st_ino):
            raise UsageError(f"{path}: is an input of this run ({given}); not overwriting it")


@contextmanager
def open_output(path: PathLike, *, exclusive: bool = False, mode: int = 0o666,
                inputs: Iterable[PathLike] = ()) -> Iterator[BinaryIO]:
    """A binary stream that becomes `path` when the block ends without an error (see the module doc)."""
    folder, name = _split(path)
    descriptor = _open_folder(folder, create=False)
    try:
        _refuse_inputs(descriptor, name, path, inputs)
        if not exclusive and _is_device(descriptor, name):
            # -o /dev/null or a named pipe the user gave: written through, never replaced by a file
            fd = os.open(name, os.O_WRONLY | _NOFOLLOW | _CLOEXEC, dir_fd=descriptor)
            with os.fdopen(fd, "wb") as handle:
                yield handle
            return
        if exclusive:
            with _created(descriptor, name, path, mode) as handle:
                yield handle
            return
        temporary = f".{name}.{os.urandom(6).hex()}.tmp"
        with _created(descriptor, temporary, path, mode) as handle:
            yield handle
        try:
            os.rename(temporary, name, src_dir_fd=descriptor, dst_dir_fd=descriptor)
        except OSError as exc:
            _unlink(descriptor, temporary)
            raise UsageError(f"{path}: cannot write: {exc.strerror}") from None
    finally:
        os.close(descriptor)


def _is_device(descriptor: int, name: str) -> bool:
    try:
        mode = os.stat(name, dir_fd=descriptor, follow_symlinks=False).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


@contextmanager
def _created(descriptor: int, name: str, path: PathLike, mode: int) -> Iterator[BinaryIO]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
    try:
        fd = os.open(name, flags, mode, dir_fd=descriptor)
    except FileExistsError:
        raise UsageError(f"{path}: already exists (or is a symbolic link); not overwriting it") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
    except BaseException:
        _unlink(descriptor, name)  # no half-written file is left behind
        raise


def _unlink(descriptor: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=descriptor)
    except OSError:
        pass


def write_bytes(path: PathLike, data: bytes, *, exclusive: bool = False, mode: int = 0o666,
                inputs: Iterable[PathLike] = ()) -> None:
    with open_output(path, exclusive=exclusive, mode=mode, inputs=inputs) as handle:
        handle.write(data)


def write_text(path: PathLike, text: str, *, exclusive: bool = False, mode: int = 0o666,
               inputs: Iterable[PathLike] = ()) -> None:
    write_bytes(path, text.encode("utf-8"), exclusive=exclusive, mode=mode, inputs=inputs)


def read_inputs(paths: Iterable[str], files: Iterable[str | None]) -> list[str]:
    """The files a run read: the paths given that are files, and the files its results name."""
    found = {p for p in paths if p != "-" and Path(p).is_file()}
    found.update(f for f in files if f and f != "-")
    return sorted(found)
