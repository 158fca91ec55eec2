"""What every fuzz target shares: run one function on fuzzer-made text, and let only the documented errors through.

A target module calls `fuzz(check, allowed)`: atheris feeds it bytes, the bytes
become text (as preflight would decode them, or arbitrary Unicode), and any
exception that is not in `allowed` is a crash that atheris saves with its input.
"""
from __future__ import annotations

import sys
from typing import Callable

import atheris


def fuzz(check: Callable[[str], object], allowed: tuple[type[BaseException], ...]) -> None:
    def one_input(data: bytes) -> None:
        provider = atheris.FuzzedDataProvider(data)
        text = provider.ConsumeUnicodeNoSurrogates(len(data)) if data[:1] == b"\x00" else data.decode("utf-8", "replace")
        try:
            check(text)
        except allowed:
            pass

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
