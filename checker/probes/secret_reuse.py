"""One secret value used for several different secrets in the same place.

Within one env file, or one compose service, two secret-looking keys with the
same value (8+ characters) are reported at the later key. Two password keys
sharing a value are left alone: a database's password and its client's
password are meant to match.

Fails:  TOKEN_KEY=Zq8wV2nR5tYx\nROOT_KEY=Zq8wV2nR5tYx
Passes: TOKEN_KEY=Zq8wV2nR5tYx\nROOT_KEY=Lp3mK9sD7fGh
Placeholders and known weak values are left to the rules that report those.
"""
from __future__ import annotations

import re
from typing import Iterator

from checker.inputs.document import Document, Setting
from checker.probes._settings import applies as applies  # re-exported: the engine calls probe.applies()
from checker.probes._settings import where
from checker.probes.base import Context, Observation, Params
from checker.secrets import is_placeholder, is_secret_key, known_weak_values

NAME = "secret-reuse"
TARGETS = ("env", "compose", "k8s", "helm-values")
_PASSWORD = re.compile(r"PASS|PSW|PWD", re.IGNORECASE)


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    first: dict[tuple[str, str], Setting] = {}
    for setting in doc.settings:
        if not setting.resolved or len(setting.value) < 8 or not is_secret_key(setting.key):
            continue
        if is_placeholder(setting.value, setting.key) or setting.value.lower() in known_weak_values():
            continue  # reported by the placeholder and default-password rules
        slot = (setting.scope, setting.value)
        earlier = first.setdefault(slot, setting)
        if earlier is setting or earlier.key == setting.key:
            continue
        if _PASSWORD.search(earlier.key) and _PASSWORD.search(setting.key):
            continue
        yield Observation(setting.path, f"{where(setting)} reuses the value of {earlier.key}", setting.value, secret=True)
