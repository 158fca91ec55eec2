"""Control characters in file names and values never reach a terminal or a report raw (issue #12 item 12).

ESC (colour, OSC title and hyperlink sequences), NUL-like C0 and C1 controls,
and Unicode bidi overrides come from a scanned tree: every text format writes
them as visible escapes (`\\x1b`, `\\u202e`), the JUnit report stays well-formed
XML (one raw ESC made the whole file unreadable, so CI lost every result), JSON
and SARIF stay valid JSON, and stderr is escaped too.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from helpers import ROOT

OSC_TITLE = "\x1b]0;pwned\x07"
ESC_COLOUR = "\x1b[31m"
BIDI = "\u202e"
C1 = "\x9b"  # the 8-bit CSI
RAW = (OSC_TITLE, ESC_COLOUR, "\x1b", BIDI, C1, "\x07", "\x08", "\x0d")
FORMATS = ("text", "json", "sarif", "junit", "markdown", "html")


@pytest.fixture(scope="module")
def hostile_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("controls") / "deploy"
    root.mkdir()
    # a file name with ESC, BEL and a bidi override; values with OSC, colour and C1 sequences
    folder = root / f"evil{ESC_COLOUR}{BIDI}"
    folder.mkdir()
    (folder / ".env.production").write_text(
        f"DEBUG=true{OSC_TITLE}\nCORS_ORIGIN=*{ESC_COLOUR}red{C1}x\nAPP_URL=http://app.example.com/{BIDI}gnp\n"
        "DB_PASSWORD=short\bpw\n"
    )
    (root / "docker-compose.yml").write_text(
        # YAML refuses raw controls, but its double-quoted escapes make them
        'services:\n  "web\\e]0;pwned\\a":\n    image: "nginx:latest\\e[31m\\u202e"\n    privileged: true\n'
    )
    return root


def run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "checker", *args], capture_output=True, cwd=ROOT,
                          env={**os.environ, "NO_COLOR": "1"}, timeout=300)


def raw_controls(data: bytes) -> list[str]:
    text = data.decode("utf-8", "surrogateescape")
    return [repr(c) for c in RAW if c in text]


def test_every_text_format_escapes_control_characters(hostile_tree: Path, tmp_path: Path) -> None:
    args = [a for fmt in FORMATS for a in ("-f", fmt, "-o", str(tmp_path / f"report.{fmt}"))]
    done = run("scan", str(hostile_tree), "-v", *args)
    assert done.returncode == 1, done.stderr
    terminal = run("scan", str(hostile_tree), "-v")
    outputs = {fmt: (tmp_path / f"report.{fmt}").read_bytes() for fmt in FORMATS}
    outputs["terminal"] = terminal.stdout
    outputs["stderr"] = done.stderr + terminal.stderr
    assert {fmt: raw_controls(data) for fmt, data in outputs.items() if raw_controls(data)} == {}
    # ... and they are shown, not dropped: a reader sees that the name holds them
    assert b"evil\\x1b[31m\\u202e/.env.production" in outputs["json"].replace(b"\\\\", b"\\")
    assert b"\\x1b" in outputs["terminal"] and b"\\u202e" in outputs["terminal"]


def test_junit_stays_well_formed_and_json_formats_stay_valid(hostile_tree: Path, tmp_path: Path) -> None:
    args = [a for fmt in ("junit", "json", "sarif") for a in ("-f", fmt, "-o", str(tmp_path / f"report.{fmt}"))]
    assert run("scan", str(hostile_tree), *args).returncode == 1
    suites = ET.fromstring((tmp_path / "report.junit").read_bytes())  # raises on a document that is not well-formed
    cases = suites.findall(".//testcase")
    assert any("evil" in (case.get("name") or "") for case in cases)
    assert any(case.find("failure") is not None for case in cases)  # the results survived
    report = json.loads((tmp_path / "report.json").read_bytes())
    assert any("evil" in r["target"] for r in report["results"])
    json.loads((tmp_path / "report.sarif").read_bytes())


def test_a_saved_report_with_raw_control_characters_is_escaped_when_rendered(hostile_tree: Path, tmp_path: Path) -> None:
    # a report written by an older version (or by hand) holds raw controls: `report` escapes them too
    saved = tmp_path / "saved.json"
    assert run("scan", str(hostile_tree), "-f", "json", "-o", str(saved)).returncode == 1
    data = json.loads(saved.read_text())
    data["results"][0]["message"] = f"planted {OSC_TITLE}{BIDI} message"
    saved.write_text(json.dumps(data))
    for fmt in ("text", "junit", "markdown", "html"):
        done = run("report", str(saved), "-f", fmt)
        assert done.returncode == 0, done.stderr
        assert raw_controls(done.stdout) == [], fmt
    ET.fromstring(run("report", str(saved), "-f", "junit").stdout)


def test_a_warning_on_stderr_is_escaped(tmp_path: Path) -> None:
    bad = tmp_path / f"rules{OSC_TITLE}"
    done = run("scan", str(tmp_path), "--rules", str(bad))  # the error names the folder
    assert done.returncode == 2
    assert b"rules\\x1b]0;pwned\\x07" in done.stderr and raw_controls(done.stderr) == []


def test_a_rule_file_cannot_print_control_characters(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "team.yaml").write_text(
        'checklist: team\nrules:\n  - id: TEAM-001\n    name: team-one\n    title: "Debug off\\e]0;pwned\\a"\n'
        '    severity: low\n    targets: [env]\n    remediation: "Fix\\e[2J it."\n    probe: setting\n'
        "    with: {keys: [DEBUG], op: falsy}\n"
    )
    (tmp_path / ".env").write_text("DEBUG=true\n")
    for fmt in ("text", "junit", "markdown"):
        done = subprocess.run([sys.executable, "-m", "checker", "scan", str(tmp_path / ".env"), "--rules", str(rules),
                               "--no-default-rules", "-v", "-f", fmt], capture_output=True, cwd=ROOT,
                              env={**os.environ, "NO_COLOR": "1", "PREFLIGHT_NO_CACHE": "1"}, timeout=60)
        assert done.returncode == 1, done.stderr
        assert raw_controls(done.stdout) == [], fmt
        assert fmt == "markdown" or b"\\x1b]0;pwned" in done.stdout, fmt  # (markdown names rules by id)
    explain = run("explain", "TEAM-001", "--rules", str(rules))
    assert raw_controls(explain.stdout + explain.stderr) == []
