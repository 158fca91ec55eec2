"""GitHub Actions workflows that deploy: tests first, approvals, pinned actions, no exposed secrets.

A deploy job is a job whose id or name matches `deploy_jobs`, that sets
`environment:`, or that has a step running a deploy command (`kubectl apply /
set image / rollout`, `helm upgrade|install`, `terraform apply`, `flyctl deploy`
...) or a `uses:` action with "deploy" in its name. Test jobs (named after
`test_jobs`: an e2e job applying manifests to a throwaway cluster) and GitHub
Pages publications (environment github-pages, actions/deploy-pages) are not.
`check` picks one question:

    tests-before-deploy  every deploy job runs tests first: it has a test step, or a job it needs
                         (directly or through other jobs) is a test job: its id or name matches
                         `test_jobs`, it calls a reusable workflow named so, or a step runs a test
                         command (npm/pnpm/yarn test, pytest, go test, mvn verify, gradle test,
                         cargo test, make test ...).
                         Workflows started by `workflow_run` (after another workflow) pass.
    deploy-environment   every deploy job names an `environment:`, where required reviewers and branch
                         rules can hold it.
    pinned-actions       every `uses:` outside `trusted_owners` is pinned to a full 40-character commit
                         SHA (local ./ actions and docker:// images by digest pass).
    secrets-exposure     no step prints a secret (echo / printf of `${{ secrets.X }}` or of an env
                         variable set from one, unless piped or redirected), no `toJSON(secrets)`, and a
                         `pull_request_target` or `workflow_run` workflow does not check out the
                         untrusted head (`github.event.pull_request.head.*`, `github.head_ref`,
                         `workflow_run.head_*`).

The deploy checks give no result for workflows without a deploy job.

Params: check, trusted_owners, deploy_jobs, test_jobs.

Fails (check: deploy-environment):  jobs: {deploy: {runs-on: ubuntu-latest, steps: [{run: helm upgrade app ./chart}]}}
Passes:                             the same job with `environment: production`
"""
from __future__ import annotations

import os

import re
from dataclasses import dataclass, field
from typing import Any, Iterator, Literal

from checker.inputs.document import Document
from checker.inputs.paths import Path
from checker.models import STRICT
from checker.probes._ops import compile_pattern, text
from checker.probes.base import Context, Observation

NAME = "github-workflow"
TARGETS = ("github-workflow",)
DEPLOY_COMMAND = re.compile(
    r"\bkubectl\b[^\n]*\b(apply|set\s+image|rollout\s+restart|replace|create)\b|\bhelm\b[^\n]*\b(upgrade|install)\b"
    r"|\bterraform\s+apply\b|\b(flyctl|fly)\s+deploy\b|\bvercel\b[^\n]*--prod|\bnetlify\s+deploy\b|\bserverless\s+deploy\b"
    r"|\bargocd\s+app\s+sync\b|\bcdk\s+deploy\b|\bgcloud\b[^\n]*\bdeploy\b|\baws\s+ecs\s+update-service\b"
    r"|\bdocker\s+stack\s+deploy\b",
    re.IGNORECASE,
)
TEST_COMMAND = re.compile(
    r"\b(npm|pnpm|yarn|bun)\s+(run\s+)?test|\bpytest\b|\bpython3?\s+-m\s+(pytest|unittest)\b|\bgo\s+test\b|\bmvnw?\b[^\n]*\b(test|verify)\b"
    r"|\bgradlew?\b[^\n]*\b(test|check)\b|\bcargo\s+test\b|\bmake\s+(test|check)\b|\b(jest|vitest|phpunit|rspec|tox|nox)\b"
    r"|\bdotnet\s+test\b|\bmix\s+test\b|\bplaywright\s+test\b|\bcypress\s+run\b",
    re.IGNORECASE,
)
PRIVILEGED_TRIGGERS = ("pull_request_target", "workflow_run")
UNTRUSTED_HEAD = re.compile(r"github\.event\.pull_request\.head\.|github\.head_ref|workflow_run\.head_(sha|branch)|refs/pull/")
SECRET_REF = re.compile(r"\$\{\{\s*secrets\.(\w+)\s*\}\}")
PRINTS = re.compile(r"\b(echo|printf|print|Write-Host|Write-Output)\b", re.IGNORECASE)
SHA = re.compile(r"^[0-9a-f]{40}$")


