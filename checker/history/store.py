"""The history store: a SQLite file (stdlib sqlite3) or a PostgreSQL database (psycopg), append-only.

`open_store(target)` takes what the user gave `--history`: a `postgresql://` (or `postgres://`) URL,
else a file path for SQLite. It comes from the command line only; a config file found in the
scanned tree cannot name it. Every message names the store by `label(target)`, with any password
in the URL masked.

Appending takes a lock (SQLite `BEGIN IMMEDIATE`, PostgreSQL `LOCK TABLE ... EXCLUSIVE`), reads the
last run's digest, and inserts the next run with the rows `make(seq, prev_digest)` derives: two
recorders never link to the same previous run. Nothing here updates or deletes, and the schema's
triggers refuse it (schema.py).
"""
from __future__ import annotations

import os
import sqlite3
from typing import Any, Callable, Sequence
from urllib.parse import urlsplit, urlunsplit

from checker.errors import UsageError
from checker.history import schema
from checker.history.records import NO_PREVIOUS, ResultRow, RunRecord
from checker.secret_patterns import mask_found

RUN_COLUMNS = tuple(RunRecord.__dataclass_fields__)
RESULT_COLUMNS = tuple(ResultRow.__dataclass_fields__)
Make = Callable[[int, str], tuple[RunRecord, list[ResultRow]]]


