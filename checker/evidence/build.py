"""Build an evidence bundle: scan, then write the report, raw evidence, scope, tool info and the manifest.

    DIR/
      report.json            the full Report
      report.html            when the HTML reporter is installed (else noted in the manifest)
      report.pdf             with -f pdf: the same page printed, with a cover (see reporters/pdf.py)
      evidence/results/<RULE>-<fingerprint>.json   one record per fail, error, waived or manual result
      evidence/passes/<RULE>.json                  one population per rule: N examined, N passed, which
      attestations/...       the attestation files used, and the evidence files they name inside the scanned tree
      scope.json             what was scanned, for which framework, and the controls with their rules
      tool.json              preflight and Python versions, rules sha256, UTC start/end
      manifest.json          written last: every file above with its SHA-256 (see manifest.py)
      manifest.sig, signer.pub   with --sign (see signing.py)
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checker import __version__, safe_write
from checker.config import Config
from checker.engine.redact import active as active_redactor, mask_data
from checker.engine.rules import Rule, load_rules
from checker.errors import UsageError
from checker.evidence import manifest as manifest_file
from checker.evidence import records, signing
from checker.inputs import attestations as attestation_files
from checker.inputs import containment
from checker.inputs.load import MAX_FILE_BYTES
from checker.models import Report, Result

WAIVER_NAMES = (".preflight/waivers.yaml", ".preflight/waivers.yml")
PDF = records.PRINTED


@dataclass
class Request:
    paths: list[str]
    framework: str
    output: Path
    config: Config = field(default_factory=Config)
    live: bool = False
    endpoints: list[str] = field(default_factory=list)
    sign_key: Path | None = None
    docker_host: str | None = None  # --docker-host; with `docker` (or the config's), running containers too
    docker: bool = False
    now: dt.datetime | None = None  # the hidden --now of tests (history/clock.py): the scan's clock and "today"
    pdf: bool = False  # -f pdf: also report.pdf, printed from report.html by headless Chromium
    history: list[tuple[str, int]] | None = None  # (date, failures) per earlier run: the HTML's trend line


@dataclass
class Written:
    output: Path
    files: int
    notes: list[str]
    signer: str | None


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def check_output(output: Path, paths: list[str]) -> None:
    """Refuse a symbolic link, a non-empty DIR, a file, or a DIR inside (or equal to) a scanned path."""
    if output.is_symlink():  # dangling or not: the bundle would be written wherever it points
        raise UsageError(f"{output}: is a symbolic link; name the bundle folder itself")
    if output.exists() and not output.is_dir():
        raise UsageError(f"{output}: exists and is not a folder")
    if output.is_dir() and any(output.iterdir()):
        raise UsageError(f"{output}: folder is not empty; evidence bundles go into a new or empty folder")
    target = output.resolve()
    for given in paths:
        if given == "-":
            continue
        scanned = Path(given).resolve()
        if _inside(target, scanned if scanned.is_dir() else scanned.parent) and (scanned.is_dir() or target == scanned):
            raise UsageError(f"{output}: inside the scanned path {given}; write the bundle outside the scanned tree")


def run_scan(request: Request) -> Report:
    from checker.api import scan_paths
    from checker.engine.waivers import apply_waivers

    config = request.config
    endpoints = config.endpoints + request.endpoints
    report = scan_paths(
        request.paths, rules=config.rules, env=config.env, checklists=config.checklists, select=config.select,
        skip=config.skip, min_severity=config.severity, exclude=config.exclude, env_files=config.env_files,
        attestations=config.attestations, live=request.live or config.live, endpoints=endpoints,
        docker=request.docker or config.docker, docker_host=request.docker_host or config.docker_host,
        today=request.now.date() if request.now else None,
    )
    from checker.config_trust import annotate

    if request.now is not None:
        report.started_at = report.finished_at = _stamp(request.now)
    return apply_waivers(annotate(report, config.notes), None, request.paths, request.now.date() if request.now else None)


def build(request: Request) -> Written:
    check_output(request.output, request.paths)
    key = signing.load_private(request.sign_key) if request.sign_key is not None else None  # fails before the scan
    if request.pdf:
        _check_pdf_renderer()  # likewise: no half-built bundle for want of a browser
    started = _stamp(request.now) if request.now else utc_now()
    report = active_redactor().report(run_scan(request))  # waivers came after the scan's own masking
    out = request.output
    safe_write.make_folder(out)
    notes: list[str] = []
    _write(out / "report.json", (report.to_json() + "\n").encode("utf-8"))
    rules = {rule.id: rule for rule in load_rules(request.config.rules).rules}
    index = write_evidence(report, out, rules, _scanned_roots(request.paths), request.framework)
    trend = None if request.history is None else [  # the earlier recorded runs, then this one
        *request.history, (report.started_at, sum(r.status == "fail" for r in report.results))]
    html_options: dict[str, Any] = {"rules": rules.values(), "framework": request.framework, "evidence": index,
                                    "history": trend}
    notes += write_html(report, out, **html_options)
    notes += copy_attestations(request, out / "attestations")
    scope = build_scope(request, report)
    notes += scope.pop("_notes")
    _write_json(out / "scope.json", scope)
    _write_json(out / "tool.json", {
        "name": "preflight", "version": __version__, "python": platform.python_version(),
        "python_implementation": platform.python_implementation(), "platform": platform.platform(),
        "rules_sha256": report.tool.rules_sha256, "report_schema_version": report.schema_version,
        "scan_started_at": report.started_at, "scan_finished_at": report.finished_at,
        "started_at": started, "finished_at": _stamp(request.now) if request.now else utc_now(),
        "clock": "--now" if request.now else "system",
    })
    signer_print = signing.fingerprint(key.public_key()) if key is not None else None
    if request.pdf:  # printed last, so its cover can name the digest of everything else in the bundle
        write_pdf(report, out, request, signer_print, html_options)
    raw = manifest_file.build_manifest(out, notes)
    _write(out / manifest_file.MANIFEST, raw)
    signer = None
    if key is not None:
        _write(out / manifest_file.SIGNATURE, signing.sign(key, raw))
        _write(out / manifest_file.SIGNER, signing.public_pem(key.public_key()))
        signer = signer_print
    return Written(out, len(manifest_file.bundle_files(out)), notes, signer)


def _write(path: Path, data: bytes) -> None:
    """Every bundle file is new: created with O_EXCL | O_NOFOLLOW in folders reached without following links."""
    safe_write.make_folder(path.parent)
    safe_write.write_bytes(path, data, exclusive=True)


def _write_json(path: Path, data: Any) -> None:
    text = json.dumps(mask_data(data), indent=2, ensure_ascii=False, default=str)  # scope.json names --endpoint URLs
    _write(path, (text + "\n").encode("utf-8"))


def _check_pdf_renderer() -> None:
    from checker.reporters.pdf import PdfError, find_chromium

    try:
        find_chromium()
    except PdfError as exc:
        raise UsageError(f"-f pdf: {exc}") from None


def write_pdf(report: Report, out: Path, request: Request, signer: str | None, options: dict[str, Any]) -> None:
    """report.pdf: the same page, printed with a cover naming the content digest (see records.content_digest)."""
    from checker.reporters import html
    from checker.reporters.pdf import PdfError, html_to_pdf

    cover = html.Cover(
        title=f"{request.framework.upper()} evidence", scope=list(request.paths),
        period=f"{report.started_at} to {report.finished_at} (point in time)", tool_version=__version__,
        bundle_hash=records.content_digest(out), signer=signer)
    page = html.render(report, cover=cover, print_mode=True, **options)
    try:
        html_to_pdf(page, out / PDF)
    except PdfError as exc:  # asked for with -f pdf: no silent bundle without it
        raise UsageError(f"{out / PDF}: {exc}; the bundle in {out} is incomplete (no manifest)") from None


def write_html(report: Report, out: Path, **options: Any) -> list[str]:
    from checker import reporters

    try:
        html = reporters.get("html")
    except ModuleNotFoundError as exc:
        if exc.name != reporters.REPORTERS["html"]:
            raise
        return ["report.html: not written, the HTML reporter is not available in this version"]
    try:
        text = html.render(report, **options)
    except Exception as exc:  # noqa: BLE001  the HTML view is a convenience; report.json is the record
        return [f"report.html: not written, the HTML reporter failed ({type(exc).__name__}: {exc})"]
    _write(out / "report.html", text.encode("utf-8"))
    return []


def write_evidence(report: Report, out: Path, rules: dict[str, Rule], roots: list[Path],
                   framework: str) -> records.Written:
    """A record per non-passing result, a population per rule's passes (see records.py)."""
    files = records.build_records(report, rules, roots, framework)
    for rel, body in files.items():
        _write_json(out / rel, body)
    return records.index(files)


