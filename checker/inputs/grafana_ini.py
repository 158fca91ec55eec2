"""Grafana's own configuration file (`grafana.ini`, `custom.ini`): sections of `key = value`, with lines.

    parse(display, path, text, environment) -> [Document(kind="grafana-ini")]
    data      {section: {key: value}}  (keys before any section are in section "")
    positions (section,) and (section, key) -> (line, column)

Read as Grafana reads it (go-ini): `;` and `#` start comment lines, a value may be quoted
(`"..."` or ``` `...` ```), a later key in a section wins. Discovery finds `*.ini` files and the
loader keeps only those that `looks_like_grafana()` (inputs/by_content.py); any other ini file
(php.ini, tox.ini) is passed over.

>>> doc = parse("grafana.ini", None, "[security]\\nadmin_password = admin\\n[auth.anonymous]\\nenabled = true\\n", "production")[0]
>>> doc.data["security"]["admin_password"], doc.positions[("security", "admin_password")]
('admin', (2, 1))
>>> looks_like_grafana("[server]\\nhttp_port = 3000\\n[security]\\nadmin_user = admin\\n")
True
>>> looks_like_grafana("[PHP]\\nmemory_limit = 128M\\n"), looks_like_grafana("[tox]\\nenvlist = py3\\n")
(False, False)
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from checker.inputs.document import Document, Position

_SECTION = re.compile(r"^\[([^\]]+)\]\s*$")
_ENTRY = re.compile(r"^([A-Za-z0-9_.\-]+)\s*[=:]\s*(.*?)\s*$")
# sections only Grafana's configuration has, at least one of them; and two of its usual ones
_GRAFANA_ONLY = {"auth.anonymous", "auth.generic_oauth", "auth.basic", "auth.proxy", "unified_alerting", "grafana_net",
                 "grafana_com", "feature_toggles", "dashboards", "security", "users"}
_GRAFANA = _GRAFANA_ONLY | {"server", "database", "paths", "analytics", "smtp", "log", "panels", "plugins", "alerting", "auth"}


def sections(text: str) -> list[str]:
    return [found.group(1).strip().lower() for line in text.splitlines() if (found := _SECTION.match(line.strip()))]


def looks_like_grafana(text: str) -> bool:
    found = set(sections(text))
    return bool(found & _GRAFANA_ONLY) and len(found & _GRAFANA) >= 2


def parse(display: str, path: Path | None, text: str, environment: str) -> list[Document]:
    data: dict[str, dict[str, Any]] = {"": {}}
    positions: dict[tuple[str | int, ...], Position] = {}
    section = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in ";#":
            continue
        head = _SECTION.match(line)
        if head:
            section = head.group(1).strip()
            data.setdefault(section, {})
            positions.setdefault((section,), (number, 1))
            continue
        entry = _ENTRY.match(line)
        if entry:
            key, value = entry.group(1), _unquote(entry.group(2))
            data[section][key] = value
            positions[(section, key)] = (number, raw.index(key) + 1)
    return [Document(display, "grafana-ini", data, positions, environment, text)]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"`":
        return value[1:-1]
    return value
