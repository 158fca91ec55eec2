"""Which rules run: by checklist, id or name, minimum severity, and the opt-in profiles named."""
from __future__ import annotations

from typing import NamedTuple

from checker.engine.rules import Rule, RuleSet
from checker.errors import UsageError
from checker.models import severity_rank


class Selection(NamedTuple):
    checklists: tuple[str, ...] = ()
    select: tuple[str, ...] = ()  # ids or names; empty = all
    skip: tuple[str, ...] = ()
    min_severity: str = "info"
    profiles: tuple[str, ...] = ()  # opt-in profiles to turn on (rules with `profile:`)


def select_rules(rules: RuleSet, selection: Selection) -> list[Rule]:
    known = {key for r in rules.rules for key in (r.id, r.name)}
    for key in selection.select + selection.skip:
        if key not in known:
            raise UsageError(f"unknown rule {key!r} (see `preflight rules`)")
    for checklist in selection.checklists:
        if checklist not in rules.checklists():
            raise UsageError(f"unknown checklist {checklist!r} (known: {', '.join(rules.checklists())})")
    known_profiles = sorted({r.profile for r in rules.rules if r.profile})
    for profile in selection.profiles:
        if profile not in known_profiles:
            raise UsageError(f"unknown profile {profile!r} (known: {', '.join(known_profiles) or 'none'})")
    floor = severity_rank(selection.min_severity)
    return [
        rule
        for rule in rules.rules
        if (not rule.opt_in or rule.id in selection.select or rule.name in selection.select)
        and (not rule.profile or rule.profile in selection.profiles or rule.id in selection.select or rule.name in selection.select)
        and (not selection.checklists or rule.checklist in selection.checklists)
        and (not selection.select or rule.id in selection.select or rule.name in selection.select)
        and rule.id not in selection.skip
        and rule.name not in selection.skip
        and severity_rank(rule.severity) >= floor
    ]
