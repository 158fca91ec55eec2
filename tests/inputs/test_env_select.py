"""Which env file a compose file is interpolated with (checker/inputs/env_select.py), and what the report says."""
from __future__ import annotations

from pathlib import Path

from checker.api import scan_paths
from helpers import ROOT

RULES = [str(ROOT / "examples" / "checklists")]
COMPOSE = """# Run from deploy/runtime with:
# docker compose --env-file ../enterprise/.env.enterprise -f docker-compose.enterprise.yml up -d
services:
  app:
    image: ghcr.io/example/app:1.2.3
    environment:
      TOKEN_KEY: ${TOKEN_KEY:?required}
      MONGODB_URI: ${MONGODB_URI:?required}
      LOG_LEVEL: ${LOG_LEVEL:-info}
"""


def unset_results(root: Path, **options: object) -> list[tuple[str, str]]:
    report = scan_paths([str(root)], rules=RULES, select=["FGPT-003"], shipped_rules=False, **options)  # type: ignore[arg-type]
    return sorted((r.status, r.message) for r in report.results if r.rule_id == "FGPT-003")


def test_the_template_of_the_env_file_the_compose_file_names_gives_its_keys_not_its_values(tmp_path: Path) -> None:
    (tmp_path / "deploy" / "runtime").mkdir(parents=True)
    (tmp_path / "deploy" / "enterprise").mkdir()
    (tmp_path / "deploy" / "runtime" / "docker-compose.enterprise.yml").write_text(COMPOSE)
    (tmp_path / "deploy" / "enterprise" / ".env.example").write_text(
        "# Copy this file to .env.enterprise\nTOKEN_KEY=<random 32 chars>\nMONGODB_URI=mongodb://root:<password>@mongo:27017\n")
    (status, message), = unset_results(tmp_path)
    assert status == "pass"
    assert "deploy/enterprise/.env.example (template of ../enterprise/.env.enterprise" in message
    # the template's placeholders are not what deploys: the compose values are unknown, not "<...>"
    report = scan_paths([str(tmp_path)], select=["SEC-002"])
    failing = {Path(r.location.file).name for r in report.results if r.status == "fail" and r.location}
    assert failing == {".env.example"}  # the template itself is still judged, once


def test_the_named_env_file_itself_when_the_tree_has_it(tmp_path: Path) -> None:
    (tmp_path / "deploy" / "runtime").mkdir(parents=True)
    (tmp_path / "deploy" / "enterprise").mkdir()
    (tmp_path / "deploy" / "runtime" / "docker-compose.enterprise.yml").write_text(COMPOSE)
    (tmp_path / "deploy" / "enterprise" / ".env.enterprise").write_text("TOKEN_KEY=x\n")
    assert unset_results(tmp_path) == [
        ("fail", "${MONGODB_URI} is required but not set (interpolated with deploy/enterprise/.env.enterprise "
                 "(named by the compose file (`--env-file ../enterprise/.env.enterprise`)))".replace(
                     "deploy/", str(tmp_path) + "/deploy/", 1)),
    ]


def test_a_named_env_file_outside_the_scanned_tree_is_never_read(tmp_path: Path) -> None:
    (tmp_path / "runtime").mkdir()
    (tmp_path / "enterprise").mkdir()
    (tmp_path / "runtime" / "docker-compose.enterprise.yml").write_text(COMPOSE)
    (tmp_path / "enterprise" / ".env.enterprise").write_text("TOKEN_KEY=x\nMONGODB_URI=mongodb://db\n")
    found = unset_results(tmp_path / "runtime")
    assert [s for s, _ in found] == ["fail", "fail"]
    assert all("no env file" in m for _, m in found)


def test_an_env_name_file_beside_the_compose_file_that_sets_its_required_keys(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE.split("services:", 1)[1].join(["services:", ""]))
    (tmp_path / ".env.staging").write_text("OTHER=1\n")
    (tmp_path / ".env.enterprise").write_text("TOKEN_KEY=x\nMONGODB_URI=mongodb://db\n")
    (status, message), = unset_results(tmp_path)
    assert status == "pass" and ".env.enterprise (.env.enterprise beside the compose file: it sets 2 of its 2" in message


def test_env_file_option_is_used_as_compose_uses_it_and_named(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    (tmp_path / ".env").write_text("TOKEN_KEY=x\n")  # --env-file replaces .env, as with Compose
    given = tmp_path / "prod.env"
    given.write_text("TOKEN_KEY=x\nMONGODB_URI=mongodb://db\n")
    (status, message), = unset_results(tmp_path, env_files=[str(given)])
    assert status == "pass" and "(--env-file)" in message


def test_bare_environment_entries_take_the_interpolation_file_not_env_file_entries(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services:\n  app:\n    image: app:1.0\n    env_file: app.env\n    environment: [FROM_DOT_ENV, FROM_APP_ENV]\n")
    (tmp_path / ".env").write_text("FROM_DOT_ENV=https://a.example\n")
    (tmp_path / "app.env").write_text("FROM_APP_ENV=https://b.example\n")
    from checker.inputs.discover import discover
    from checker.inputs.load import LoadOptions, load

    loaded = load(list(discover([str(tmp_path)])), LoadOptions(roots=(str(tmp_path),)))
    (compose,) = [d for d in loaded.documents if d.kind == "compose"]
    settings = {s.key: (s.value, s.resolved) for s in compose.settings}
    # app.env goes to the container directly (and is judged as its own file); Compose never reads it for
    # `environment: [NAME]`, so in the compose file that value stays unknown
    assert settings == {"FROM_DOT_ENV": ("https://a.example", True), "FROM_APP_ENV": ("", False)}