def _scanned_roots(paths: list[str]) -> list[Path]:
    roots = []
    for given in paths:
        if given == "-":
            continue
        path = Path(given).resolve()
        roots.append(path if path.is_dir() else path.parent)
    return roots


def _bundle_name(path: Path, roots: list[Path]) -> str | None:
    """Where a file inside the scanned tree goes below attestations/, or None when it is outside."""
    for index, root in enumerate(roots):
        if _inside(path, root):
            rel = path.relative_to(root).as_posix()
            return rel if len(roots) == 1 else f"{index + 1}-{root.name}/{rel}"
    return None


def copy_attestations(request: Request, folder: Path) -> list[str]:
    notes: list[str] = []
    roots = _scanned_roots(request.paths)
    readable = containment.scan_roots(request.paths)
    used = [Path(p) for p in request.config.attestations] or attestation_files.find(request.paths)
    for path in used:
        source = path.resolve()
        name = _bundle_name(source, roots) or f"external/{source.name}"  # named by the user: copied from there
        allowed = readable if _bundle_name(source, roots) else (str(source.parent),)
        _copy(source, folder / name, allowed)
        for attestation in attestation_files.load(path, allowed):
            if "://" in attestation.evidence:
                continue
            evidence = attestation_files.evidence_path(attestation).resolve()
            inner = _bundle_name(evidence, roots)
            if inner is None or containment.inside(evidence, readable) is None:
                notes.append(f"attestations: evidence {attestation.evidence} ({path}) is outside the scanned tree, not copied")
            elif not evidence.is_file():
                notes.append(f"attestations: evidence {attestation.evidence} ({path}) is not a file, not copied")
            elif not (folder / inner).exists():
                _copy(evidence, folder / inner, readable)
    return notes


