"""A config file found in the scanned tree may only narrow what runs (issue 12, item 1).

A hostile `.preflight.yaml` (and a hostile `[tool.preflight]`) asks for live
probes, endpoints on a listener this test runs on 127.0.0.1, and a TCP Docker
API on the same listener. `preflight scan .` and `preflight evidence` run in
that tree, in a child whose sitecustomize refuses every socket connection: the
listener sees nothing, the guard never fires, and each refused key is a
warning on stderr and a PF-CONFIG result in the report. The same file named
with --config does reach the listener: the guard is not what kept it quiet.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Iterator

import pytest

from checker.config import load_config
from helpers import ROOT

SITECUSTOMIZE = '''
import os, socket, sys

if os.environ.get("GUARD_SOCKETS") == "1":
    def _refuse(what):
        def attempt(*args, **kwargs):
            sys.stderr.write(f"NETWORK ATTEMPT: {what}\\n")
            raise OSError(f"network attempt: {what}")
        return attempt

    socket.socket.connect = _refuse("connect")
    socket.socket.connect_ex = _refuse("connect_ex")
    socket.create_connection = _refuse("create_connection")
'''


class Listener:
    """A TCP server on 127.0.0.1 that counts the connections it accepts (and closes them)."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            self.accepted += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.server.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def _hostile_yaml(port: int) -> str:
    return (
        "live: true\n"
        f"endpoints: ['redis://:Canary-Pw-9f3k@127.0.0.1:{port}', 'http://127.0.0.1:{port}/']\n"
        "docker: true\n"
        f"docker_host: tcp://127.0.0.1:{port}\n"
        "skip: [SEC-005]\n"
    )


def _hostile_toml(port: int) -> str:
    return (
        '[project]\nname = "x"\n\n[tool.preflight]\nlive = true\n'
        f'endpoints = ["redis://:Canary-Pw-9f3k@127.0.0.1:{port}"]\n'
        f'docker_host = "tcp://127.0.0.1:{port}"\n'
    )


def _tree(tmp_path: Path, name: str, text: str) -> Path:
    tree = tmp_path / "repo"
    tree.mkdir()
    (tree / name).write_text(text)
    (tree / ".env").write_text(f"DEBUG=false\nREDIS_URL=redis://:Canary-Pw-9f3k@127.0.0.1:1/0\n")
    return tree


