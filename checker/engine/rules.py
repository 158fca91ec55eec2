"""Checklist files: load, validate with pydantic, and compile each rule's probe params once.

A bad rule file is one RuleFileError naming the file, the line, the rule and
the field; the CLI turns it into exit code 2.
"""
from __future__ import annotations

import pickle
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional


from checker import __version__
from checker.engine import cache
from checker.errors import InputError, RuleFileError
from checker.inputs.load import read_text
from checker.models import STRICT, Severity, error_message, validate
from checker.probes import UnknownProbe, get as get_probe

ENVIRONMENTS = ("development", "staging", "production")
# Bounds on a rule file, which may come from anyone (--rules): the shipped ones are < 32 KiB,
# and a rule's `with:` holds a few dozen values.
MAX_RULE_FILE_BYTES = 256 * 1024
MAX_PARAM_VALUES = 10_000
_ANCHOR = re.compile(r"(^|[\s\[{,:-])&[^\s]")
_RULE_ID = re.compile(r"^[A-Z][A-Z0-9]*-[0-9]{3,}$")
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_NAMED_FIELD = re.compile(r"^([a-z_][a-z0-9_.]*): (.+)$", re.DOTALL)
TARGET_KINDS = (
    "env", "compose", "yaml", "k8s", "helm-values", "dockerfile", "nginx", "prometheus", "prometheus-rules",
    "alertmanager", "logging", "grafana", "github-workflow", "project", "live", "docker",
)


@dataclass
class Examples:
    __pydantic_config__ = STRICT
    fail: Optional[str] = None
    pass_: Optional[str] = None  # written `pass:`
    kind: Optional[str] = None  # the input kind of the snippets; default: the rule's first target


@dataclass
class Rule:
    __pydantic_config__ = STRICT
    id: str
    name: str
    title: str
    severity: Severity
    targets: list[str]
    probe: str
    remediation: str
    item: Optional[str] = None
    environments: Optional[list[str]] = None
    with_: dict[str, Any] = field(default_factory=dict)  # written `with:`
    compliance: dict[str, list[str]] = field(default_factory=dict)
    references: dict[str, list[str]] = field(default_factory=dict)
    why: Optional[str] = None
    examples: Optional[Examples] = None
    limitations: Optional[str] = None
    links: list[str] = field(default_factory=list)
    opt_in: bool = False  # runs only when named with --select (e.g. a probe that sends load)
    # a policy some teams choose and others reject (CPU limits, a namespace in every manifest): off unless
    # the scan names the profile (`--profile strict`) or the rule; `limitations:` says why it is not a default
    profile: Optional[str] = None
    # rules that already report what this one would, when they fail at the same place (engine/supersede.py)
    superseded_by: list[str] = field(default_factory=list)
    checklist: str = ""  # filled in from the file
    source: str = ""  # file#id, filled in on load

    def __post_init__(self) -> None:
        if not _RULE_ID.match(self.id):
            raise ValueError(f"id: {self.id!r} is not of the form ABC-001")
        if not _SLUG.match(self.name):
            raise ValueError(f"name: {self.name!r} is not a lower-case slug such as db-port-published")
        unknown = [t for t in self.targets if t not in TARGET_KINDS]
        if unknown or not self.targets:
            known = ", ".join(TARGET_KINDS)
            raise ValueError(f"targets: unknown target {unknown[0]!r}; known: {known}" if unknown else "targets: empty")
        for environment in self.environments or []:
            if environment not in ENVIRONMENTS:
                raise ValueError(f"environments: unknown environment {environment!r}; known: {', '.join(ENVIRONMENTS)}")

    def params(self) -> Any:
        """The probe's validated Params, compiled once per rule (and cached with it)."""
        if "_params" not in self.__dict__:  # from the cache: unpickled on first use (see __getstate__)
            self.__dict__["_params"] = pickle.loads(self.__dict__.pop("_params_blob"))
        return self.__dict__["_params"]

    def __getstate__(self) -> dict[str, Any]:
        # Params are pickled as bytes inside the rule, so loading the cached rules does
        # not import every probe module (tls would pull in ssl, http probes requests ...):
        # a probe module is imported only when one of its rules has something to judge.
        state = dict(self.__dict__)
        if "_params" in state:
            state["_params_blob"] = pickle.dumps(state.pop("_params"), protocol=pickle.HIGHEST_PROTOCOL)
        return state

    def applies_to(self, kind: str, environment: str) -> bool:
        return kind in self.targets and (self.environments is None or environment in self.environments)