def is_postgres(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


def label(target: str) -> str:
    """The store as messages name it: a URL's password (and credential parameters) masked."""
    if not is_postgres(target):
        return target
    parts = urlsplit(target)
    netloc = parts.netloc
    if parts.password is not None:
        netloc = netloc.replace(f":{parts.password}@", ":****@", 1)
    return mask_found(urlunsplit(parts._replace(netloc=netloc)))


def scrub(text: str, target: str) -> str:
    """`text` (a driver's error message) without the URL's password."""
    password = urlsplit(target).password if is_postgres(target) else None
    if password:
        text = text.replace(password, "****")
    return mask_found(text.replace(target, label(target)))


class Store:
    def __init__(self, connection: Any, dialect: str, target: str) -> None:
        self.connection = connection
        self.dialect = dialect
        self.label = label(target)

    def _sql(self, text: str) -> str:
        return text.replace("?", "%s") if self.dialect == "postgres" else text

    def execute(self, text: str, params: Sequence[Any] = ()) -> Any:
        return self.connection.execute(self._sql(text), tuple(params))

    def append(self, make: Make) -> RunRecord:
        if self.dialect == "postgres":
            with self.connection.transaction():
                self.execute("LOCK TABLE preflight_runs IN EXCLUSIVE MODE")
                return self._append(make)
        self.execute("BEGIN IMMEDIATE")
        try:
            record = self._append(make)
        except BaseException:
            self.execute("ROLLBACK")
            raise
        self.execute("COMMIT")
        return record

    def _append(self, make: Make) -> RunRecord:
        head = self.execute("SELECT seq, digest FROM preflight_runs ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (int(head[0]) + 1, str(head[1])) if head else (1, NO_PREVIOUS)
        record, rows = make(seq, prev)
        if self.execute("SELECT 1 FROM preflight_runs WHERE bundle_sha256 = ?", (record.bundle_sha256,)).fetchone():
            raise UsageError(f"{self.label}: this bundle (manifest sha256 {record.bundle_sha256}) is already recorded")
        marks = ", ".join("?" for _ in RUN_COLUMNS)
        self.execute(f"INSERT INTO preflight_runs ({', '.join(RUN_COLUMNS)}) VALUES ({marks})",
                     [getattr(record, c) for c in RUN_COLUMNS])
        marks = ", ".join("?" for _ in ("run_seq", *RESULT_COLUMNS))
        insert = self._sql(f"INSERT INTO preflight_results (run_seq, {', '.join(RESULT_COLUMNS)}) VALUES ({marks})")
        values = [(record.seq, *(getattr(row, c) for c in RESULT_COLUMNS)) for row in rows]
        if self.dialect == "postgres":
            with self.connection.cursor() as cursor:
                cursor.executemany(insert, values)
        else:
            self.connection.executemany(insert, values)
        return record

    def runs(self, framework: str | None = None, until_day: str | None = None) -> list[RunRecord]:
        """Every run (of `framework`, scanned on or before `until_day`), in the order they were recorded."""
        where, params = [], []
        if framework is not None:
            where.append("framework = ?")
            params.append(framework)
        if until_day is not None:
            where.append("scan_day <= ?")
            params.append(until_day)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self.execute(f"SELECT {', '.join(RUN_COLUMNS)} FROM preflight_runs{clause} ORDER BY seq", params)
        return [_run(row) for row in rows.fetchall()]

    def results(self, seq: int) -> list[ResultRow]:
        rows = self.execute(f"SELECT {', '.join(RESULT_COLUMNS)} FROM preflight_results WHERE run_seq = ? ORDER BY idx",
                            (seq,))
        return [ResultRow(*row) for row in rows.fetchall()]

    def result_run_seqs(self) -> set[int]:
        return {int(row[0]) for row in self.execute("SELECT DISTINCT run_seq FROM preflight_results").fetchall()}

    def close(self) -> None:
        self.connection.close()


def _run(row: Sequence[Any]) -> RunRecord:
    values = dict(zip(RUN_COLUMNS, row))
    for blob in ("signer_key", "manifest", "signature", "report_json", "scope_json", "tool_json"):
        values[blob] = bytes(values[blob])
    return RunRecord(**values)


def open_store(target: str, *, create: bool = True) -> Store:
    """The store at `target`, with its tables (created when `create` and missing)."""
    if is_postgres(target):
        store = _open_postgres(target)
        statements = schema.postgres_statements()
    else:
        store = _open_sqlite(target, create)
        statements = schema.sqlite_statements()
    try:
        if not _has_schema(store):
            if not create:
                raise UsageError(f"{store.label}: no preflight history here")
            _create(store, statements)
    except errors() as exc:
        store.close()
        raise UsageError(f"{store.label}: not a usable history store ({scrub(str(exc).strip(), target)})") from None
    except BaseException:
        store.close()
        raise
    return store


def _has_schema(store: Store) -> bool:
    table = "to_regclass('preflight_meta') IS NOT NULL" if store.dialect == "postgres" else \
        "EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'preflight_meta')"
    if not store.execute(f"SELECT {table}").fetchone()[0]:
        return False
    row = store.execute("SELECT value FROM preflight_meta WHERE key = 'schema_version'").fetchone()
    if row is None:
        return False
    if row[0] != schema.SCHEMA_VERSION:
        raise UsageError(f"{store.label}: history schema {row[0]}, this preflight reads {schema.SCHEMA_VERSION}")
    return True


def _create(store: Store, statements: list[str]) -> None:
    if store.dialect == "postgres":
        with store.connection.transaction():
            store.execute("SELECT pg_advisory_xact_lock(727101)")  # two first recorders create the tables once
            for statement in statements:
                store.execute(statement)
            store.execute("INSERT INTO preflight_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT DO NOTHING",
                          (schema.SCHEMA_VERSION,))
        return
    store.execute("BEGIN IMMEDIATE")
    for statement in statements:
        store.execute(statement)
    store.execute("INSERT OR IGNORE INTO preflight_meta (key, value) VALUES ('schema_version', ?)", (schema.SCHEMA_VERSION,))
    store.execute("COMMIT")


def _open_sqlite(target: str, create: bool) -> Store:
    if os.path.islink(target):
        raise UsageError(f"{target}: is a symbolic link; name the history file itself")
    if os.path.exists(target) and not os.path.isfile(target):
        raise UsageError(f"{target}: exists and is not a file")
    if not os.path.exists(target) and not create:
        raise UsageError(f"{target}: no such history file")
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise UsageError(f"{folder}: no such folder for the history file")
    try:
        connection = sqlite3.connect(target, isolation_level=None, timeout=30)
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("PRAGMA journal_mode = WAL")
    except sqlite3.Error as exc:
        raise UsageError(f"{target}: cannot open as a SQLite history file ({exc})") from None
    return Store(connection, "sqlite", target)


def _open_postgres(target: str) -> Store:
    import psycopg  # only for a PostgreSQL store

    try:
        connection = psycopg.connect(target, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        raise UsageError(f"{label(target)}: cannot connect ({scrub(str(exc).strip(), target)})") from None
    return Store(connection, "postgres", target)


def errors() -> tuple[type[BaseException], ...]:
    """The driver errors a store operation may raise (psycopg's only when it is already imported)."""
    import sys

    found: list[type[BaseException]] = [sqlite3.Error]
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None:
        found.append(psycopg.Error)
    return tuple(found)

