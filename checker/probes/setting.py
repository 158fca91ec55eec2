"""A condition on settings: env-file keys and compose `environment:` entries.

Every setting whose key matches one of `keys` (globs, case-insensitive) must
satisfy `op`/`value` (operators as in the `assert` probe). With `required:
true`, at least one matching key must be set in the document; with `required:
each`, every key listed (plain names, no globs) must be set, and each missing
one is its own finding. Values that come from an unset `${VAR}` are unknown and
are not judged.

With target `project`, the rule looks at every env and compose file in the
scan whose environment the rule applies to, and `required` means "set in at
least one of them": right for deployment-wide switches such as rate limiting,
which one file of many sets (a per-file check would flag every `db.env`). Without
`required`, a project rule whose keys no file sets is `skip`: which variables an
application reads is the application's business (an app profile requires them).

`defers_to: [empty, placeholder]` leaves an empty value, or one that is a template
placeholder (`<...>`, `changeme` ...), to the rules that report those, so one value
never gets two findings (a checklist with a "required key is empty" rule and a
placeholder rule sets it on its switch and number rules).

Params: keys, exclude, op, value, required, message ({key}, {value}), defers_to.

Fails (keys: [DEBUG], op: falsy):   DEBUG=true
Passes:                             DEBUG=false
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Literal, Optional, Sequence, Union

from checker.inputs.document import Document, Setting
from checker.models import STRICT
from checker.probes import _ops
from checker.probes._settings import applies as applies  # re-exported: the engine calls probe.applies()
from checker.probes._settings import matching, where
from checker.probes.base import Context, Observation
from checker.secrets import is_placeholder, is_secret_key

NAME = "setting"
TARGETS = ("env", "compose", "k8s", "project", "docker")
SETTING_KINDS = ("env", "compose", "k8s")


@dataclass
class Params:
    __pydantic_config__ = STRICT
    keys: list[str]
    exclude: list[str] = field(default_factory=lambda: [])
    op: Optional[Literal[tuple(_ops.OPERATORS)]] = None  # type: ignore[valid-type]
    value: Any = None
    required: Union[bool, Literal["each"]] = False
    message: Optional[str] = None
    defers_to: list[Literal["empty", "placeholder"]] = field(default_factory=lambda: [])

    def __post_init__(self) -> None:
        if self.op is None and not self.required:
            raise ValueError("give an `op` to check values, or `required: true`, or both")
        if self.op in _ops.NEEDS_VALUE and self.value is None:
            raise ValueError(f"operator {self.op!r} needs a value")
        if self.op in ("matches", "not_matches"):
            _ops.compile_pattern(str(self.value))
        if self.required == "each" and any(c in key for key in self.keys for c in "*?["):
            raise ValueError("`required: each` takes plain key names, not globs")


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    if doc.kind == "project":
        yield from _check_project(doc, params, context)
        return
    found = list(matching(doc, params.keys, params.exclude))
    if params.required == "each":
        present = {s.key for s in found}  # names are case-sensitive: `token_key` does not set TOKEN_KEY
        for key in params.keys:
            if key not in present:
                yield Observation((), f"{key} is not set", key)
    elif params.required and not found:
        yield Observation((), f"none of {', '.join(params.keys)} is set")
        return
    yield from _check_values(doc, found, params)


def _check_project(project: Document, params: Params, context: Context) -> Iterator[Observation]:
    documents = [
        d for d in project.data.get("documents", [])
        if d.kind in SETTING_KINDS and (d.kind != "k8s" or d.settings)
        and (context.environments is None or d.environment in context.environments)
    ]
    if not documents:
        scope = f"{'/'.join(context.environments)} " if context.environments else ""
        yield Observation((), f"no {scope}env or compose file in scope", status="skip")
        return
    # each deployment unit on its own (inputs/units.py): one project's error tracker is not another's
    units: dict[str, list[Document]] = {}
    for doc in documents:
        units.setdefault(str(doc.meta.get("unit", "")), []).append(doc)
    for members in units.values():
        yield from _check_unit(members, params, len(units) > 1)


def _check_unit(documents: list[Document], params: Params, several: bool) -> Iterator[Observation]:
    first = documents[0] if several else None  # with several units, each finding is shown at its unit's first file
    found = [(d, s) for d in documents for s in matching(d, params.keys, params.exclude)]
    if params.required == "each":
        present = {s.key for _, s in found}
        for key in params.keys:
            if key not in present:
                yield Observation((), f"{key} is not set in any file in scope", document=first)
    elif params.required and not found:
        paths = list(dict.fromkeys(d.path for d in documents))
        names = ", ".join(paths[:3]) + (" ..." if len(paths) > 3 else "")
        yield Observation((), f"none of {', '.join(params.keys)} is set in any file in scope ({names})", document=first)
        return
    if not found and params.required is False:  # nothing set: no value to judge, and not asked to require one
        yield Observation((), f"none of {', '.join(params.keys)} is set in scope: nothing to judge "
                          "(an application profile may require them)", status="skip")
        return
    for doc in documents:
        for observation in _check_values(doc, [s for d, s in found if d is doc], params):
            yield observation._replace(document=doc)


def _check_values(doc: Document, found: list[Setting], params: Params) -> Iterator[Observation]:
    if params.op is None:
        return
    test = _ops.OPERATORS[params.op]
    for setting in found:
        if not setting.resolved or test(setting.value, params.value) or _deferred(setting.value, params.defers_to, setting.key):
            continue
        secret = is_secret_key(setting.key)
        shown = "(secret)" if secret else repr(setting.value)
        message = (params.message or "{key} is {value}: {detail}").format(
            key=where(setting), value=shown, detail=_ops.describe(params.op, params.value)
        )
        yield Observation(setting.path, message, setting.value, secret=secret)


def _deferred(value: str, defers_to: Sequence[str], key: str = "") -> bool:
    """The value is another rule's to report: empty (a required-key rule) or a placeholder (a placeholder rule)."""
    return ("empty" in defers_to and not value.strip()) or ("placeholder" in defers_to and is_placeholder(value, key))
