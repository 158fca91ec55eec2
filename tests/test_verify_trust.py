"""`verify` is tamper-evident only against a trusted key, and never hangs or crashes on a crafted bundle
(issue 12, items 8 and 10)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from checker.evidence import signing
from helpers import preflight


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(signed bundle, the signer's public key), built once with the real command line."""
    root = tmp_path_factory.mktemp("verify")
    project = root / "proj"
    project.mkdir()
    (project / ".env.production").write_text("DEBUG=true\nSECRET_KEY=changeme\n")
    (project / ".preflight").mkdir()  # an attestation: the bundle gets an attestations/ folder
    (project / ".preflight" / "attestations.yaml").write_text(
        "attestations:\n  - rule: BAK-020\n    by: Jo <jo@example.com>\n    date: 2026-11-14\n    evidence: restore.md\n")
    (project / "restore.md").write_text("Restored in 14 minutes.\n")
    assert preflight("keygen", "-o", str(root / "ci")).returncode == 0
    done = preflight("evidence", str(project), "--framework", "soc2", "-o", str(root / "bundle"),
                     "--sign", str(root / "ci.key"))
    assert done.returncode == 0, done.stderr
    return root / "bundle", root / "ci.pub"


@pytest.fixture()
def bundle(made: tuple[Path, Path], tmp_path: Path) -> Path:
    return Path(shutil.copytree(made[0], tmp_path / "bundle", symlinks=True))


def _verify(bundle: Path, *args: str) -> tuple[int, str]:
    done = preflight("verify", str(bundle), *args)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout


def _resign(bundle: Path, tmp_path: Path) -> None:
    """What a forger does: edit, rebuild the manifest, sign with a key of their own and put that key beside it."""
    from checker.evidence import manifest

    (bundle / "scope.json").write_text('{"framework": "soc2", "paths": ["nothing to see"]}\n')
    raw = manifest.build_manifest(bundle)
    (bundle / "manifest.json").write_bytes(raw)
    assert preflight("keygen", "-o", str(tmp_path / "forger")).returncode == 0
    key = signing.load_private(tmp_path / "forger.key")
    (bundle / "manifest.sig").write_bytes(signing.sign(key, raw))
    (bundle / "signer.pub").write_bytes(signing.public_pem(key.public_key()))


def test_a_re_signed_forgery_is_not_authenticated_without_a_trusted_key(bundle: Path, made: tuple[Path, Path],
                                                                        tmp_path: Path) -> None:
    _resign(bundle, tmp_path)
    code, out = _verify(bundle)
    assert code == 3 and "not authenticated" in out
    code, out = _verify(bundle, "--public-key", str(made[1]))
    assert code == 1 and "bad signature: manifest.sig" in out


def test_a_stripped_signature_fails(bundle: Path, made: tuple[Path, Path]) -> None:
    (bundle / "manifest.sig").unlink()
    (bundle / "signer.pub").unlink()
    assert _verify(bundle)[0] == 3  # looks unsigned: still not a pass
    code, out = _verify(bundle, "--public-key", str(made[1]))
    assert code == 1 and "removed: manifest.sig" in out


def test_a_fingerprint_pinned_in_the_named_config_authenticates(bundle: Path, made: tuple[Path, Path],
                                                                tmp_path: Path) -> None:
    pinned = signing.fingerprint(signing.load_public(made[1]))
    config = tmp_path / "auditor.yaml"
    config.write_text(f"trusted_signers: ['{pinned}']\n")
    code, out = _verify(bundle, "--config", str(config))
    assert code == 0 and f"pinned in {config}" in out
    _resign(bundle, tmp_path)
    code, out = _verify(bundle, "--config", str(config))
    assert code == 1 and "untrusted signer" in out
    # the same pin in a .preflight.yaml merely found in the working folder pins nothing
    found = tmp_path / "cwd"
    found.mkdir()
    (found / ".preflight.yaml").write_text(f"trusted_signers: ['{pinned}']\n")
    assert preflight("verify", str(made[0]), cwd=found).returncode == 3


def _fifo(path: Path) -> None:
    os.mkfifo(path)


CRAFTED = {
    "listed file is a link to a FIFO": lambda b, o: (b / "report.json").unlink() or _fifo(o / "fifo")
                                                     or (b / "report.json").symlink_to(o / "fifo"),
    "listed file is a link to a folder": lambda b, o: (b / "report.json").unlink() or (b / "report.json").symlink_to(o),
    "listed file is a dangling link": lambda b, o: (b / "report.json").unlink()
                                                   or (b / "report.json").symlink_to(o / "nowhere"),
    "an added FIFO": lambda b, o: _fifo(b / "evidence-pipe"),
    "listed file is a link to an identical copy outside": lambda b, o: shutil.move(b / "report.json", o / "copy.json")
                                                                       and (b / "report.json").symlink_to(o / "copy.json"),
    "listed file is a FIFO": lambda b, o: (b / "scope.json").unlink() or _fifo(b / "scope.json"),
    "manifest is a FIFO": lambda b, o: (b / "manifest.json").unlink() or _fifo(b / "manifest.json"),
    "signature is a link to a FIFO": lambda b, o: (b / "manifest.sig").unlink() or _fifo(o / "sig")
                                                  or (b / "manifest.sig").symlink_to(o / "sig"),
    "a listed file's folder is a link": lambda b, o: shutil.move(b / "attestations", o / "attestations")
                                                     and (b / "attestations").symlink_to(o / "attestations"),
}


@pytest.mark.parametrize("case", list(CRAFTED))
def test_crafted_bundles_fail_with_a_line_never_hang(case: str, bundle: Path, made: tuple[Path, Path],
                                                     tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    assert (bundle / "attestations").is_dir()
    CRAFTED[case](bundle, outside)
    for args in ((), ("--public-key", str(made[1]))):
        code, out = _verify(bundle, *args)  # helpers.preflight times out after 120 s: a hang fails the test
        assert code == 1, (case, out)
        assert "not a regular file: " in out, (case, out)


def test_a_bundle_file_name_cannot_send_control_sequences_to_the_terminal(bundle: Path, made: tuple[Path, Path]) -> None:
    (bundle / "evil\x1b]0;owned\x07\x1b[2Jname").write_text("x")  # an OSC title and a clear-screen in a file name
    code, out = _verify(bundle, "--public-key", str(made[1]))
    assert code == 1
    assert "added: evil\\x1b]0;owned\\x07\\x1b[2Jname" in out and "\x1b" not in out and "\x07" not in out
