"""Generic assertion over a parsed document: most document rules need no Python.

`select` picks the objects to check (default: the whole document), `where`
keeps only some of them, and `require` must hold for each one that is kept;
every object where it does not hold is a finding at that object's line.

A condition is a leaf `{path, op, value}` or a combination `{all: [...]}`,
`{any: [...]}`, `{not: ...}`. A leaf's `path` is relative to the object and may
use `*` and `[*]`; the leaf holds when `op` holds for every value the path
reaches (`match: any`: for at least one). When the path reaches nothing, the
negative operators (not_equals, not_in, not_matches, empty, falsy) hold and the
others do not; `missing: pass|fail` overrides that. Operators: see probes/_ops.py.

Params: select, where, require, message (may use {object}, {name}, {value}).

Fails (with select: services.*, require: {path: privileged, op: not_equals, value: true}):
    services: {app: {image: "nginx:1.27", privileged: true}}
Passes:
    services: {app: {image: "nginx:1.27"}}
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Literal, NamedTuple, Optional

from checker.inputs.document import Document
from checker.inputs.paths import Path, format_path, parse, select
from checker.models import STRICT
from checker.probes import _ops
from checker.probes.base import Context, Observation

NAME = "assert"
TARGETS = ("env", "compose", "yaml", "k8s")
MAX_CONDITION_NODES = 200


@dataclass
class Condition:
    __pydantic_config__ = STRICT
    path: Optional[str] = None
    op: Optional[Literal[_ops.ALL_OPERATORS]] = None  # type: ignore[valid-type]
    value: Any = None
    match: Literal["all", "any"] = "all"
    missing: Optional[Literal["pass", "fail"]] = None
    all_: Optional[list[Condition]] = None  # written `all:`
    any_: Optional[list[Condition]] = None  # written `any:`
    not_: Optional[Condition] = None  # written `not:`

    def __post_init__(self) -> None:
        forms = [self.op is not None, self.all_ is not None, self.any_ is not None, self.not_ is not None]
        if sum(forms) != 1:
            raise ValueError("a condition is exactly one of: {path, op, value}, all, any, not")
        if self.op is not None:
            parse(self.path or "")
            if self.op in _ops.NEEDS_VALUE and self.value is None:
                raise ValueError(f"operator {self.op!r} needs a value")
            if self.op in ("matches", "not_matches"):
                _ops.compile_pattern(str(self.value))
            if self.op in ("in", "not_in") and not isinstance(self.value, list):
                raise ValueError(f"operator {self.op!r} needs a list value")
        if _size(self) > MAX_CONDITION_NODES:
            raise ValueError(f"condition has more than {MAX_CONDITION_NODES} parts")


@dataclass
class Params:
    __pydantic_config__ = STRICT
    require: Condition
    select: str = ""
    where: Optional[Condition] = None
    message: Optional[str] = None

    def __post_init__(self) -> None:
        parse(self.select)


class Verdict(NamedTuple):
    holds: bool
    path: Path  # where it failed
    value: Any


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    for path, obj in select(doc.data, params.select):
        if params.where is not None and not evaluate(params.where, obj, path).holds:
            continue
        verdict = evaluate(params.require, obj, path)
        if verdict.holds:
            continue
        name = str(path[-1]) if path else doc.path
        observed = None if verdict.value is None else _ops.text(verdict.value)
        template = params.message or "{object}: {detail}"
        message = template.format(
            object=format_path(path) or doc.path, name=name, value=observed, detail=_detail(params.require, verdict)
        )
        yield Observation(verdict.path, message, observed)


def evaluate(condition: Condition, obj: Any, base: Path) -> Verdict:
    if condition.all_ is not None:
        for part in condition.all_:
            verdict = evaluate(part, obj, base)
            if not verdict.holds:
                return verdict
        return Verdict(True, base, None)
    if condition.any_ is not None:
        first: Verdict | None = None
        for part in condition.any_:
            verdict = evaluate(part, obj, base)
            if verdict.holds:
                return verdict
            first = first or verdict
        return first or Verdict(False, base, None)
    if condition.not_ is not None:
        inner = evaluate(condition.not_, obj, base)
        return Verdict(not inner.holds, inner.path, inner.value)
    return _leaf(condition, obj, base)


def _leaf(condition: Condition, obj: Any, base: Path) -> Verdict:
    nodes = [(base + path, value) for path, value in select(obj, condition.path or "")]
    op = condition.op
    if op == "exists":
        return Verdict(bool(nodes), nodes[0][0] if nodes else base, None)
    if op == "absent":
        return Verdict(not nodes, nodes[0][0] if nodes else base, nodes[0][1] if nodes else None)
    if not nodes:
        holds = condition.missing == "pass" if condition.missing else op in _ops.HOLDS_WHEN_MISSING
        return Verdict(holds, base, None)
    test = _ops.OPERATORS[op]  # type: ignore[index]
    outcomes = [(test(value, condition.value), path, value) for path, value in nodes]
    if condition.match == "any":
        hit = next((o for o in outcomes if o[0]), None)
        return Verdict(True, hit[1], hit[2]) if hit else Verdict(False, base, None)
    miss = next((o for o in outcomes if not o[0]), None)
    return Verdict(False, miss[1], miss[2]) if miss else Verdict(True, base, None)


def _detail(condition: Condition, verdict: Verdict) -> str:
    if condition.op is not None:
        where = condition.path or "value"
        return f"{where} {_ops.describe(condition.op, condition.value)}"
    return "condition not met"


def _size(condition: Condition) -> int:
    parts = (condition.all_ or []) + (condition.any_ or []) + ([condition.not_] if condition.not_ else [])
    return 1 + sum(_size(part) for part in parts)
