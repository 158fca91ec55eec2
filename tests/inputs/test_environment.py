"""Which environment a file is for, from its name or its own folder."""
from __future__ import annotations

from pathlib import Path

import pytest

from checker.inputs.discover import discover
from checker.inputs.environment import infer
from checker.inputs.load import LoadOptions, load


@pytest.mark.parametrize(
    ("path", "environment"),
    [
        (".env.production", "production"),
        (".env.prod", "production"),
        ("PROD.env", "production"),
        ("deploy/.env.Production", "production"),
        ("docker-compose.prod.yml", "production"),
        ("values-prod.yaml", "production"),
        ("live.env", "production"),
        ("production/.env", "production"),
        (".env.staging", "staging"),
        (".env.uat", "staging"),
        ("compose.preprod.yaml", "staging"),
        ("overlays/stage/kustomization.yaml", "staging"),
        (".env.development", "development"),
        ("docker-compose.dev.yml", "development"),
        (".env.local", "development"),
        (".env.test", "development"),
        ("ci/.env", None),  # a ci/ folder holds tooling, not an environment
        ("ci.env", "development"),
        ("test/.env", "development"),  # a test/ or tests/ folder holds a test harness: not a deployment (issue 14)
        ("test/.env.production", "production"),  # the file's own name still wins
        # nothing to go on
        (".env", None),
        ("compose.yaml", None),
        (".env.example", None),
        ("product.env", None),  # words, not substrings
        ("devops/.env", None),
        ("tests/.env", "development"),
        ("deploy/prod/app/.env", None),  # only the file's own folder counts
    ],
)
def test_infer(path: str, environment: str | None):
    assert infer(path) == environment


def test_file_name_wins_over_folder():
    assert infer("staging/.env.production") == "production"


def test_documents_get_the_inferred_environment_else_production(tmp_path: Path):
    project = tmp_path / "project"  # pytest's own folder names contain words such as "test"
    project.mkdir()
    for name in (".env.development", ".env.staging", ".env"):
        (project / name).write_text("A=1\n")
    loaded = load(list(discover([str(project)])))
    assert {Path(d.path).name: d.environment for d in loaded.documents} == {
        ".env": "production", ".env.development": "development", ".env.staging": "staging",
    }


def test_forced_environment_overrides_inference(tmp_path: Path):
    (tmp_path / ".env.development").write_text("A=1\n")
    loaded = load(list(discover([str(tmp_path)])), LoadOptions(environment="staging"))
    assert [d.environment for d in loaded.documents] == ["staging"]
