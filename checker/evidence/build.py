"""Build an evidence bundle: scan, then write the report, raw evidence, scope, tool info and the manifest.

    DIR/
      report.json            the full Report
      report.html            when the HTML reporter is installed (else noted in the manifest)
      evidence/<RULE>-<fingerprint>.json   one per result that carries evidence (already masked)
      attestations/...       the attestation files used, and the evidence files they name inside the scanned tree
      scope.json             what was scanned, for which framework, and the controls with their rules
      tool.json              preflight and Python versions, rules sha256, UTC start/end
      manifest.json          written last: every file above with its SHA-256 (see manifest.py)
      manifest.sig, signer.pub   with --sign (see signing.py)
"""
from __future__ import annotations

import dataclasses

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
from checker.engine.fingerprint import fingerprint
from checker.engine.redact import active as active_redactor, mask_data
from checker.engine.rules import Rule, load_rules
from checker.errors import UsageError
from checker.evidence import manifest as manifest_file
from checker.evidence import signing
from checker.inputs import attestations as attestation_files
from checker.inputs import containment
from checker.inputs.load import MAX_FILE_BYTES
from checker.models import Report, Result

WAIVER_NAMES = (".preflight/waivers.yaml", ".preflight/waivers.yml")


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


@dataclass
class Written:
    output: Path
    files: int
    notes: list[str]
    signer: str | None


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


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
    )
    from checker.config_trust import annotate

    return apply_waivers(annotate(report, config.notes), None, request.paths)


def build(request: Request) -> Written:
    check_output(request.output, request.paths)
    key = signing.load_private(request.sign_key) if request.sign_key is not None else None  # fails before the scan
    started = utc_now()
    report = active_redactor().report(run_scan(request))  # waivers came after the scan's own masking
    out = request.output
    safe_write.make_folder(out)
    notes: list[str] = []
    _write(out / "report.json", (report.to_json() + "\n").encode("utf-8"))
    notes += write_html(report, out)
    write_evidence(report, out / "evidence")
    notes += copy_attestations(request, out / "attestations")
    scope = build_scope(request, report)
    notes += scope.pop("_notes")
    _write_json(out / "scope.json", scope)
    _write_json(out / "tool.json", {
        "name": "preflight", "version": __version__, "python": platform.python_version(),
        "python_implementation": platform.python_implementation(), "platform": platform.platform(),
        "rules_sha256": report.tool.rules_sha256, "report_schema_version": report.schema_version,
        "scan_started_at": report.started_at, "scan_finished_at": report.finished_at,
        "started_at": started, "finished_at": utc_now(),
    })
    raw = manifest_file.build_manifest(out, notes)
    _write(out / manifest_file.MANIFEST, raw)
    signer = None
    if key is not None:
        _write(out / manifest_file.SIGNATURE, signing.sign(key, raw))
        _write(out / manifest_file.SIGNER, signing.public_pem(key.public_key()))
        signer = signing.fingerprint(key.public_key())
    return Written(out, len(manifest_file.bundle_files(out)), notes, signer)


def _write(path: Path, data: bytes) -> None:
    """Every bundle file is new: created with O_EXCL | O_NOFOLLOW in folders reached without following links."""
    safe_write.make_folder(path.parent)
    safe_write.write_bytes(path, data, exclusive=True)


def _write_json(path: Path, data: Any) -> None:
    text = json.dumps(mask_data(data), indent=2, ensure_ascii=False, default=str)  # scope.json names --endpoint URLs
    _write(path, (text + "\n").encode("utf-8"))


def write_html(report: Report, out: Path) -> list[str]:
    from checker import reporters

    try:
        html = reporters.get("html")
    except ModuleNotFoundError as exc:
        if exc.name != reporters.REPORTERS["html"]:
            raise
        return ["report.html: not written, the HTML reporter is not available in this version"]
    try:
        text = html.render(report)
    except Exception as exc:  # noqa: BLE001  the HTML view is a convenience; report.json is the record
        return [f"report.html: not written, the HTML reporter failed ({type(exc).__name__}: {exc})"]
    _write(out / "report.html", text.encode("utf-8"))
    return []


def evidence_record(result: Result, print_: str) -> dict[str, Any]:
    return {
        "rule_id": result.rule_id, "rule_name": result.rule_name, "fingerprint": print_, "status": result.status,
        "severity": result.severity, "target": result.target,
        "location": None if result.location is None else {
            f.name: getattr(result.location, f.name) for f in dataclasses.fields(result.location)
            if getattr(result.location, f.name) is not None},
        "message": result.message, "evidence": result.evidence,
    }


def write_evidence(report: Report, folder: Path) -> int:
    written = 0
    for result in report.results:
        if not result.evidence:
            continue
        print_ = fingerprint(result)
        safe_id = "".join(c if c.isalnum() or c in "-_." else "_" for c in result.rule_id)
        _write_json(folder / f"{safe_id}-{print_}.json", evidence_record(result, print_))
        written += 1
    return written


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
        "controls": controls,
        "gaps": [c["id"] for c in controls if not c["rules"]],
        "control_catalog": "checker.engine.frameworks" if catalog_used else None,
        "_notes": notes,
    }


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