@dataclass
class ChecklistFile:
    __pydantic_config__ = STRICT
    checklist: str
    rules: list[dict[str, Any]]
    description: Optional[str] = None

    def __post_init__(self) -> None:
        if not _SLUG.match(self.checklist):
            raise ValueError(f"checklist: {self.checklist!r} is not a lower-case slug such as security")


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
    """Every rule of the shipped checklists and of `extra` folders or files, validated.

    Validation (YAML parsing and pydantic) runs only when the rule files changed
    since the last run: the compiled rules are cached by the hash of the files'
    contents (engine/cache.py), so a pre-commit run starts in a fraction of the time.
    """
    files = (rule_files(shipped_rules_dir()) if include_shipped else []) + [f for d in extra for f in rule_files(Path(d))]
    texts = [_read(path) for path in files]
    # the control catalogs decide whether `compliance:` ids are valid: a change to them re-validates too
    catalogs = sorted((shipped_rules_dir() / "frameworks").glob("*.yaml"))
    key = cache.key(__version__, texts + [p.read_text(encoding="utf-8") for p in catalogs], [str(p) for p in files + catalogs])
    cached = cache.load(key)
    if cached is None:
        import hashlib  # here, not at the top: a warm start takes the digest from the cache

        digest = hashlib.sha256()
        for path, text in zip(files, texts):
            digest.update(path.name.encode() + b"\0" + text.encode() + b"\0")
        cached = (_validate_all(files, texts), digest.hexdigest())
        cache.store(key, cached)
    rules, sha256 = cached
    return RuleSet(rules, files, sha256)


