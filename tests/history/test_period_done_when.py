"""Issue 16, done-when: thirty runs over simulated dates, recorded into SQLite and into a real
PostgreSQL, give a period report whose per-control exception days and ages are exact; tampering with
a stored row or with the report fails verification. The timeline is in _timeline.py."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any, Iterator

import pytest

from _timeline import make_bundles, moments, stamp
from checker.cli import main


def june(*days: int) -> list[str]:
    return [f"2026-06-{d:02d}" for d in days]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("history")
    sqlite_file = str(root / "history.sqlite")
    bundles, private, public = make_bundles(root, history=sqlite_file)
    return {"root": root, "sqlite": sqlite_file, "bundles": bundles, "key": private, "pub": public}


@pytest.fixture(scope="module")
def postgres_url(recorded: dict[str, Any]) -> Iterator[str]:
    from postgres_server import running_postgres

    with running_postgres() as port:
        url = f"postgresql://postgres:postgres@127.0.0.1:{port}/postgres"
        for bundle, moment in zip(recorded["bundles"], moments()):  # a bundle made elsewhere, recorded later
            assert main(["history", "record", str(bundle), "--history", url, "--public-key", str(recorded["pub"]),
                         "--now", stamp(moment)]) == 0
        yield url


def report(recorded: dict[str, Any], store: str, out: Path, since: str, until: str) -> dict[str, Any]:
    code = main(["history", "report", "--framework", "soc2", "--since", since, "--until", until, "-o", str(out),
                 "--sign", str(recorded["key"]), "--history", store, "--now", "2026-07-01T08:00:00Z"])
    assert code == 0
    data: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return data


def control(data: dict[str, Any], ident: str) -> dict[str, Any]:
    (found,) = [c for c in data["controls"] if c["id"] == ident]
    return found


def exceptions(entry: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(e["rule_id"], e["first_seen"], e["fixed"], e["age_days"], e["days_failing_in_period"],
             e["days_waived_in_period"]) for e in entry["exceptions"]]


def assert_june(data: dict[str, Any]) -> None:
    assert len(data["runs"]) == 30 and data["days_with_runs"] == 27
    assert data["coverage_gaps"] == [{"from": "2026-06-10", "to": "2026-06-11", "days": 2},
                                     {"from": "2026-06-20", "to": "2026-06-20", "days": 1}]
    cc61 = control(data, "CC6.1")
    assert cc61["status"] == "exceptions" and cc61["runs_tested"] == 30 and cc61["days_tested"] == 27
    assert cc61["exception_days"] == june(1, 2, 3, 4, 5, *range(22, 31)) and cc61["exception_day_count"] == 14
    assert exceptions(cc61) == [("SEC-001", "2026-06-01", "2026-06-05", 4, 5, 0),
                                ("SEC-001", "2026-06-22", None, 8, 9, 0)]
    assert [e["open"] for e in cc61["exceptions"]] == [False, True]
    assert cc61["exceptions"][0]["target"] == ".env.production POSTGRES_PASSWORD"
    cc71 = control(data, "CC7.1")
    assert cc71["exception_days"] == june(8, 9, 12, 17, 18)
    assert exceptions(cc71) == [("SEC-060", "2026-06-08", "2026-06-19", 11, 5, 4)]
    assert cc71["coverage_gaps"] == data["coverage_gaps"]
    (waiver,) = data["waivers"]
    assert (waiver["rule_id"], waiver["approver"], waiver["expires"], waiver["first_day"], waiver["last_day"],
            waiver["days_in_use"]) == ("SEC-060", "Jane Doe <jane@example.com>", "2026-06-16", "2026-06-13",
                                       "2026-06-16", 4)
    statuses = {c["id"]: c["status"] for c in data["controls"]}
    assert statuses["CC6.1"] == statuses["CC7.1"] == "exceptions"
    assert {s for i, s in statuses.items() if i not in ("CC6.1", "CC7.1")} <= {"gap", "not tested"}
    assert [p["failures"] for p in data["trend"]][:6] == [1, 1, 1, 1, 1, 0]  # Jun 1-5 09:00, then Jun 5 17:00
    assert data["simulated_clock_runs"] == list(range(1, 31))


def test_sqlite_period_report_is_exact(recorded: dict[str, Any], tmp_path: Path) -> None:
    data = report(recorded, recorded["sqlite"], tmp_path / "june", "2026-06-01", "2026-06-30")
    assert_june(data)
    assert data["built_from"] == [run["bundle_sha256"] for run in data["runs"]]
    assert main(["verify", str(tmp_path / "june"), "--public-key", str(recorded["pub"])]) == 0


def test_postgres_period_report_is_exact_and_equals_sqlite(recorded: dict[str, Any], postgres_url: str,
                                                           tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from_pg = report(recorded, postgres_url, tmp_path / "pg", "2026-06-01", "2026-06-30")
    assert_june(from_pg)
    assert from_pg["store"] == postgres_url.replace(":postgres@", ":****@")
    from_sqlite = report(recorded, recorded["sqlite"], tmp_path / "lite", "2026-06-01", "2026-06-30")
    for key in ("controls", "runs", "waivers", "trend", "coverage_gaps", "built_from", "chain_head"):
        assert from_pg[key] == from_sqlite[key], key  # same bundles, same clock: the same chain
    assert ":postgres@" not in capsys.readouterr().out


def test_each_bundle_recorded_with_history_draws_the_trend_so_far(recorded: dict[str, Any]) -> None:
    import re

    for n in (0, 5, 29):
        html = (recorded["bundles"][n] / "report.html").read_text(encoding="utf-8")
        (svg,) = re.findall(r'<svg class="trend".*?</svg>', html, re.S)
        assert len(re.findall(r"<circle ", svg)) == n + 1  # the runs recorded before it, and itself
    last = (recorded["bundles"][29] / "report.html").read_text(encoding="utf-8")
    assert "2026-06-05T17:00:00Z: 0" in last and "2026-06-30T09:00:00Z: 1" in last


def test_a_shorter_period_sees_exceptions_that_began_before_it(recorded: dict[str, Any], tmp_path: Path) -> None:
    data = report(recorded, recorded["sqlite"], tmp_path / "mid", "2026-06-03", "2026-06-24")
    cc61 = control(data, "CC6.1")
    assert cc61["exception_days"] == june(3, 4, 5, 22, 23, 24)
    assert exceptions(cc61) == [("SEC-001", "2026-06-01", "2026-06-05", 4, 3, 0),
                                ("SEC-001", "2026-06-22", None, 2, 3, 0)]
    assert [e["first_seen_before_period"] for e in cc61["exceptions"]] == [True, False]
    assert len(data["runs"]) == 21  # Jun 3-9, 12-19 and 21-24: 19 days with a run, Jun 5 and 15 with two


def test_flipping_a_byte_of_the_report_fails_verify(recorded: dict[str, Any], tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "june"
    report(recorded, recorded["sqlite"], out, "2026-06-01", "2026-06-30")
    raw = bytearray((out / "report.json").read_bytes())
    raw[raw.index(b'"exception_day_count": 14')+len('"exception_day_count": 1')] = ord("3")
    (out / "report.json").write_bytes(bytes(raw))
    capsys.readouterr()
    assert main(["verify", str(out), "--public-key", str(recorded["pub"])]) == 1
    assert "changed: report.json" in capsys.readouterr().out


def _copy_store(recorded: dict[str, Any], tmp_path: Path) -> str:
    copy = tmp_path / "copy.sqlite"
    with sqlite3.connect(recorded["sqlite"]) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    return str(copy)


def test_a_stored_row_changed_by_sql_fails_history_verify_and_report(recorded: dict[str, Any], tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    store = _copy_store(recorded, tmp_path)
    assert main(["history", "verify", "--history", store, "--public-key", str(recorded["pub"])]) == 0
    with sqlite3.connect(store) as db:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("UPDATE preflight_results SET status = 'pass' WHERE status = 'fail'")
        db.execute("DROP TRIGGER preflight_results_no_update")  # what someone with the file can do
        db.execute("UPDATE preflight_results SET status = 'pass' WHERE run_seq = 21 AND rule_id = 'SEC-001'")  # Jun 22: hide the regression
    capsys.readouterr()
    assert main(["history", "verify", "--history", store, "--public-key", str(recorded["pub"])]) == 1
    out = capsys.readouterr().out
    assert "run 21 (scanned 2026-06-22T09:00:00Z" in out and "(SEC-001) changed: status" in out
    assert main(["history", "report", "--framework", "soc2", "--since", "2026-06-01", "--until", "2026-06-30",
                 "-o", str(tmp_path / "r"), "--sign", str(recorded["key"]), "--history", store]) == 1
    assert not (tmp_path / "r").exists()


def test_a_run_deleted_from_the_middle_breaks_the_chain(recorded: dict[str, Any], tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    store = _copy_store(recorded, tmp_path)
    with sqlite3.connect(store) as db:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("DELETE FROM preflight_runs WHERE seq = 12")
        for table in ("preflight_runs", "preflight_results"):
            db.execute(f"DROP TRIGGER {table}_no_delete")
        db.execute("PRAGMA foreign_keys = OFF")
        db.execute("DELETE FROM preflight_results WHERE run_seq = 12")
        db.execute("DELETE FROM preflight_runs WHERE seq = 12")
    capsys.readouterr()
    assert main(["history", "verify", "--history", store, "--public-key", str(recorded["pub"])]) == 1
    out = capsys.readouterr().out
    assert "run 13 " in out and "runs 12..12 are missing" in out and "chain is broken" in out


def test_postgres_refuses_update_delete_truncate_and_names_a_tampered_row(recorded: dict[str, Any],
                                                                           postgres_url: str,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as db:
        for statement in ("UPDATE preflight_runs SET framework = 'gdpr'", "DELETE FROM preflight_results",
                          "TRUNCATE preflight_runs CASCADE"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                db.execute(statement)
        capsys.readouterr()
        assert main(["history", "verify", "--history", postgres_url, "--public-key", str(recorded["pub"])]) == 0
        db.execute("ALTER TABLE preflight_runs DISABLE TRIGGER ALL")
        try:
            db.execute("UPDATE preflight_runs SET scanned_at = '2026-06-16T09:00:00Z' WHERE seq = 7")  # was Jun 6
            assert main(["history", "verify", "--history", postgres_url, "--public-key", str(recorded["pub"])]) == 1
            out = capsys.readouterr().out
            assert "run 7 (scanned 2026-06-16T09:00:00Z" in out and "column scanned_at changed" in out
        finally:
            db.execute("UPDATE preflight_runs SET scanned_at = '2026-06-06T09:00:00Z' WHERE seq = 7")
            db.execute("ALTER TABLE preflight_runs ENABLE TRIGGER ALL")
