"""Checklist files: load, validate with pydantic, and compile each rule's probe params once.

A bad rule file is one RuleFileError naming the file, the line, the rule and
the field; the CLI turns it into exit code 2.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, Optional

from pydantic import Field, PrivateAttr, ValidationError, field_validator

import yaml

from checker.errors import InputError, RuleFileError
from checker.inputs.load import read_text
from checker.inputs.yaml_source import load_all
from checker.models import Severity, StrictModel
from checker.probes import UnknownProbe, get as get_probe

ENVIRONMENTS = ("development", "staging", "production")
_FastLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ANCHOR = re.compile(r"(^|[\s\[{,:-])&[^\s]")
TARGET_KINDS = ("env", "compose", "yaml", "k8s", "dockerfile", "nginx", "project", "live")


class Examples(StrictModel):
    fail: Optional[str] = None
    pass_: Optional[str] = Field(None, alias="pass")
    kind: Optional[str] = None  # the input kind of the snippets; default: the rule's first target


class Rule(StrictModel):
    id: str = Field(pattern=r"^[A-Z][A-Z0-9]*-[0-9]{3,}$")
    name: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    title: str
    item: Optional[str] = None
    severity: Severity
    targets: list[str]
    environments: Optional[list[str]] = None
    probe: str
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")
    compliance: dict[str, list[str]] = {}
    references: dict[str, list[str]] = {}
    remediation: str
    why: Optional[str] = None
    examples: Optional[Examples] = None
    limitations: Optional[str] = None
    links: list[str] = []
    checklist: str = ""  # filled in from the file
    source: str = ""  # file:line, filled in on load
    _params: Any = PrivateAttr(None)

    @field_validator("targets")
    @classmethod
    def _known_targets(cls, targets: list[str]) -> list[str]:
        unknown = [t for t in targets if t not in TARGET_KINDS]
        if unknown or not targets:
            raise ValueError(f"unknown target {unknown[0]!r}; known: {', '.join(TARGET_KINDS)}" if unknown else "empty")
        return targets

    @field_validator("environments")
    @classmethod
    def _known_environments(cls, environments: Optional[list[str]]) -> Optional[list[str]]:
        for environment in environments or []:
            if environment not in ENVIRONMENTS:
                raise ValueError(f"unknown environment {environment!r}; known: {', '.join(ENVIRONMENTS)}")
        return environments

    def params(self) -> Any:
        """The probe's validated Params, compiled once per rule."""
        return self._params

    def applies_to(self, kind: str, environment: str) -> bool:
        return kind in self.targets and (self.environments is None or environment in self.environments)


class ChecklistFile(StrictModel):
    checklist: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    description: Optional[str] = None
    rules: list[dict[str, Any]]


class RuleSet:
    def __init__(self, rules: list[Rule], sources: list[Path], digest: str) -> None:
        self.rules = rules
        self.sources = sources
        self.sha256 = digest

    def find(self, key: str) -> Rule | None:
        return next((r for r in self.rules if key in (r.id, r.name)), None)

    def checklists(self) -> list[str]:
        return list(dict.fromkeys(r.checklist for r in self.rules))


def shipped_rules_dir() -> Path:
    here = Path(__file__).resolve().parent.parent
    packaged = here / "rules"  # inside an installed wheel
    return packaged if packaged.is_dir() else here.parent / "rules"  # a source checkout


def rule_files(folder: Path) -> list[Path]:
    if folder.is_file():
        return [folder]
    if not folder.is_dir():
        raise RuleFileError(f"{folder}: no such rules folder")
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def load_rules(extra: list[str] = [], include_shipped: bool = True) -> RuleSet:
    files = (rule_files(shipped_rules_dir()) if include_shipped else []) + [f for d in extra for f in rule_files(Path(d))]
    digest = hashlib.sha256()
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path in files:
        text = read_text(path)
        digest.update(path.name.encode() + b"\0" + text.encode() + b"\0")
        for index, rule in enumerate(_load_file(path, text)):
            for key, field in ((rule.id, "id"), (rule.name, "name")):
                if key in seen:
                    line = _Positions(text).get(("rules", index, field), (0,))[0]
                    raise RuleFileError(f"{path}:{line}: rule {rule.id}: field {field}: {key!r} is already used by {seen[key]}")
                seen[key] = rule.source
            rules.append(rule)
    return RuleSet(rules, files, digest.hexdigest())


