"""`preflight explain ID|NAME`: one rule's documentation, ruff-style.

Order: what it does (title), why is this bad, example, use instead
(remediation and the passing example), known problems, then links,
references to other tools, compliance and the probe's own documentation.
"""
from __future__ import annotations

import argparse
import inspect
import re
import sys
from pathlib import Path

from checker.engine.rules import load_rules
from checker.errors import UsageError
from checker.probes import get as get_probe


def run_explain(args: argparse.Namespace) -> int:
    rule_set = load_rules(args.rules)
    rule = rule_set.find(args.rule)
    if rule is None:
        raise UsageError(f"unknown rule {args.rule!r} (see `preflight rules`)")
    lines = [f"{rule.id} {rule.name} ({rule.severity}, checklist {rule.checklist})", "", "## What it does", rule.title]
    if rule.item:
        lines.append(f"Checklist item: {rule.item}")
    lines.append(f"Applies to: {', '.join(rule.targets)}; environments: {', '.join(rule.environments or ['all'])}")
    if rule.profile:
        lines.append(f"Off by default: runs with `--profile {rule.profile}` or `--select {rule.id}`")
    if rule.why:
        lines += ["", "## Why is this bad?", rule.why.strip()]
    if rule.examples and rule.examples.fail:
        lines += ["", "## Example", _indent(rule.examples.fail)]
    lines += ["", "## Use instead", rule.remediation.strip()]
    lines += ["", f"Fix: {_fix_line(rule.id)}"]
    if rule.examples and rule.examples.pass_:
        lines += ["", _indent(rule.examples.pass_)]
    if rule.limitations:
        lines += ["", "## Known problems", rule.limitations.strip()]
    if rule.links:
        lines += ["", "## References"] + [f"- {link}" for link in rule.links]
    if rule.references:
        lines += ["", "## Equivalent checks in other tools"] + [f"- {tool}: {', '.join(ids)}" for tool, ids in rule.references.items()]
    if rule.compliance:
        lines += ["", "## Compliance"] + [f"- {framework}: {', '.join(ids)}" for framework, ids in rule.compliance.items()]
    probe_doc = inspect.getdoc(get_probe(rule.probe)) or ""
    params = rule.with_
    lines += ["", f"## Probe `{rule.probe}`" + (f" with {params}" if params else ""), probe_doc]
    lines += ["", f"Defined in {_where(rule.source, rule.id)}"]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def _fix_line(rule_id: str) -> str:
    from checker.fixes import safety_of

    safety = safety_of(rule_id)
    return {"safe": "safe (`preflight fix --write` applies it)",
            "unsafe": "unsafe (`preflight fix --unsafe-fixes` shows it; a reviewer decides)"}.get(safety, "none")


def _where(source: str, rule_id: str) -> str:
    """file:line of the rule's `id:` (rule loading skips positions for speed)."""
    path = source.split("#", 1)[0]
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError:
        return source
    match = re.search(rf"^\s*-?\s*id:\s*['\"]?{re.escape(rule_id)}['\"]?\s*$", text, re.MULTILINE)
    return f"{path}:{text.count(chr(10), 0, match.start()) + 1}" if match else source


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.strip().splitlines())
