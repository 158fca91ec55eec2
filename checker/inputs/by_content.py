"""Files recognised by what they hold, not by their name: `.json` Kubernetes manifests, nginx `*.conf` anywhere.

    json_manifest(text)  -> True for a JSON object (or List) with apiVersion + kind: `kubectl apply -f x.json`
    nginx_config(text)   -> True for a file with a top-level `server`, `http`, `events` or `upstream` block
    grafana_ini(text)    -> True for Grafana's ini configuration (inputs/grafana_ini.py)

Discovery (inputs/discover.py) yields `.json`, `.conf` and `.ini` files as `json?` /
`conf?` / `ini?` candidates; the loader reads them, keeps those these tests accept and
passes over the rest in silence, as it does for any file it does not read.
"""
from __future__ import annotations

import re

_NGINX_BLOCK = re.compile(r"^(server|http|events|upstream)\b[^;{}]*\{")
_COMMENT = re.compile(r"#.*$")


def json_manifest(text: str) -> bool:
    head = text.lstrip()[:1]
    return head in ("{", "[") and '"apiVersion"' in text and '"kind"' in text


_INI_SECTION = re.compile(r"^\[[^\]\n]+\]\s*$")


_APACHE_START = re.compile(r"^(<[A-Za-z]|[A-Z][A-Za-z]+\s)")


def ini_file(text: str) -> bool:
    r"""True when the first line that says anything is an INI `[section]` header (supervisor `[program:x]`,
    php-fpm `[www]`, systemd) or Apache httpd syntax (`<IfModule ...>`, `Alias /zabbix ...`: nginx
    directives are lower case), which no nginx file starts with.

    >>> ini_file("; managed\n[program:saslauthd]\ncommand=/usr/sbin/saslauthd\n"), ini_file("gzip on;\n")
    (True, False)
    >>> ini_file("<IfModule !mpm_netware_module>\n  PidFile /tmp/httpd.pid\n</IfModule>\n")
    True
    """
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith(("#", ";")):
            return _INI_SECTION.match(line) is not None or _APACHE_START.match(line) is not None
    return False


def nginx_config(text: str) -> bool:
    depth = 0
    for raw in text.splitlines():
        line = _COMMENT.sub("", raw).strip()
        if not line:
            continue
        if depth == 0 and _NGINX_BLOCK.match(line):
            return True
        depth = max(0, depth + line.count("{") - line.count("}"))
    return False


def grafana_ini(text: str) -> bool:
    from checker.inputs.grafana_ini import looks_like_grafana

    return looks_like_grafana(text)