@dataclass
class Params:
    __pydantic_config__ = STRICT
    check: Literal["tests-before-deploy", "deploy-environment", "pinned-actions", "secrets-exposure"]
    trusted_owners: list[str] = field(default_factory=lambda: ["actions", "github"])
    deploy_jobs: str = r"deploy|rollout|promote"
    test_jobs: str = r"test|e2e|spec"

    def __post_init__(self) -> None:
        compile_pattern(self.deploy_jobs)
        compile_pattern(self.test_jobs)


def applies(doc: Document, params: Params) -> bool:
    """The deploy checks judge only workflows that deploy."""
    return params.check not in ("tests-before-deploy", "deploy-environment") or bool(_deploy_jobs(doc, params))


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    if params.check == "tests-before-deploy":
        if "workflow_run" in _triggers(doc.data):
            return
        for job_id in _deploy_jobs(doc, params):
            if not _tests_before(doc, job_id, params, set()):
                yield Observation(("jobs", job_id), f"deploy job {job_id} runs without tests: neither it nor a job it needs runs them")
    elif params.check == "deploy-environment":
        for job_id in _deploy_jobs(doc, params):
            if not _jobs(doc).get(job_id, {}).get("environment"):
                yield Observation(("jobs", job_id), f"deploy job {job_id} has no environment: nobody approves it")
    elif params.check == "pinned-actions":
        yield from _unpinned(doc, params)
    else:
        yield from _secrets(doc)


def _jobs(doc: Document) -> dict[str, dict[str, Any]]:
    jobs = doc.data.get("jobs") if isinstance(doc.data, dict) else None
    return {str(k): v for k, v in jobs.items() if isinstance(v, dict)} if isinstance(jobs, dict) else {}


