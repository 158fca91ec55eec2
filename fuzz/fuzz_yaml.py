"""Fuzz the YAML loader (libyaml + our position builder): InputError with a line, nothing else."""
from __future__ import annotations

import atheris

with atheris.instrument_imports():
    from checker.errors import InputError
    from checker.inputs.yaml_source import load_all

from _target import fuzz

if __name__ == "__main__":
    fuzz(load_all, allowed=(InputError,))
