"""The examples in probe docstrings are documentation (`preflight explain` shows them): they must stay true."""
from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import checker.probes

MODULES = [info.name for info in pkgutil.iter_modules(checker.probes.__path__, "checker.probes.")]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_probes_have_docstring_examples() -> None:
    attempted = sum(doctest.testmod(importlib.import_module(name)).attempted for name in MODULES)
    assert attempted >= 20  # the examples exist, so the test above checks something
