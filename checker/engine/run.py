"""Run the selected rules over the loaded documents and build the Report.

The engine owns everything probes must not: which documents a rule applies
to, turning probe failures into `error` results with a reason, locations,
inline suppressions, masking, severity and the summary.
"""
from __future__ import annotations

import re

import sys
import traceback
from collections import Counter
from datetime import date, datetime, timezone
from typing import Any, Callable, NamedTuple

from checker import __version__
from checker.engine import redact, supersede
from checker.engine.collect import collect_secrets
from checker.engine.rules import Rule
from checker.engine.score import readiness
from checker.engine.suppress import annotation_waiver, inline_waiver
from checker.errors import ProbeError
from checker.inputs.attestations import Attestation
from checker.inputs.document import Document
from checker.inputs.load import Loaded
from checker.inputs.paths import format_path
from checker.models import SEVERITIES, Location, Report, Result, Status, Summary, ToolInfo, severity_rank
from checker.probes import get as get_probe
from checker.inputs.environment import emulator_image
from checker.probes._guessable import reset_budget as reset_word_budget
from checker.probes._ops import reset_match_budget
from checker.probes.base import Context, Observation
from checker.secrets import mask

INPUT_RULE = ("PF-INPUT", "file-parses", "input", "The file can be read and parsed")


class ScanInput(NamedTuple):
    rules: list[Rule]
    loaded: Loaded
    attestations: list[Attestation]
    paths: list[str]
    environment: str | None  # forced with --env
    rules_sha256: str
    today: date | None = None
    live: list[Document] | None = None  # live targets; None: --live not given
    options: dict[str, Any] = {}  # for live probes: ca_bundle, timeout, concurrency, progress
    # rule id -> results over the documents already judged in worker processes (engine/parallel.py),
    # None for a rule that found nothing to judge there; those documents carry meta["judged"]
    judged: dict[str, list[Result] | None] | None = None


def scan(given: ScanInput) -> Report:
    started = _now()
    if given.judged is None:  # with worker processes, load_and_judge started the budget
        reset_match_budget()
        reset_word_budget()
    today = given.today or date.today()
    documents = given.loaded.documents
    project = Document(
        "project", "project", {"attestations": given.attestations, "documents": documents},
        environment=given.environment or "production",
    )
    results: list[Result] = [
        _input_result(p.file, p.status, p.message, p.line, p.column, p.reason) for p in given.loaded.problems
    ]
    for doc in documents:
        for error in doc.meta.get("parse_errors", []):
            results.append(_input_result(doc.path, "error", error.message, error.line, error.column))
    static = [r for r in given.rules if "live" not in r.targets]
    in_scope = _by_kind(documents + [project])
    # with worker processes: what is left to judge here, the project and the files the parent loaded itself
    left = _by_kind([d for d in documents if not d.meta.get("judged")] + [project])
    for rule in static:
        scope = in_scope(rule.targets)
        if given.judged is None:
            results.extend(run_rule(rule, scope, today))
            continue
        done = given.judged.get(rule.id)
        rest = left(rule.targets)
        here = judge(rule, rest, today) if rest else None
        if done is None and here is None:
            results.append(_result(rule, "skip", "-", message=_skip_reason(rule, scope)))
        else:
            results.extend((done or []) + (here or []))
    live_rules = [r for r in given.rules if "live" in r.targets]
    if live_rules:
        results.extend(run_live(live_rules, given.live, today, given.options))
    results = supersede.apply(results, given.rules)  # one cause, one finding
    # the choke point of results: every text masked with every secret the scan saw, controls escaped
    redactor = redact.activate(redact.Redactor(collect_secrets(documents + (given.live or []))))
    return redactor.report(build_report(results, given.paths, given.environment, given.rules_sha256, started))


