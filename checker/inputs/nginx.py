"""nginx configuration, parsed with crossplane; `include`s followed inside the config's own folder.

One Document (kind `nginx`) per configuration entry point. `data` is
crossplane's tree with every include spliced in where it is written:

    {"directives": [{"directive": "http", "args": [], "line": 9, "file": "nginx.conf", "block": [
        {"directive": "include", "args": ["conf.d/*.conf"], "line": 30, "file": "nginx.conf",
         "includes": ["conf.d/app.conf"]},
        {"directive": "server", "args": [], "line": 1, "file": "conf.d/app.conf", "block": [...]}]}]}

Every directive keeps its own `file` and `line`. The Document's positions cover
the directives of the entry file; each included file has its own Document
(kind `nginx-include`, in `meta["files"]`, with that file's positions and text),
which probes name in their observations so a finding points at the right file.

Includes are resolved the way nginx does (relative to the entry file's folder),
and never leave that folder: an absolute include such as
`/etc/nginx/conf.d/*.conf` is looked for under the entry file's folder by its
trailing path (`conf.d/*.conf`), since a repository holds what the container
mounts at /etc/nginx. Includes that are not found (`mime.types`, files the image
ships) stay in the tree with `unresolved: true`. Symbolic links, include
cycles and more than MAX_FILES files are not followed.

A file in `conf.d/` (or `sites-*`) that the `nginx.conf` beside it, or one
folder up, includes is scanned through that nginx.conf, in its context
(http-level settings apply), and gives no Document of its own.

Every file read lies inside the scan roots (inputs/containment.py): an include
that leads outside them, by `..` or through a link, is never read and is
recorded for rule SEC-018. Each file is parsed once per scan: CACHE holds
crossplane's result by real path, device, inode, size and mtime, and the set of
files each nginx.conf includes, so 400 conf.d files no longer re-parse
nginx.conf 400 times (load() empties it when a scan starts).
"""
from __future__ import annotations

import glob
import os
import re
from pathlib import Path
from typing import Any

from checker.errors import InputError
from checker.inputs import containment
from checker.inputs.document import Document, Position
from checker.inputs.paths import Path as DocPath

MAX_FILES = 64
MAX_DEPTH = 16
MAX_CACHED = 4096
CACHE: dict[tuple[Any, ...], Any] = {}  # one scan's parses (see the module's docstring)


def parse(display: str, path: Path, text: str, environment: str, roots: containment.Roots | None = None) -> list[Document]:
    roots = roots if roots is not None else containment.folders_of([path])
    if path.name != "nginx.conf" and _included_by_main_config(path, roots):
        return []
    loader = _Loader(path, display, roots)
    tree = loader.tree(path, display, (), None)
    data = {"directives": tree}
    positions: dict[str, dict[DocPath, Position]] = {}
    _positions(tree, ("directives",), positions, loader.texts)
    doc = Document(display, "nginx", data, positions.get(display, {}), environment, text)
    doc.meta["files"] = {
        name: Document(name, "nginx-include", data, positions.get(name, {}), environment, loader.texts[name])
        for name in loader.texts if name != display
    }
    doc.meta["unresolved_includes"] = loader.unresolved
    if loader.outside:
        doc.meta["outside_references"] = loader.outside
    return [doc]