def _read(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_RULE_FILE_BYTES:
            raise RuleFileError(f"{path}: rule file is {size:,} bytes, over the {MAX_RULE_FILE_BYTES // 1024} KiB limit")
        return read_text(path)
    except InputError as exc:
        raise RuleFileError(f"{path}:{exc.line or 1}: {exc.message}") from None
    except OSError as exc:
        raise RuleFileError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _count_values(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + sum(_count_values(v) for v in value.values())
    if isinstance(value, list):
        return 1 + sum(_count_values(v) for v in value)
    return 1


def _validate_all(files: list[Path], texts: list[str]) -> list[Rule]:
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path, text in zip(files, texts):
        for index, rule in enumerate(_load_file(path, text)):
            for key, field_name in ((rule.id, "id"), (rule.name, "name")):
                if key in seen:
                    line = _Positions(text).get(("rules", index, field_name), (0,))[0]
                    raise RuleFileError(
                        f"{path}:{line}: rule {rule.id}: field {field_name}: {key!r} is already used by {seen[key]}"
                    )
                seen[key] = rule.source
            rules.append(rule)
    from checker.engine.frameworks import check_compliance

    check_compliance(rules)
    return rules


class _Positions(dict[Any, Any]):
    """Source positions of a rule file, computed only when someone asks (an error, a rule's line)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.loaded = False
        self.problem: InputError | None = None  # what the bounded loader refused (nesting, size), if anything

    def get(self, key: Any, default: Any = None) -> Any:
        from checker.inputs.yaml_source import load_all

        if not self.loaded:
            self.loaded = True
            try:
                self.update(load_all(self.text)[0].positions)
            except InputError as exc:
                self.problem = exc
            except IndexError:
                pass
        return super().get(key, default)


def _load_file(path: Path, text: str) -> list[Rule]:
    # libyaml builds the data in C; positions (a slower, pure-Python walk) are
    # computed only if a rule turns out to be invalid.
    import yaml

    from checker.inputs.yaml_source import load_all

    fast_loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        if _ANCHOR.search(text):  # aliases: take the bounded loader (alias-bomb limits), not the fast one
            documents = [d.data for d in load_all(text)]
        else:
            documents = list(yaml.load_all(text, Loader=fast_loader))
    except InputError as exc:
        raise RuleFileError(f"{path}:{exc.line or 1}: {exc.message}") from None
    except yaml.YAMLError as error:
        try:
            load_all(text)
        except InputError as exc:
            raise RuleFileError(f"{path}:{exc.line or 1}: {exc.message}") from None
        # what only the constructing loader refuses: a tag such as !!python/object, never honoured
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise RuleFileError(f"{path}:{mark.line + 1 if mark else 1}: {problem}") from None
    if len(documents) != 1:
        raise RuleFileError(f"{path}: expected one YAML document with `checklist:` and `rules:`")
    data = documents[0]
    positions = _Positions(text)
    from pydantic import ValidationError

    try:
        checklist = validate(ChecklistFile, data)
    except ValidationError as exc:
        positions.get(())
        if positions.problem is not None:  # libyaml took what our loader refuses (10,000-deep nesting): say so
            raise RuleFileError(f"{path}:{positions.problem.line or 1}: {positions.problem.message}") from None
        raise RuleFileError(_explain(path, positions, exc, (), None)) from None
    rules = []
    for index, raw in enumerate(checklist.rules):
        base = ("rules", index)
        rule_id = str(raw.get("id", f"#{index + 1}")) if isinstance(raw, dict) else f"#{index + 1}"
        try:
            rule = validate(Rule, raw)
        except ValidationError as exc:
            raise RuleFileError(_explain(path, positions, exc, base, rule_id)) from None
        rule.checklist = checklist.checklist
        rule.source = f"{path}#{rule.id}"
        _escape_texts(rule)
        _compile_params(rule, path, positions, base)
        rules.append(rule)
    return rules


def _escape_texts(rule: Rule) -> None:
    """A rule file may come from anyone: its words are printed, so their control characters are escaped."""
    from checker.safe_text import escape_controls

    for name in ("title", "item", "remediation", "why", "limitations"):
        given = getattr(rule, name)
        if given:
            setattr(rule, name, escape_controls(given))
    rule.links = [escape_controls(link, single_line=True) for link in rule.links]


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
    if _count_values(rule.with_) > MAX_PARAM_VALUES:
        line = positions.get(base + ("with",), (0,))[0]
        raise RuleFileError(f"{path}:{line}: rule {rule.id}: field with: more than {MAX_PARAM_VALUES:,} values")
    from pydantic import ValidationError

    try:
        rule.__dict__["_params"] = validate(probe.Params, rule.with_)
    except ValidationError as exc:
        raise RuleFileError(_explain(path, positions, exc, base + ("with",), rule.id, prefix="with.")) from None


def _explain(path: Path, positions: dict[Any, Any], exc: Any, base: tuple[Any, ...], rule_id: str | None, prefix: str = "") -> str:
    """One line from a pydantic ValidationError: file:line: rule ID: field F: message."""
    error = exc.errors()[0]
    location = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    message = error_message(error)
    named = _NAMED_FIELD.match(message) if error["type"] == "value_error" else None
    if named:  # a __post_init__ check names its field: "targets: unknown target ..."
        location, message = location + tuple(named.group(1).split(".")), named.group(2)
    line = 0
    for end in range(len(location), -1, -1):
        found = positions.get(base + location[:end])
        if found:
            line = found[0]
            break
    field = prefix + ".".join(str(p) for p in location) if location else (prefix.rstrip(".") or "(rule)")
    who = f"rule {rule_id}: " if rule_id else ""
    return f"{path}:{line}: {who}field {field}: {message}"
