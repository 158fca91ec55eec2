"""nginx: `server_tokens off`, `ssl_protocols TLSv1.2 TLSv1.3` and security headers with `always`.

A wrong directive is rewritten on its own line; a missing one is added as
the first directive of the block the finding names (the http block, a
server, or a location whose own `add_header` drops the inherited ones), at
the indentation of that block's directives. Blocks opened and closed on one
line and directives split over lines are not edited; a file reached through
`include` is edited in place, found through the nginx.conf that includes it.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from checker.fixes import Edit, NotOffered, Proposal, Safety
from checker.models import Result

RULES: dict[str, Safety] = {
    "SEC-330": "safe",
    "SEC-300": "safe",
    "SEC-310": "safe",
    "SEC-312": "safe",
    "SEC-313": "safe",
    "SEC-314": "safe",
    "SEC-311": "unsafe",  # any Content-Security-Policy can block a page's own scripts: a reviewer writes it
}
# rule -> (directive, its arguments as written)
WANTED: dict[str, tuple[str, str]] = {
    "SEC-330": ("server_tokens", "off"),
    "SEC-300": ("ssl_protocols", "TLSv1.2 TLSv1.3"),
    "SEC-310": ("add_header", 'Strict-Transport-Security "max-age=31536000" always'),
    "SEC-311": ("add_header", "Content-Security-Policy \"default-src 'self'; frame-ancestors 'self'\" always"),
    "SEC-312": ("add_header", "X-Content-Type-Options nosniff always"),
    "SEC-313": ("add_header", "X-Frame-Options SAMEORIGIN always"),
    "SEC-314": ("add_header", "Referrer-Policy strict-origin-when-cross-origin always"),
}
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def propose(result: Result, context: Any) -> Proposal:
    location = result.location
    if location is None or location.file is None or not location.object:
        raise NotOffered("the finding names no directive")
    directive = _follow(context.nginx(location.file), location.object)
    if directive.get("file") != location.file:
        raise NotOffered("the directive comes through an include")
    name, args = WANTED[result.rule_id]
    lines = context.lines(location.file)
    number = int(directive["line"]) - 1
    if _same(directive, name, args):
        edit = _rewrite(lines, number, name, args)
    elif "block" in directive:
        # the block already writes the directive (a header with a bad value): rewrite that one
        same = [child for child in directive["block"] or [] if _same(child, name, args) and child.get("file") == location.file]
        if len(same) > 1:
            raise NotOffered(f"the block writes {name} {len(same)} times")
        edit = _rewrite(lines, int(same[0]["line"]) - 1, name, args) if same else _insert(lines, directive, f"{name} {args};")
    else:
        raise NotOffered(f"the finding points at {directive.get('directive')}, not at a block")
    return Proposal(result.rule_id, RULES[result.rule_id], location.file, edits=(edit,))


def _same(directive: dict[str, Any], name: str, args: str) -> bool:
    if directive.get("directive") != name:
        return False
    if name != "add_header":
        return True
    given = directive.get("args") or []
    return bool(given) and str(given[0]).lower() == args.split()[0].lower()


def _rewrite(lines: list[str], number: int, name: str, args: str) -> Edit:
    found = list(re.finditer(rf"(?<![\w-]){re.escape(name)}\s[^;{{}}#]*;", lines[number]))
    if name == "add_header":
        header = args.split()[0].lower()
        found = [m for m in found if m.group(0).split()[1].strip("'\"").lower() == header]
    if len(found) != 1:
        raise NotOffered(f"{name} is not written on one line")
    match = found[0]
    line = lines[number]
    return Edit(number, 1, [line[:match.start()] + f"{name} {args};" + line[match.end():]])


def _insert(lines: list[str], block: dict[str, Any], text: str) -> Edit:
    number = int(block["line"]) - 1
    opener = lines[number].split("#", 1)[0].rstrip()
    if not opener.endswith("{"):
        raise NotOffered(f"the {block['directive']} block does not open at the end of its line")
    children = [child for child in block.get("block") or [] if child.get("file") == block.get("file")]
    if children and int(children[0]["line"]) - 1 > number:
        first = lines[int(children[0]["line"]) - 1]
        indent = first[:len(first) - len(first.lstrip())]
    else:
        current = lines[number]
        indent = current[:len(current) - len(current.lstrip())] + "    "
    return Edit(number + 1, 0, [indent + text])


def _follow(data: Any, path: str) -> dict[str, Any]:
    for key, index in _STEP.findall(path):
        try:
            data = data[int(index)] if index else data[key]
        except (KeyError, IndexError, TypeError):
            raise NotOffered(f"cannot follow {path}") from None
    if not isinstance(data, dict):
        raise NotOffered("the finding does not point at a directive")
    return data


def parse(file: str, text: str) -> dict[str, Any]:
    """The nginx tree as the scanner sees it (includes spliced in, each directive with its file and line)."""
    from checker.inputs.containment import scan_roots
    from checker.inputs.nginx import parse as parse_nginx

    # the roots a scan of the file from here has (the git checkout): a snippet's nginx.conf one folder up
    # is inside them, so the snippet is read through it, as the scanner did (and the finding's path says)
    roots = scan_roots([file])
    documents = parse_nginx(file, Path(file), text, "production", roots)
    if not documents:  # a conf.d file: the scanner read it through the nginx.conf beside it or one folder up
        for entry in (Path(file).parent / "nginx.conf", Path(file).parent.parent / "nginx.conf"):
            if entry.is_file() and not entry.is_symlink():
                documents = parse_nginx(str(entry), entry, entry.read_text(encoding="utf-8"), "production", roots)
                break
    if not documents:
        raise NotOffered("no nginx.conf that includes the file was found")
    data: dict[str, Any] = documents[0].data
    return data
