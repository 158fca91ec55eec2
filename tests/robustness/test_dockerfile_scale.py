"""Dockerfile rules cost linear time in the number of instructions.

The package-cache rules recomputed the ENV in force before every instruction
(5,000 ENV lines: 27 s, 10,000: 177 s); ENV key positions compiled one regular
expression per key and searched from the instruction's first line for each key
(an ENV continued over 20,000 lines: 38 s); dockerfile-parse joins continued
lines quadratically, so an instruction continued over 5,000 lines is refused.
The limits below are ten times the measured figures (tests/robustness/measure.py).
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from checker.api import scan_paths
from checker.errors import InputError
from checker.inputs.dockerfile import MAX_CONTINUED_LINES, parse


def env_lines(count: int) -> str:
    return "FROM python:3.12.4-slim\n" + "".join(f"ENV VAR_{i}=value{i}\n" for i in range(count)) + (
        "RUN pip install flask==3.0.3\nUSER app\n"
    )


def test_ten_thousand_env_lines_scan_in_seconds(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(env_lines(10_000))
    started = time.monotonic()
    report = scan_paths([str(tmp_path)])
    assert time.monotonic() - started < 20  # 1.2 s whole-process here; 177 s before
    assert any(r.rule_id != "PF-INPUT" and r.status == "fail" for r in report.results)


def test_an_env_continued_over_thousands_of_lines_keeps_every_key_line_quickly() -> None:
    text = "FROM python:3.12.4-slim\nENV \\\n" + "".join(f" K{i}=v{i} \\\n" for i in range(4_900)) + " Z=1\nUSER app\n"
    started = time.monotonic()
    (doc,) = parse("Dockerfile", Path("Dockerfile"), text, "production")
    assert time.monotonic() - started < 5  # 0.2 s; 9 s before
    assert doc.positions[("instructions", 1, "pairs", "K4000")] == (4003, 2)
    assert doc.positions[("instructions", 1, "pairs", "Z")] == (4903, 2)


def test_one_line_env_of_twenty_thousand_pairs_keeps_columns() -> None:
    text = "FROM python:3.12.4-slim\nENV " + " ".join(f"K{i}=v{i}" for i in range(20_000)) + "\nUSER app\n"
    started = time.monotonic()
    (doc,) = parse("Dockerfile", Path("Dockerfile"), text, "production")
    assert time.monotonic() - started < 5  # 0.5 s; 7.5 s before
    line = text.splitlines()[1]
    assert doc.positions[("instructions", 1, "pairs", "K19999")] == (2, line.index("K19999=") + 1)


def test_an_instruction_continued_past_the_limit_is_an_error_with_its_line() -> None:
    text = "FROM python:3.12.4-slim\nRUN true \\\n" + "  && true \\\n" * (MAX_CONTINUED_LINES + 10) + "  && true\n"
    started = time.monotonic()
    with pytest.raises(InputError, match="continues over more than") as caught:
        parse("Dockerfile", Path("Dockerfile"), text, "production")
    assert caught.value.line == 2 and time.monotonic() - started < 2
