"""SARIF 2.1.0 for code-scanning dashboards: one run, one rule descriptor per rule with results.

Only failures and errors become results; waived failures are kept with a
`suppressions` entry. Everything comes from the Result itself, so a saved JSON
report renders the same SARIF; the rule's `why` and `links` are added from the
shipped catalog when it has the rule, and left out when it does not.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from checker.engine.fingerprint import fingerprint, project_root
from checker.models import Report, Result

FORMAT, SUFFIX = "sarif", ".sarif"
SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
IN_SOURCE_WAIVERS = ("inline", "annotation")
REPORTED = ("fail", "error", "waived")
CHANGES_SOURCE = "unchanged"  # engine/changes.py SOURCE (not imported: rendering a saved report needs no git)


def render(report: Report, **_: Any) -> str:
    reported = [r for r in report.results if r.status in REPORTED]
    root = project_root(report.paths)  # fingerprints do not depend on where the scan ran from
    rule_index: dict[str, int] = {}
    descriptors: list[dict[str, Any]] = []
    for result in reported:
        if result.rule_id not in rule_index:
            rule_index[result.rule_id] = len(descriptors)
            # the remediation of any result of the rule (errors may carry none)
            documented = next((r for r in reported if r.rule_id == result.rule_id and r.remediation), result)
            descriptors.append(_descriptor(documented))
    driver = {
        "name": report.tool.name,
        "version": report.tool.version,
        "rules": descriptors,
    }
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "results": [_result(r, rule_index[r.rule_id], root, report.changed_since) for r in reported],
        "columnKind": "unicodeCodePoints",
        "properties": {"score": report.summary.score, "grade": report.summary.grade, "environment": report.environment},
    }
    not_scanned = [r for r in report.results if r.rule_id == "PF-INPUT" and r.status == "skip"]
    config = [r for r in report.results if r.rule_id == "PF-CONFIG"]
    if not_scanned or config:
        invocation: dict[str, Any] = {"executionSuccessful": True}
        if not_scanned:  # files found but not read (links, FIFOs, Helm templates): notes, so a dashboard can say so
            invocation["toolExecutionNotifications"] = [
                {"level": "note", "message": {"text": f"not scanned: {r.message}"},
                 "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(r.target)}}}]}
                for r in not_scanned
            ]
        if config:  # what a config found in the scanned tree narrowed, or tried and was refused
            invocation["toolConfigurationNotifications"] = [_config_note(r) for r in config]
        run["invocations"] = [invocation]
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _config_note(result: Result) -> dict[str, Any]:
    region = {"startLine": result.location.line} if result.location and result.location.line else {}
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(result.target)}}
    if region:
        physical["region"] = region
    level = "warning" if result.reason == "config-ignored" else "note"
    return {"level": level, "message": {"text": result.message or result.title}, "locations": [{"physicalLocation": physical}],
            "descriptor": {"id": result.rule_id}}


def _descriptor(result: Result) -> dict[str, Any]:
    why, links = _catalog_doc(result.rule_id)
    parts = [p for p in (why, result.remediation and f"Fix: {result.remediation}") if p]
    full = " ".join(parts) or result.title
    markdown = "\n\n".join(
        p for p in (why, result.remediation and f"**Fix:** {result.remediation}", *(f"<{link}>" for link in links)) if p
    )
    descriptor: dict[str, Any] = {
        "id": result.rule_id,
        "name": result.rule_name,
        "shortDescription": {"text": result.title},
        "fullDescription": {"text": full},
        "help": {"text": full, "markdown": markdown or result.title},
        "defaultConfiguration": {"level": LEVEL[result.severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[result.severity],
            "tags": [result.checklist],
            "checklist": result.checklist,
            "severity": result.severity,
        },
    }
    if links:
        descriptor["helpUri"] = links[0]
    return descriptor


def _result(result: Result, index: int, root: Path | None = None, changed_since: str | None = None) -> dict[str, Any]:
    text = result.message or result.title
    if result.status == "error":
        text = f"could not check ({result.reason or 'error'}): {text}"
    out: dict[str, Any] = {
        "ruleId": result.rule_id,
        "ruleIndex": index,
        "level": LEVEL[result.severity],
        "message": {"text": text},
        "partialFingerprints": {"preflight/v1": fingerprint(result, root)},
        "properties": {"status": result.status, "severity": result.severity, "checklist": result.checklist},
    }
    location = _location(result)
    if location:
        out["locations"] = [location]
    if changed_since is not None:  # PR mode: what this change brings, against what was there
        unchanged = result.waiver is not None and result.waiver.source == CHANGES_SOURCE
        out["baselineState"] = "unchanged" if unchanged else "new"
        if unchanged:
            return out  # not suppressed: still there, only not this change's
    if result.status == "waived" and result.waiver is not None:
        kind = "inSource" if result.waiver.source in IN_SOURCE_WAIVERS else "external"
        suppression: dict[str, Any] = {"kind": kind, "justification": result.waiver.reason or "(no reason given)"}
        extra = {"source": result.waiver.source, "by": result.waiver.by, "until": result.waiver.until}
        suppression["properties"] = {k: v for k, v in extra.items() if v is not None}
        out["suppressions"] = [suppression]
    return out


def _location(result: Result) -> dict[str, Any] | None:
    where = result.location
    uri = (where.url or where.file) if where else None
    if uri is None and result.target != "project":
        uri = result.target
    if uri is None:
        return None
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(uri)}}
    if where and where.line and not where.url:
        region: dict[str, Any] = {"startLine": where.line}
        if where.column:
            region["startColumn"] = where.column
        physical["region"] = region
    location: dict[str, Any] = {"physicalLocation": physical}
    if where and where.object:
        location["logicalLocations"] = [{"fullyQualifiedName": where.object}]
    return location


def _uri(path: str) -> str:
    if "://" in path:
        return path
    return quote(path.replace("\\", "/"), safe="/:@!$&'()*+,;=-._~")


def _catalog_doc(rule_id: str) -> tuple[str | None, list[str]]:
    rule = _catalog().get(rule_id)
    return (rule.why, list(rule.links)) if rule is not None else (None, [])


@lru_cache(maxsize=1)
def _catalog() -> dict[str, Any]:
    """The shipped rules by id; empty when they cannot be loaded (a saved report from elsewhere)."""
    try:
        from checker.engine.rules import load_rules

        return {rule.id: rule for rule in load_rules().rules}
    except Exception:  # noqa: BLE001 - the catalog only adds documentation
        return {}
