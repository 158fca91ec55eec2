"""Compose files: database ports bound to 127.0.0.1, and `restart: unless-stopped` (both safe).

A published database port becomes `127.0.0.1:HOST:CONTAINER`: the host's own
processes (a backup job, an SSH tunnel) still reach it, other machines no
longer do. Ports already bound to a specific address are left alone.
"""
from __future__ import annotations

import re
from typing import Any

from checker.fixes import NotOffered, Proposal, Safety, Want
from checker.fixes._yaml_edit import Replace
from checker.models import Result

RULES: dict[str, Safety] = {
    "SEC-020": "safe",  # db-port-published
    "MON-031": "safe",  # compose-restart-policy
}
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_ALL_INTERFACES = ("0.0.0.0:", "[::]:")


def propose(result: Result, context: Any) -> Proposal:
    location = result.location
    if location is None or location.file is None or not (location.object or "").startswith("services."):
        raise NotOffered("the finding does not name a compose service")
    path = tuple(int(index) if index else key for key, index in _STEP.findall(location.object or ""))
    docs = context.data(location.file)
    if len(docs) != 1:
        raise NotOffered("a compose file holds one document")
    value = _follow(docs[0], path)
    if result.rule_id == "MON-031":
        if len(path) != 2 or not isinstance(value, dict):
            raise NotOffered("the finding does not point at a service")
        desired: Any = {"restart": "unless-stopped"}
    elif isinstance(value, dict):  # long syntax: target/published/host_ip
        host_ip = value.get("host_ip")
        desired = {"host_ip": "127.0.0.1"} if host_ip is None else {"host_ip": Replace("127.0.0.1")}
        if host_ip not in (None, "0.0.0.0", "::"):
            raise NotOffered(f"the port is bound to {host_ip}")
    else:
        desired = Replace(_loopback(str(value)))
    return Proposal(result.rule_id, RULES[result.rule_id], location.file, wants=(Want(0, path, desired),))


def _loopback(port: str) -> str:
    """`5432:5432` -> `127.0.0.1:5432:5432`; `5432` (a random host port) -> `127.0.0.1::5432`."""
    for prefix in _ALL_INTERFACES:
        if port.startswith(prefix) and port.count(":") >= 2:
            return "127.0.0.1:" + port[len(prefix):]
    colons = port.split("/")[0].count(":")
    if colons == 0:
        return "127.0.0.1::" + port
    if colons == 1:
        return "127.0.0.1:" + port
    raise NotOffered(f"the port {port} is bound to an address already")


def _follow(data: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            raise NotOffered(f"{'.'.join(map(str, path))} is not in this file (a merged override?)") from None
    return data
