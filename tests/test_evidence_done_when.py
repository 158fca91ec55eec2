"""Issue #16 done-when for the bundle: `evidence examples/deploy --framework soc2 -f pdf`, signed, as an auditor gets it.

Every failure has its record, every passing rule a population summary (N examined, N passed, which,
each file with the SHA-256 it had), no GDPR anywhere, no skip rows, `verify` passes with the trusted
key and a flipped byte anywhere (the PDF included) fails it. The PDF is turned into pixels and text.
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from checker.engine.frameworks import catalog
from checker.evidence.records import PRINTED, digest_of
from helpers import ROOT, preflight
from reporters.pages import ink, needs_chromium, needs_pdftoppm, pdf_pages

DEPLOY = ROOT / "examples" / "deploy"
pytestmark = [needs_chromium, needs_pdftoppm]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(bundle, public key): built once with the real command line."""
    root = tmp_path_factory.mktemp("done-when")
    keys = preflight("keygen", "-o", str(root / "signer"))
    assert keys.returncode == 0, keys.stderr
    done = preflight("evidence", "examples/deploy", "--framework", "soc2", "-f", "pdf", "-o", str(root / "bundle"),
                     "--sign", str(root / "signer.key"))
    assert done.returncode == 0, done.stderr
    return root / "bundle", root / "signer.pub"


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_every_failure_has_its_record_with_the_file_hash(bundle: tuple[Path, Path]):
    out, _ = bundle
    report = load(out / "report.json")
    failures = [r for r in report["results"] if r["status"] in ("fail", "error")]
    assert len(failures) >= 5  # examples/deploy has 8 deliberate failures after issue 14
    records = [load(p) for p in (out / "evidence" / "results").glob("*.json")]
    for failure in failures:
        (record,) = [r for r in records if r["rule_id"] == failure["rule_id"] and r["message"] == failure["message"]
                     and r["verdict"] == failure["status"]]
        assert record["expectation"]["title"] == failure["title"] and re.fullmatch(r"[0-9a-f]{64}", record["rule_sha256"])
        assert record["scan_started_at"] == report["started_at"] and record["observed"] == failure["observed"]
        location = failure["location"] or {}
        if location.get("file"):
            examined = record["examined"]
            assert examined["file"] == location["file"]
            assert examined["sha256"] == hashlib.sha256((ROOT / location["file"]).read_bytes()).hexdigest()
            assert examined.get("object") == location.get("object")


def test_every_passing_rule_has_a_population_summary(bundle: tuple[Path, Path]):
    out, _ = bundle
    results = load(out / "report.json")["results"]
    passing = {r["rule_id"] for r in results if r["status"] == "pass"}
    populations = {p.stem: load(p) for p in (out / "evidence" / "passes").glob("*.json")}
    assert set(populations) == passing
    for rule_id, body in populations.items():
        judged = [r for r in results if r["rule_id"] == rule_id and r["status"] != "skip"]
        passed = [r for r in judged if r["status"] == "pass"]
        assert body["population"] == {"examined": len(judged), "passed": len(passed)}
        assert sorted(i["target"] for i in body["items"]) == sorted(r["target"] for r in passed)
    sec003 = populations["SEC-003"]["items"]  # one .env file of the example, with its hash at scan time
    env = next(i for i in sec003 if i.get("file", "").endswith(".env.production"))
    assert env["sha256"] == hashlib.sha256((DEPLOY / ".env.production").read_bytes()).hexdigest()


def test_scope_lists_what_was_in_scope_and_what_not(bundle: tuple[Path, Path]):
    out, _ = bundle
    scope = load(out / "scope.json")
    files = {f["file"]: f["sha256"] for f in scope["in_scope"]["files"]}
    assert "examples/deploy/docker-compose.yml" in files and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in files.values())
    not_applicable = {n["rule"]: n["why"] for n in scope["not_applicable"]}
    assert "BAK-100" in not_applicable and not_applicable["BAK-100"] == ["no Kubernetes database workload in scope"]
    assert not set(not_applicable) & set(scope["in_scope"]["rules"])
    assert [c["id"] for c in scope["controls"]] == [c.id for c in catalog("soc2").controls]
    status = {c["id"]: c["status"] for c in scope["controls"]}
    assert scope["gaps"] == [c for c, s in status.items() if s == "gap"] and "CC7.4" in scope["gaps"]
    assert status["CC6.6"] == "exceptions" and status["A1.3"] == "operating"


def test_the_page_shows_soc2_only_and_no_skip_rows(bundle: tuple[Path, Path]):
    out, _ = bundle
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "GDPR" not in page and "General Data Protection" not in page and "Art. 32" not in page
    controls = page[page.index('<section id="controls-summary">'):page.index('<section id="failures">')]
    assert controls.count('<tr class="control') == len(catalog("soc2").controls)
    assert "b-skip" not in controls and not re.search(r">\s*skip\b", controls)
    assert "Not applicable to this scope:" in controls
    for link in re.findall(r'href="(evidence/[^"]+)"', controls):  # relative links into the bundle resolve
        assert (out / link).is_file(), link


def test_verify_passes_and_one_flipped_byte_fails(bundle: tuple[Path, Path], tmp_path: Path):
    out, key = bundle
    ok = preflight("verify", str(out), "--public-key", str(key))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    for name in (PRINTED, "evidence/passes/SEC-003.json", "scope.json"):
        copy = Path(shutil.copytree(out, tmp_path / name.replace("/", "_")))
        data = bytearray((copy / name).read_bytes())
        data[len(data) // 2] ^= 0x01
        (copy / name).write_bytes(bytes(data))
        bad = preflight("verify", str(copy), "--public-key", str(key))
        assert bad.returncode == 1 and f"changed: {name}" in bad.stdout, bad.stdout


def test_the_pdf_has_a_cover_a_controls_table_and_each_control(bundle: tuple[Path, Path], tmp_path: Path):
    out, key = bundle
    pages = pdf_pages(out / PRINTED, tmp_path / "png")
    assert len(pages) >= 4 and all(ink(p) > 0.002 for p in pages), [round(ink(p), 4) for p in pages]
    text = subprocess.run(["pdftotext", "-layout", str(out / PRINTED), "-"], capture_output=True, text=True,
                          check=True).stdout.split("\f")
    cover, rest = text[0], "\n".join(text[1:])
    listed = {f["path"]: f["sha256"] for f in load(out / "manifest.json")["files"]}
    assert PRINTED in listed  # the PDF is covered by the manifest and its signature ...
    assert digest_of(listed) in cover  # ... and its cover names the digest of everything else
    fingerprint = preflight("verify", str(out), "--public-key", str(key)).stdout.split("signature by ")[1].strip()
    assert fingerprint in cover and "examples/deploy" in cover and "Bundle hash" in cover
    assert "Controls" in text[1] and "CC6.1" in text[1]
    for control in catalog("soc2").controls:
        assert control.title in rest
    assert "General Data Protection" not in "\n".join(text)
