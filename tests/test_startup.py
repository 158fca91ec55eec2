"""The pre-commit path stays light: a warm one-file env scan imports none of the heavy libraries below.

Speed itself is measured in benchmarks/; this pins the cause of the speed, which a
careless top-level import would silently undo.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from helpers import ROOT

PROBE = """
import sys
present = set(sys.modules)  # what the interpreter's site setup imported (.pth files differ between environments)
from checker.cli import main
code = main(["scan", sys.argv[1]])
heavy = [m for m in ("pydantic", "yaml", "rich", "requests", "cryptography", "docker", "kubernetes", "orjson",
                     "multiprocessing", "hashlib", "logging", "tempfile", "dotenv.main", "json")
         if m in sys.modules and m not in present]
import json
print(json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""


def _scan_in_fresh_interpreter(env_file: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(env_file)], capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"},
    )
    return json.loads(done.stderr.strip().splitlines()[-1])


def test_warm_env_scan_imports_no_heavy_library(tmp_path: Path) -> None:
    env_file = tmp_path / "app" / "app.env"
    env_file.parent.mkdir()
    env_file.write_text("DEBUG=false\nPOSTGRES_PASSWORD=postgres\n")
    _scan_in_fresh_interpreter(env_file)  # cold: validates the rules and fills the cache
    warm = _scan_in_fresh_interpreter(env_file)
    assert warm == {"code": 1, "heavy": []}
