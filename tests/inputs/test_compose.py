"""Compose files: environment normalisation, interpolation sources, env_file, ports, templates."""
from __future__ import annotations

import shutil
from pathlib import Path

from checker.api import scan_paths
from checker.inputs.discover import discover
from checker.inputs.load import LoadOptions, load

COMPOSE = """\
services:
  app:
    image: "registry.example.com/app:${TAG:-1.0}"
    environment:
      - DB_HOST=db
      - API_TOKEN=${API_TOKEN}
      - PASSTHROUGH
  db:
    image: postgres:16
    environment:
      POSTGRES_DB: app
      POSTGRES_PASSWORD: ${PGPASSWORD:?set PGPASSWORD}
      ENABLED: true
"""


def load_one(path: Path, **options):
    loaded = load(list(discover([str(path)])), LoadOptions(**options))
    assert loaded.problems == []
    docs = {d.path: d for d in loaded.documents}
    return docs[str(path)], loaded


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_environment_list_and_map_both_become_maps_with_each_keys_line(tmp_path: Path):
    doc, _ = load_one(write(tmp_path, "compose.yaml", COMPOSE))
    services = doc.data["services"]
    assert services["app"]["environment"] == {"DB_HOST": "db", "API_TOKEN": "", "PASSTHROUGH": None}
    assert services["db"]["environment"] == {"POSTGRES_DB": "app", "POSTGRES_PASSWORD": "", "ENABLED": "true"}
    lines = {key: doc.position(("services", svc, "environment", key))[0]
             for svc in ("app", "db") for key in services[svc]["environment"]}
    assert lines == {"DB_HOST": 5, "API_TOKEN": 6, "PASSTHROUGH": 7, "POSTGRES_DB": 11, "POSTGRES_PASSWORD": 12, "ENABLED": 13}


def test_settings_keep_the_raw_value_and_know_what_is_resolved(tmp_path: Path):
    write(tmp_path, ".env", "API_TOKEN=t0k3n-from-dotenv\n")
    doc, _ = load_one(write(tmp_path, "compose.yaml", COMPOSE))
    assert [(s.scope, s.key, s.value, s.raw, s.resolved) for s in doc.settings] == [
        ("service app", "DB_HOST", "db", "db", True),
        ("service app", "API_TOKEN", "t0k3n-from-dotenv", "${API_TOKEN}", True),
        ("service app", "PASSTHROUGH", "", "", False),
        ("service db", "POSTGRES_DB", "app", "app", True),
        ("service db", "POSTGRES_PASSWORD", "", "${PGPASSWORD:?set PGPASSWORD}", False),
        ("service db", "ENABLED", "true", "true", True),
    ]
    assert doc.unset_variables == [("PGPASSWORD", ("services", "db", "environment", "POSTGRES_PASSWORD"), True)]


def test_dotenv_beside_the_compose_file_drives_interpolation(tmp_path: Path, monkeypatch):
    project = tmp_path / "project"
    write(project, ".env", "TAG=2.5\nPGPASSWORD=x\n")
    write(tmp_path, ".env", "TAG=wrong-folder\n")  # the working folder's .env does not count
    monkeypatch.chdir(tmp_path)
    doc, _ = load_one(write(project, "compose.yaml", COMPOSE))
    assert doc.data["services"]["app"]["image"] == "registry.example.com/app:2.5"
    assert doc.data["services"]["db"]["environment"]["POSTGRES_PASSWORD"] == "x"
    assert [name for name, _, _ in doc.unset_variables] == ["API_TOKEN"]


def test_without_dotenv_defaults_apply(tmp_path: Path):
    doc, _ = load_one(write(tmp_path, "compose.yaml", COMPOSE))
    assert doc.data["services"]["app"]["image"] == "registry.example.com/app:1.0"
    assert [(n, r) for n, _, r in doc.unset_variables] == [("API_TOKEN", False), ("PGPASSWORD", True)]


def test_env_file_option_replaces_dotenv(tmp_path: Path):
    write(tmp_path, ".env", "TAG=from-dotenv\nAPI_TOKEN=a\n")
    chosen = write(tmp_path, "ci/prod.vars", "TAG=3.0\n")
    compose = write(tmp_path, "compose.yaml", COMPOSE)
    doc, _ = load_one(compose, env_files=(str(chosen),))
    assert doc.data["services"]["app"]["image"] == "registry.example.com/app:3.0"
    # .env is not read at all when --env-file is given, as with `docker compose --env-file`
    assert doc.data["services"]["app"]["environment"]["API_TOKEN"] == ""


def test_several_env_files_later_ones_win(tmp_path: Path):
    first = write(tmp_path, "a.vars", "TAG=1.1\nAPI_TOKEN=tok\n")
    second = write(tmp_path, "b.vars", "TAG=2.2\n")
    doc, _ = load_one(write(tmp_path, "compose.yaml", COMPOSE), env_files=(str(first), str(second)))
    assert doc.data["services"]["app"]["image"] == "registry.example.com/app:2.2"
    assert doc.data["services"]["app"]["environment"]["API_TOKEN"] == "tok"


