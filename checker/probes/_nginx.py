"""The nginx configuration model the nginx probe reads: http blocks, servers, locations, inheritance.

A `Level` is one configuration level (the file's top, `http`, `server`,
`location`) with its direct directives. nginx inherits most directives from
the enclosing level when a level does not set them; array-like directives
(`add_header`, `limit_req`) are inherited only when the level sets none of
its own: one `add_header` in a location drops every header of the server.
`effective()` models exactly that, for both kinds.

A server found at the top of a file with no `http` block (a conf.d file
scanned alone) has no visible http level: `in_http` is False, and checks of
settings that usually live at http level do not judge it on their absence.
"""
from __future__ import annotations

import glob
import re
from typing import Any, Iterator, NamedTuple

from checker.inputs.document import Document
from checker.inputs.paths import Path

Node = dict[str, Any]
PASS_DIRECTIVES = ("proxy_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass", "grpc_pass", "memcached_pass")
PARAM_FILES = re.compile(r"(^|/)(mime\.types|fastcgi_params|fastcgi\.conf|scgi_params|uwsgi_params|proxy_params|koi-utf|koi-win|win-utf)$")


class Level(NamedTuple):
    path: Path  # of the block directive; () for the top of the file
    node: Node | None
    children: tuple[tuple[Path, Node], ...]


class Block(NamedTuple):
    """A server or a location, with every level that encloses it, outermost first, itself last."""

    path: Path
    node: Node
    chain: tuple[Level, ...]
    in_http: bool


class Model(NamedTuple):
    https: list[Level]
    servers: list[Block]


def level(path: Path, node: Node | None, nodes: list[Node]) -> Level:
    base = path + ("block",) if node is not None else ("directives",)
    return Level(path, node, tuple((base + (i,), child) for i, child in enumerate(nodes)))


def build(doc: Document) -> Model:
    cached: Model | None = doc.meta.get("_nginx_model")
    if cached is not None:
        return cached
    top = level((), None, doc.data.get("directives", []))
    model = Model([], [])
    for path, node in top.children:
        if node["directive"] == "http" and "block" in node:
            http = level(path, node, node["block"])
            model.https.append(http)
            model.servers.extend(_servers((top, http), True))
    model.servers.extend(_servers((top,), False))  # conf.d files: servers at the top
    doc.meta["_nginx_model"] = model
    return model


def _servers(chain: tuple[Level, ...], in_http: bool) -> Iterator[Block]:
    for path, node in chain[-1].children:
        if node["directive"] == "server" and "block" in node:
            yield Block(path, node, chain + (level(path, node, node["block"]),), in_http)


def locations(block: Block) -> Iterator[Block]:
    """Every location of a server or location, nested ones too (not `if` or `limit_except` blocks)."""
    for path, node in block.chain[-1].children:
        if node["directive"] == "location" and "block" in node:
            inner = Block(path, node, block.chain + (level(path, node, node["block"]),), block.in_http)
            yield inner
            yield from locations(inner)


def own(lvl: Level, name: str) -> list[tuple[Path, Node]]:
    return [(path, node) for path, node in lvl.children if node["directive"] == name]


def effective(chain: tuple[Level, ...], name: str) -> list[tuple[Path, Node]]:
    """The directives `name` in force at the innermost level: the nearest level that sets any."""
    for lvl in reversed(chain):
        found = own(lvl, name)
        if found:
            return found
    return []


def subtree(node: Node) -> Iterator[Node]:
    for child in node.get("block", []):
        yield child
        yield from subtree(child)


def is_tls(server: Block) -> bool:
    listens = own(server.chain[-1], "listen")
    if any("ssl" in node["args"][1:] or "quic" in node["args"][1:] for _, node in listens):
        return True
    return any(node["args"][:1] == ["on"] for _, node in own(server.chain[-1], "ssl"))


def plain_port_80(server: Block) -> tuple[Path, Node] | None:
    """The `listen` that serves plain http on port 80 (the server itself when it has no listen)."""
    listens = own(server.chain[-1], "listen")
    if not listens:
        return server.path, server.node
    for path, node in listens:
        args = node["args"]
        if not args or args[0].startswith("unix:") or "ssl" in args[1:] or "quic" in args[1:]:
            continue
        address = args[0]
        port = address.rsplit(":", 1)[1] if ":" in address and not address.endswith("]") else (address if address.isdigit() else "80")
        if port == "80":
            return path, node
    return None


def unresolved_include(lvl: Level) -> bool:
    """A level that includes a file not found in the tree, which may set what a check looks for.

    The standard parameter files (mime.types, fastcgi_params ...) never do; at http level a
    glob (`conf.d/*.conf`) brings in servers, judged where they are scanned, not settings.
    """
    inner = lvl.node is not None and lvl.node["directive"] in ("server", "location")
    return any(
        node.get("unresolved") and not PARAM_FILES.search(node["args"][0]) and (inner or not glob.has_magic(node["args"][0]))
        for _, node in own(lvl, "include")
    )


def label(block: Block) -> str:
    names = [a for _, node in own(block.chain[-1], "server_name") for a in node["args"]]
    if block.node["directive"] == "location":
        return "location " + " ".join(block.node["args"])
    shown = next((n for n in names if n not in ("_", '""', "")), None)
    ports = " ".join(dict.fromkeys(node["args"][0] for _, node in own(block.chain[-1], "listen") if node["args"]))
    return f"server {shown or 'at line ' + str(block.node['line'])}" + (f" (listen {ports})" if ports else "")


def header_names(nodes: list[tuple[Path, Node]]) -> dict[str, tuple[Path, Node]]:
    """Header name (lower-case) -> the directive that sets it, for add_header and more_set_headers."""
    names: dict[str, tuple[Path, Node]] = {}
    for path, node in nodes:
        args = node["args"]
        if node["directive"] == "add_header" and args:
            names[args[0].lower()] = (path, node)
            continue
        skip = False
        for arg in args:
            if skip:
                skip = False
            elif arg in ("-s", "-t"):
                skip = True
            elif ":" in arg:
                names[arg.split(":", 1)[0].strip().lower()] = (path, node)
    return names


def headers(chain: tuple[Level, ...]) -> dict[str, tuple[Path, Node]]:
    """The response headers in force at the innermost level of `chain`."""
    return {**header_names(effective(chain, "more_set_headers")), **header_names(effective(chain, "add_header"))}


def sets_headers(lvl: Level) -> bool:
    return bool(own(lvl, "add_header") or own(lvl, "more_set_headers"))