class _Positions(dict[Any, Any]):
    """Source positions of a rule file, computed only when someone asks (an error, a rule's line)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.loaded = False

    def get(self, key: Any, default: Any = None) -> Any:
        if not self.loaded:
            self.loaded = True
            try:
                self.update(load_all(self.text)[0].positions)
            except (InputError, IndexError):
                pass
        return super().get(key, default)


def _load_file(path: Path, text: str) -> list[Rule]:
    # libyaml builds the data in C; positions (a slower, pure-Python walk) are
    # computed only if a rule turns out to be invalid.
    try:
        if _ANCHOR.search(text):  # aliases: take the bounded loader (alias-bomb limits), not the fast one
            documents = [d.data for d in load_all(text)]
        else:
            documents = list(yaml.load_all(text, Loader=_FastLoader))
    except InputError as exc:
        raise RuleFileError(f"{path}:{exc.line or 1}: {exc.message}") from None
    except yaml.YAMLError:
        try:
            load_all(text)
        except InputError as exc:
            raise RuleFileError(f"{path}:{exc.line or 1}: {exc.message}") from None
        raise RuleFileError(f"{path}: invalid YAML") from None
    if len(documents) != 1:
        raise RuleFileError(f"{path}: expected one YAML document with `checklist:` and `rules:`")
    data = documents[0]
    positions = _Positions(text)
    try:
        checklist = ChecklistFile.model_validate(data)
    except ValidationError as exc:
        raise RuleFileError(_explain(path, positions, exc, (), None)) from None
    rules = []
    for index, raw in enumerate(checklist.rules):
        base = ("rules", index)
        rule_id = str(raw.get("id", f"#{index + 1}")) if isinstance(raw, dict) else f"#{index + 1}"
        try:
            rule = Rule.model_validate(raw)
        except ValidationError as exc:
            raise RuleFileError(_explain(path, positions, exc, base, rule_id)) from None
        rule.checklist = checklist.checklist
        rule.source = f"{path}#{rule.id}"
        _compile_params(rule, path, positions, base)
        rules.append(rule)
    return rules


def _compile_params(rule: Rule, path: Path, positions: dict[Any, Any], base: tuple[Any, ...]) -> None:
    try:
        probe = get_probe(rule.probe)
    except UnknownProbe:
        from checker.probes import PROBES

        line = positions.get(base + ("probe",), (0,))[0]
        raise RuleFileError(
            f"{path}:{line}: rule {rule.id}: field probe: unknown probe {rule.probe!r} (known: {', '.join(sorted(PROBES))})"
        ) from None
    unsupported = [t for t in rule.targets if t not in probe.TARGETS]
    if unsupported:
        line = positions.get(base + ("targets",), (0,))[0]
        raise RuleFileError(
            f"{path}:{line}: rule {rule.id}: field targets: probe {rule.probe} cannot read {unsupported[0]!r} "
            f"(it reads {', '.join(probe.TARGETS)})"
        )
    params_model = getattr(probe, "Params")
    try:
        rule._params = params_model.model_validate(rule.with_)
    except ValidationError as exc:
        raise RuleFileError(_explain(path, positions, exc, base + ("with",), rule.id, prefix="with.")) from None


def _explain(path: Path, positions: dict[Any, Any], exc: ValidationError, base: tuple[Any, ...], rule_id: str | None, prefix: str = "") -> str:
    error = exc.errors()[0]
    location = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    line = 0
    for end in range(len(location), -1, -1):
        found = positions.get(base + location[:end])
        if found:
            line = found[0]
            break
    field = prefix + ".".join(str(p) for p in location) if location else (prefix.rstrip(".") or "(rule)")
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = "unknown field"
    elif error["type"] == "missing":
        message = "required field is missing"
    who = f"rule {rule_id}: " if rule_id else ""
    return f"{path}:{line}: {who}field {field}: {message}"
