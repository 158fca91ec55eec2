"""Write a period report folder, signed like an evidence bundle, so `preflight verify` checks it.

    DIR/
      report.json     the period report (period.py) with the store, chain head, tool and generation time
      report.html     the same, for reading (reports/history.html.j2); report.pdf with -f pdf
      manifest.json   every file's SHA-256 (evidence/manifest.py, the bundle format)
      manifest.sig, signer.pub
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from checker import safe_write
from checker.engine.redact import mask_data
from checker.errors import UsageError
from checker.evidence import manifest, signing
from checker.evidence.build import check_output

FORMAT = "preflight-period-report"


def trend_svg(points: Sequence[dict[str, Any]]) -> str:
    """The inline SVG line of failures per run (reporters/trend.py, the scan report's too)."""
    from checker.reporters.trend import trend_svg as draw

    return draw([(p["scanned_at"], p["failures"]) for p in points]) or "<p>No runs in the period.</p>"


def render_html(report: dict[str, Any]) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from checker.reporters.html import reports_dir

    env = Environment(loader=FileSystemLoader(str(reports_dir())), autoescape=True, undefined=StrictUndefined)
    return env.get_template("history.html.j2").render(r=report, trend_svg=trend_svg(report["trend"]))


def write(output: Path, report: dict[str, Any], key: Ed25519PrivateKey, formats: Sequence[str]) -> list[str]:
    """Write the folder; returns the files written. `formats`: json and html always, pdf when asked."""
    check_output(output, [])
    if "pdf" in formats:
        try:
            from checker.reporters import pdf  # issue 16 item 4: headless Chromium
        except ImportError:
            raise UsageError("-f pdf: this version has no PDF renderer (checker/reporters/pdf.py)") from None
    safe_write.make_folder(output)
    report = mask_data(report)
    html = render_html(report)
    _write(output / "report.json", (json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    _write(output / "report.html", html.encode("utf-8"))
    if "pdf" in formats:
        pdf.html_to_pdf(html, output / "report.pdf")
    raw = manifest.build_manifest(output, [f"{FORMAT}: built from {len(report['built_from'])} recorded runs"])
    _write(output / manifest.MANIFEST, raw)
    _write(output / manifest.SIGNATURE, signing.sign(key, raw))
    _write(output / manifest.SIGNER, signing.public_pem(key.public_key()))
    return manifest.bundle_files(output)


def _write(path: Path, data: bytes) -> None:
    safe_write.write_bytes(path, data, exclusive=True)
