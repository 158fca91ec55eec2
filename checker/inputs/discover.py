"""Find the files to scan, and say what kind each one is.

Folders that hold other people's code or build output are skipped; symbolic
links are not followed (a link may point outside the scanned tree, or loop);
only regular files are ever opened, so FIFOs and devices never block a scan.
A link or a FIFO, socket or device whose name looks like a file preflight
reads is reported (kind `symlink` or `special`, a `skip` result), so that a
reader of the report knows it was not checked; other ones are passed over
in silence, like any file preflight does not read.
"""
from __future__ import annotations

import fnmatch
import os
import re
import stat
from pathlib import Path
from typing import Iterator, NamedTuple

SKIP_DIRS = {
    ".git", ".hg", ".svn", "node_modules", ".venv", "venv", "virtualenv", "__pycache__", ".tox",
    ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", "vendor", "third_party", "bower_components",
    "site-packages", ".terraform", ".idea", ".vscode",
    # kept for history, deployed by nobody (kubernetes/examples' _archived/: 1,332 of its 1,543 findings);
    # named on the command line, such a folder is scanned like any other
    "_archived", "archived", "deprecated", "obsolete",
}

# `.env.patch` is a diff, `.env.ts` code, `.env.md` docs: named after env files, but none of them is one
_NOT_ENV_SUFFIXES = (
    ".patch", ".diff", ".rej", ".orig", ".md", ".rst", ".html", ".js", ".mjs", ".cjs", ".ts", ".py", ".go", ".rb",
    ".json", ".yaml", ".yml", ".toml", ".lock", ".swp", ".png", ".svg",
)
_ENV_NAME = re.compile(r"^(\.env(\..+)?|.+\.env|env\.(example|sample|template|dist|local|prod|production|dev|staging))$")
_COMPOSE_NAME = re.compile(r"^(docker-)?compose([.-].*)?\.ya?ml$")
_YAML_NAME = re.compile(r".+\.ya?ml$")
_DOCKER_INSPECT_NAME = re.compile(r"^(.+[.-])?docker-inspect([.-].+)?\.json$")  # saved `docker inspect` output
_DOCKERFILE_NAME = re.compile(r"^(Dockerfile(\..+)?|.+\.[Dd]ockerfile|Containerfile)$")


STDIN = "<stdin>"


class Candidate(NamedTuple):
    path: Path  # absolute
    display: str  # as shown in reports
    kind: str  # env | compose | yaml | dockerfile | nginx | docker-inspect; symlink | special: found, never opened
    explicit: bool  # named on the command line


def classify(path: Path) -> str | None:
    name = path.name
    if _ENV_NAME.match(name) and not name.lower().endswith(_NOT_ENV_SUFFIXES):
        return "env"
    if _COMPOSE_NAME.match(name):
        return "compose"
    if _YAML_NAME.match(name):
        return "yaml"  # compose-shaped or not is decided from the content
    if _DOCKERFILE_NAME.match(name):
        return "dockerfile"
    if _DOCKER_INSPECT_NAME.match(name):
        return "docker-inspect"
    if name == "nginx.conf" or name.endswith((".nginx.conf", ".nginx")) or (
        path.parent.name in ("conf.d", "sites-enabled", "sites-available") and name.endswith(".conf")
    ):
        return "nginx"
    if name.endswith(".json"):
        return "json?"  # a Kubernetes manifest or not: decided from the content (inputs/by_content.py)
    if name.endswith(".conf"):
        return "conf?"  # an nginx file under any name, or not: likewise
    if name.endswith(".ini"):
        return "ini?"  # Grafana's grafana.ini / custom.ini, or not: likewise
    return None


def discover(paths: list[str], excludes: list[str] = []) -> Iterator[Candidate]:
    seen: set[Path] = set()
    for given in paths:
        if given == "-":  # `helm template ... | preflight scan -`: a YAML stream on standard input
            yield Candidate(Path("-"), STDIN, "yaml", True)
            continue
        root = Path(given)
        if root.is_file() or (root.exists() and not root.is_dir()):
            resolved = root.absolute()
            if resolved not in seen and not _excluded(str(root), excludes):
                seen.add(resolved)
                yield Candidate(resolved, _display(root), classify(root) or "unknown", True)
            continue
        for file, not_read in _walk(root, excludes):
            resolved = file.absolute()
            if resolved in seen:
                continue
            kind = classify(file)
            if kind:
                seen.add(resolved)
                yield Candidate(resolved, _display(file), not_read or kind, False)


def _walk(root: Path, excludes: list[str]) -> Iterator[tuple[Path, str | None]]:
    """Every file under root, with `symlink` or `special` for those that must not be opened."""
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        dirs = []
        for entry in entries:
            path = Path(entry.path)
            if _excluded(str(path), excludes):
                continue
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError:
                continue
            if stat.S_ISDIR(mode):
                if entry.name not in SKIP_DIRS and not (path / "pyvenv.cfg").exists():
                    dirs.append(path)
            elif stat.S_ISREG(mode):
                yield path, None
            else:
                yield path, "symlink" if stat.S_ISLNK(mode) else "special"
        stack.extend(reversed(dirs))


def _excluded(path: str, excludes: list[str]) -> bool:
    normal = path[2:] if path.startswith("./") else path
    return any(
        fnmatch.fnmatch(normal, glob) or fnmatch.fnmatch(os.path.basename(normal), glob) or fnmatch.fnmatch(normal, f"*/{glob}")
        for glob in excludes
    )


def _display(path: Path) -> str:
    text = str(path)
    return text[2:] if text.startswith("./") else text
