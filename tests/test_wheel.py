"""The installed wheel works: every subcommand, run from a folder outside the checkout (issue 12, "First").

The suite runs from an editable install, which sees every module of the
checkout whether the wheel ships it or not; `checker.evidence` once went
missing from the wheel that way. So this builds the wheel (from a copy of the
sources, so nothing is written into the checkout), installs it with `--no-deps`
into a fresh virtualenv in a temporary folder, lets that virtualenv see this
one's third-party packages through a `.pth` line (which does not run this
environment's editable-install hook, so `checker` comes from the wheel alone),
and runs each subcommand the way a user would.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

from helpers import ROOT

SOURCES = ("checker", "rules", "reports", "pyproject.toml", "README.md")


def _run(command: list[str], cwd: Path, env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """(the venv's bin folder, an environment for running it) with the freshly built wheel installed."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, source / name)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["NO_COLOR"] = "1"
    built = _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(source), "-w", str(root / "dist")],
                 cwd=root, env=env, timeout=600)
    assert built.returncode == 0, built.stderr
    (wheel,) = (root / "dist").glob("preflight_checker-*.whl")
    venv = root / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=root, env=env)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    purelib = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], root, env)
    # this environment's dependencies (pydantic, cryptography ...): a path line, so no .pth of theirs runs
    dependencies = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(purelib.stdout.strip(), "test-dependencies.pth").write_text("\n".join(sorted(dependencies)) + "\n")
    done = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", str(wheel)],
                cwd=root, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    env["PREFLIGHT_CACHE_DIR"] = str(root / "cache")
    return venv / "bin", env


def test_checker_comes_from_the_wheel_and_every_command_module_imports(installed: tuple[Path, dict[str, str]],
                                                                      tmp_path: Path) -> None:
    bin_dir, env = installed
    probe = ("import importlib, checker, json; from checker.cli import COMMANDS\n"
             "for target in COMMANDS.values(): importlib.import_module(target.split(':')[0])\n"
             "print(json.dumps(checker.__file__))")
    done = _run([str(bin_dir / "python"), "-c", probe], tmp_path, env)
    assert done.returncode == 0, done.stderr
    location = Path(json.loads(done.stdout))
    assert bin_dir.parent in location.parents and ROOT not in location.parents


def test_every_data_file_of_the_checkout_is_in_the_wheel(installed: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    """Data files read through importlib.resources (k8s_types.json, weak_secrets.txt ...) ship too."""
    bin_dir, env = installed
    done = _run([str(bin_dir / "python"), "-c", "import checker, json; print(json.dumps(checker.__file__))"], tmp_path, env)
    package = Path(json.loads(done.stdout)).parent
    wanted = {p.relative_to(ROOT / "checker") for p in (ROOT / "checker").rglob("*")
              if p.is_file() and p.suffix in (".json", ".txt", ".yaml", ".j2", ".html", ".css") and "__pycache__" not in p.parts}
    assert wanted, "no data files found in the checkout"
    assert sorted(str(p) for p in wanted if not (package / p).is_file()) == []


def _subcommands(help_text: str) -> list[str]:
    """The names `preflight --help` lists under its COMMAND section."""
    section = help_text.split("COMMAND", 2)[-1].split("options:")[0]
    return re.findall(r"^ {4}([a-z][a-z-]*) ", section, flags=re.MULTILINE)


def test_every_subcommand_runs_from_outside_the_checkout(installed: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    bin_dir, env = installed
    work = tmp_path / "work"
    work.mkdir()
    shutil.copytree(ROOT / "examples" / "deploy", work / "deploy")
    out = tmp_path / "out"
    out.mkdir()
    preflight = str(bin_dir / "preflight")
    help_run = _run([preflight, "--help"], work, env)
    assert help_run.returncode == 0, help_run.stderr
    # (arguments, expected exit code), in an order where each run has what it needs
    runs: dict[str, list[tuple[list[str], int]]] = {
        "scan": [(["deploy"], 1), (["deploy", "-f", "json", "-o", str(out / "r.json")], 1)],
        "rules": [([], 0), (["-f", "json"], 0)],
        "explain": [(["SEC-001"], 0)],
        "report": [([str(out / "r.json"), "-f", "html", "-o", str(out / "r.html")], 0)],
        "baseline": [(["deploy", "-o", str(out / "baseline.json")], 0)],
        "init": [([], 0)],
        "keygen": [(["-o", str(out / "ci")], 0)],
        "evidence": [(["deploy", "--framework", "soc2", "-o", str(out / "bundle"), "--sign", str(out / "ci.key")], 0)],
        "verify": [([str(out / "bundle"), "--public-key", str(out / "ci.pub")], 0), ([str(out / "bundle")], 3)],
        "merge": [([str(out / "r.json"), str(out / "r.json"), "-o", str(out / "merged.json")], 0)],
    }
    listed = _subcommands(help_run.stdout)
    assert {"scan", "evidence", "verify", "keygen"} <= set(listed), help_run.stdout
    order = [name for name in runs if name in listed] + [name for name in listed if name not in runs]
    failures = []
    for name in order:
        # a subcommand added since this test was written: at least its help must work from the wheel
        for arguments, expected in runs.get(name, [(["--help"], 0)]):
            done = _run([preflight, name, *arguments], work, env)
            if done.returncode != expected or "Traceback" in done.stderr:
                failures.append((name, arguments, done.returncode, done.stderr[-800:]))
    assert failures == []
    assert (work / ".preflight.yaml").is_file() and (out / "r.html").stat().st_size > 0
    assert json.loads((out / "merged.json").read_text())["merged_from"]
    assert _run([str(bin_dir / "python"), "-m", "checker", "--version"], work, env).returncode == 0


def test_every_package_folder_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    folders = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "checker").rglob("__init__.py")}
    assert folders - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    mapped = config.get("package-dir", {})
    assert all((ROOT / mapped.get(name, name.replace(".", "/"))).is_dir() for name in listed)
