"""The HTML report: a real scan rendered to one self-contained, escaped page that a browser draws."""
from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from checker.api import scan_paths
from checker.engine.frameworks import catalog
from checker.engine.rules import load_rules
from checker.models import Report
from checker.reporters import get as get_reporter
from helpers import TODAY, preflight

CHROMIUM = "/usr/bin/chromium"

ENV = """\
DEBUG=true
SECRET_KEY=changeme
# preflight: ignore[SEC-001] rotated at deploy time by the vault agent
DB_PASSWORD=password
"""
COMPOSE = """\
services:
  db:
    image: postgres:16.4
    environment:
      POSTGRES_PASSWORD: changeme
    ports: ["5432:5432"]
"""
ATTESTATIONS = """\
attestations:
  - rule: BAK-020
    by: Jonas Berg <jonas.berg@example.com>
    date: 2026-09-14
    evidence: https://wiki.example.com/ops/shop-recovery
    note: Restored last night's dump into staging in 14 min.
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("html-project")
    (root / ".env").write_text(ENV)
    (root / "compose.yaml").write_text(COMPOSE)
    (root / ".preflight").mkdir()
    (root / ".preflight" / "attestations.yaml").write_text(ATTESTATIONS)
    return root


@pytest.fixture(scope="module")
def report(project: Path) -> Report:
    return scan_paths([str(project)], today=TODAY)


@pytest.fixture(scope="module")
def page(report: Report) -> str:
    return get_reporter("html").render(report)


class Page(HTMLParser):
    """Every tag with its attributes, the text of each section, and each compliance row's text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.sections: dict[str, str] = {}
        self.controls: dict[str, str] = {}  # the controls summary table: one row per control
        self.details: dict[str, str] = {}  # each control's evidence block
        self._section: str | None = None
        self._control: str | None = None
        self._detail: str | None = None
        self._depth = 0
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        self.handle_data(" ")  # cells and blocks read as separate words
        if tag == "section":
            self._section = attributes.get("id") or ""
            self.sections[self._section] = ""
        if tag == "tr" and attributes.get("data-control"):
            self._control = attributes["data-control"]
            self.controls[self._control] = ""
        if tag == "div":
            if self._detail is not None:
                self._depth += 1
            elif attributes.get("data-control-detail"):
                self._detail = attributes["data-control-detail"]
                self.details[self._detail] = ""
                self._depth = 0

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self._section = None
        if tag == "tr":
            self._control = None
        if tag == "div" and self._detail is not None:
            if self._depth == 0:
                self._detail = None
            else:
                self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._section is not None:
            self.sections[self._section] += data
        if self._control is not None:
            self.controls[self._control] += data
        if self._detail is not None:
            self.details[self._detail] += data


def squash(text: str) -> str:
    return " ".join(text.split())


# --- content ------------------------------------------------------------------------------------------


def test_header_has_version_rules_hash_time_environment_and_score(page: str, report: Report):
    parsed = Page(page)
    assert page.startswith("<!DOCTYPE html>")
    assert f"preflight {report.tool.version}" in page
    assert report.tool.rules_sha256[:16] in page and report.started_at in page
    assert "inferred per file (default production)" in page
    assert f"{report.summary.score}/100" in squash(page) and f"grade {report.summary.grade}" in page
    assert [t for t, _ in parsed.tags].count("section") == 8
    assert [a.get("href") for t, a in parsed.tags if t == "a" and a.get("href", "").startswith("#")][:5] == [
        "#summary", "#controls-summary", "#failures", "#passes", "#not-in-scope"]  # the navigation bar


def test_summary_table_counts_every_status_per_checklist(page: str, report: Report):
    summary = squash(Page(page).sections["summary"])
    for checklist, counts in report.summary.counts.items():
        row = " ".join([checklist] + [str(counts.get(s, 0)) for s in ("pass", "fail", "error", "skip", "manual", "waived")])
        assert row in summary


def test_failures_come_first_with_location_masked_value_and_remediation(page: str):
    sections = list(Page(page).sections)
    assert sections.index("summary") < sections.index("controls-summary") < sections.index("failures") \
        < sections.index("passes") < sections.index("not-in-scope")
    failures = squash(Page(page).sections["failures"])
    assert "SEC-001 weak-secret" in failures or "SEC-001" in failures
    assert re.search(r"\.env:2:1 .*SECRET_KEY is a known default or weak value", failures)
    assert "Observed: ****** (8 chars)" in failures
    assert "changeme" not in page  # the secret itself never reaches the page
    assert re.search(r"compose\.yaml:6:\d+ .*publishes port 5432", failures)
    assert "Fix:" in failures
    # severity order: the critical/high ones before the low ones
    first = failures.index("fail high") if "fail high" in failures else failures.index("fail critical")
    assert first < failures.index("fail low")


