from __future__ import annotations

import os
import sys

import pytest
from pathlib import Path

# tests import `helpers` as a plain module
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(autouse=True, scope="session")
def _rule_cache_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never write into the user's cache folder; subprocesses inherit the variable."""
    os.environ["PREFLIGHT_CACHE_DIR"] = str(tmp_path_factory.mktemp("rule-cache"))
