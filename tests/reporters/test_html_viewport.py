"""The HTML report in real headless Chromium at a desktop width (1400 px) and a phone's (390 px, mobile emulation).

Measured in the DOM over the DevTools protocol: nothing wider than the viewport outside the
tables' own scroll boxes, the navigation and the trend line visible, and a screenshot that is not blank.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from checker.api import scan_paths
from checker.reporters import get as get_reporter
from helpers import ROOT, TODAY
from reporters.pages import needs_chromium

pytestmark = needs_chromium

HISTORY = [("2026-06-01", 14), ("2026-06-08", 11), ("2026-06-15", 13), ("2026-06-22", 6), ("2026-06-29", 2)]
# elements sticking out of the viewport, except inside a .scroll box (wide tables scroll on their own)
OVERFLOWING = """JSON.stringify([...document.querySelectorAll('body *')]
  .filter(e => !(e.parentElement && e.parentElement.closest('.scroll')))
  .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && (r.right > innerWidth + 1 || r.left < -1); })
  .map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').trim().slice(0, 40)))"""


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    report = scan_paths([str(ROOT / "examples" / "deploy")], today=TODAY)
    path = tmp_path_factory.mktemp("viewport") / "report.html"
    path.write_text(get_reporter("html").render(report, framework="soc2", history=HISTORY), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser():
    from reporters.browser import Browser

    opened = Browser()
    yield opened
    opened.close()


@pytest.mark.parametrize(("width", "height", "mobile"), [(1400, 900, False), (390, 844, True)])
def test_no_horizontal_overflow(browser, page: Path, tmp_path: Path, width: int, height: int, mobile: bool):
    browser.open(page, width, height, mobile)
    assert browser.evaluate("innerWidth") == width  # a wider layout viewport would mean the page forced a zoom-out
    assert browser.evaluate("document.documentElement.scrollWidth") <= width
    assert browser.evaluate(OVERFLOWING) == "[]"
    nav = browser.evaluate("JSON.stringify([...document.querySelectorAll('nav.toc a')].map(a => a.getBoundingClientRect().right))")
    assert nav != "[]" and all(0 < float(x) <= width for x in nav.strip("[]").split(","))
    trend = browser.evaluate("document.querySelector('svg.trend').getBoundingClientRect().width")
    assert 200 < trend <= min(width, 640)
    shot = tmp_path / f"report-{width}.png"
    browser.screenshot(shot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000  # drawn, not blank


def test_the_page_fits_the_phone_without_the_wrapping_rule(browser, page: Path, tmp_path: Path):
    """Long rule links and the rules hash once pushed a phone's layout to 667 px wide."""
    narrowed = tmp_path / "no-wrap.html"
    text = page.read_text(encoding="utf-8").replace("overflow-wrap: anywhere", "overflow-wrap: normal")
    narrowed.write_text(text, encoding="utf-8")
    browser.open(narrowed, 390, 844, True)
    assert browser.evaluate("innerWidth") > 390  # the test can see the defect ...
    browser.open(page, 390, 844, True)
    assert browser.evaluate("innerWidth") == 390  # ... and the page has not got it
