"""Weak secrets: the tracked file gets `${KEY}`; a generated value goes to an untracked file (unsafe).

A default, placeholder, short or low-entropy secret is replaced by a
reference: `KEY=${KEY}` in an env file; in a compose `environment:` (mapping
or `- KEY=value` list) the entry is removed and the service gets `env_file: [.env.production.local]`
(environment entries win over env_file ones, so a `${KEY}` there would hide
the file's value). `--write` puts a fresh `secrets.token_urlsafe(32)` into
`.env.production.local` (or `--secrets-to`), mode 0600, never into a tracked
file and never on stdout. Unsafe: a database initialised with the old
password keeps it, so the service and its data store must be rotated together.
Secrets inside URIs (`postgres://u:p@h`) and Kubernetes `env` values are not
rewritten: the reference would have to be assembled by hand.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from checker.fixes import Edit, NotOffered, Proposal, Safety, Want, first_line
from checker.fixes._yaml_edit import Append, Delete, DeleteItems
from checker.fixes.env import LINE
from checker.models import Result

RULES: dict[str, Safety] = {
    "SEC-001": "unsafe",  # default-password
    "SEC-002": "unsafe",  # placeholder-secret
    "SEC-003": "unsafe",  # short-secret
    "SEC-004": "unsafe",  # low-entropy-secret
}
_KEY = re.compile(r"^\s*(?:-\s*)?(?:export\s+)?['\"]?(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)['\"]?\s*[:=]")
_SECRET_NAME = re.compile(r"PASS|PSW|SECRET|TOKEN|KEY|CREDENTIAL", re.IGNORECASE)
_COMPOSE_ENV = re.compile(r"^services\.(?P<service>[^.\[]+)\.environment(?:\.(?P<key>[A-Za-z_][A-Za-z0-9_]*)|\[(?P<index>\d+)\])$")


def propose(result: Result, context: Any) -> Proposal:
    location = result.location
    if location is None or location.file is None or not location.object:
        raise NotOffered("the finding names no key")
    if result.message.startswith("password in "):
        raise NotOffered("the secret is part of a URI")
    compose = _COMPOSE_ENV.match(location.object)
    if compose:
        return _compose(result, context, location.file, compose)
    if "." in location.object or location.file.endswith((".yaml", ".yml", ".json")):
        raise NotOffered("only env files and compose environment entries are rewritten")
    line = first_line(result)
    lines = context.lines(location.file)
    match = LINE.match(lines[line]) if line < len(lines) else None
    if match is None or match["key"] != location.object:
        raise NotOffered("the line is not a plain KEY=value")
    key = match["key"]
    _used_once(context.text(location.file), key, match["value"])
    new = match["head"] + match["quote"] + "${" + key + "}" + match["quote"] + match["tail"]
    return Proposal(result.rule_id, RULES[result.rule_id], location.file, edits=(Edit(line, 1, [new]),), secrets=(key,))


def _compose(result: Result, context: Any, file: str, match: re.Match[str]) -> Proposal:
    """The inline value leaves `environment:`; the service reads it from the secrets file through `env_file:`."""
    docs = context.data(file)
    try:
        service = docs[0]["services"][match["service"]]
    except (IndexError, KeyError, TypeError):
        raise NotOffered("the service is not in this file (a merged override?)") from None
    environment = service.get("environment") if isinstance(service, dict) else None
    key = match["key"]
    removal: Any = {key: Delete()}
    if isinstance(environment, list):  # `- KEY=value` entries
        if key:
            found = [i for i, item in enumerate(environment) if str(item).split("=", 1)[0] == key]
        else:
            found = [int(match["index"])] if int(match["index"]) < len(environment) else []
        if len(found) != 1:
            raise NotOffered("the entry is not once in this file's environment")
        key, _, value = str(environment[found[0]]).partition("=")
        removal = DeleteItems(frozenset(found))
    elif not key or not isinstance(environment, dict) or key not in environment:
        raise NotOffered("the entry is not in this file's environment")
    else:
        value = str(environment[key])
    _used_once(context.text(file), key, value)
    secrets_file = context.secrets_file(file)
    reference = os.path.relpath(secrets_file, Path(file).resolve().parent)
    env_file = service.get("env_file")
    desired: dict[str, Any] = {"environment": removal}
    if env_file is None:
        desired["env_file"] = [reference]
    elif isinstance(env_file, list) and all(isinstance(item, str) for item in env_file):
        if reference not in env_file:
            desired["env_file"] = Append([reference])
    else:
        raise NotOffered("env_file is not a list of paths")
    want = Want(0, ("services", match["service"]), desired)
    return Proposal(result.rule_id, RULES[result.rule_id], file, wants=(want,), secrets=(key,))


def _used_once(text: str, key: str, value: str) -> None:
    """A value another secret or a URI also carries must be rotated together with it, by hand.

    The same key elsewhere (one variable in two services) gets the same generated value, so it does not count.
    """
    if not value:
        return
    for line in text.splitlines():
        if value not in line:
            continue
        named = _KEY.match(line)
        other = named["key"] if named else ""
        if f":{value}@" in line or (other != key and _SECRET_NAME.search(other)):
            raise NotOffered(f"the same value is also written for {other or 'a URI'}: rotate them together by hand")
