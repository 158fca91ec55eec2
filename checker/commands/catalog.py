"""`preflight rules`: the catalog, as a table or JSON."""
from __future__ import annotations

import argparse
import json
import sys

from checker.commands.output import use_color
from checker.engine.rules import load_rules

CATALOG_FIELDS = ("id", "name", "checklist", "title", "item", "severity", "targets", "environments", "probe",
                  "compliance", "references", "remediation")


def run_rules(args: argparse.Namespace) -> int:
    rule_set = load_rules(args.rules)
    rules = [r for r in rule_set.rules if not args.checklist or r.checklist in args.checklist]
    if args.format == "json":
        payload = {
            "rules_sha256": rule_set.sha256,
            "rules": [{field: getattr(rule, field) for field in CATALOG_FIELDS} for rule in rules],
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return 0
    from rich import box
    from rich.console import Console
    from rich.table import Table

    color = use_color()
    table = Table(box=box.SIMPLE if color else box.ASCII)
    for column in ("id", "name", "severity", "targets", "envs", "item"):
        table.add_column(column)
    for rule in rules:
        table.add_row(rule.id, rule.name, rule.severity, ",".join(rule.targets),
                      ",".join(e[:4] for e in rule.environments) if rule.environments else "all", rule.item or "-")
    Console(force_terminal=color, no_color=not color, width=160 if not color else None).print(table)
    print(f"{len(rules)} rules in {len({r.checklist for r in rules})} checklists")
    return 0
