"""PDF pages as pixels, by poppler's `pdftoppm` (Debian poppler-utils): for asserting what a PDF shows."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

PDFTOPPM = shutil.which("pdftoppm")
needs_pdftoppm = pytest.mark.skipif(PDFTOPPM is None, reason="pdftoppm is not installed (Debian package poppler-utils)")
needs_chromium = pytest.mark.skipif(shutil.which("/usr/bin/chromium") is None and shutil.which("chromium") is None,
                                    reason="chromium is not installed (Debian package chromium)")


def read_pgm(path: Path) -> tuple[int, int, bytes]:
    """Width, height and the grey bytes of a binary PGM (P5, 8 bit) as pdftoppm -gray writes it."""
    data = path.read_bytes()
    fields: list[bytes] = []
    at = 0
    while len(fields) < 4:  # magic, width, height, maxval; separated by whitespace
        while data[at:at + 1].isspace():
            at += 1
        end = at
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[at:end])
        at = end
    assert fields[0] == b"P5" and fields[3] == b"255", fields
    width, height = int(fields[1]), int(fields[2])
    return width, height, data[at + 1:at + 1 + width * height]


def pdf_pages(pdf: Path, out: Path, *, dpi: int = 40) -> list[tuple[int, int, bytes]]:
    """Each page of `pdf` as (width, height, grey pixels); PNGs of each page are left in `out` to look at."""
    out.mkdir(parents=True, exist_ok=True)
    assert PDFTOPPM is not None
    subprocess.run([PDFTOPPM, "-gray", "-r", str(dpi), str(pdf), str(out / "page")], check=True, timeout=120)
    subprocess.run([PDFTOPPM, "-png", "-r", "60", str(pdf), str(out / "page")], check=True, timeout=120)
    return [read_pgm(p) for p in sorted(out.glob("page-*.pgm"))]


def ink(page: tuple[int, int, bytes]) -> float:
    """The share of pixels that are not (nearly) white."""
    _, _, pixels = page
    return sum(1 for value in pixels if value < 200) / max(1, len(pixels))
