"""Env files keep true line numbers whatever their line endings: LF, CRLF, or CR alone (old Mac files)."""
from __future__ import annotations

import pytest

from checker.inputs.env_file import parse_env


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_keys_after_blank_lines_keep_their_line(newline: str) -> None:
    text = newline.join(["A=1", "", "B=2", "", "", "C=3", ""])
    assert [(e.key, e.line) for e in parse_env(text).entries] == [("A", 1), ("B", 3), ("C", 6)]
