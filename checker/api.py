"""The Python API: what `preflight scan` does, as one call that returns the Report.

    from checker.api import scan_paths
    report = scan_paths(["deploy/"], env="production", select=["SEC-001"])
"""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from checker.engine.rules import load_rules
from checker.engine.run import ScanInput, scan
from checker.engine.select import Selection, select_rules
from checker.errors import UsageError
from checker.inputs import attestations as attestation_files
from checker.inputs.discover import Candidate, discover
from checker.inputs.load import LoadOptions, Loaded, load
from checker.inputs.shard import Shard, pick
from checker.models import Report

if TYPE_CHECKING:
    from checker.inputs.k8s_live import ClusterOptions


from checker.inputs import skaffold


def scan_paths(
    paths: Sequence[str],
    *,
    rules: Sequence[str] = (),
    shipped_rules: bool = True,
    env: str | None = None,
    checklists: Sequence[str] = (),
    select: Sequence[str] = (),
    skip: Sequence[str] = (),
    min_severity: str = "info",
    profiles: Sequence[str] = (),
    exclude: Sequence[str] = (),
    env_files: Sequence[str] = (),
    attestations: Sequence[str] = (),
    today: date | None = None,
    per_file: bool = False,
    live: bool = False,
    endpoints: Sequence[str] = (),
    live_options: dict[str, Any] | None = None,
    cluster: ClusterOptions | None = None,
    shard: Shard | None = None,
    jobs: int | None = None,
    docker: bool = False,
    docker_host: str | None = None,
    units: Sequence[str] = (),
    on_units: Callable[[list[str]], None] | None = None,
) -> Report:
    """`per_file`: only rules that judge one file at a time (pre-commit sees a few changed files,
    so rules about the whole deployment, such as "every Deployment has a PodDisruptionBudget", would mislead).
    `cluster`: also scan the live objects of a Kubernetes cluster (`--k8s`).
    `shard`: scan only this shard's share of the paths, endpoints and namespaces (`--shard`).
    `docker`: also inspect the running containers at `docker_host` (default: DOCKER_HOST, else the local socket)."""
    paths, endpoints = pick(paths, shard), pick(endpoints, shard)
    if not paths and (live or endpoints):
        paths = []  # a live-only scan: endpoints, no files
    missing = [p for p in paths if p != "-" and not Path(p).exists()]
    if missing:
        raise UsageError(f"no such file or folder: {missing[0]}")
    rule_set = load_rules(list(rules), include_shipped=shipped_rules)
    selected = select_rules(rule_set, Selection(tuple(checklists), tuple(select), tuple(skip), min_severity, tuple(profiles)))
    if per_file:
        selected = [rule for rule in selected if "project" not in rule.targets]
    candidates = list(discover(list(paths), list(exclude)))
    options = LoadOptions(env, tuple(env_files), tuple(p for p in paths if p != "-"))
    if any(c.path.name in skaffold.FILE_NAMES for c in candidates):
        options = options._replace(built_images=skaffold.built_images(candidates, options))
    judged = None
    from checker.engine import parallel

    if parallel.worth_it(jobs or parallel.default_jobs(), len(candidates)):
        loaded, judged = parallel.load_and_judge(candidates, options, selected, today or date.today(), jobs or parallel.default_jobs())
    else:
        loaded = load(candidates, options)
    if docker or docker_host:  # the docker SDK is imported only when asked; containers are judged here, not in workers
        from checker.inputs.docker_live import read_containers

        running = read_containers(docker_host, env or "production", float((live_options or {}).get("timeout", 10)))
        loaded = Loaded(loaded.documents + running.documents, loaded.problems + running.problems, loaded.files)
    attestation_paths = [Path(p) for p in attestations] or _attestation_files(list(paths), candidates)
    if cluster is not None:  # the kubernetes client is imported only for --k8s
        from checker.inputs.k8s_live import connect, load_cluster

        live_objects = load_cluster(connect(cluster), env, cluster.timeout, shard)
        loaded = Loaded(loaded.documents + live_objects.documents, loaded.problems + live_objects.problems,
                        loaded.files + live_objects.files)
        paths = list(paths) + live_objects.files  # the report names the cluster scope among its paths
    from checker.inputs import units as deployment_units

    found_units = deployment_units.assign(loaded.documents, tuple(units), _scan_roots(paths))  # cross-object rules relate inside one
    if on_units is not None:
        on_units(deployment_units.describe(found_units))
    attested = [a for path in attestation_paths for a in attestation_files.load(path, _found_roots(path, paths))]
    targets = None
    if live or endpoints:  # the network is touched only when asked
        from checker.inputs.live import targets as live_targets

        from checker.inputs.live import admit

        targets = live_targets(endpoints, loaded.documents, env or "production")
        targets = admit(targets, credentials=(live_options or {}).get("credentials", True) is not False,
                        hosts=tuple((live_options or {}).get("live_hosts") or ()))
    report = scan(ScanInput(
        selected, loaded, attested, list(paths), env, rule_set.sha256, today, targets, dict(live_options or {}), judged,
    ))
    report.files_read = _files_read(loaded)
    return report


def _attestation_files(paths: list[str], candidates: list[Candidate]) -> list[Path]:
    """The attestation file of each scanned folder, and of each folder below it (`preflight scan examples/`
    keeps examples/deploy's). Until deployment units land, every one found applies to the whole scan."""
    found = attestation_files.find(paths)
    seen = {p.absolute() for p in found}
    for candidate in candidates:
        if candidate.kind == "yaml" and any(candidate.display.endswith("/" + name) or candidate.display == name
                                            for name in attestation_files.DEFAULT_LOCATIONS):
            if candidate.path not in seen:
                seen.add(candidate.path)
                found.append(Path(candidate.display))
    return found


def _scan_roots(paths: Sequence[str]) -> tuple[str, ...]:
    from checker.inputs import containment

    return containment.scan_roots([p for p in paths if "://" not in p])


def _found_roots(path: Path, paths: Sequence[str]) -> tuple[str, ...]:
    """The scan roots, which an attestation file's evidence must lie in; an attestation file named by the user
    outside them may also name its own folder's files."""
    from checker.inputs import containment

    roots = containment.scan_roots(list(paths))
    return roots if containment.inside(path, roots) else roots + (os.path.realpath(path.parent),)


def _files_read(loaded: Loaded) -> int:
    """Files opened and parsed, or found unparsable; not those passed over (links, unknown kinds) nor live objects."""
    parsed = {d.path for d in loaded.documents if "://" not in d.path}
    return len(parsed | {p.file for p in loaded.problems if p.status == "error"})
