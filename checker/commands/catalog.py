"""`preflight rules`: the catalog, as a table or JSON."""
from __future__ import annotations

import argparse
import json
import sys

from checker.commands.output import use_color
from checker.engine.rules import load_rules

CATALOG_FIELDS = ("id", "name", "checklist", "title", "item", "severity", "targets", "environments", "probe",
                  "compliance", "references", "remediation")


SHIPPED_ORDER = ("security", "performance", "monitoring", "backups", "verification")


def _checklist_order(checklist: str) -> tuple[int, str]:
    return (SHIPPED_ORDER.index(checklist), "") if checklist in SHIPPED_ORDER else (len(SHIPPED_ORDER), checklist)


def _id_order(rule_id: str) -> tuple[str, int]:
    prefix, _, number = rule_id.rpartition("-")
    return prefix, int(number) if number.isdigit() else 0


def run_rules(args: argparse.Namespace) -> int:
    """The catalog, grouped by checklist in the guide's order."""
    rule_set = load_rules(args.rules)
    rules = sorted(
        (r for r in rule_set.rules if not args.checklist or r.checklist in args.checklist),
        key=lambda r: (_checklist_order(r.checklist), _id_order(r.id)),
    )
    if args.format == "json":
        from checker.fixes import safety_of

        payload = {
            "rules_sha256": rule_set.sha256,
            "rules": [{**{field: getattr(rule, field) for field in CATALOG_FIELDS}, "fix": safety_of(rule.id)} for rule in rules],
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return 0
    from rich import box
    from rich.console import Console
    from rich.table import Table

    color = use_color()
    console = Console(force_terminal=color, no_color=not color, width=160 if not color else None)
    for checklist in dict.fromkeys(r.checklist for r in rules):
        group = [r for r in rules if r.checklist == checklist]
        table = Table(box=box.SIMPLE if color else box.ASCII, title=f"{checklist} ({len(group)} rules)", title_justify="left")
        for column in ("id", "name", "severity", "targets", "envs", "item"):
            table.add_column(column)
        for rule in group:
            table.add_row(rule.id, rule.name, rule.severity, ",".join(rule.targets),
                          ",".join(e[:4] for e in rule.environments) if rule.environments else "all", rule.item or "-")
        console.print(table)
    print(f"{len(rules)} rules in {len({r.checklist for r in rules})} checklists")
    return 0