def _by_kind(documents: list[Document]) -> Callable[[list[str]], list[Document]]:
    """The documents of some kinds, in input order: each rule looks only at the kinds it targets."""
    groups: dict[str, list[Document]] = {}
    for doc in documents:
        groups.setdefault(doc.kind, []).append(doc)
    order = {id(doc): index for index, doc in enumerate(documents)}

    def of_kinds(kinds: list[str]) -> list[Document]:
        found = [groups[kind] for kind in kinds if kind in groups]
        if len(found) == 1:
            return found[0]
        return sorted((doc for group in found for doc in group), key=lambda doc: order[id(doc)])

    return of_kinds


def run_live(rules: list[Rule], targets: list[Document] | None, today: date, options: dict[str, Any]) -> list[Result]:
    """Live rules, concurrently over a bounded pool: one slow host never holds up the others."""
    if targets is None:
        # an offline scan: the checklist line's attestation rule carries the human prompt
        hint = "live probe: run `preflight scan --live --endpoint URL`"
        return [_result(rule, "skip", "-", message=hint, reason="offline scan") for rule in rules]
    work: list[tuple[Rule, Document]] = []
    results: list[Result] = []
    for rule in rules:
        probe = get_probe(rule.probe)
        applies = getattr(probe, "applies", None)
        chosen = [
            d for d in targets
            if rule.applies_to(d.kind, d.environment) and (applies is None or applies(d, rule.params()))
        ]
        if not chosen:
            results.append(_result(rule, "skip", "-", message="no live target this probe reads (give --endpoint URL)"))
        for doc in chosen:
            if doc.data.get("not_contacted"):  # outside --live-hosts: reported, never reached
                results.append(_result(rule, "skip", doc.path, location=Location(url=doc.path),
                                       message=str(doc.data["not_contacted"]), reason="not in --live-hosts"))
            else:
                work.append((rule, doc))
    if not work:
        return results
    from concurrent.futures import ThreadPoolExecutor

    jobs = max(1, min(int(options.get("concurrency", 32)), len(work)))
    with ThreadPoolExecutor(max_workers=jobs) as pool, _progress(len(work), bool(options.get("progress"))) as advance:
        futures = [pool.submit(run_rule, rule, [doc], today, options) for rule, doc in work]
        for future in futures:
            results.extend(future.result())
            advance()
    return results


class _progress:
    """A rich progress bar on stderr for live scans on a terminal; nothing otherwise."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.enabled = total, enabled
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> Any:
        if self.enabled:
            from rich.console import Console
            from rich.progress import Progress

            # the bar's own escape sequences go to the stream under the masking one (safe_text.SafeStream)
            self.bar = Progress(console=Console(file=getattr(sys.stderr, "unsafe", sys.stderr)), transient=True)
            self.bar.start()
            self.task = self.bar.add_task("probing", total=self.total)
        return self.advance

    def advance(self) -> None:
        if self.bar is not None:
            self.bar.advance(self.task)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def run_rule(rule: Rule, documents: list[Document], today: date, options: dict[str, Any] | None = None) -> list[Result]:
    results = judge(rule, documents, today, options)
    return results if results is not None else [_result(rule, "skip", "-", message=_skip_reason(rule, documents))]


def judge(rule: Rule, documents: list[Document], today: date, options: dict[str, Any] | None = None) -> list[Result] | None:
    """The rule's results over the documents it applies to; None when it applies to none of them."""
    candidates = [d for d in documents if rule.applies_to(d.kind, d.environment)]
    if not candidates:
        return None  # decided without importing the probe: a one-file scan loads only the probes it uses
    probe = get_probe(rule.probe)
    context = Context(rule.id, rule.name, today, tuple(rule.environments) if rule.environments else None, options or {})
    applies = getattr(probe, "applies", None)  # a probe may decline documents it has nothing to say about
    params = rule.params()
    applicable = candidates if applies is None else [d for d in candidates if applies(d, params)]
    if not applicable:
        return None
    results = []
    for doc in applicable:
        try:
            observations = list(probe.check(doc, params, context))
        except ProbeError as exc:
            results.append(_result(rule, "error", doc.path, message=_displayed(doc, exc.message), reason=exc.reason))
            continue
        except Exception as exc:  # a bug in a probe must not end the scan, nor pass
            detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
            results.append(_result(rule, "error", doc.path, message=f"probe {rule.probe} failed: {detail}", reason="bug"))
            continue
        if observations and doc.meta.get("written_as") is not None:
            observations = _blamed(probe, doc, params, context, observations)
        if observations and doc.kind == "compose" and rule.environments:
            observations = _in_their_environment(rule, doc, observations)
        if not observations:
            location = _pass_location(doc)
            results.append(_result(rule, "pass", doc.path, location=location))
        results.extend(_one_per_line([_from_observation(rule, doc, o) for o in observations]))
    return results


