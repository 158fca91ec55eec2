"""Fuzz the whole loading of one file: bytes decoded as preflight decodes them, then parsed as each input kind.

The first byte picks the kind (env, compose, yaml, dockerfile, nginx), so one
target reaches the Compose, Kubernetes, Dockerfile and nginx builders too. Only
InputError (an `error` result) and the Helm-template skip may come out.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from checker.errors import InputError
    from checker.inputs import load
    from checker.inputs.discover import Candidate

KINDS = ("env", "compose", "yaml", "dockerfile", "nginx")
NAMES = {"env": ".env", "compose": "compose.yaml", "yaml": "deploy.yaml", "dockerfile": "Dockerfile", "nginx": "nginx.conf"}
FOLDER = Path(tempfile.mkdtemp(prefix="preflight-fuzz-"))  # nginx resolves includes against the file's folder


def one_input(data: bytes) -> None:
    if not data:
        return
    kind = KINDS[data[0] % len(KINDS)]
    try:
        text = load.decode(data[1:])
        load._parse(Candidate(FOLDER / NAMES[kind], NAMES[kind], kind, True), text, load.LoadOptions())
    except (InputError, load._Skip):
        pass


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