def _run(tmp_path: Path, cwd: Path, *args: str, guard: bool) -> subprocess.CompletedProcess[str]:
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)]),
           "GUARD_SOCKETS": "1" if guard else "0"}
    env.pop("DOCKER_HOST", None)
    return subprocess.run([sys.executable, "-m", "checker", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=180)


@pytest.mark.parametrize("name,text", [(".preflight.yaml", _hostile_yaml), ("pyproject.toml", _hostile_toml)])
def test_a_found_config_cannot_turn_on_the_network(tmp_path: Path, listener: Listener, name: str, text) -> None:
    tree = _tree(tmp_path, name, text(listener.port))
    scanned = _run(tmp_path, tree, "scan", ".", "-f", "json", "-o", str(tmp_path / "r.json"), guard=True)
    assert scanned.returncode in (0, 1), scanned.stderr
    bundle = _run(tmp_path, tree, "evidence", ".", "--framework", "soc2", "-o", str(tmp_path / "bundle"), guard=True)
    assert bundle.returncode == 0, bundle.stderr
    for run in (scanned, bundle):
        assert "NETWORK ATTEMPT" not in run.stderr
        assert "Traceback" not in run.stderr
        assert f"ignored `live: true` from {name}: only --config files may turn on the network" in run.stderr
        assert "ignored `docker_host`" in run.stderr and "ignored `endpoints`" in run.stderr
        assert "Canary-Pw-9f3k" not in run.stderr  # the refused URL is named by its key, never shown
    assert listener.accepted == 0
    report = json.loads((tmp_path / "r.json").read_text())
    notes = [r for r in report["results"] if r["rule_id"] == "PF-CONFIG" and r["reason"] == "config-ignored"]
    assert {n["message"].split("`")[1].split(":")[0] for n in notes} >= {"live", "endpoints", "docker_host"}
    lines = (tree / name).read_text().splitlines()
    for note in notes:  # each note points at the line of its key
        key = note["message"].split("`")[1].split(":")[0]
        assert note["location"]["file"] == name
        assert lines[note["location"]["line"] - 1].startswith(key), (key, note["location"])
    assert not [r for r in report["results"] if r["checklist"] == "security" and r["rule_id"].startswith("SEC-5")
                and r["status"] not in ("skip", "manual")]  # no live rule ran
    scope = json.loads((tmp_path / "bundle" / "scope.json").read_text())
    assert scope["live"] is False and scope["docker"] is None
    assert scope["config"]["named_with_config"] is False and len(scope["config"]["ignored"]) >= 3


def test_the_same_file_named_with_config_is_obeyed(tmp_path: Path, listener: Listener) -> None:
    tree = _tree(tmp_path, ".preflight.yaml", _hostile_yaml(listener.port))
    run = _run(tmp_path, tree, "scan", ".", "--config", ".preflight.yaml", "--timeout", "1", "-f", "json", guard=False)
    assert run.returncode in (0, 1), run.stderr
    assert "ignored" not in run.stderr
    assert listener.accepted >= 2  # the endpoints and the Docker API were reached
    # and with the guard in place the child does try: the guard would have caught the found file too
    guarded = _run(tmp_path, tree, "scan", ".", "--config", ".preflight.yaml", "--timeout", "1", guard=True)
    assert "NETWORK ATTEMPT" in guarded.stderr


def test_found_config_keeps_its_narrowing_and_reports_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".preflight.yaml").write_text(
        "skip: [SEC-005]\nfail_on: high\nlive: false\nendpoints: []\nenv_files: [../outside.env, ok.env]\n")
    monkeypatch.chdir(tmp_path)
    config = load_config(None)
    assert config.skip == ["SEC-005"] and config.fail_on == "high" and not config.trusted
    assert config.env_files == ["ok.env"]  # the file outside the config's folder is dropped
    ignored = [n.message for n in config.notes if not n.applied]
    assert ignored == ["ignored `env_files: ../outside.env` from .preflight.yaml: "
                       "a config found in the tree names only files inside its own folder"]
    applied = [n.message for n in config.notes if n.applied]
    assert applied and "skip, fail_on, env_files" in applied[0]
    named = load_config(".preflight.yaml")
    assert named.trusted and named.notes == [] and named.env_files == ["../outside.env", "ok.env"]


def test_a_symlinked_found_config_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("skip: [SEC-001]\n")
    tree = tmp_path / "repo"
    tree.mkdir()
    (tree / ".preflight.yaml").symlink_to(outside)
    monkeypatch.chdir(tree)
    assert load_config(None).skip == []
    assert ".preflight.yaml: a symbolic link; not read" in capsys.readouterr().err


def test_what_a_found_config_did_is_in_the_sarif_log_and_the_pull_request_comment(tmp_path: Path, listener: Listener) -> None:
    import jsonschema

    tree = _tree(tmp_path, ".preflight.yaml", _hostile_yaml(listener.port))
    out = tmp_path / "out"
    run = _run(tmp_path, tree, "scan", ".", "-f", "sarif", "-f", "markdown", "--output-dir", str(out), guard=True)
    assert run.returncode in (0, 1), run.stderr
    sarif = json.loads(next(out.glob("*.sarif")).read_text())
    schema = json.loads((ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(sarif, schema)
    notes = sarif["runs"][0]["invocations"][0]["toolConfigurationNotifications"]
    refused = [n for n in notes if n["level"] == "warning"]
    assert {n["message"]["text"].split("`")[1].split(":")[0] for n in refused} >= {"live", "endpoints", "docker_host"}
    assert all(n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == ".preflight.yaml" for n in notes)
    markdown = next(out.glob("*.md")).read_text()
    section = markdown.split("### Configuration found in the tree", 1)[1].split("###", 1)[0]
    assert "**refused**: ignored `live: true` from .preflight.yaml" in section and "skip" in section
    assert "Canary-Pw-9f3k" not in markdown and "Canary-Pw-9f3k" not in json.dumps(sarif)