_SCOPE = re.compile(r"\(((?:service|container|init container|ConfigMap|Secret|stage) [^()]*)\)")


def _one_per_line(results: list[Result]) -> list[Result]:
    """One finding per rule and source line: a value written once and used many times (a YAML anchor
    merged into 20 services, `x-defaults`) is one thing to fix, said once, naming where it is used."""
    if len(results) < 2:
        return results
    kept: list[Result] = []
    first_at: dict[tuple[str | None, int, int | None], Result] = {}
    also: dict[int, list[str]] = {}
    for result in results:
        location = result.location
        if result.status != "fail" or location is None or location.line is None:
            kept.append(result)
            continue
        place = (location.file, location.line, location.column)
        first = first_at.get(place)
        if first is None:
            first_at[place] = result
            kept.append(result)
            continue
        scope = _SCOPE.search(result.message)
        also.setdefault(id(first), []).append(scope.group(1) if scope else (location.object or "another use"))
    for result in kept:
        others = also.get(id(result))
        if others:
            shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
            result.message = f"{result.message}; the same line is used by {len(others)} more: {shown}"
            result.evidence = {**result.evidence, "also_used_by": len(others)}
    return kept


def _in_their_environment(rule: Rule, doc: Document, observations: list[Observation]) -> list[Observation]:
    """A compose project's finding counts only where the rule applies to the environment of what it is about:
    a value an overlay for another environment wrote (`docker-compose.test.yml`), or a service that runs a
    local emulator of a cloud service (LocalStack accepts any key: its settings are a developer's)."""
    of: dict[str, str] = doc.meta.get("environment_of") or {}
    services = doc.data.get("services") if isinstance(doc.data, dict) else None
    emulators = {name for name, service in services.items() if isinstance(service, dict)
                 and emulator_image(str(service.get("image") or ""))} if isinstance(services, dict) else set()
    if not of and not emulators:
        return observations
    environments = rule.environments or []

    def environment(o: Observation) -> str:
        if len(o.path) >= 2 and o.path[0] == "services" and o.path[1] in emulators:
            return "development"
        return of.get(doc.source(o.path), doc.environment)

    return [o for o in observations if o.status != "fail" or o.document is not None or environment(o) in environments]


def _blamed(probe: Any, built: Document, params: Any, context: Context, observations: list[Observation]) -> list[Observation]:
    """A built object's finding that its written source has too (inputs/render.py) is shown at the source:
    the build did not cause it, whatever else the build changed at that path."""
    written: Document = built.meta["written_as"]
    try:
        own = {o.path for o in probe.check(written, params, context) if o.status == "fail"}
    except Exception:  # a cross-object probe may not judge an object outside every unit: no blame then
        return observations
    return [o._replace(document=written) if o.status == "fail" and o.document is None and o.path in own else o
            for o in observations]


def _displayed(doc: Document, text: str | None) -> str | None:
    """A live probe's text with the target's URL as displayed: `user:***@`, never the URI's password."""
    if doc.kind != "live" or not text or "@" not in text:
        return text
    from urllib.parse import urlsplit

    netloc = urlsplit(str(doc.data.get("url", ""))).netloc
    if "@" not in netloc or ":" not in netloc.rsplit("@", 1)[0]:
        return text
    userinfo = netloc.rsplit("@", 1)[0]
    return text.replace(userinfo + "@", userinfo.split(":", 1)[0] + ":***@")


