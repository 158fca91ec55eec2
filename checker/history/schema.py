"""The history tables, for SQLite and PostgreSQL, and the triggers that make them append-only.

`runs` holds one row per recorded evidence run: the bundle's signed manifest and signature, its
report, scope and tool files (zlib-compressed, byte for byte), the columns a period report needs,
and `digest`, a SHA-256 over all of it and the previous run's digest (a hash chain: a run removed
from the middle breaks the next run's link). `results` holds one row per result of a run, derived
from its report. The triggers refuse every UPDATE and DELETE (and TRUNCATE on PostgreSQL), so a
run once written is never rewritten by preflight or by anyone using SQL without first dropping the
triggers; `history verify` detects what such a person changed.
"""
from __future__ import annotations

SCHEMA_VERSION = "1"

_RUNS = """
CREATE TABLE IF NOT EXISTS preflight_runs (
    seq           {int} PRIMARY KEY,
    scanned_at    TEXT NOT NULL,
    scan_day      TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    framework     TEXT NOT NULL,
    bundle_sha256 TEXT NOT NULL UNIQUE,
    signer        TEXT NOT NULL,
    signer_key    {blob} NOT NULL,
    tool_version  TEXT NOT NULL,
    rules_sha256  TEXT NOT NULL,
    environment   TEXT,
    clock         TEXT NOT NULL,
    manifest      {blob} NOT NULL,
    signature     {blob} NOT NULL,
    report_json   {blob} NOT NULL,
    scope_json    {blob} NOT NULL,
    tool_json     {blob} NOT NULL,
    prev_digest   TEXT NOT NULL,
    digest        TEXT NOT NULL UNIQUE
)"""

_RESULTS = """
CREATE TABLE IF NOT EXISTS preflight_results (
    run_seq   {int} NOT NULL REFERENCES preflight_runs (seq),
    idx       INTEGER NOT NULL,
    rule_id   TEXT NOT NULL,
    status    TEXT NOT NULL,
    severity  TEXT NOT NULL,
    finding   TEXT NOT NULL,
    target    TEXT NOT NULL,
    message   TEXT NOT NULL,
    controls  TEXT NOT NULL,
    waiver    TEXT,
    PRIMARY KEY (run_seq, idx)
)"""

_META = "CREATE TABLE IF NOT EXISTS preflight_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
TABLES = ("preflight_runs", "preflight_results", "preflight_meta")
REFUSAL = "preflight history is append-only: a recorded run is never changed or removed"


def sqlite_statements() -> list[str]:
    statements = [_RUNS.format(int="INTEGER", blob="BLOB"), _RESULTS.format(int="INTEGER"), _META,
                  "CREATE INDEX IF NOT EXISTS preflight_runs_day ON preflight_runs (framework, scan_day)"]
    for table in TABLES:
        for event in ("UPDATE", "DELETE"):
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{event.lower()} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END")
    return statements


def postgres_statements() -> list[str]:
    statements = [_RUNS.format(int="BIGINT", blob="BYTEA"), _RESULTS.format(int="BIGINT"), _META,
                  "CREATE INDEX IF NOT EXISTS preflight_runs_day ON preflight_runs (framework, scan_day)",
                  "CREATE OR REPLACE FUNCTION preflight_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                  f"$$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$"]
    for table in TABLES:
        statements.append(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        statements.append(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                          "FOR EACH ROW EXECUTE FUNCTION preflight_append_only()")
        statements.append(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        statements.append(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                          "FOR EACH STATEMENT EXECUTE FUNCTION preflight_append_only()")
    return statements
