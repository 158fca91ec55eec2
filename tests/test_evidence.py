"""The auditor's evidence bundle: `preflight evidence`, `preflight verify`, `preflight keygen`."""
from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest

from checker.cli import main
from helpers import CORPUS, preflight

ATTESTATIONS = """\
attestations:
  - rule: BAK-020
    by: Jonas Berg <jonas.berg@example.com>
    date: 2026-11-14
    evidence: docs/restore.md
"""


def make_project(root: Path) -> Path:
    project = root / "proj"
    (project / ".preflight").mkdir(parents=True)
    (project / "docs").mkdir()
    (project / ".env.production").write_text("DEBUG=true\nSECRET_KEY=changeme\n")
    (project / ".preflight" / "attestations.yaml").write_text(ATTESTATIONS)
    (project / "docs" / "restore.md").write_text("Restored last night's dump into staging; 14 minutes.\n")
    return project


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(project, unsigned bundle, signed bundle): built once with the real CLI, copied per test."""
    root = tmp_path_factory.mktemp("evidence")
    project = make_project(root)
    keys = preflight("keygen", "-o", str(root / "signer"))
    assert keys.returncode == 0, keys.stderr
    plain = preflight("evidence", str(project), "--framework", "soc2", "-o", str(root / "plain"))
    assert plain.returncode == 0, plain.stderr
    signed = preflight("evidence", str(project), "--framework", "gdpr", "-o", str(root / "signed"),
                       "--sign", str(root / "signer.key"))
    assert signed.returncode == 0, signed.stderr
    return project, root / "plain", root / "signed"


@pytest.fixture()
def bundle(built: tuple[Path, Path, Path], tmp_path: Path) -> Path:
    return Path(shutil.copytree(built[1], tmp_path / "bundle"))


@pytest.fixture()
def signed(built: tuple[Path, Path, Path], tmp_path: Path) -> Path:
    return Path(shutil.copytree(built[2], tmp_path / "signed"))


def verify(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["verify", *args])
    return code, capsys.readouterr().out


def flip(path: Path, at: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    index = len(data) // 2 if at is None else at
    data[index] ^= 0x01
    path.write_bytes(bytes(data))


def test_bundle_layout(built: tuple[Path, Path, Path]) -> None:
    project, plain, _ = built
    files = {p.relative_to(plain).as_posix() for p in plain.rglob("*") if p.is_file()}
    assert {"report.json", "scope.json", "tool.json", "manifest.json"} <= files
    assert "attestations/.preflight/attestations.yaml" in files
    assert "attestations/docs/restore.md" in files
    evidence = [f for f in files if f.startswith("evidence/")]
    assert evidence and all(f.endswith(".json") for f in evidence)
    for name in evidence:
        record = json.loads((plain / name).read_text())
        if name.startswith("evidence/results/"):
            assert name == f"evidence/results/{record['rule_id']}-{record['fingerprint']}.json"
        else:
            assert name == f"evidence/passes/{record['rule_id']}.json" and record["verdict"] == "pass"
    report = json.loads((plain / "report.json").read_text())
    assert any(r["status"] == "fail" for r in report["results"])
    scope = json.loads((plain / "scope.json").read_text())
    assert scope["framework"] == "soc2" and scope["paths"] == [str(project)]
    a13 = next(c for c in scope["controls"] if c["id"] == "A1.3")
    assert "BAK-020" in a13["rules"]
    tool = json.loads((plain / "tool.json").read_text())
    assert tool["rules_sha256"] == report["tool"]["rules_sha256"] and tool["started_at"].endswith("Z")
    manifest = json.loads((plain / "manifest.json").read_text())
    paths = [f["path"] for f in manifest["files"]]
    assert paths == sorted(paths) and "manifest.json" not in paths and manifest["format_version"] == 1
    assert ("report.html" in files) != any("report.html" in note for note in manifest["notes"])
    assert not (project / "evidence").exists()  # nothing written into the scanned tree


def test_intact_unsigned_bundle_holds_but_is_not_authenticated(bundle: Path) -> None:
    result = preflight("verify", str(bundle))
    assert result.returncode == 3, result.stdout
    count = len(json.loads((bundle / "manifest.json").read_text())["files"])
    assert f"hashes intact: {count} files" in result.stdout
    assert "not authenticated: the bundle is not signed" in result.stdout


@pytest.mark.parametrize("kind", ["report.json", "evidence", "scope.json", "tool.json", "attestations", "manifest.json"])
def test_one_flipped_byte_is_named(bundle: Path, kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    if kind in ("evidence", "attestations"):
        name = next(p for p in sorted((bundle / kind).rglob("*")) if p.is_file()).relative_to(bundle).as_posix()
    else:
        name = kind
    flip(bundle / name)
    code, out = verify(capsys, str(bundle))
    assert code == 1
    assert f"changed: {name}" in out


def test_manifest_hash_edit_is_named(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (bundle / "manifest.json").read_text()
    digest = json.loads(text)["files"][0]["sha256"]
    (bundle / "manifest.json").write_text(text.replace(digest, "0" * 64))
    code, out = verify(capsys, str(bundle))
    assert code == 1 and "changed: manifest.json" in out


def test_added_and_removed_files(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (bundle / "evidence" / "extra.json").write_text("{}")
    report = bundle / "report.json"
    report.unlink()
    code, out = verify(capsys, str(bundle))
    assert code == 1
    assert "added: evidence/extra.json" in out and "removed: report.json" in out


def test_signed_bundle_verifies_against_the_trusted_key(built: tuple[Path, Path, Path], signed: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    code, out = verify(capsys, str(signed), "--public-key", str(built[0].parent / "signer.pub"))
    assert code == 0 and "--public-key" in out and "verified:" in out and "signature by SHA256:" in out
    # without a trusted key, the signer.pub beside the signature proves nothing: consistent, not authenticated
    result = preflight("verify", str(signed))
    assert result.returncode == 3, result.stdout
    assert "signature: consistent, checked against signer.pub" in result.stdout
    assert "not authenticated: signed by SHA256:" in result.stdout and "--public-key" in result.stdout


def test_signed_bundle_with_changed_file_fails(signed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flip(signed / "scope.json")
    code, out = verify(capsys, str(signed))
    assert code == 1 and "changed: scope.json" in out


def test_signature_by_another_key_fails(signed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keygen", "-o", str(tmp_path / "other")]) == 0
    from checker.evidence import signing

    other = signing.load_private(tmp_path / "other.key")
    (signed / "manifest.sig").write_bytes(signing.sign(other, (signed / "manifest.json").read_bytes()))
    capsys.readouterr()
    code, out = verify(capsys, str(signed))
    assert code == 1 and "bad signature: manifest.sig" in out
    # the other key's signature checks out against the other key, which is not the recorded signer.pub
    code, out = verify(capsys, str(signed), "--public-key", str(tmp_path / "other.pub"))
    assert code == 0


def test_public_key_mismatch_fails(signed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keygen", "-o", str(tmp_path / "other")]) == 0
    capsys.readouterr()
    code, out = verify(capsys, str(signed), "--public-key", str(tmp_path / "other.pub"))
    assert code == 1 and "bad signature: manifest.sig" in out and "--public-key" in out


def test_unsigned_bundle_with_public_key_fails(bundle: Path, built: tuple[Path, Path, Path],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, out = verify(capsys, str(bundle), "--public-key", str(built[0].parent / "signer.pub"))
    assert code == 1 and "manifest.sig" in out


def test_bundle_inside_the_scanned_tree_is_refused(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    result = preflight("evidence", str(project), "--framework", "soc2", "-o", str(project / "audit"))
    assert result.returncode == 2
    assert "inside the scanned path" in result.stderr
    assert not (project / "audit").exists()


def test_non_empty_output_is_refused(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "old.txt").write_text("x")
    assert main(["evidence", str(project), "--framework", "soc2", "-o", str(tmp_path / "out")]) == 2


def test_keygen_writes_private_key_0600_and_refuses_overwrite(tmp_path: Path) -> None:
    prefix = str(tmp_path / "k")
    assert main(["keygen", "-o", prefix]) == 0
    key = Path(prefix + ".key")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert Path(prefix + ".pub").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    before = key.read_bytes()
    assert main(["keygen", "-o", prefix]) == 2
    assert key.read_bytes() == before


FASTGPT = CORPUS / "fastgpt" / "deploy" / "docker"


@pytest.mark.skipif(not FASTGPT.is_dir(), reason="fastgpt corpus not present")
def test_fastgpt_bundle_verifies_and_names_any_changed_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "fastgpt-bundle"
    result = preflight("evidence", str(FASTGPT), "--framework", "soc2", "-o", str(out))
    assert result.returncode == 0, result.stderr
    code, text = verify(capsys, str(out))
    assert code == 3, text  # intact, unsigned
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert any(f.startswith("evidence/") for f in files)
    for name in files:
        original = (out / name).read_bytes()
        flip(out / name)
        code, text = verify(capsys, str(out))
        assert code == 1 and f"changed: {name}" in text, (name, text)
        (out / name).write_bytes(original)
    assert verify(capsys, str(out))[0] == 3
