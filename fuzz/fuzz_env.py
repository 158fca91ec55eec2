"""Fuzz the env-file parser (python-dotenv underneath): it reports malformed lines, it never raises."""
from __future__ import annotations

import atheris

with atheris.instrument_imports():
    from checker.inputs.env_file import parse_env, to_document_parts

from _target import fuzz


def check(text: str) -> None:
    to_document_parts(parse_env(text))


if __name__ == "__main__":
    fuzz(check, allowed=())
