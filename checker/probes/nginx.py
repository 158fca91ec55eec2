"""nginx configuration checks, with nginx's inheritance modelled (see _nginx.py). `check` picks one:

  tls-protocols    an ssl_protocols directive allows SSLv2, SSLv3, TLSv1 or TLSv1.1
  tls-ciphers      an ssl_ciphers string enables RC4, DES/3DES, MD5, NULL, EXPORT or
                   anonymous suites, MEDIUM or LOW, or ALL / HIGH without !aNULL
  https-redirect   a plain-http server on port 80 neither redirects to https:// nor
                   refuses (return 4xx), while the configuration has a TLS server
  security-header  a TLS server (or a location of it that sets its own add_header,
                   which drops the server's) does not send `header`; X-Frame-Options is
                   also satisfied by a CSP with frame-ancestors, HSTS not by max-age=0
  rate-limit       a server passes requests to an app (proxy_pass, fastcgi_pass ...)
                   and no limit_req applies to it
  server-tokens    server_tokens is not off (nginx's default is on)
  body-size        client_max_body_size 0: uploads of any size
  gzip             gzip is not on for a server (nginx's default is off)
  static-cache     a location that serves static files (by extension or an
                   /static/, /assets/ ... prefix) from disk sets neither expires nor Cache-Control

Settings that usually live at http level (gzip, server_tokens) are judged
for a server only when its http block is in view (nginx.conf, or a conf.d file
scanned through the nginx.conf that includes it); in a conf.d file scanned
alone only an explicit bad value fails. Headers of a server that includes a
file not found in the scanned tree are not judged.

Fails (check: tls-protocols):  ssl_protocols TLSv1 TLSv1.1 TLSv1.2;
Passes:                        ssl_protocols TLSv1.2 TLSv1.3;
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator, Literal, Optional

from checker.inputs.document import Document
from checker.inputs.paths import Path
from checker.models import STRICT
from checker.probes import _nginx as ngx
from checker.probes._nginx import Block, Node
from checker.probes.base import Context, Observation

NAME = "nginx"
TARGETS = ("nginx",)
WEAK_CIPHER_PARTS = {"RC4", "DES", "3DES", "MD5", "NULL", "ENULL", "ANULL", "EXP", "EXPORT", "EXPORT40", "EXPORT56",
                     "ADH", "AECDH", "RC2", "LOW", "MEDIUM", "COMPLEMENTOFALL", "COMPLEMENTOFDEFAULT"}
BROAD_CLASSES = {"ALL", "HIGH"}  # these include anonymous (aNULL) suites unless excluded; DEFAULT does not
STATIC_EXTENSIONS = re.compile(r"\b(css|js|mjs|png|jpe?g|gif|svg|ico|webp|avif|woff2?|ttf|otf|eot|map|mp4|webm)\b", re.IGNORECASE)
STATIC_PREFIX = re.compile(r"^/(static|assets|_next/static|media|build|dist|images|img|fonts|css|js)(/|$)", re.IGNORECASE)
Check = Literal[
    "tls-protocols", "tls-ciphers", "https-redirect", "security-header", "rate-limit", "server-tokens", "body-size",
    "gzip", "static-cache",
]


@dataclass
class Params:
    __pydantic_config__ = STRICT
    check: Check
    header: Optional[str] = None
    weak_protocols: list[str] = field(default_factory=lambda: ["SSLv2", "SSLv3", "TLSv1", "TLSv1.1"])

    def __post_init__(self) -> None:
        if (self.check == "security-header") != (self.header is not None):
            raise ValueError("`header` is required with check: security-header, and only with it")


def applies(doc: Document, params: Params) -> bool:
    """False for a file the check has nothing to say about (no TLS server for TLS checks, no proxy for rate-limit ...)."""
    model = ngx.build(doc)
    if params.check in ("https-redirect", "security-header"):
        return any(ngx.is_tls(s) for s in model.servers)
    if params.check in ("tls-protocols", "tls-ciphers"):
        name = "ssl_protocols" if params.check == "tls-protocols" else "ssl_ciphers"
        return any(ngx.is_tls(s) for s in model.servers) or any(n["directive"] == name for n in _all(doc))
    if params.check == "rate-limit":
        return any(_proxies(s) for s in model.servers)
    if params.check in ("gzip", "server-tokens"):
        name = "gzip" if params.check == "gzip" else "server_tokens"
        return bool(model.https) or any(n["directive"] == name for n in _all(doc))
    if params.check == "static-cache":
        return any(_static(loc) for s in model.servers for loc in ngx.locations(s))
    return True


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    model = ngx.build(doc)
    if params.check == "tls-protocols":
        observations = _tls_protocols(doc, params.weak_protocols)
    elif params.check == "tls-ciphers":
        observations = _tls_ciphers(doc)
    elif params.check == "https-redirect":
        observations = _https_redirect(model)
    elif params.check == "security-header":
        observations = _security_header(model, str(params.header))
    elif params.check == "rate-limit":
        observations = _rate_limit(model)
    elif params.check == "body-size":
        observations = (
            (path, f"client_max_body_size 0 in {where} accepts request bodies of any size", "0")
            for path, node, where in _find(doc, "client_max_body_size") if node["args"][:1] == ["0"]
        )
    elif params.check == "static-cache":
        observations = _static_cache(model)
    else:
        observations = _default_off(model, params.check)
    seen: set[Path] = set()
    for path, message, observed in observations:
        if path not in seen:
            seen.add(path)
            yield Observation(path, message, observed, document=_document_of(doc, path))


Found = Iterator[tuple[Path, str, Optional[str]]]


def _tls_protocols(doc: Document, weak: list[str]) -> Found:
    lowered = {w.lower() for w in weak}
    for path, node, where in _find(doc, "ssl_protocols"):
        allowed = [a for a in node["args"] if a.lower() in lowered]
        if allowed:
            yield path, f"ssl_protocols in {where} allows {' '.join(allowed)}", " ".join(node["args"])


def _tls_ciphers(doc: Document) -> Found:
    for path, node, where in _find(doc, "ssl_ciphers"):
        weak = weak_ciphers(" ".join(node["args"]).strip("\"'"))
        if weak:
            yield path, f"ssl_ciphers in {where} enables {', '.join(weak)}", " ".join(node["args"])


def weak_ciphers(spec: str) -> list[str]:
    """The weak parts an OpenSSL cipher string enables (names, `+` combinations and classes), in order."""
    tokens = [t for t in re.split(r"[:,\s]+", spec) if t]
    excluded = {t[1:].upper() for t in tokens if t[:1] in ("!", "-")}
    if "DES" in excluded:
        excluded.add("3DES")
    weak: list[str] = []
    for token in tokens:
        if token[:1] in ("!", "-", "+") or token.startswith("@"):
            continue
        parts = {p.upper() for p in re.split(r"[+]", token)} | {p.upper() for p in token.split("-")}
        if "CBC3" in parts:  # DES-CBC3-SHA and friends: triple DES
            parts = (parts - {"DES"}) | {"3DES"}
        hit = sorted(parts & WEAK_CIPHER_PARTS)
        if hit and not (set(hit) <= excluded):
            weak.append(token)
        elif token.upper() in BROAD_CLASSES and "ANULL" not in excluded and "ADH" not in excluded:
            weak.append(f"{token} (anonymous suites not excluded with !aNULL)")
    return weak


def _https_redirect(model: ngx.Model) -> Found:
    for server in model.servers:
        listen = ngx.plain_port_80(server)
        if listen is None or _redirects_or_refuses(server):
            continue
        yield listen[0], f"{ngx.label(server)} serves plain http on port 80 without redirecting to https", None


def _redirects_or_refuses(server: Block) -> bool:
    top = server.chain[-1]
    candidates: list[Node] = [n for _, n in top.children if n["directive"] in ("return", "rewrite")]
    candidates += [c for _, n in top.children if n["directive"] == "if" for c in n.get("block", [])]
    candidates += [
        c for loc in ngx.locations(server) if loc.node["args"] == ["/"] for c in loc.node.get("block", [])
    ]
    for node in candidates:
        args = node["args"]
        if node["directive"] == "return" and args:
            if args[0].isdigit() and int(args[0]) >= 400:
                return True
            target = args[1] if args[0].isdigit() and len(args) > 1 else args[0]
            if target.startswith("https://"):
                return True
        if node["directive"] == "rewrite" and len(args) > 1 and args[1].startswith("https://"):
            return True
    return False


def _security_header(model: ngx.Model, header: str) -> Found:
    name = header.lower()
    for server in model.servers:
        if not ngx.is_tls(server) or any(ngx.unresolved_include(lvl) for lvl in server.chain[1:]):
            continue
        if name != "strict-transport-security" and _redirect_only(server):
            continue
        at_server = _has_header(ngx.headers(server.chain), name)
        if not at_server:
            dropped = ngx.sets_headers(server.chain[-1]) and _has_header(ngx.headers(server.chain[:-1]), name)
            why = f"sets its own add_header, so it drops the {header} set in the http block" if dropped else f"does not send {header}"
            yield server.path, f"{ngx.label(server)} {why}", None
        for loc in ngx.locations(server):
            lvl = loc.chain[-1]
            if not ngx.sets_headers(lvl) or ngx.unresolved_include(lvl) or _has_header(ngx.headers(loc.chain), name):
                continue
            why = f"drops the {header} set above it" if at_server else f"does not send {header} either"
            yield loc.path, f"{ngx.label(loc)} in {ngx.label(server)} sets its own add_header, so it {why}", None


def _has_header(found: dict[str, tuple[Path, Node]], name: str) -> bool:
    if name == "strict-transport-security" and name in found:
        value = " ".join(found[name][1]["args"][1:]).lower()
        return re.search(r"max-age\s*=\s*\"?0*\"?(;|$|\s)", value) is None
    if name == "x-frame-options" and name not in found and "content-security-policy" in found:
        return "frame-ancestors" in " ".join(found["content-security-policy"][1]["args"][1:]).lower()
    return name in found


def _redirect_only(server: Block) -> bool:
    return any(n["directive"] == "return" and n["args"][:1] and n["args"][0][:1] == "3" for _, n in server.chain[-1].children)


def _rate_limit(model: ngx.Model) -> Found:
    for server in model.servers:
        if not _proxies(server):
            continue
        above = any(ngx.own(lvl, "limit_req") for lvl in server.chain[:-1])
        inside = any(n["directive"] == "limit_req" for n in ngx.subtree(server.node))
        if not (above or inside):
            target = next(n["args"][0] for n in ngx.subtree(server.node) if n["directive"] in ngx.PASS_DIRECTIVES and n["args"])
            yield server.path, f"{ngx.label(server)} passes requests to {target} with no limit_req", target


def _proxies(server: Block) -> bool:
    return any(n["directive"] in ngx.PASS_DIRECTIVES and n["args"] for n in ngx.subtree(server.node))


def _default_off(model: ngx.Model, check: str) -> Found:
    """gzip must be on, server_tokens off; both are usually set once, at http level.

    One finding per place to fix: a bad value where it is written (once, however many
    servers inherit it), or the http block when neither it nor some of its servers set one.
    """
    name = "gzip" if check == "gzip" else "server_tokens"
    default = "off" if name == "gzip" else "on"
    unset: dict[Path, list[str]] = {}
    for server in model.servers:
        found = ngx.effective(server.chain, name)
        if found:
            path, node = found[-1]
            value = (node["args"] or [""])[0].lower()
            if _bad(name, value):
                where = ngx.label(server) if path[:-2] == server.path else "the http block"
                yield path, f"{name} {value} in {where}", value
        elif server.in_http and not any(ngx.unresolved_include(lvl) for lvl in server.chain[1:-1]):
            unset.setdefault(server.chain[1].path, []).append(ngx.label(server))
    for http in model.https:
        own = ngx.own(http, name)
        if own or ngx.unresolved_include(http):
            continue
        servers = [s for s in model.servers if s.in_http and s.chain[1].path == http.path]
        if not servers:
            yield http.path, f"the http block does not set {name} (nginx's default is {default})", None
        elif http.path in unset:
            missing = ", ".join(unset[http.path])
            yield http.path, f"neither the http block nor {missing} sets {name} (nginx's default is {default})", None


def _bad(name: str, value: str) -> bool:
    return value != "on" if name == "gzip" else value in ("on", "build")


def _static(loc: Block) -> bool:
    args = loc.node["args"]
    if not args or any(n["directive"] in ngx.PASS_DIRECTIVES for n in ngx.subtree(loc.node)):
        return False
    pattern = args[-1]
    if args[0] in ("~", "~*"):
        return STATIC_EXTENSIONS.search(pattern) is not None
    return STATIC_PREFIX.match(pattern) is not None


def _static_cache(model: ngx.Model) -> Found:
    for server in model.servers:
        for loc in ngx.locations(server):
            if not _static(loc):
                continue
            expires = ngx.effective(loc.chain, "expires")
            if expires and (expires[-1][1]["args"] or ["off"])[0] != "off":
                continue
            if "cache-control" in ngx.headers(loc.chain):
                continue
            yield loc.path, f"{ngx.label(loc)} in {ngx.label(server)} serves static files without expires or Cache-Control", None


def _find(doc: Document, name: str) -> Iterator[tuple[Path, Node, str]]:
    """Every directive `name`, with where it is (`the http block`, `server example.com`, `location /x in server ...`)."""
    def walk(nodes: list[Node], base: Path, where: str) -> Iterator[tuple[Path, Node, str]]:
        for index, node in enumerate(nodes):
            path = base + (index,)
            if node["directive"] == name:
                yield path, node, where
            if "block" not in node:
                continue
            inner = where
            if node["directive"] == "server":
                names = [a for c in node["block"] if c["directive"] == "server_name" for a in c["args"] if a != "_"]
                inner = f"server {names[0]}" if names else f"the server at line {node['line']}"
            elif node["directive"] == "location":
                inner = f"location {' '.join(node['args'])} in {where}"
            elif node["directive"] in ("http", "stream", "mail"):
                inner = f"the {node['directive']} block"
            yield from walk(node["block"], path + ("block",), inner)

    yield from walk(doc.data.get("directives", []), ("directives",), "the main context")


def _all(doc: Document) -> Iterator[Node]:
    for node in doc.data.get("directives", []):
        yield node
        yield from ngx.subtree(node)


def _document_of(doc: Document, path: Path) -> Document | None:
    """The Document of the file the directive at `path` is written in (None: the checked one)."""
    node: Node | None = None
    nodes = doc.data.get("directives", [])
    for step in path[1:]:
        if isinstance(step, int):
            node = nodes[step]
        else:
            nodes = node.get("block", []) if node else []
    if node is None or node["file"] == doc.path:
        return None
    files: dict[str, Document] = doc.meta.get("files", {})
    return files.get(node["file"])
