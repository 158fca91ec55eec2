"""HTML to PDF with headless Chromium's print-to-PDF, offline and sandboxed from the network.

Why Chromium and not WeasyPrint: Chromium is already a test dependency (the HTML
report is checked in it), it draws the page exactly as the auditor's browser
does, so the HTML and the PDF come from one template with one CSS engine
(WeasyPrint lacks `<details>`, flex/grid gaps and several selectors the page
uses), and it needs no new PyPI package nor Pango stack.

The HTML comes from scanned values (autoescaped, but still untrusted), so the
browser is fenced in three ways:
- a Content-Security-Policy is put first in <head>: `default-src 'none'`,
  inline styles only, images and fonts only from `data:` — no http(s), no
  `file:` sub-resources, no frames, no scripts (`--blink-settings=scriptEnabled=false`
  would be simpler, but headless Chromium then never prints);
- every host name resolves to nothing (`--host-resolver-rules`) and every request goes to a
  proxy on a closed port (`--proxy-server`, loopback included), so even a
  navigation cannot leave the machine;
- a fresh profile in a temporary folder, deleted afterwards; `--no-sandbox`
  only when running as root, where Chromium's sandbox refuses to start.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from checker import safe_write

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
       "script-src 'none'; frame-src 'none'; form-action 'none'; base-uri 'none'")
_HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)


class PdfError(RuntimeError):
    """The PDF could not be made: no browser, a timeout, or the browser failed."""


def find_chromium() -> str:
    override = os.environ.get("PREFLIGHT_CHROMIUM")
    for candidate in ((override,) if override else CHROMIUM_CANDIDATES):
        found = shutil.which(candidate)
        if found:
            return found
    raise PdfError("no Chromium found for -f pdf (install the Debian package chromium, or set PREFLIGHT_CHROMIUM)")


def with_csp(html: str) -> str:
    """The page with the no-network Content-Security-Policy as the first element of <head>."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
    match = _HEAD.search(html)
    if match is None:
        return f"<!DOCTYPE html><html><head>{meta}</head><body>{html}</body></html>"
    return html[:match.end()] + meta + html[match.end():]


def chromium_args(browser: str, profile: Path, page: Path, destination: Path) -> list[str]:
    args = [
        browser, "--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
        "--disable-default-apps", "--disable-quic", "--disable-features=Translate,MediaRouter,OptimizationHints",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
        f"--user-data-dir={profile}", "--no-pdf-header-footer", f"--print-to-pdf={destination}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium's sandbox will not start as root
    return args + [page.as_uri()]


def html_to_pdf(html: str, destination: Path, *, timeout: float = 60) -> None:
    """Print `html` (one self-contained page) to `destination` as PDF; raises PdfError on any failure.

    Pagination, page size and margins come from the page's own `@page` CSS.
    """
    browser = find_chromium()
    destination = Path(destination)
    with tempfile.TemporaryDirectory(prefix="preflight-pdf-") as work:
        folder = Path(work)
        page = folder / "page.html"
        page.write_text(with_csp(html), encoding="utf-8")
        printed = folder / "out.pdf"  # written here first: the destination never holds half a PDF
        process = subprocess.Popen(
            chromium_args(browser, folder / "profile", page, printed), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        )
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            raise PdfError(f"Chromium did not finish the PDF within {timeout:g} s") from None
        finally:
            _kill_group(process)  # helpers (zygote, GPU) that outlive the browser
        if not printed.is_file() or printed.stat().st_size == 0 or not printed.read_bytes().startswith(b"%PDF"):
            tail = stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise PdfError(f"Chromium wrote no PDF (exit {process.returncode}): {' | '.join(tail)}")
        data = printed.read_bytes()
    safe_write.make_folder(destination.parent)
    safe_write.write_bytes(destination, data)  # never through a planted link (checker/safe_write.py)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if process.poll() is None:
        process.wait(timeout=10)
