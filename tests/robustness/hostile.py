"""Hostile files, written on demand: the test suite, the measurement script and docs/security.md share them.

`HOSTILE` maps a file name to (content builder, expected statuses of the file's
own results, words the reason must contain). A builder writes the file (or link,
or FIFO) at the given path; it may raise `Unsupported` where this machine cannot
make that kind of file (devices need root; unreadable files need a non-root user).
"""
from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, NamedTuple


class Unsupported(Exception):
    pass


class Case(NamedTuple):
    build: Callable[[Path], None]
    statuses: frozenset[str]  # what the file's own results may be
    reason: str  # words the PF-INPUT message holds ("" when the file parses and is judged)


def _write(content: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(content)


ALIAS_BOMB = b"".join(
    [b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n']
    + [f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n".encode() for p, n in zip("abcdefgh", "bcdefghi")]
)


MERGE_KEY_BOMB = ("a0: &a0 {}\n" + "".join(
    f"a{n}: &a{n} {{<<: [{', '.join([f'*a{n - 1}'] * 10)}]}}\n" for n in range(1, 41)
)).encode()  # 3 KB; each level merges the previous one ten times: 10^40 keys


def _dockerfile_10k(path: Path) -> None:
    path.write_text("FROM python:3.12.4-slim\n" + "".join(f"ENV VAR_{i}=value{i}\n" for i in range(10_000)) + "CMD [\"python\"]\n")


def _big(path: Path) -> None:
    with path.open("wb") as file:  # 60 MiB of real YAML, not a sparse file: reading it would cost
        line = b"key: value-value-value-value\n"
        file.write(line * (60 * 1024 * 1024 // len(line) + 1))


def _many_services(path: Path) -> None:
    services = "".join(
        f"  svc{n}:\n    image: nginx\n    privileged: true\n    environment:\n      DB_PASSWORD: postgres\n"
        for n in range(5000)
    )
    path.write_text("services:\n" + services)


def _nested_defaults(path: Path) -> None:
    """9.6 MB of `${V:-${V:-...x}}` in one value (10 s and 362 MB before interpolation was bounded)."""
    depth = 1_600_000
    path.write_text("POSTGRES_PASSWORD=postgres\nNESTED=" + "${V:-" * depth + "x" + "}" * depth + "\n")


def _symlink_loop(path: Path) -> None:
    other = path.with_name("loop-b.yaml")
    path.symlink_to(other.name)
    other.symlink_to(path.name)


def _outside_link(path: Path) -> None:
    outside = path.parent.parent / "outside"
    outside.mkdir(exist_ok=True)
    (outside / ".env").write_text("POSTGRES_PASSWORD=postgres\n")
    path.symlink_to(outside / ".env")


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _device(path: Path) -> None:
    try:
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 5))  # the kernel's /dev/zero: endless
    except (PermissionError, OSError) as exc:
        raise Unsupported(f"cannot make a device file here: {exc}") from None


def _unreadable(path: Path) -> None:
    path.write_text("POSTGRES_PASSWORD=postgres\n")
    path.chmod(0)
    if os.access(path, os.R_OK):  # root reads anything
        path.chmod(0o600)
        path.unlink()
        raise Unsupported("running as root: no file is unreadable")


ERROR, SKIP = frozenset({"error"}), frozenset({"skip"})
# Odd but valid files are parsed and judged like any other (each holds a planted failure),
# so their rules may pass too; what matters is that they parse, safely.
PARSED = frozenset({"pass", "fail", "skip", "manual"})

HOSTILE: dict[str, Case] = {
    "alias-bomb.yaml": Case(_write(ALIAS_BOMB), ERROR, "alias bomb"),
    "merge-key-bomb.yaml": Case(_write(MERGE_KEY_BOMB), ERROR, "alias bomb"),
    "Dockerfile": Case(_dockerfile_10k, PARSED, ""),  # 10,000 ENV lines: linear rules (177 s before)
    "big-60mb.yaml": Case(_big, ERROR, "over the 10 MiB limit"),
    "deep-10000.yaml": Case(_write(b"a: " + b"[" * 10_000 + b"]" * 10_000 + b"\n"), ERROR, "nesting"),  # libyaml: "exceeded maximum nesting depth"; ours: "nesting deeper than 200 levels"
    "deep-10000-map.yaml": Case(_write(b"a: " + b"{a: " * 10_000 + b"1" + b"}" * 10_000 + b"\n"), ERROR, "nesting"),  # libyaml: "exceeded maximum nesting depth"; ours: "nesting deeper than 200 levels"
    "many-values.yaml": Case(_write(b"[" + b"1," * (5 * 1024 * 1024 - 8) + b"1]\n"), ERROR, "values in one file"),
    "invalid-utf8.env": Case(_write(b"A=1\nNAME=caf\xe9\n"), ERROR, "not valid UTF-8"),
    "nul-bytes.yaml": Case(_write(b"a: 1\nb: x\x00y\n"), ERROR, "NUL bytes"),
    "truncated-utf16.env": Case(_write(b"\xff\xfeA\x00=\x001"), ERROR, "invalid UTF-16"),
    "python-tag.compose.yaml": Case(
        _write(b"services:\n  app:\n    image: !!python/object/apply:os.system ['touch pwned']\n    privileged: true\n"),
        PARSED, "",
    ),
    "crlf.env": Case(_write(b"A=1\r\nPOSTGRES_PASSWORD=postgres\r\n"), PARSED, ""),
    "utf16-bom.env": Case(_write("\ufeffPOSTGRES_PASSWORD=postgres\r\n".encode("utf-16-le")), PARSED, ""),
    "duplicate-keys.compose.yaml": Case(
        _write(b"services:\n  app:\n    image: nginx\n    image: nginx\n    privileged: true\n"), PARSED, "",
    ),
    "many-services.compose.yaml": Case(_many_services, PARSED, ""),
    "nested-defaults.env": Case(_nested_defaults, PARSED, ""),
    "loop-a.yaml": Case(_symlink_loop, SKIP, "symbolic link"),
    "outside.env": Case(_outside_link, SKIP, "symbolic link"),
    "pipe.env": Case(_fifo, SKIP, "FIFO"),
    "device.env": Case(_device, SKIP, "FIFO, socket or device"),
    "unreadable.env": Case(_unreadable, ERROR, "cannot read"),
}
# names that are not files of their own: the second link of the loop, a loop of folders
EXTRA_NAMES = ("loop-b.yaml",)


def build_tree(root: Path, names: tuple[str, ...] = tuple(HOSTILE)) -> list[str]:
    """Write the hostile files (and one good file) under root/tree; return the names this machine could make."""
    tree = root / "tree"
    tree.mkdir(parents=True, exist_ok=True)
    (tree / "good").mkdir(exist_ok=True)
    (tree / "good" / ".env.production").write_text("POSTGRES_PASSWORD=postgres\n")
    (tree / "up").symlink_to("..", target_is_directory=True)  # a folder loop: never walked into
    made = []
    for name in names:
        try:
            HOSTILE[name].build(tree / name)
        except Unsupported:
            continue
        made.append(name)
    return made


HANG_SECONDS = 60
ROOT = Path(__file__).resolve().parents[2]


# The child reports its own peak: rusage's ru_maxrss would also count the peak of the
# process it was forked from (the kernel carries it across exec), which is this one.
_REPORT_PEAK = """
import atexit, sys
def report():
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    sys.stderr.write(f"\\nPEAK-RSS-KB {peak}\\n")
atexit.register(report)
from checker.cli import main
sys.exit(main(sys.argv[1:]))
"""


def measure_scan(path: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB and exit code of `preflight scan PATH -f json` in a child of its own."""
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-c", _REPORT_PEAK, "scan", str(path), "-f", "json", "-o", os.devnull], cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        _, stderr = child.communicate(timeout=HANG_SECONDS)  # a hang fails the caller instead of holding it
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise
    seconds = time.monotonic() - started
    peak = next(int(line.split()[1]) for line in stderr.splitlines() if line.startswith("PEAK-RSS-KB"))
    return seconds, peak / 1024, child.returncode