def _key(path: Path) -> tuple[Any, ...] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (os.path.realpath(path), info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def _cached(key: tuple[Any, ...] | None, make: Any) -> Any:
    if key is None:
        return make()
    if key not in CACHE:
        if len(CACHE) >= MAX_CACHED:
            CACHE.clear()
        CACHE[key] = make()
    return CACHE[key]


class _Loader:
    def __init__(self, entry: Path, display: str, roots: containment.Roots) -> None:
        self.roots = roots
        self.outside: list[Any] = []  # probes.outside_reference.Reference, for SEC-018
        self.root = entry.parent.resolve()
        self.entry = entry.resolve()
        self.display = display
        self.texts: dict[str, str] = {}
        self.followed: list[Path] = []  # every included file, resolved, in the order met
        self.unresolved: list[str] = []

    def tree(self, path: Path, display: str, stack: tuple[Path, ...], origin: int | None) -> list[dict[str, Any]]:
        import crossplane  # imported here: only a scan with nginx files pays for it

        from checker.inputs.load import read_text

        def read_and_parse() -> tuple[str, dict[str, Any]]:
            text = read_text(path, self.roots)  # inside the roots, never through a link
            return text, crossplane.parse(
                os.path.realpath(path), single=True, catch_errors=False, comments=False, check_ctx=False,
                check_args=True,
            )

        key = _key(path)
        try:
            self.texts[display], payload = _cached(("parse",) + key if key else None, read_and_parse)
        except InputError as exc:
            raise self._error(display, exc.message, exc.line, origin) from None
        placeholder = template_placeholder(self.texts[display])
        if placeholder is not None:  # `index {HTTP_INDEX_FILE};` parses, as a block: judged, it says nothing true
            raise self._error(display, f"template placeholder {placeholder[0]}", placeholder[1], origin)
        if payload["errors"]:
            error = payload["errors"][0]
            message = str(error.get("error", "cannot parse"))
            message = re.sub(r" in \S*?(:\d+)?$", "", message) if str(error.get("file", "")) in message else message
            raise self._error(display, message, error.get("line"), origin)
        parsed = payload["config"][0]["parsed"] if payload["config"] else []
        return self._walk(parsed, display, stack + (path.resolve(),), origin)

    def _walk(self, statements: list[dict[str, Any]], display: str, stack: tuple[Path, ...], origin: int | None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for statement in statements:
            node: dict[str, Any] = {
                "directive": statement["directive"], "args": list(statement.get("args", [])),
                "line": statement["line"], "file": display,
            }
            if "block" in statement:
                node["block"] = self._walk(statement["block"], display, stack, origin)
            out.append(node)
            if node["directive"] != "include" or not node["args"]:
                continue
            targets = self._resolve(node["args"][0], stack, display, node["line"])
            if not targets:
                node["unresolved"] = True
                self.unresolved.append(node["args"][0])
                continue
            node["includes"] = []
            for target in targets:
                self.followed.append(target.resolve())
                name = self._display(target)
                node["includes"].append(name)
                out.extend(self.tree(target, name, stack, origin or node["line"]))
        return out

    def _resolve(self, pattern: str, stack: tuple[Path, ...], display: str, line: int) -> list[Path]:
        if len(stack) >= MAX_DEPTH:
            return []
        if not pattern.startswith("/") and not containment.lexically_inside(self.root / pattern, self.roots):
            self._outside(pattern, display, line)  # `../../secrets/*.conf`: not even listed
            return []
        if pattern.startswith("/"):
            parts = Path(pattern).parts[1:]
            keep = 2 if glob.has_magic(parts[-1] if parts else "") else 1
            candidates = [Path(*parts[i:]) for i in range(len(parts) - keep + 1)] if parts else []
        else:
            candidates = [Path(pattern)]
        for candidate in candidates:
            full = self.root / candidate
            matches = sorted(Path(p) for p in glob.glob(str(full))) if glob.has_magic(str(candidate)) else [full]
            found = [m for m in matches if self._allowed(m, stack)]
            if not pattern.startswith("/") and any(containment.inside(m, self.roots) is None for m in matches):
                self._outside(pattern, display, line)  # a link that leads out of the repository
            if found:
                return found[: max(0, MAX_FILES - len(self.texts))]
        return []

    def _outside(self, pattern: str, display: str, line: int) -> None:
        from checker.probes.outside_reference import Reference

        reference = Reference("nginx include", pattern, display, line)
        if reference not in self.outside:
            self.outside.append(reference)

    def _allowed(self, path: Path, stack: tuple[Path, ...]) -> bool:
        if path.is_symlink() or not path.is_file():
            return False
        resolved = path.resolve()
        return (resolved.is_relative_to(self.root) and resolved not in stack and resolved != self.entry
                and containment.inside(resolved, self.roots) is not None)

    def _display(self, path: Path) -> str:
        relative = path.resolve().relative_to(self.root)
        parent = Path(self.display).parent
        return str(parent / relative) if str(parent) != "." else str(relative)

    def _error(self, display: str, message: str, line: int | None, origin: int | None) -> InputError:
        if display == self.display:
            return InputError(message, line)
        where = f"{display}:{line}" if line else display
        return InputError(f"in included file {where}: {message}", origin)


_PLACEHOLDER = re.compile(r"\{[A-Z][A-Z0-9_]{2,}\}")  # zabbix's `server_tokens {EXPOSE_WEB_SERVER_INFO};`


def template_placeholder(text: str) -> tuple[str, int] | None:
    """The first `{UPPER_NAME}` a start script fills in, outside comments, with its line; None in a configuration.

    >>> template_placeholder("server {\\n  index {HTTP_INDEX_FILE};\\n}")
    ('{HTTP_INDEX_FILE}', 2)
    >>> template_placeholder("# set {PORT} below\\nserver { listen 80; }") is None
    True
    """
    for number, line in enumerate(text.splitlines(), 1):
        found = _PLACEHOLDER.search(line.split("#", 1)[0])
        if found:
            return found.group(0), number
    return None


def _positions(
    nodes: list[dict[str, Any]], base: DocPath, out: dict[str, dict[DocPath, Position]], texts: dict[str, str]
) -> None:
    for index, node in enumerate(nodes):
        path = base + (index,)
        out.setdefault(node["file"], {})[path] = (node["line"], _column(texts.get(node["file"], ""), node["line"], node["directive"]))
        if "block" in node:
            _positions(node["block"], path + ("block",), out, texts)


def _column(text: str, line: int, word: str) -> int:
    lines = text.splitlines()
    if 0 < line <= len(lines):
        found = lines[line - 1].find(word)
        if found >= 0:
            return found + 1
    return 1


def _included_by_main_config(path: Path, roots: containment.Roots) -> bool:
    """Whether the nginx.conf beside `path`, or one folder up (inside the scan roots), includes it (then it is
    scanned through that file)."""
    target = path.resolve()
    for folder in (path.parent, path.parent.parent):
        main = folder / "nginx.conf"
        if main == path or containment.inside(folder, roots) is None or not main.is_file() or main.is_symlink():
            continue
        key = _key(main)
        if target in _cached(("followed", roots) + key if key else None, lambda: _followed(main, roots)):
            return True
    return False


def _followed(main: Path, roots: containment.Roots) -> frozenset[Path]:
    """Every file `main` includes, resolved (once per scan: each conf.d file asks)."""
    loader = _Loader(main, "nginx.conf", roots)
    try:
        loader.tree(main, "nginx.conf", (), None)
    except InputError:
        pass  # reported when nginx.conf is scanned; what it includes so far is known
    return frozenset(loader.followed)