def _copy(source: Path, target: Path, roots: containment.Roots) -> None:
    """A file of the scanned tree into the bundle, read only inside `roots` (inputs/containment.py) and
    never through a link; a text file masked like every other output."""
    if os.path.lexists(target):  # the same file named twice is copied once
        return
    with os.fdopen(containment.open_inside(source, roots), "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return
        data = handle.read(MAX_FILE_BYTES + 1)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        _write(target, data)  # not text: copied as it is
        return
    _write(target, active_redactor().masked(text).encode("utf-8"))  # secrets masked; bytes else kept


def _docker_scope(request: Request, report: Report) -> dict[str, Any] | None:
    """The Docker host inspected and the containers seen there (`HOST#NAME@ID`), or None without --docker."""
    config = request.config
    if not (request.docker or config.docker or request.docker_host or config.docker_host):
        return None
    from checker.inputs.docker_live import display_host  # no SDK import: it only names the host

    host = display_host(request.docker_host or config.docker_host)
    containers = sorted({r.target for r in report.results if r.target.startswith(f"{host}#")})
    return {"host": host, "containers": containers}


def build_scope(request: Request, report: Report) -> dict[str, Any]:
    config = request.config
    rule_set = load_rules(config.rules)
    notes: list[str] = []
    controls, catalog_used = framework_controls(request.framework, rule_set.rules)
    if catalog_used:  # each control's status as the controls view judges it (checker/evidence/controls.py)
        from checker.evidence.controls import build_view

        judged = {c.id: c for c in build_view(request.framework, rule_set.rules, report.results).controls}
        for control in controls:
            if control["id"] in judged:
                row = judged[control["id"]]
                control.update(status=row.status, counts=row.counts(), not_applicable=row.not_applicable)
    if not catalog_used:
        notes.append(f"scope: no control catalog for {request.framework}; controls derived from the rules' compliance mappings")
    urls = sorted({r.location.url for r in report.results if r.location and r.location.url})
    readable = containment.scan_roots(request.paths)
    waivers = [str(root / name) for root in _scanned_roots(request.paths) for name in WAIVER_NAMES
               if (root / name).is_file() and containment.inside(root / name, readable)]
    return {
        "framework": request.framework,
        "paths": list(request.paths),
        "paths_resolved": [str(Path(p).resolve()) for p in request.paths if p != "-"],
        "live": bool(request.live or config.live or request.endpoints or config.endpoints),
        "live_targets": {"endpoints": config.endpoints + request.endpoints, "probed": urls},
        "docker": _docker_scope(request, report),
        "environment": report.environment or config.env,
        "config": {"file": config.source, "named_with_config": config.trusted if config.source else None,
                   "ignored": [n.message for n in config.notes if not n.applied]},
        "exclusions": list(config.exclude),
        "selection": {"checklists": config.checklists, "select": config.select, "skip": config.skip,
                      "severity": config.severity},
        "waivers_file": waivers[0] if waivers else None,
        "attestation_files": [str(p) for p in (config.attestations or attestation_files.find(request.paths))],
        "in_scope": _in_scope(report, _scanned_roots(request.paths)),
        "not_scanned": [{"file": r.target, "why": r.message or r.reason} for r in report.results
                        if r.rule_id == "PF-INPUT" and r.status == "skip"],
        "not_applicable": _not_applicable(report),
        "controls": controls,
        "gaps": [c["id"] for c in controls if c.get("status", "gap" if not c["rules"] else None) == "gap"],
        "control_catalog": "checker.engine.frameworks" if catalog_used else None,
        "_notes": notes,
    }


def _in_scope(report: Report, roots: list[Path]) -> dict[str, Any]:
    """The files and endpoints the rules judged (each file with its SHA-256), and the rules that judged them."""
    hashes = records.FileHashes(roots)
    judged = [r for r in report.results if r.status != "skip" and r.rule_id != "PF-INPUT"]
    files = sorted({r.location.file for r in judged if r.location and r.location.file}
                   | {r.target for r in judged if r.target != "project" and "://" not in r.target
                      and Path(r.target).is_file()})
    return {
        "files": [{"file": f, "sha256": hashes.get(f)} for f in files],
        "endpoints": sorted({r.location.url for r in judged if r.location and r.location.url}),
        "rules": sorted({r.rule_id for r in judged}),
        "results": len(judged),
    }


def _not_applicable(report: Report) -> list[dict[str, Any]]:
    """Rules that ran but had nothing to judge in this scope, with why (their skip messages)."""
    judged = {r.rule_id for r in report.results if r.status != "skip"}
    why: dict[str, list[str]] = {}
    for r in report.results:
        if r.status == "skip" and r.rule_id not in judged and r.rule_id != "PF-INPUT":
            reasons = why.setdefault(r.rule_id, [])
            if (r.message or r.reason or "") not in reasons:
                reasons.append(r.message or r.reason or "")
    return [{"rule": rule_id, "why": reasons} for rule_id, reasons in sorted(why.items())]


def framework_controls(framework: str, rules: list[Rule]) -> tuple[list[dict[str, Any]], bool]:
    """Each control of the framework with the rule ids mapped to it; catalog controls without rules have `rules: []`."""
    mapped: dict[str, list[str]] = {}
    for rule in rules:
        for control in rule.compliance.get(framework, []):
            mapped.setdefault(str(control), []).append(rule.id)
    catalog = _catalog(framework)
    titles: dict[str, str | None] = {c: None for c in sorted(mapped)}
    if catalog is not None:  # catalog order; controls only the rules name come last
        titles = {**catalog, **{c: None for c in sorted(mapped) if c not in catalog}}
    controls = [{"id": c, "title": titles[c], "rules": sorted(set(mapped.get(c, [])))} for c in titles]
    return controls, catalog is not None


def _catalog(framework: str) -> dict[str, str | None] | None:
    """Control id -> title from the framework catalog (checker/engine/frameworks.py), when it exists."""
    try:
        from checker.engine import frameworks
    except ImportError:
        return None
    for name in ("catalog", "load_framework", "load_catalog", "framework", "get", "controls", "load"):
        function = getattr(frameworks, name, None)
        if not callable(function):
            continue
        try:
            loaded = function(framework)
        except Exception:  # noqa: BLE001  an unknown catalog API: fall back to the rules
            continue
        entries = getattr(loaded, "controls", loaded)
        if isinstance(entries, dict):
            return {str(k): _title(v) for k, v in entries.items()}
        if isinstance(entries, (list, tuple)):
            found = {}
            for entry in entries:
                ident = entry.get("id") if isinstance(entry, dict) else getattr(entry, "id", None)
                if ident is not None:
                    found[str(ident)] = _title(entry)
            return found
    return None


def _title(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return value.get("title") or value.get("name")
    return getattr(value, "title", None) or getattr(value, "name", None)
