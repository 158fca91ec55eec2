"""Recording runs: only bundles that verify with a trusted key, never twice, never from the scanned tree's
own configuration, and no password of a PostgreSQL URL in any message."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any, Iterator

import pytest

from _timeline import make_bundles
from checker.cli import main
from checker.history.trend import load_trend


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("made")
    bundles, private, public = make_bundles(root)
    assert main(["keygen", "-o", str(root / "other")]) == 0
    return {"root": root, "bundles": bundles[:3], "key": private, "pub": public, "other": root / "other"}


def record(bundle: Path, store: Path | str, *keys: str, now: str | None = None) -> int:
    argv = ["history", "record", str(bundle), "--history", str(store)]
    for key in keys:
        argv += ["--public-key", key]
    return main(argv + (["--now", now] if now else []))


def runs_in(store: Path) -> int:
    with sqlite3.connect(store) as db:
        return int(db.execute("SELECT count(*) FROM preflight_runs").fetchone()[0])


def test_a_tampered_bundle_is_refused_and_nothing_is_recorded(made: dict[str, Any], tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "h.sqlite"
    assert record(made["bundles"][0], store, str(made["pub"])) == 0
    copy = tmp_path / "bundle"
    shutil.copytree(made["bundles"][1], copy)
    report = json.loads((copy / "report.json").read_text(encoding="utf-8"))
    report["results"] = [r for r in report["results"] if r["status"] != "fail"]  # hide the failures
    (copy / "report.json").write_text(json.dumps(report), encoding="utf-8")
    capsys.readouterr()
    assert record(copy, store, str(made["pub"])) == 1
    assert "not recorded, the bundle fails verification: changed: report.json" in capsys.readouterr().err
    assert runs_in(store) == 1


def test_unsigned_or_untrusted_bundles_are_refused_with_exit_3(made: dict[str, Any], tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "h.sqlite"
    bundle = made["bundles"][0]
    assert record(bundle, store) == 3  # no trusted key: verify's "not authenticated"
    assert record(bundle, store, f"{made['other']}.pub") == 3
    assert "no trusted key made its signature" in capsys.readouterr().err
    unsigned = tmp_path / "unsigned"
    shutil.copytree(bundle, unsigned)
    (unsigned / "manifest.sig").unlink()
    (unsigned / "signer.pub").unlink()
    assert record(unsigned, store, str(made["pub"])) == 3
    assert runs_in(store) == 0


def test_a_fingerprint_pinned_in_a_named_config_is_trusted(made: dict[str, Any], tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(made["bundles"][0]), "--public-key", str(made["pub"])]) == 0
    signer = capsys.readouterr().out.rsplit("signature by ", 1)[1].strip()
    config = tmp_path / "trust.yaml"
    config.write_text(f"trusted_signers: ['{signer}']\n", encoding="utf-8")
    store = tmp_path / "h.sqlite"
    assert main(["history", "record", str(made["bundles"][0]), "--history", str(store), "--config", str(config)]) == 0
    assert runs_in(store) == 1
    assert main(["history", "verify", "--history", str(store), "--config", str(config)]) == 0
    other = tmp_path / "other.yaml"
    other.write_text("trusted_signers: ['SHA256:" + "0" * 64 + "']\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["history", "verify", "--history", str(store), "--config", str(other)]) == 1
    assert "which is not a trusted key" in capsys.readouterr().out


def test_history_verify_without_a_trusted_key_is_not_authenticated(made: dict[str, Any], tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "h.sqlite"
    assert record(made["bundles"][0], store, str(made["pub"])) == 0
    capsys.readouterr()
    assert main(["history", "verify", "--history", str(store)]) == 3
    assert "not authenticated" in capsys.readouterr().out
    with sqlite3.connect(store) as db:  # a key swapped in by SQL: named even without a trusted key
        db.execute("DROP TRIGGER preflight_runs_no_update")
        db.execute("UPDATE preflight_runs SET signer_key = ?", (Path(f"{made['other']}.pub").read_bytes(),))
    assert main(["history", "verify", "--history", str(store)]) == 1
    assert "the stored signer key is not the key of the recorded signer" in capsys.readouterr().out


def test_the_same_bundle_is_never_recorded_twice(made: dict[str, Any], tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "h.sqlite"
    assert record(made["bundles"][0], store, str(made["pub"])) == 0
    assert record(made["bundles"][0], store, str(made["pub"])) == 2
    assert "is already recorded" in capsys.readouterr().err
    assert runs_in(store) == 1


def test_a_late_recording_shows_in_the_period_report(made: dict[str, Any], tmp_path: Path) -> None:
    store = tmp_path / "h.sqlite"
    assert record(made["bundles"][0], store, str(made["pub"]), now="2026-06-04T12:00:00Z") == 0  # scanned Jun 1
    out = tmp_path / "report"
    assert main(["history", "report", "--framework", "soc2", "--since", "2026-06-01", "--until", "2026-06-02",
                 "-o", str(out), "--sign", str(made["key"]), "--history", str(store)]) == 0
    (run,) = json.loads((out / "report.json").read_text(encoding="utf-8"))["runs"]
    assert (run["scanned_at"], run["recorded_at"], run["recorded_late_days"]) == \
        ("2026-06-01T09:00:00Z", "2026-06-04T12:00:00Z", 3)
    assert "3 days late" in (out / "report.html").read_text(encoding="utf-8")


def test_evidence_history_needs_a_signature_and_stays_out_of_the_scanned_tree(tmp_path: Path,
                                                                              capsys: pytest.CaptureFixture[str]) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / ".env.production").write_text("DEBUG=true\n", encoding="utf-8")
    assert main(["keygen", "-o", str(tmp_path / "k")]) == 0
    assert main(["evidence", str(tree), "--framework", "soc2", "-o", str(tmp_path / "b"),
                 "--history", str(tmp_path / "h.sqlite")]) == 2
    assert "--history records only signed bundles" in capsys.readouterr().err
    assert main(["evidence", str(tree), "--framework", "soc2", "-o", str(tmp_path / "b"), "--sign",
                 str(tmp_path / "k.key"), "--history", str(tree / "h.sqlite")]) == 2
    assert "inside a scanned path" in capsys.readouterr().err
    assert not (tree / "h.sqlite").exists() and not (tmp_path / "h.sqlite").exists()


def test_a_config_found_in_the_tree_cannot_name_a_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / ".env.production").write_text("DEBUG=true\n", encoding="utf-8")
    (tree / ".preflight.yaml").write_text(f"history: {tmp_path / 'planted.sqlite'}\n", encoding="utf-8")
    assert main(["keygen", "-o", str(tmp_path / "k")]) == 0
    monkeypatch.chdir(tree)
    main(["evidence", ".", "--framework", "soc2", "-o", str(tmp_path / "b"), "--sign", str(tmp_path / "k.key")])
    assert not (tmp_path / "planted.sqlite").exists()


def test_the_trend_series_reads_failures_per_run(made: dict[str, Any], tmp_path: Path) -> None:
    store = tmp_path / "h.sqlite"
    for bundle in made["bundles"]:
        assert record(bundle, store, str(made["pub"])) == 0
    from checker.evidence.signing import load_public

    points = load_trend(str(store), "soc2", since=dt.date(2026, 6, 2), trusted=[load_public(made["pub"])])
    assert [(p.day.isoformat(), p.failures) for p in points] == [("2026-06-02", 1), ("2026-06-03", 1)]
    assert load_trend(str(store), "gdpr") == []


@pytest.fixture(scope="module")
def postgres_port() -> Iterator[int]:
    from postgres_server import running_postgres

    with running_postgres() as port:
        yield port


def test_a_wrong_postgres_password_is_never_printed(made: dict[str, Any], postgres_port: int,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    secret = "Wr0ngButSecretPassw0rd"
    url = f"postgresql://postgres:{secret}@127.0.0.1:{postgres_port}/postgres?sslmode=disable"
    assert record(made["bundles"][0], url, str(made["pub"])) == 2
    assert main(["history", "verify", "--history", url]) == 2
    captured = capsys.readouterr()
    assert "cannot connect" in captured.err and ":****@127.0.0.1" in captured.err
    assert secret not in captured.out + captured.err and secret[2:8] not in captured.out + captured.err


def test_a_file_that_is_not_a_history_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    planted = tmp_path / "notes.txt"
    planted.write_text("not a database\n" * 100, encoding="utf-8")
    assert main(["history", "verify", "--history", str(planted)]) == 2
    assert f"{planted}: " in capsys.readouterr().err
    assert planted.read_text(encoding="utf-8") == "not a database\n" * 100
    assert main(["history", "verify", "--history", str(tmp_path / "missing.sqlite")]) == 2
    assert "no such history file" in capsys.readouterr().err and not (tmp_path / "missing.sqlite").exists()
