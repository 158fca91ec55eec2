"""Evidence records: what each evaluated (rule, target) examined, saw, expected and concluded.

An auditor tests that a control *operates*, which passes show as much as failures:
- every result that is not a pass (fail, error, manual, waived) gets its own record,
  `evidence/results/<RULE>-<fingerprint>.json`;
- the passes of one rule are one population file, `evidence/passes/<RULE>.json`:
  N examined, N passed, and the list of what was examined (file and SHA-256,
  object and key path, or endpoint and probe);
- `skip` results are not evidence: they are the scope (scope.json says what was
  not applicable, and which files were not scanned and why).

Files are hashed right after the scan, through `manifest.sha256_file` (regular
files only, never through a link) and only when they lie inside a scanned root.
Values come from the already-masked report; `mask_data` runs again on write.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, NamedTuple

from checker.engine.fingerprint import fingerprint
from checker.evidence import manifest
from checker.models import Report, Result

if TYPE_CHECKING:
    from checker.engine.rules import Rule

EXCEPTIONS = ("fail", "error", "waived")  # a control with one of these is not operating as designed
RECORDED = EXCEPTIONS + ("manual",)


class Written(NamedTuple):
    """Bundle-relative path of each rule's evidence: its passes' population file and its other records."""
    populations: dict[str, str]
    records: dict[str, list[str]]


def rule_sha256(rule: Rule | None) -> str | None:
    """SHA-256 of the rule's definition (canonical JSON of its fields): which version of the rule judged."""
    if rule is None:
        return None
    fields = {f.name: getattr(rule, f.name) for f in dataclasses.fields(rule) if not f.name.startswith("_")}
    fields.pop("source", None)  # where it was loaded from is not what it says
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return str(value)


class FileHashes:
    """SHA-256 of scanned files, each read once; None outside the scanned roots or when not a regular file."""

    def __init__(self, roots: Iterable[Path]) -> None:
        self.roots = [root.resolve() for root in roots]
        self.seen: dict[str, str | None] = {}

    def get(self, name: str) -> str | None:
        if name not in self.seen:
            self.seen[name] = self._hash(name)
        return self.seen[name]

    def _hash(self, name: str) -> str | None:
        path = Path(name)
        absolute = Path(path.absolute())
        real = absolute.resolve()
        if real != absolute or not any(real == root or root in real.parents for root in self.roots):
            return None  # a link, or outside what was scanned: not read
        try:
            return manifest.sha256_file(real)
        except (OSError, manifest.NotRegular):
            return None


def examined(result: Result, rule: Rule | None, hashes: FileHashes) -> dict[str, Any]:
    """What the rule looked at: the file (with its SHA-256), the object and key path, or the endpoint and probe."""
    where: dict[str, Any] = {"target": result.target, "probe": rule.probe if rule is not None else None}
    location = result.location
    file = location.file if location and location.file else None
    if file is None and result.target not in ("project", "") and "://" not in result.target:
        file = result.target if Path(result.target).is_file() else None
    if file is not None:
        where.update(kind="file", file=file, sha256=hashes.get(file))
    if location is not None:
        if location.url:
            where.update(kind="endpoint", url=location.url)
        if location.object:
            where["object"] = location.object
        if location.line is not None:
            where["line"] = location.line
    where.setdefault("kind", "project")
    return where


def expectation(rule: Rule | None, result: Result) -> dict[str, Any]:
    if rule is None:
        return {"title": result.title}
    return {"title": rule.title, "probe": rule.probe, "with": rule.with_, "item": rule.item}


def record(result: Result, rule: Rule | None, report: Report, hashes: FileHashes, framework: str) -> dict[str, Any]:
    return {
        "rule_id": result.rule_id, "rule_name": result.rule_name, "rule_sha256": rule_sha256(rule),
        "checklist": result.checklist, "severity": result.severity,
        "controls": list(rule.compliance.get(framework, [])) if rule is not None else [],
        "examined": examined(result, rule, hashes), "observed": result.observed, "message": result.message,
        "expectation": expectation(rule, result), "verdict": result.status, "reason": result.reason,
        "evidence": result.evidence, "fingerprint": fingerprint(result),
        "waiver": None if result.waiver is None else dataclasses.asdict(result.waiver),
        "scan_started_at": report.started_at, "scan_finished_at": report.finished_at,
    }


def population(rule_id: str, passes: list[Result], rule: Rule | None, report: Report, hashes: FileHashes,
               framework: str, examined_total: int) -> dict[str, Any]:
    """One rule's passes as one sample population: how many were examined, how many passed, and which."""
    first = passes[0]
    return {
        "rule_id": rule_id, "rule_name": first.rule_name, "rule_sha256": rule_sha256(rule), "title": first.title,
        "controls": list(rule.compliance.get(framework, [])) if rule is not None else [],
        "expectation": expectation(rule, first), "verdict": "pass",
        "population": {"examined": examined_total, "passed": len(passes)},
        "items": [{**examined(r, rule, hashes), "message": r.message, "observed": r.observed,
                   **({"evidence": r.evidence} if r.evidence else {})} for r in passes],
        "scan_started_at": report.started_at, "scan_finished_at": report.finished_at,
    }


def safe_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)


def build_records(report: Report, rules: dict[str, Rule], roots: Iterable[Path],
                  framework: str) -> dict[str, dict[str, Any]]:
    """Bundle-relative path -> JSON body, for every evaluated result of `report` (skips excluded)."""
    hashes = FileHashes(roots)
    by_rule: dict[str, list[Result]] = {}
    for result in report.results:
        if result.status != "skip" and result.rule_id != "PF-INPUT":
            by_rule.setdefault(result.rule_id, []).append(result)
    files: dict[str, dict[str, Any]] = {}
    for rule_id, results in sorted(by_rule.items()):
        rule = rules.get(rule_id)
        passes = [r for r in results if r.status == "pass"]
        if passes:
            files[f"evidence/passes/{safe_name(rule_id)}.json"] = population(
                rule_id, passes, rule, report, hashes, framework, len(results))
        for result in results:
            if result.status != "pass":
                body = record(result, rule, report, hashes, framework)
                name = f"evidence/results/{safe_name(rule_id)}-{body['fingerprint']}"
                suffix = 1
                while f"{name}.json" in files:  # two results with one fingerprint: both kept
                    suffix += 1
                    name = f"{name.rsplit('~', 1)[0]}~{suffix}"
                files[f"{name}.json"] = body
    return files


def index(files: dict[str, dict[str, Any]]) -> Written:
    populations: dict[str, str] = {}
    records: dict[str, list[str]] = {}
    for path, body in files.items():
        if path.startswith("evidence/passes/"):
            populations[body["rule_id"]] = path
        else:
            records.setdefault(body["rule_id"], []).append(path)
    return Written(populations, records)


PRINTED = "report.pdf"


def digest_of(files: dict[str, str]) -> str:
    """SHA-256 of the canonical listing {path: sha256} of the bundle's files other than the printed PDF.

    The PDF's cover names this digest, and manifest.json lists the PDF as well, so the digest
    can be recomputed from the manifest (drop report.pdf) and the PDF is covered by the manifest too.
    """
    listing = {path: sha for path, sha in sorted(files.items()) if path != PRINTED}
    return hashlib.sha256(manifest.canonical(listing)).hexdigest()


def content_digest(root: Path) -> str:
    return digest_of({rel: manifest.sha256_file(root / rel) for rel in manifest.bundle_files(root)})
