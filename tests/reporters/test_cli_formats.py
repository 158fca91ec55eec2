"""Several formats from one scan, and `preflight report saved.json` rendering the same SARIF."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from helpers import preflight


def test_one_scan_writes_sarif_junit_and_markdown(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    done = preflight(
        "scan", str(tree), "-f", "sarif", "-o", str(out / "a.sarif"), "-f", "junit", "-o", str(out / "b.xml"),
        "-f", "markdown", "-o", str(out / "c.md"), "-f", "json", "-o", str(out / "saved.json"),
    )
    assert done.returncode == 1, done.stderr  # the tree has failures
    assert done.stdout == ""
    sarif = json.loads((out / "a.sarif").read_text("utf-8"))
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    assert ET.fromstring((out / "b.xml").read_text("utf-8")).tag == "testsuites"
    assert (out / "c.md").read_text("utf-8").startswith("## preflight: readiness ")

    again = preflight("report", str(out / "saved.json"), "-f", "sarif")
    assert again.returncode == 0, again.stderr
    assert again.stdout == (out / "a.sarif").read_text("utf-8")
    for fmt, name in (("junit", "b.xml"), ("markdown", "c.md")):
        rendered = preflight("report", str(out / "saved.json"), "-f", fmt)
        assert rendered.stdout == (out / name).read_text("utf-8")


def test_output_dir_uses_the_suffixes(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "dir"
    done = preflight("scan", str(tree), "-f", "sarif", "-f", "junit", "-f", "markdown", "--output-dir", str(out))
    assert done.returncode == 1, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["report.md", "report.sarif", "report.xml"]
