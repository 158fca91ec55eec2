"""Fuzz Compose interpolation: any text, a few variables set; it never raises."""
from __future__ import annotations

import atheris

with atheris.instrument_imports():
    from checker.inputs.interpolate import interpolate, references

from _target import fuzz

VARIABLES = {"A": "1", "EMPTY": "", "NESTED": "${A}", "DOLLAR": "$$x"}


def check(text: str) -> None:
    interpolate(text, VARIABLES)
    references(text)


if __name__ == "__main__":
    fuzz(check, allowed=())