def _from_observation(rule: Rule, checked: Document, observation: Observation) -> Result:
    doc = observation.document or checked
    location = None
    if doc.kind == "live":
        location = Location(url=doc.path)  # the URL as displayed: no password
    elif doc.kind != "project":
        position = doc.position(observation.path)
        location = Location(
            file=doc.source(observation.path),
            line=position[0] if position else None,
            column=position[1] if position else None,
            object=_object(doc, observation.path),
        )
    observed = observation.observed
    if observed is not None and observation.secret:
        observed = mask(observed)
    result = _result(
        rule, observation.status, checked.path, location=location, message=_displayed(checked, observation.message),
        observed=observed, evidence=observation.evidence or {},
    )
    if observation.confidence == "low" and observation.status == "fail":  # a guess weighs one step less
        result.severity = SEVERITIES[max(severity_rank(rule.severity) - 1, 0)]
        result.evidence = {**result.evidence, "confidence": "low"}
    if observation.status == "fail" and location is not None:
        waiver = inline_waiver(doc, location.line, (rule.id, rule.name)) or annotation_waiver(doc, (rule.id, rule.name))
        if waiver:
            result.status, result.waiver = "waived", waiver
    return result


def _pass_location(doc: Document) -> Location | None:
    """One Location per document, shared by its pass results (a 10,000-file scan has 250,000 of them)."""
    if doc.kind == "project":
        return None
    found: Location | None = doc.meta.get("_pass_location")
    if found is None:
        found = Location(url=doc.path) if doc.kind == "live" else Location(file=doc.path, object=doc.meta.get("label"))
        doc.meta["_pass_location"] = found
    return found


def _object(doc: Document, path: tuple[str | int, ...]) -> str | None:
    """The object a finding is about: `services.db.ports[0]`, or `Deployment/web spec.replicas`."""
    label, where = doc.meta.get("label"), format_path(path)
    if label:
        return f"{label} {where}" if where else str(label)
    return where or None


def _result(rule: Rule, status: Status, target: str, **fields: Any) -> Result:
    return Result(
        rule_id=rule.id, rule_name=rule.name, checklist=rule.checklist, title=rule.title, item=rule.item,
        severity=rule.severity, status=status, target=target,
        remediation=rule.remediation if status == "fail" else None, **fields,
    )


def _skip_reason(rule: Rule, documents: list[Document]) -> str:
    kinds = [d for d in documents if d.kind in rule.targets]
    if not kinds:
        return f"no {' or '.join(rule.targets)} input in scope"
    in_environment = [d for d in kinds if rule.environments is None or d.environment in rule.environments]
    if in_environment:  # the probe's applies() declined them all: nothing of the kind it judges
        return f"nothing in the {' or '.join(rule.targets)} inputs that {rule.probe} judges"
    environments = sorted({d.environment for d in kinds})
    return f"applies to {', '.join(rule.environments or [])}; inputs are {', '.join(environments)}"


def _input_result(
    file: str, status: Status, message: str, line: int | None, column: int | None, reason: str | None = None
) -> Result:
    rule_id, name, checklist, title = INPUT_RULE
    return Result(
        rule_id=rule_id, rule_name=name, checklist=checklist, title=title, severity="high", status=status,
        target=file, location=Location(file=file, line=line, column=column), message=message,
        reason=(reason or "unparsable") if status == "error" else None,
    )


def build_report(results: list[Result], paths: list[str], environment: str | None, rules_sha256: str, started: str) -> Report:
    counts: dict[str, dict[str, int]] = {}
    for result in results:
        per = counts.setdefault(result.checklist, {})
        per[result.status] = per.get(result.status, 0) + 1
    failed = Counter(r.severity for r in results if r.status == "fail")
    score, grade = readiness(results)
    return Report(
        tool=ToolInfo(version=__version__, rules_sha256=rules_sha256),
        started_at=started, finished_at=_now(), environment=environment, paths=paths, results=results,
        summary=Summary(counts=counts, score=score, grade=grade, failed_by_severity={str(k): n for k, n in failed.items()}),
    )


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
