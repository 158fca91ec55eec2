"""action.yml run the way a GitHub runner runs a composite action, as far as this machine allows.

The harness parses action.yml, substitutes `${{ inputs.* }}` and `${{ github.action_path }}` in each
step's `env:` (the scripts themselves hold no expressions), runs each `run:` step with the runner's
shell (`bash --noprofile --norc -eo pipefail`) and GITHUB_* files, and applies GITHUB_PATH between
steps. `uses:` steps (the SARIF upload) cannot run here: the test checks only their inputs.
The install step is the real one: pip installs this checkout (copied, as `actions/checkout` would
leave it) into a fresh virtualenv, dependencies from the package index.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import yaml

from helpers import ROOT, preflight
from test_precommit import _snapshot

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
_EXPR = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def _expand(value: str, context: dict[str, str]) -> str:
    return _EXPR.sub(lambda m: context[m.group(1)], value)


def run_action(action_path: Path, workspace: Path, runner_temp: Path, given: dict[str, str]) -> tuple[int, dict[str, str], str, str]:
    inputs = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()}
    inputs.update(given)
    context = {f"inputs.{k}": v for k, v in inputs.items()} | {"github.action_path": str(action_path)}
    files = {name: runner_temp / name.lower() for name in ("GITHUB_PATH", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY")}
    for path in files.values():
        path.write_text("")
    log = ""
    for step in ACTION["runs"]["steps"]:
        if "uses" in step:
            assert set(step["with"]) == {"sarif_file", "category"} and "upload-sarif" in step["if"]
            continue
        extra = [line for line in files["GITHUB_PATH"].read_text().splitlines() if line]
        env = {**os.environ, "NO_COLOR": "1", "RUNNER_TEMP": str(runner_temp), "GITHUB_WORKSPACE": str(workspace),
               "PATH": os.pathsep.join(extra[::-1] + [os.environ["PATH"]]),
               **{k: str(v) for k, v in files.items()},
               **{k: _expand(str(v), context) for k, v in step.get("env", {}).items()}}
        assert step["shell"] == "bash" and "${{" not in step["run"]
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=workspace,
                              env=env, capture_output=True, text=True, timeout=900)
        log += done.stdout + done.stderr
        if done.returncode != 0:
            outputs = dict(line.split("=", 1) for line in files["GITHUB_OUTPUT"].read_text().splitlines() if "=" in line)
            return done.returncode, outputs, files["GITHUB_STEP_SUMMARY"].read_text(), log
    outputs = dict(line.split("=", 1) for line in files["GITHUB_OUTPUT"].read_text().splitlines() if "=" in line)
    return 0, outputs, files["GITHUB_STEP_SUMMARY"].read_text(), log


def test_action_yml_is_a_composite_action_with_the_documented_inputs() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert {"paths", "env", "fail-on", "format", "output", "baseline", "changed-since", "upload-sarif"} <= set(ACTION["inputs"])


def test_action_steps_install_from_the_checkout_scan_and_write_the_summary(tmp_path: Path) -> None:
    action_path = _snapshot(tmp_path / "action")
    workspace = tmp_path / "workspace"
    shutil.copytree(ROOT / "examples" / "deploy", workspace / "deploy")
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    code, outputs, summary, log = run_action(action_path, workspace, temp, {"paths": "deploy", "fail-on": "high"})
    assert code == 1 and outputs["exit-code"] == "1", log  # the example has high findings
    sarif = workspace / "preflight.sarif"
    assert '"version": "2.1.0"' in sarif.read_text()
    assert "preflight" in summary and "SEC-" in summary  # the Markdown report in the job summary
    assert "Readiness" in log  # the text report in the step log
    assert str(temp / "preflight-venv") in (temp / "github_path").read_text()
    # the installed copy is the action's own, not this checkout's editable install
    assert str(temp) in subprocess.run([str(temp / "preflight-venv" / "bin" / "python"), "-c",
                                        "import checker; print(checker.__file__)"], capture_output=True, text=True,
                                       cwd=workspace).stdout
    # critical only: the same scan passes the step
    code, outputs, _, log = run_action(action_path, workspace, temp, {"paths": "deploy", "fail-on": "critical",
                                                                     "format": "junit", "output": "out.xml"})
    assert (code, outputs["exit-code"]) == (0, "0"), log
    assert (workspace / "out.xml").read_text().startswith("<")


def test_the_image_dockerfile_passes_preflights_own_rules() -> None:
    """No container engine can pull the base image here, so the image is not built: its Dockerfile is scanned."""
    run = preflight("scan", str(ROOT / "deploy" / "Dockerfile"), "--fail-on", "high", "-f", "json")
    assert run.returncode == 0, run.stdout
    text = (ROOT / "deploy" / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["preflight"]' in text and "USER 10001" in text and "WORKDIR /src" in text
    assert all("@sha256:" in line for line in text.splitlines() if line.startswith("FROM "))
