"""checker/reporters/pdf.py: real headless Chromium prints, pages become pixels, and nothing reaches the network."""
from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from checker.reporters.pdf import PdfError, html_to_pdf, with_csp
from pages import ink, needs_chromium, needs_pdftoppm, pdf_pages

THREE_PAGES = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>t</title>
<style>@page { size: A4; margin: 15mm } h1 { font-size: 40px } .page { break-after: page; }
.block { height: 300px; background: #101828; }</style></head><body>
<div class="page"><h1>Cover</h1><div class="block"></div></div>
<div class="page"><h1>Controls</h1><div class="block"></div></div>
<div><h1>Evidence</h1><div class="block"></div></div>
</body></html>"""


@needs_chromium
@needs_pdftoppm
def test_page_breaks_become_pages_with_ink_on_each(tmp_path: Path):
    pdf = tmp_path / "out" / "report.pdf"
    html_to_pdf(THREE_PAGES, pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    pages = pdf_pages(pdf, tmp_path / "png")
    assert len(pages) == 3
    width, height, _ = pages[0]
    assert abs(height / width - 297 / 210) < 0.02  # A4 portrait, from the page's own @page
    assert all(0.05 < ink(page) < 0.6 for page in pages), [ink(p) for p in pages]


class CountingListener:
    """A TCP listener on 127.0.0.1 that counts the connections it accepts."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()


@needs_chromium
def test_the_page_cannot_reach_the_network_or_local_files(tmp_path: Path):
    listener = CountingListener()
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not really a png")
    url = f"http://127.0.0.1:{listener.port}"
    hostile = f"""<html><head><link rel="stylesheet" href="{url}/a.css">
    <script>fetch("{url}/script"); document.write("SCRIPT RAN")</script></head><body>
    <img src="{url}/img.png"><img src="{secret.as_uri()}"><iframe src="{url}/frame"></iframe>
    <img src="http://localhost:{listener.port}/by-name.png"><p>body</p></body></html>"""
    try:
        html_to_pdf(hostile, tmp_path / "hostile.pdf", timeout=60)
    finally:
        listener.close()
    assert listener.accepted == 0
    assert (tmp_path / "hostile.pdf").read_bytes().startswith(b"%PDF")


def test_csp_goes_first_in_head_even_without_a_head():
    assert with_csp("<html><HEAD lang=x><title>t</title></head></html>").index("Content-Security-Policy") < \
        with_csp("<html><HEAD lang=x><title>t</title></head></html>").index("<title>")
    assert "default-src 'none'" in with_csp("<p>bare</p>")


@needs_chromium
def test_a_timeout_is_a_pdf_error_and_leaves_no_file(tmp_path: Path):
    with pytest.raises(PdfError, match="did not finish"):
        html_to_pdf(THREE_PAGES, tmp_path / "late.pdf", timeout=0.05)
    assert not (tmp_path / "late.pdf").exists()
