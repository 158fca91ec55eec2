"""Large scans on several cores: worker processes parse the files and run the per-file rules.

    loaded, judged = load_and_judge(candidates, options, rules, today, jobs)
    scan(ScanInput(..., loaded=loaded, judged=judged))

Parsing YAML and running per-document rules is CPU-bound Python, so threads
would share one core. The files go out in batches, in order, to `jobs` forked
workers (they inherit the loaded rules and imports: nothing is re-read per
file); each batch comes back as its documents and, per rule, the results over
them. The parent keeps the documents for the rules about the whole deployment
(which need every object at once), runs those, and builds the report, so the
report is the same as a single-process scan's, result for result.

Used only where `fork` exists (Linux) and the scan is big enough to pay for
the workers (MIN_FILES); otherwise the scan stays in one process.
"""
from __future__ import annotations

import os
from datetime import date
from typing import NamedTuple

from checker.engine.collect import document_secrets
from checker.engine.rules import Rule
from checker.engine.run import judge
from checker.inputs.discover import Candidate
from checker.inputs.document import Document
from checker.inputs.load import Loaded, LoadOptions, env_files_named, load
from checker.models import Result
from checker.probes._guessable import reset_budget as reset_word_budget
from checker.probes._ops import reset_match_budget

MIN_FILES = 200  # below this, starting workers costs more than it saves
BATCH_FILES = 50


class _Batch(NamedTuple):
    loaded: Loaded
    judged: dict[str, list[Result] | None]
    named_env_files: list[Candidate]


class _Work(NamedTuple):
    options: LoadOptions
    rules: list[Rule]
    today: date


_work: _Work | None = None  # set in the parent before forking; workers read their copy


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def worth_it(jobs: int, files: int) -> bool:
    if jobs < 2 or files < MIN_FILES:
        return False  # decided before importing multiprocessing: the pre-commit scan never loads it
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def load_and_judge(
    candidates: list[Candidate], options: LoadOptions, rules: list[Rule], today: date, jobs: int
) -> tuple[Loaded, dict[str, list[Result] | None]]:
    """Every candidate loaded and judged by the rules that look at one document at a time."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _work
    reset_match_budget()
    reset_word_budget()  # the workers fork with it: each has the scan's budget for costly matches
    per_document = [r for r in rules if "live" not in r.targets and r.targets != ["project"]]
    _work = _Work(options, per_document, today)
    # compose files deploy as projects (base + override + overlays, merged): loaded together, here
    in_parent = [c for c in candidates if c.kind == "compose"]
    # so are the files a kustomization build reads (inputs/render.py): built once, judged as built
    from checker.inputs.render import built_candidates

    builds = built_candidates({c.display: c.path for c in candidates if c.kind == "yaml"}, options.roots) \
        if options.roots and any(c.path.name in ("kustomization.yaml", "kustomization.yml", "Chart.yaml") for c in candidates) else set()
    in_parent += [c for c in candidates if c.display in builds]
    candidates = [c for c in candidates if c.kind != "compose" and c.display not in builds]
    batches = [candidates[start:start + BATCH_FILES] for start in range(0, len(candidates), BATCH_FILES)]
    documents: list[Document] = []
    problems, files = [], []
    judged: dict[str, list[Result] | None] = {rule.id: None for rule in per_document}
    named: list[Candidate] = []
    try:
        # an executor, not multiprocessing.Pool: a worker that dies (killed, out of memory) ends the scan with
        # BrokenProcessPool, an internal error (exit 4), where a Pool waits for its result for ever
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            for batch in pool.map(_load_and_judge, batches):  # in order: the report lists files as given
                documents.extend(batch.loaded.documents)
                problems.extend(batch.loaded.problems)
                files.extend(batch.loaded.files)
                for rule_id, results in batch.judged.items():
                    if results is None:
                        continue
                    so_far = judged[rule_id]
                    if so_far is None:
                        judged[rule_id] = results
                    else:
                        so_far.extend(results)
                named.extend(batch.named_env_files)
    finally:
        _work = None
    # env files that compose services name: loaded here, once, after every other file (as one process would)
    known = {c.path for c in candidates} | {c.path for c in in_parent}
    unique = [c for index, c in enumerate(named) if c.path not in known and c.path not in {n.path for n in named[:index]}]
    extra = load(in_parent + unique, options, loaded_elsewhere=frozenset(c.path for c in candidates))
    return Loaded(documents + extra.documents, problems + extra.problems, files + extra.files), judged


def _load_and_judge(batch: list[Candidate]) -> _Batch:
    assert _work is not None, "forked from load_and_judge"
    loaded = load(batch, _work.options, follow_env_files=False)
    by_kind: dict[str, list[Document]] = {}
    for doc in loaded.documents:
        doc.meta["judged"] = True  # the parent leaves these documents to the workers' results
        by_kind.setdefault(doc.kind, []).append(doc)
    judged = {}
    for rule in _work.rules:
        scope = [d for kind in rule.targets for d in by_kind.get(kind, [])]
        if len(rule.targets) > 1:
            order = {id(d): index for index, d in enumerate(loaded.documents)}
            scope.sort(key=lambda d: order[id(d)])
        judged[rule.id] = judge(rule, scope, _work.today) if scope else None
    named: list[Candidate] = []
    for candidate in batch:
        mine = [d for d in loaded.documents if d.path == candidate.display]
        named.extend(env_files_named(candidate, mine, set()))
    for doc in loaded.documents:
        document_secrets(doc)  # found here, on this core, and cached in the document: the parent's masking reads it
        _travel_light(doc)
    return _Batch(loaded, judged, named)


def _travel_light(doc: Document) -> None:
    """What the parent needs of a judged document, for the rules about the whole deployment.

    The source text serves only inline suppressions (`# preflight: ignore[...]`): a file
    without one travels without it. That is most of the bytes sent back.
    """
    doc.meta.pop("_lines", None)
    marked = doc.meta["_has_ignore"] = "preflight:" in doc.text
    if not marked:
        doc.text = ""
