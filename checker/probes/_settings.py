"""Helpers for probes that read settings (env files, compose `environment:`)."""
from __future__ import annotations

from typing import Iterator

from checker.inputs.document import Document, Setting
from checker.secrets import key_matches


def matching(doc: Document, keys: list[str], exclude: list[str] = []) -> Iterator[Setting]:
    include, skip = tuple(keys), tuple(exclude)
    for setting in doc.settings:
        if key_matches(setting.key, include) and not (skip and key_matches(setting.key, skip)):
            yield setting


def applies(doc: Document, params: object) -> bool:
    """Settings probes judge every env and compose file, but only the Kubernetes objects that hold settings."""
    return doc.kind not in ("k8s", "helm-values") or bool(doc.settings)


def where(setting: Setting) -> str:
    return f"{setting.key} ({setting.scope})" if setting.scope else setting.key
