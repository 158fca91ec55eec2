"""Data that crosses a boundary: results and reports out, as pydantic models.

The JSON report is `Report.model_dump_json()`; every other format is rendered
from a `Report`, so a saved JSON file re-renders without re-scanning.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

SCHEMA_VERSION = "1.0"

Severity = Literal["info", "low", "medium", "high", "critical"]
SEVERITIES: tuple[Severity, ...] = ("info", "low", "medium", "high", "critical")
Status = Literal["pass", "fail", "error", "skip", "manual", "waived"]
STATUSES: tuple[Status, ...] = ("pass", "fail", "error", "skip", "manual", "waived")
ErrorReason = Literal["unreachable", "timeout", "unparsable", "unreadable", "bad-params", "bug", "too-large"]


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)  # type: ignore[arg-type]


class StrictModel(BaseModel):
    """Base for every model that crosses a boundary: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid")


class Location(StrictModel):
    file: str | None = None
    line: int | None = None
    column: int | None = None
    object: str | None = None  # path inside the document, e.g. services.mongo.ports[0]
    url: str | None = None

    def __str__(self) -> str:
        where = self.url or self.file or "-"
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        return where


class Waiver(StrictModel):
    source: str  # "inline" | "baseline" | "config"
    reason: str = ""
    by: str | None = None
    until: str | None = None


class Result(StrictModel):
    rule_id: str
    rule_name: str
    checklist: str
    title: str
    item: str | None = None
    severity: Severity
    status: Status
    target: str  # the file, URL or "project" the rule was run against
    location: Location | None = None
    message: str = ""
    observed: str | None = None  # masked when secret
    remediation: str | None = None
    reason: str | None = None  # why error / skip / manual
    evidence: dict[str, Any] = {}
    waiver: Waiver | None = None


class ToolInfo(StrictModel):
    name: str = "preflight"
    version: str
    rules_sha256: str


class Summary(StrictModel):
    counts: dict[str, dict[str, int]]  # checklist -> status -> count
    score: int
    grade: str
    failed_by_severity: dict[str, int]


class Report(StrictModel):
    schema_version: str = SCHEMA_VERSION
    tool: ToolInfo
    started_at: str
    finished_at: str
    environment: str | None  # forced with --env, else inferred per file
    paths: list[str]
    results: list[Result]
    summary: Summary

    def by_checklist(self) -> list[tuple[str, list[Result]]]:
        groups: dict[str, list[Result]] = {}
        for result in self.results:
            groups.setdefault(result.checklist, []).append(result)
        return list(groups.items())

    def status_counts(self) -> Counter[str]:
        return Counter(r.status for r in self.results)
