"""The period report as a PDF (-f pdf, headless Chromium): a cover, the controls summary, one page
per control; listed in the signed manifest, so `verify` covers it."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from _timeline import make_bundles
from checker.cli import main
from reporters.pages import ink, needs_chromium, needs_pdftoppm, pdf_pages

PDFTOTEXT = shutil.which("pdftotext")


@needs_chromium
@needs_pdftoppm
@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext is not installed (Debian package poppler-utils)")
def test_period_report_pdf_has_a_cover_a_summary_and_a_page_per_control(tmp_path: Path) -> None:
    store = str(tmp_path / "h.sqlite")
    _, key, public = make_bundles(tmp_path, history=store)
    out = tmp_path / "june"
    assert main(["history", "report", "--framework", "soc2", "--since", "2026-06-01", "--until", "2026-06-30",
                 "-o", str(out), "--sign", str(key), "--history", store, "-f", "pdf",
                 "--now", "2026-07-01T08:00:00Z"]) == 0
    assert main(["verify", str(out), "--public-key", str(public)]) == 0
    assert '"path":"report.pdf"' in (out / "manifest.json").read_text(encoding="utf-8")
    pages = pdf_pages(out / "report.pdf", tmp_path / "png")
    texts = [subprocess.run([PDFTOTEXT, "-f", str(n), "-l", str(n), "-layout", str(out / "report.pdf"), "-"],
                            capture_output=True, text=True, check=True).stdout for n in range(1, len(pages) + 1)]
    flat = ["".join(text.split()) for text in texts]  # pdftotext wraps lines where the page does
    cover, summary = flat[0], flat[1]
    assert "SOC2periodreport:2026-06-01to2026-06-30" in cover and "30runson27days" in cover
    assert "signedbySHA256:" in cover and "CC6.1" not in cover
    assert summary.startswith("Controls") and "CC6.1Logicalaccessexceptions3014" in summary
    (cc71,) = [n for n, t in enumerate(flat) if t.startswith("CC7.1Configurationandvulnerabilitymonitoringexceptions")]
    assert "Dayswithexceptions(5):2026-06-08,2026-06-09,2026-06-12,2026-06-17,2026-06-18" in flat[cc71]
    assert ".env.productionDEBUG" in flat[cc71] and "(+4" in flat[cc71]  # the table cells wrap: see the JSON tests
    (cc61,) = [n for n, t in enumerate(flat) if t.startswith("CC6.1Logicalaccesssecurityexceptions")]
    assert cc61 < cc71 and "Dayswithexceptions(14)" in flat[cc61] and "open" in flat[cc61]
    assert any(t.startswith("Waiversinuse") and "JaneDoe" in t for t in flat)
    assert 6 <= len(pages) <= 12, len(pages)  # cover, summary, trend and coverage, tested controls, waivers, runs
    assert all(ink(page) > 0.002 for page in pages)