def _steps(job: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    steps = job.get("steps")
    return [(i, s) for i, s in enumerate(steps) if isinstance(s, dict)] if isinstance(steps, list) else []


def _triggers(data: Any) -> list[str]:
    on = data.get("on") if isinstance(data, dict) else None
    if isinstance(on, dict):
        return [str(k) for k in on]
    if isinstance(on, list):
        return [str(k) for k in on]
    return [str(on)] if on else []


def _deploy_jobs(doc: Document, params: Params) -> list[str]:
    pattern = compile_pattern(params.deploy_jobs)
    tests = compile_pattern(params.test_jobs)
    found = []
    for job_id, job in _jobs(doc).items():
        if _pages(job) or tests.search(job_id) or tests.search(text(job.get("name"))):
            continue
        named = pattern.search(job_id) or pattern.search(text(job.get("name")))
        runs = any(DEPLOY_COMMAND.search(text(s.get("run"))) or "deploy" in text(s.get("uses")).lower() for _, s in _steps(job))
        if named or runs or job.get("environment"):
            found.append(job_id)
    return found


def _pages(job: dict[str, Any]) -> bool:
    """A GitHub Pages publication (a docs site), not an application deploy."""
    environment = job.get("environment")
    name = environment.get("name") if isinstance(environment, dict) else environment
    return text(name) == "github-pages" or any("deploy-pages" in text(s.get("uses")) for _, s in _steps(job))


def _needs(job: dict[str, Any]) -> list[str]:
    needs = job.get("needs")
    return [str(n) for n in needs] if isinstance(needs, list) else [str(needs)] if needs else []


def _tests_before(doc: Document, job_id: str, params: Params, seen: set[str]) -> bool:
    jobs = _jobs(doc)
    job = jobs.get(job_id)
    if job is None or job_id in seen:
        return False
    seen.add(job_id)
    if _is_test_job(job_id, job, params):
        return True
    return any(_tests_before(doc, need, params, seen) for need in _needs(job))


def _is_test_job(job_id: str, job: dict[str, Any], params: Params) -> bool:
    pattern = compile_pattern(params.test_jobs)
    if pattern.search(job_id) or pattern.search(text(job.get("name"))) or pattern.search(text(job.get("uses")).rsplit("/", 1)[-1]):
        return True
    return any(TEST_COMMAND.search(text(s.get("run"))) for _, s in _steps(job))


def _uses(doc: Document) -> Iterator[tuple[Path, str]]:
    for job_id, job in _jobs(doc).items():
        if isinstance(job.get("uses"), str):
            yield ("jobs", job_id, "uses"), job["uses"]
        for index, step in _steps(job):
            if isinstance(step.get("uses"), str):
                yield ("jobs", job_id, "steps", index, "uses"), step["uses"]


def _unpinned(doc: Document, params: Params) -> Iterator[Observation]:
    trusted = {owner.lower() for owner in params.trusted_owners}
    for path, uses in _uses(doc):
        uses = uses.strip()
        if uses.startswith("./"):
            continue
        if uses.startswith("docker://"):
            if "@sha256:" not in uses:
                yield Observation(path, f"{uses} is not pinned by digest", uses)
            continue
        action, _, ref = uses.partition("@")
        if action.split("/", 1)[0].lower() in trusted or SHA.match(ref) or _own_workflow(doc, action):
            continue
        yield Observation(path, f"{action} is pinned to {ref or 'nothing'}, not a commit SHA", uses)


def _own_workflow(doc: Document, action: str) -> bool:
    """`owner/repo/.github/workflows/build.yml@master` where build.yml sits beside this workflow: the
    repository calling its own reusable workflow, whose branch is as trusted as the caller itself."""
    parts = action.split("/")
    if len(parts) != 5 or parts[2:4] != [".github", "workflows"]:
        return False
    return os.path.isfile(os.path.join(os.path.dirname(doc.path), parts[4]))


def _secrets(doc: Document) -> Iterator[Observation]:
    privileged = [t for t in _triggers(doc.data) if t in PRIVILEGED_TRIGGERS]
    from_secrets = _secret_env(doc.data)
    for job_id, job in _jobs(doc).items():
        job_env = {**from_secrets, **_secret_env(job)}
        for index, step in _steps(job):
            base: Path = ("jobs", job_id, "steps", index)
            step_env = {**job_env, **_secret_env(step)}
            ref = text((step.get("with") or {}).get("ref")) if isinstance(step.get("with"), dict) else ""
            run = text(step.get("run"))
            if privileged and "checkout" in text(step.get("uses")) and UNTRUSTED_HEAD.search(ref):
                yield Observation(base + ("with", "ref"), f"a {privileged[0]} workflow checks out the untrusted head ({ref})", ref)
            elif privileged and re.search(r"\b(git\s+(checkout|fetch)|gh\s+pr\s+checkout)\b", run) and UNTRUSTED_HEAD.search(run):
                yield Observation(base + ("run",), f"a {privileged[0]} workflow checks out the untrusted head in job {job_id}")
            printed = _printed_secret(run, step_env)
            if printed:
                yield Observation(base + ("run",), f"step {index + 1} of job {job_id} prints {printed} to the log")
        for key, value in job.items():
            if "tojson(secrets)" in re.sub(r"\s", "", text(value)).lower():
                yield Observation(("jobs", job_id, key), f"job {job_id} passes every secret at once (toJSON(secrets))")


def _secret_env(holder: Any) -> dict[str, str]:
    env = holder.get("env") if isinstance(holder, dict) else None
    if not isinstance(env, dict):
        return {}
    return {str(k): m.group(1) for k, v in env.items() if (m := SECRET_REF.search(text(v)))}


def _printed_secret(run: str, env: dict[str, str]) -> str | None:
    for line in run.splitlines():
        if not PRINTS.search(line) or "::add-mask::" in line or re.search(r"\|\s*\S|>\s*\S", line):
            continue
        direct = SECRET_REF.search(line)
        if direct:
            return f"secrets.{direct.group(1)}"
        for name, secret in env.items():
            if re.search(rf"\$\{{?{re.escape(name)}\b|\$env:{re.escape(name)}\b", line):
                return f"secrets.{secret} (as ${name})"
    return None