def test_scan_paths_env_files_override_dotenv(tmp_path: Path):
    compose = write(tmp_path, "compose.yaml", "services:\n  db:\n    image: postgres:16\n    ports: ['${DB_PORT:-127.0.0.1:5432}:5432']\n")
    write(tmp_path, ".env", "DB_PORT=127.0.0.1:5432\n")
    exposed = write(tmp_path, "exposed.vars", "DB_PORT=5432\n")
    default = scan_paths([str(compose)], select=["SEC-020"])
    assert [r.status for r in default.results] == ["pass"]
    overridden = scan_paths([str(compose)], select=["SEC-020"], env_files=[str(exposed)])
    (result,) = overridden.results
    assert (result.status, result.location.line, result.observed) == ("fail", 4, "5432:5432")


def test_env_file_named_by_a_service_is_scanned_too(tmp_path: Path):
    compose = write(tmp_path, "deploy/compose.yaml", "services:\n  db:\n    image: postgres:16\n    env_file: [config/db.vars]\n")
    write(tmp_path, "deploy/config/db.vars", "A=1\nPOSTGRES_PASSWORD=postgres\n")
    report = scan_paths([str(compose)], select=["SEC-001"], env="production")
    found = sorted((r.target, r.status, r.location.line) for r in report.results)
    assert found == [
        (str(compose), "pass", None),
        (str(tmp_path / "deploy/config/db.vars"), "fail", 2),
    ]


def test_env_file_long_syntax_and_missing_optional_file(tmp_path: Path):
    compose = write(
        tmp_path, "compose.yaml",
        "services:\n  app:\n    image: app:1.0\n    env_file:\n      - path: app.vars\n      - path: missing.vars\n        required: false\n",
    )
    write(tmp_path, "app.vars", "DEBUG=true\n")
    _, loaded = load_one(compose)
    assert [(d.path, d.kind) for d in loaded.documents] == [(str(compose), "compose"), (str(tmp_path / "app.vars"), "env")]
    assert loaded.documents[1].data == {"DEBUG": "true"}


def test_ports_short_and_long_syntax_reach_probes_unchanged(tmp_path: Path):
    compose = write(
        tmp_path, "compose.yaml",
        "services:\n"
        "  db:\n"
        "    image: postgres:16\n"
        "    ports:\n"
        "      - \"5432:5432\"\n"
        "      - 127.0.0.1:6379:6379\n"
        "      - target: 27017\n"
        "        published: 27017\n"
        "        host_ip: 0.0.0.0\n"
        "        protocol: tcp\n",
    )
    doc, _ = load_one(compose)
    assert doc.data["services"]["db"]["ports"] == [
        "5432:5432",
        "127.0.0.1:6379:6379",
        {"target": 27017, "published": 27017, "host_ip": "0.0.0.0", "protocol": "tcp"},
    ]
    report = scan_paths([str(compose)], select=["SEC-020"])
    assert sorted((r.status, r.location.line, r.message) for r in report.results) == [
        ("fail", 5, "service db publishes port 5432 on all interfaces"),
        ("fail", 7, "service db publishes port 27017 on 0.0.0.0"),
    ]


def test_compose_shaped_yaml_with_any_name_is_compose(tmp_path: Path):
    path = write(tmp_path, "stack/production-stack.yml", "services:\n  db:\n    image: postgres:16\n    ports: ['5432:5432']\n")
    doc, _ = load_one(path)
    assert doc.kind == "compose"
    report = scan_paths([str(path)], select=["SEC-020"])
    assert [(r.status, r.location.line) for r in report.results] == [("fail", 4)]


def test_other_yaml_is_not_compose(tmp_path: Path):
    doc, _ = load_one(write(tmp_path, "values.yaml", "replicaCount: 2\nservices:\n  web: {port: 80}\n"))
    assert doc.kind == "yaml"


def test_helm_template_is_skipped_with_a_reason(tmp_path: Path):
    write(tmp_path, "chart/Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\n")
    path = write(tmp_path, "chart/templates/deployment.yaml", "services:\n  app:\n    image: \"{{ .Values.image }}\"\n")
    report = scan_paths([str(tmp_path)], select=["SEC-020"])
    assert [(r.rule_id, r.status, r.target, r.message) for r in report.results] == [
        ("PF-INPUT", "skip", str(path), "Helm chart template: scan the output of `helm template` instead"),
        ("PF-INPUT", "skip", str(tmp_path / "chart" / "Chart.yaml"), "install helm to judge this chart: https://helm.sh/docs/intro/install/"),
        ("SEC-020", "skip", "-", "no compose input in scope"),
    ] if shutil.which("helm") is None else report.results  # with helm on PATH: tests/inputs/test_render.py


def test_build_placeholders_are_a_parse_error_not_a_helm_skip(tmp_path: Path):
    # FastGPT's docker-compose template: `${{x}}` placeholders that a build script fills in
    path = write(
        tmp_path, "docker-compose.prod.copy.yml",
        "services:\n  vectorDB:\n${{vec.config}}\n  mongo:\n    image: ${{mongo.image}}:${{mongo.tag}}\n",
    )
    report = scan_paths([str(path)], select=["SEC-020"])
    (problem,) = [r for r in report.results if r.rule_id == "PF-INPUT"]
    assert (problem.status, problem.reason, problem.location.line) == ("error", "unparsable", 4)
    assert problem.message.startswith("invalid YAML: ")


def test_compose_file_that_is_not_a_mapping_is_an_error(tmp_path: Path):
    path = write(tmp_path, "compose.yaml", "- just\n- a list\n")
    loaded = load(list(discover([str(path)])))
    assert [(p.status, p.message, p.line) for p in loaded.problems] == [
        ("error", "a compose file must be a mapping at the top level", 1)
    ]
