"""Saved `docker inspect` files as input, and what `--docker` does when the host cannot be reached.

The fixtures under tests/fixtures/SEC-60x and MON-60x are real inspect objects
captured from the Podman API service tests/live/test_docker.py runs (host
paths rewritten); here they pin file, line and object of a finding.
"""
from __future__ import annotations

import json
from pathlib import Path

from checker.api import scan_paths
from checker.inputs.discover import classify
from checker.inputs.docker_inspect import parse
from helpers import FIXTURES, preflight, run_rule

PRIVILEGED = FIXTURES / "SEC-600" / "fail-privileged.docker-inspect.json"
NOWHERE = "unix:///nonexistent/preflight-test/docker.sock"


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_inspect_files_are_recognised_by_name() -> None:
    for name in ("docker-inspect.json", "prod.docker-inspect.json", "docker-inspect-2026-11-27.json"):
        assert classify(Path(name)) == "docker-inspect", name
    for name in ("inspect.json", "docker-compose.json", "package.json"):
        assert classify(Path(name)) == "json?", name  # not by name: a Kubernetes manifest or nothing, by content


def test_each_container_is_a_document_with_its_env_as_settings() -> None:
    (doc,) = parse("saved.docker-inspect.json", PRIVILEGED, PRIVILEGED.read_text(), "production")
    assert (doc.kind, doc.meta["label"]) == ("docker", "container db (8158253d92d4)")
    password = next(s for s in doc.settings if s.key == "POSTGRES_PASSWORD")
    assert (password.value, password.scope, password.path) == ("postgres", "container db", ("Config", "Env", 0))
    assert doc.position(password.path) == (_line_of(PRIVILEGED, '"POSTGRES_PASSWORD=postgres"'), 17)


def test_finding_points_at_the_line_and_names_the_container() -> None:
    (result,) = run_rule("SEC-600", PRIVILEGED)
    assert result.status == "fail" and result.location is not None
    assert result.location.line == _line_of(PRIVILEGED, '"Privileged": true')
    assert result.location.object == "container db (8158253d92d4) HostConfig.Privileged"


def test_every_published_database_binding_is_reported_once() -> None:
    path = FIXTURES / "SEC-601" / "fail-published-postgres.docker-inspect.json"
    results = [r for r in run_rule("SEC-601", path) if r.status == "fail"]
    # HostConfig "" and NetworkSettings 0.0.0.0 / :: are the same binding: one finding
    assert [(r.location.line if r.location else None, r.observed) for r in results] == [
        (_line_of(path, '"5432/tcp": [') + 1, "0.0.0.0:5432->5432/tcp"),  # the binding's `{`, in HostConfig
    ]


def test_not_an_inspect_file_is_an_error_naming_it_and_the_scan_goes_on(tmp_path: Path) -> None:
    (tmp_path / "docker-inspect.json").write_text('[\n  {"Id": "a", "Config": {}},\n  {"Name": "/x"}\n]\n')
    (tmp_path / "broken.docker-inspect.json").write_text('[\n  {"Id": "abc",\n  "Config": {\n}\n')
    (tmp_path / "app.env").write_text("POSTGRES_PASSWORD=postgres\n")
    report = scan_paths([str(tmp_path)], select=["SEC-001", "SEC-600"])
    errors = {Path(r.location.file).name: (r.location.line, r.message) for r in report.results
              if r.rule_id == "PF-INPUT" and r.location and r.location.file}
    assert errors["docker-inspect.json"][1].startswith("not `docker inspect` output")
    assert errors["docker-inspect.json"][0] == 3  # the object that is not a container
    assert errors["broken.docker-inspect.json"][1].startswith("invalid YAML")
    assert errors["broken.docker-inspect.json"][0] is not None
    assert [r.status for r in report.results if r.rule_id == "SEC-001"] == ["fail"]


def test_unreachable_docker_host_is_one_error_and_the_files_are_still_scanned(tmp_path: Path) -> None:
    (tmp_path / "app.env").write_text("POSTGRES_PASSWORD=postgres\n")
    done = preflight("scan", str(tmp_path), "--docker-host", NOWHERE, "--select", "SEC-001,SEC-600", "-f", "json")
    assert done.returncode == 1, done.stderr
    results = json.loads(done.stdout)["results"]
    (error,) = [r for r in results if r["status"] == "error"]
    assert (error["rule_id"], error["target"], error["reason"]) == ("PF-INPUT", NOWHERE, "unreachable")
    assert error["message"].startswith("cannot read containers from the Docker API")
    assert [r["status"] for r in results if r["rule_id"] == "SEC-001"] == ["fail"]


def test_config_file_turns_docker_on_only_when_named(tmp_path: Path) -> None:
    (tmp_path / ".preflight.yaml").write_text(f"docker_host: {NOWHERE}\n")
    done = preflight("scan", "--config", ".preflight.yaml", "--select", "SEC-600", "-f", "json", cwd=tmp_path)
    results = json.loads(done.stdout)["results"]
    assert [(r["target"], r["reason"]) for r in results if r["status"] == "error"] == [(NOWHERE, "unreachable")]
    assert done.returncode == 1
    # found in the working folder (as a pull request would commit it), it may not choose a Docker host
    found = preflight("scan", ".", "--select", "SEC-600", "-f", "json", cwd=tmp_path)
    assert not [r for r in json.loads(found.stdout)["results"] if r["status"] == "error"]
    assert "ignored `docker_host` from .preflight.yaml" in found.stderr


def test_scan_help_lists_the_docker_flags() -> None:
    done = preflight("scan", "--help")
    assert "--docker " in done.stdout and "--docker-host URL" in done.stdout


def test_a_container_label_waives_the_rules_it_names(tmp_path: Path) -> None:
    containers = json.loads(PRIVILEGED.read_text())
    containers[0]["Config"]["Labels"] = {"preflight.dev/ignore": "SEC-600,SEC-604 needs /dev/kvm; ticket OPS-12"}
    path = tmp_path / "docker-inspect.json"
    path.write_text(json.dumps(containers, indent=4))
    (privileged,) = run_rule("SEC-600", path)
    assert privileged.status == "waived" and privileged.waiver is not None
    assert privileged.waiver.reason == "needs /dev/kvm; ticket OPS-12"
    assert [r.status for r in run_rule("SEC-605", path)] == ["fail"]  # not named: still reported


def test_docker_without_a_host_uses_docker_host_from_the_environment(tmp_path: Path) -> None:
    done = preflight("scan", "--docker", "--select", "SEC-600", "-f", "json", cwd=tmp_path, env={"DOCKER_HOST": NOWHERE})
    results = json.loads(done.stdout)["results"]
    assert [(r["target"], r["reason"]) for r in results if r["status"] == "error"] == [(NOWHERE, "unreachable")]
