"""Helpers for probes that read settings (env files, compose `environment:`)."""
from __future__ import annotations

from functools import lru_cache
from typing import Iterator

from checker.inputs.document import Document, Setting
from checker.secrets import key_matches


def matching(doc: Document, keys: list[str], exclude: list[str] = []) -> Iterator[Setting]:
    """The settings whose key is one of `keys` and none of `exclude`. A plain name is an environment
    variable's name, and those are case-sensitive (`token_key` is not `TOKEN_KEY`); a glob is a family
    of names (`*PASSWORD*`) and matches in any case, as apps spell them both ways."""
    include, skip = _split(tuple(keys)), _split(tuple(exclude))
    for setting in doc.settings:
        if _matches(setting.key, include) and not _matches(setting.key, skip):
            yield setting


@lru_cache(maxsize=1024)  # once per rule's key list, not per document (a 10,000-file scan asks 160,000 times)
def _split(keys: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    return frozenset(k for k in keys if not _is_glob(k)), tuple(k for k in keys if _is_glob(k))


def _is_glob(key: str) -> bool:
    return any(char in key for char in "*?[")


def _matches(key: str, split: tuple[frozenset[str], tuple[str, ...]]) -> bool:
    names, globs = split
    return key in names or bool(globs) and key_matches(key, globs)


def applies(doc: Document, params: object) -> bool:
    """Settings probes judge every env and compose file, but only the Kubernetes objects that hold settings."""
    return doc.kind not in ("k8s", "helm-values") or bool(doc.settings)


def where(setting: Setting) -> str:
    return f"{setting.key} ({setting.scope})" if setting.scope else setting.key