def test_attestation_evidence_is_a_key_value_table(page: str):
    passes = Page(page).sections["passes"]
    assert "BAK-020" in passes
    assert "Jonas Berg <jonas.berg@example.com>" in passes  # parsed text: escaped in the source
    assert "https://wiki.example.com/ops/shop-recovery" in passes
    assert "&lt;jonas.berg@example.com&gt;" in page
    assert re.search(r"<details>\s*<summary>Passed checks \(\d+\)</summary>", page)  # collapsed


def test_waived_finding_lists_its_reason(page: str):
    waivers = squash(Page(page).sections["waivers"])
    assert re.search(r"SEC-001 \S*\.env:4:1 \(DB_PASSWORD\) inline rotated at deploy time by the vault agent - never", waivers)


def test_compliance_view_lists_every_control_its_rules_and_the_gaps(page: str, report: Report):
    controls = {k: squash(v) for k, v in Page(page).controls.items()}
    details = {k: squash(v) for k, v in Page(page).details.items()}
    for key in ("soc2", "gdpr"):
        for control in catalog(key).controls:
            assert control.id in controls and control.title in controls[control.id]
            assert control.description in details[control.id]
    rules = load_rules().rules
    mapped = {rule.id for rule in rules if "CC6.6" in rule.compliance.get("soc2", [])}
    assert "SEC-020" in mapped and "SEC-020 Database and cache ports" in details["CC6.6"]
    assert controls["CC6.6"].startswith("CC6.6 Boundary protection exceptions ")
    assert re.search(r"SEC-020 .* fail 1", details["CC6.6"])
    assert re.search(r"fail SEC-020 \S*compose\.yaml:6:\d+ \(services\.db\.ports\[0\]\)",
                     details["CC6.6"].split("Open exceptions:")[1])
    # rules that judged nothing here are one line, not rows
    na = details["CC6.6"].split("Not applicable to this scope:")[1]
    assert "SEC-020" not in na and len(re.findall(r"\b[A-Z]+-\d{3}\b", na)) >= 5
    assert "skip" not in " ".join(controls.values()).split() and "skip" not in " ".join(details.values()).split()
    # no rule maps to incident response: a gap, to attest by hand
    assert "gap" in controls["CC7.4"].split()
    assert "gap: no automated rule and no attestation" in details["CC7.4"]
    assert "gap" not in controls["CC6.6"].split()


def test_a_control_is_never_a_gap_with_rules_in_scope(page: str):
    """Was: "gap: no automated rule" printed next to the rules listed under the control."""
    details = {k: squash(v) for k, v in Page(page).details.items()}
    gaps = [control for control, text in details.items() if "gap:" in text]
    assert "Art. 32(1)(d)" in gaps  # only BAK-030, an attestation nobody has made yet
    assert "attest it with BAK-030" in details["Art. 32(1)(d)"]
    for control in gaps:
        assert "RULE RESULTS EVIDENCE" not in details[control].upper(), control
    rules = load_rules().rules
    for control, text in details.items():
        automated = [r for r in rules if r.probe != "attestation" and any(control in ids for ids in r.compliance.values())]
        if any(f"{r.id} {r.title}" in text.split("Not applicable")[0] for r in automated):
            assert control not in gaps


def test_attested_control_names_who_when_evidence_and_expiry(page: str):
    a13 = squash(Page(page).details["A1.3"])
    assert "operating" in a13.split()
    assert re.search(r"BAK-020: by Jonas Berg <jonas.berg@example.com> on 2026-09-14, evidence "
                     r"https://wiki.example.com/ops/shop-recovery, expires \d{4}-\d\d-\d\d", a13)


def test_one_framework_renders_that_framework_only(report: Report):
    text = get_reporter("html").render(report, framework="soc2")
    parsed = Page(text)
    assert set(parsed.controls) == {c.id for c in catalog("soc2").controls}
    assert "GDPR" not in text and "General Data Protection" not in text and "Art. 32" not in text


def test_gdpr_controls_say_what_a_scan_cannot_show(report: Report):
    details = {k: squash(v) for k, v in Page(get_reporter("html").render(report, framework="gdpr")).details.items()}
    assert set(details) == {c.id for c in catalog("gdpr").controls}
    for control in catalog("gdpr").controls:
        assert f"What a scan cannot show: {control.cannot_show}" in details[control.id]


def test_trend_line_is_an_inline_svg_of_failures_per_run(report: Report):
    history = [("2026-06-01", 9), ("2026-06-02", 4), ("2026-06-03", 0)]
    text = get_reporter("html").render(report, history=history)
    svg = re.search(r"<svg class=\"trend\".*?</svg>", text, re.S)
    assert svg and "2026-06-01" in svg.group(0) and "2026-06-03" in svg.group(0)
    points = re.search(r'<polyline points="([^"]+)"', svg.group(0)).group(1).split()
    ys = [float(p.split(",")[1]) for p in points]
    assert len(ys) == 3 and ys[0] < ys[1] < ys[2]  # more failures is higher up (smaller y)
    assert "<svg" not in get_reporter("html").render(report)  # no history: no trend


