"""Reports shared by the reporter tests: a small scanned tree with a fail, an error and a waiver, and FastGPT."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from checker.api import scan_paths
from checker.models import Report
from helpers import CORPUS, TODAY

FASTGPT = CORPUS / "fastgpt" / "deploy" / "docker"

COMPOSE = """\
services:
  db:
    image: postgres:16.2
    environment:
      POSTGRES_PASSWORD: postgres
    ports:
      - "5432:5432"
  cache:
    image: redis:7.2
    environment:
      # preflight: ignore[SEC-001] test-only credentials
      REDIS_PASSWORD: password
"""


def write_tree(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "compose.yaml").write_text(COMPOSE, encoding="utf-8")
    (folder / "broken.yaml").write_text("a: [1, 2\n", encoding="utf-8")
    return folder


def scan(folder: Path) -> Report:
    return scan_paths([str(folder)], today=TODAY)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "tree")


@pytest.fixture
def rescan() -> Callable[[Path], Report]:
    return scan


@pytest.fixture
def small_report(tree: Path) -> Report:
    return scan(tree)


@pytest.fixture
def fastgpt_report() -> Report:
    if not FASTGPT.is_dir():
        pytest.skip("FastGPT corpus not present")
    return scan(FASTGPT)
