"""Fuzz path expressions (rule files) over a fixed document: PathSyntaxError, nothing else."""
from __future__ import annotations

import atheris

with atheris.instrument_imports():
    from checker.inputs.paths import PathSyntaxError, format_path, select

from _target import fuzz

DOCUMENT = {"services": {"a": {"ports": ["80:80", {"target": 5432}], "env": {"X": None}}, "b.c": [[1, [2]]]}, "": {"": 0}}


def check(expression: str) -> None:
    for path, _ in select(DOCUMENT, expression):
        format_path(path)


if __name__ == "__main__":
    fuzz(check, allowed=(PathSyntaxError,))