def test_everything_is_escaped(report: Report):
    data = report.to_dict()
    failure = next(r for r in data["results"] if r["status"] == "fail")
    failure["message"] = '<script>alert("x")</script> & <img src=x>'
    failure["evidence"] = {"<b>key</b>": ["<i>", 1]}
    waived = next(r for r in data["results"] if r["waiver"])
    waived["waiver"]["until"] = "2027-01-31"
    waived["waiver"]["by"] = "Ops <ops@example.com>"
    text = get_reporter("html").render(Report.from_json(json.dumps(data)))
    assert "<script" not in text and "<img" not in text and "<b>key" not in text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;img src=x&gt;" in text
    assert "&lt;b&gt;key&lt;/b&gt;" in text
    waivers = squash(Page(text).sections["waivers"])
    assert "Ops <ops@example.com> 2027-01-31" in waivers


def test_page_is_self_contained(page: str, report: Report):
    parsed = Page(page)
    assert not [tag for tag, _ in parsed.tags if tag in ("script", "link", "iframe", "object", "embed", "img")]
    allowed = {link for rule in load_rules().rules for link in rule.links}
    for tag, attributes in parsed.tags:
        for name in ("src", "srcset", "data", "action", "poster"):
            assert name not in attributes, (tag, attributes)
        href = attributes.get("href")
        if href is not None:  # a rule's own links, or anchors inside the page
            assert tag == "a" and (href in allowed or re.fullmatch(r"#[\w-]+", href)), (tag, href)
    assert not re.search(r"@import|url\(|@font-face", page)


def test_the_command_line_writes_the_page(project: Path, tmp_path: Path):
    out = tmp_path / "report.html"
    done = preflight("scan", str(project), "-f", "html", "-o", str(out))
    assert done.returncode == 1, done.stderr  # failures found
    assert done.stdout == "" and out.read_text().startswith("<!DOCTYPE html>")


def test_template_is_found_next_to_the_package():
    from checker.reporters.html import TEMPLATE, reports_dir

    assert (reports_dir() / TEMPLATE).is_file()


# --- a real browser draws it ------------------------------------------------------------------------


def png_rows(data: bytes, limit: int) -> tuple[int, int, list[bytes]]:
    """Width, height and the first `limit` unfiltered rows of an 8-bit RGB or RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, idat, header = 8, b"", b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind, body = data[offset + 4:offset + 8], data[offset + 8:offset + 8 + length]
        offset += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), (depth, colour)
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    rows, previous = [], bytes(stride)
    for y in range(min(limit, height)):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - bpp] if x >= bpp else 0
            up, corner = previous[x], previous[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, rows


@pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"{CHROMIUM} is not installed (Debian package chromium)")
def test_headless_chromium_draws_the_page(page: str, tmp_path: Path):
    report_file = tmp_path / "report.html"
    report_file.write_text(page, encoding="utf-8")
    shot = tmp_path / "shot.png"
    done = subprocess.run(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1280,2000",
            "--enable-logging=stderr", "--v=0", report_file.as_uri(),
        ],
        capture_output=True, text=True, timeout=60,
    )
    assert shot.is_file() and shot.stat().st_size > 0, done.stderr[-2000:]
    page_errors = [line for line in done.stderr.splitlines() if "Uncaught" in line or ":CONSOLE(" in line]
    assert page_errors == []
    width, height, rows = png_rows(shot.read_bytes(), limit=400)
    assert (width, height) == (1280, 2000)
    pixels = {row[i:i + 3] for row in rows for i in range(0, len(row), len(row) // width)}
    assert len(pixels) > 20, "the screenshot is blank"
    header = rows[10]
    step = len(header) // width
    assert header[40 * step:40 * step + 3] == bytes.fromhex("101828")  # the dark header band was painted


def test_waived_exception_shows_its_approver_and_expiry_under_the_control(report: Report):
    data = report.to_dict()
    waived = next(r for r in data["results"] if r["waiver"] and r["rule_id"] == "SEC-001")
    waived["waiver"].update(by="Ana Audit <ana@example.com>", until="2027-01-31")
    text = get_reporter("html").render(Report.from_json(json.dumps(data)), framework="soc2")
    cc61 = squash(Page(text).details["CC6.1"])
    assert "exceptions" in cc61.split()
    exceptions = cc61.split("Open exceptions:")[1]
    assert re.search(r"waived SEC-001 \S*\.env:4:1 \(DB_PASSWORD\) .*waived \(inline\): rotated at deploy time by the "
                     r"vault agent; approved by Ana Audit <ana@example.com>, expires 2027-01-31", exceptions)
