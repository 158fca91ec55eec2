"""Compliance catalogs: the controls of each framework that rules may name under `compliance:`.

    rules/frameworks/soc2.yaml    SOC 2 Trust Services Criteria (CC6.1, A1.2, ...)
    rules/frameworks/gdpr.yaml    GDPR articles (Art. 32(1)(b), ...)

A framework with a catalog is checked when rules load: a rule naming a control
the catalog does not list is a RuleFileError (exit 2). Compliance keys without
a catalog (a team's own framework) pass unchecked. The catalogs are plain YAML,
read on first use only.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, NamedTuple

from checker.errors import RuleFileError

if TYPE_CHECKING:
    from checker.engine.rules import Rule

FRAMEWORKS: dict[str, str] = {"soc2": "soc2.yaml", "gdpr": "gdpr.yaml"}


class Control(NamedTuple):
    id: str
    title: str
    description: str
    cannot_show: str = ""  # what no configuration scan can establish for this control (shown in the report)


class Catalog(NamedTuple):
    key: str
    name: str
    controls: tuple[Control, ...]

    def ids(self) -> set[str]:
        return {c.id for c in self.controls}


def frameworks_dir() -> Path:
    from checker.engine.rules import shipped_rules_dir

    return shipped_rules_dir() / "frameworks"


@lru_cache(maxsize=None)
def catalog(key: str) -> Catalog:
    """The catalog of one framework (`soc2`, `gdpr`), in file order."""
    import yaml

    path = frameworks_dir() / FRAMEWORKS[key]
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        controls = tuple(Control(str(c["id"]), str(c["title"]), str(c["description"]), str(c.get("cannot_show") or ""))
                         for c in data["controls"])
        return Catalog(key, str(data.get("name", key)), controls)
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise RuleFileError(f"{path}: invalid compliance catalog ({exc})") from None


def catalogs() -> list[Catalog]:
    return [catalog(key) for key in FRAMEWORKS]


def check_compliance(rules: Iterable[Rule]) -> None:
    """Raise RuleFileError for the first rule that names a control its framework's catalog lacks."""
    for rule in rules:
        for key, ids in rule.compliance.items():
            if key not in FRAMEWORKS:
                continue
            known = catalog(key).ids()
            for control in ids:
                if str(control) not in known:
                    raise RuleFileError(
                        f"{rule.source}: rule {rule.id}: field compliance.{key}: "
                        f"unknown control {str(control)!r} (see rules/frameworks/{FRAMEWORKS[key]})"
                    )
