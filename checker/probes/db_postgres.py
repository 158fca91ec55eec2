"""A live PostgreSQL server: default passwords and `trust` auth, and what its statistics say about indexes.

Every session sets `default_transaction_read_only = on` and a statement timeout; the
probe only reads catalogs and statistics views. `check`:
  weak-password   a default user/password pair logs in (at most 5 `guesses`, most likely first);
                  not judged when the server trusts any password (that is `trust`)
  trust           a login with the URI's user (or `postgres`) and a random wrong password succeeds
  index-usage     with the URI's credentials: tables with at least `min_rows` live rows whose
                  index usage idx_scan / (seq_scan + idx_scan) is under `min_ratio` (PgHero's rule;
                  unlike PgHero, a table that is only ever read by sequential scans counts as 0 %)
  fk-index        foreign keys whose columns are not the leading columns of any index
  vector-index    pgvector `vector` columns without an ivfflat or hnsw index; not judged
                  when the extension is not installed
Evidence: server version, the auth result (never a password, only its length), the tables.

Fails (check: trust):  pg_hba.conf `host all all 0.0.0.0/0 trust`
Passes:                pg_hba.conf `host all all 0.0.0.0/0 scram-sha-256`
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from typing import Any, Iterator, Literal

from checker.errors import ProbeError
from checker.inputs.document import Document
from checker.models import STRICT
from checker.probes._db import DEADLINE_FACTOR, NO_CREDENTIALS, address, anonymous_only, expect_login, found_login, login_found, connection_error, credentials, described, timeout, within_deadline
from checker.probes.base import Context, Observation

NAME = "db-postgres"
TARGETS = ("live",)
SCHEMES = ("postgres", "postgresql")
GUESSES = [["postgres", "postgres"], ["postgres", "password"], ["postgres", ""], ["postgres", "admin"], ["postgres", "123456"]]
_REFUSED = ("password authentication failed", "no password supplied", "no pg_hba.conf entry", "does not exist",
            "authentication failed", "not permitted to log in", "too many connections")

INDEX_USAGE = """
SELECT schemaname, relname, n_live_tup, seq_scan, COALESCE(idx_scan, 0)
FROM pg_stat_user_tables
WHERE n_live_tup >= %s AND seq_scan + COALESCE(idx_scan, 0) > 0
  AND COALESCE(idx_scan, 0)::float / (seq_scan + COALESCE(idx_scan, 0)) < %s
ORDER BY n_live_tup DESC, relname
"""
FK_WITHOUT_INDEX = """
SELECT n.nspname, t.relname, c.conname,
       (SELECT string_agg(a.attname, ', ' ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n)
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum)
FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE c.contype = 'f' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid
                  AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey)
ORDER BY 1, 2, 3
"""
VECTOR_WITHOUT_INDEX = """
SELECT n.nspname, t.relname, a.attname
FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_type ty ON ty.oid = a.atttypid
WHERE ty.typname = 'vector' AND t.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
                  WHERE i.indrelid = t.oid AND am.amname IN ('ivfflat', 'hnsw') AND a.attnum = ANY(i.indkey::int2[]))
ORDER BY 1, 2, 3
"""


@dataclass
class Params:
    __pydantic_config__ = STRICT
    check: Literal["weak-password", "trust", "index-usage", "fk-index", "vector-index"]
    guesses: list[list[str]] = field(default_factory=lambda: [list(g) for g in GUESSES])
    min_rows: int = 10_000
    min_ratio: float = 0.95

    def __post_init__(self) -> None:
        if len(self.guesses) > 5 or any(len(g) != 2 for g in self.guesses):
            raise ValueError("guesses: at most 5 [user, password] pairs (each one is a login attempt)")


def applies(doc: Document, params: Params) -> bool:
    if doc.data.get("scheme") not in SCHEMES:
        return False
    if params.check == "weak-password":
        expect_login(doc)  # the index rules wait for the login this rule may find
    return True


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    # logins: the wrong password first; the index rules may wait for the guesses, then log in
    attempts = len(params.guesses) + 1 if params.check == "weak-password" else (1 if params.check == "trust" else len(GUESSES) + 4)
    try:
        yield from within_deadline(doc, timeout(context.options), attempts, lambda: _check(doc, params, context))
    finally:
        if params.check == "weak-password":
            found_login(doc, None, None)


def _check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    seconds = timeout(context.options)
    where = f"postgres {address(doc)}"
    if params.check in ("trust", "weak-password"):
        anonymous = anonymous_only(context.options)
        if anonymous and params.check == "weak-password":
            yield Observation((), f"{where}: default passwords {NO_CREDENTIALS}", status="skip")
            return
        user = credentials(doc)[0] or "postgres"
        # anonymous: no password at all (libpq gives up when asked for one); else a random wrong one
        wrong = None if anonymous else "preflight-" + secrets.token_hex(16)
        trusted = _connect(doc, seconds, user, wrong)
        trusted_evidence = _version(trusted, close=True) if trusted is not None else {}
        if params.check == "trust":
            if trusted is not None:
                yield Observation((), f"{where} lets user {user} in with a wrong password (trust auth)",
                                  evidence={**trusted_evidence, "auth": "wrong password accepted"})
            else:
                yield Observation((), f"{where} rejects a wrong password for user {user}", status="pass",
                                  evidence={"auth": "wrong password rejected"})
            return
        if trusted is not None:
            yield Observation((), f"{where} accepts any password (see the trust rule)", status="skip",
                              evidence={"auth": "wrong password accepted"})
            return
        for guess_user, guess in params.guesses:
            conn = _connect(doc, seconds, guess_user, guess)
            if conn is not None:
                found_login(doc, guess_user, guess)
                yield Observation((), f"{where} accepts a default password for user {guess_user}",
                                  evidence={**_version(conn, close=True), "user": guess_user, "auth": described(guess)})
                return
        yield Observation((), f"{where} rejected {len(params.guesses)} default passwords", status="pass",
                          evidence={"auth": f"{len(params.guesses)} default user/password pairs rejected"})
        return
    if anonymous_only(context.options):
        yield Observation((), f"{where}: {params.check} {NO_CREDENTIALS}", status="skip")
        return
    uri_user, uri_password = credentials(doc)
    conn = _connect(doc, seconds, uri_user or "postgres", uri_password)  # no password: trust auth may let it in
    if conn is None and uri_password is not None:  # the deployment's own credentials are wrong: worth an error
        raise ProbeError("unreachable", f"{where}: the URI's credentials do not log in; indexes not checked")
    if conn is None:
        found = login_found(doc, seconds * DEADLINE_FACTOR * (len(GUESSES) + 2))  # the weak-password rule's login
        conn = _connect(doc, seconds, found[0] or "postgres", found[1]) if found else None
    if conn is None:
        yield Observation((), f"{where}: {params.check} not judged: the URI carries no password and no default "
                              "password logs in", status="skip")
        return
    with conn:
        evidence = _version(conn)
        rows = _query(conn, doc, params)
    if rows is None:
        yield Observation((), f"{where}: the pgvector extension is not installed", status="skip", evidence=evidence)
        return
    for row in rows:
        if params.check == "index-usage":
            schema, table, live, seq, idx = row
            ratio = idx / (seq + idx)
            yield Observation((), f"{where}: table {schema}.{table} ({live} rows) uses an index in {ratio:.0%} of scans",
                              f"{schema}.{table}", evidence={**evidence, "rows": live, "seq_scan": seq, "idx_scan": idx})
        elif params.check == "fk-index":
            schema, table, constraint, columns = row
            yield Observation((), f"{where}: foreign key {constraint} on {schema}.{table} ({columns}) has no index",
                              f"{schema}.{table}({columns})", evidence={**evidence, "constraint": constraint})
        else:
            schema, table, column = row
            yield Observation((), f"{where}: vector column {schema}.{table}.{column} has no ivfflat or hnsw index",
                              f"{schema}.{table}.{column}", evidence=evidence)
    if not rows:
        yield Observation((), f"{where}: no {params.check} problem found", status="pass", evidence=evidence)


def _query(conn: Any, doc: Document, params: Params) -> list[tuple[Any, ...]] | None:
    import psycopg

    try:
        with conn.cursor() as cur:
            if params.check == "index-usage":
                cur.execute(INDEX_USAGE, (params.min_rows, params.min_ratio))
            elif params.check == "fk-index":
                cur.execute(FK_WITHOUT_INDEX)
            else:
                cur.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'")
                if cur.fetchone() is None:
                    return None
                cur.execute(VECTOR_WITHOUT_INDEX)
            return list(cur.fetchall())
    except psycopg.errors.QueryCanceled as exc:
        raise ProbeError("timeout", f"postgres {address(doc)}: the catalog query was cancelled by the statement timeout") from exc


def _connect(doc: Document, seconds: float, user: str, password: str | None) -> Any:
    """A read-only session, or None when the server refused the login."""
    import psycopg

    try:
        conn = psycopg.connect(
            host=str(doc.data["host"]), port=int(doc.data["port"] or 5432), user=user,
            password=password if password is not None else "", dbname=_dbname(doc),
            connect_timeout=max(1, round(seconds)), autocommit=True,
            passfile=os.devnull,  # never ~/.pgpass: the host is named by a scanned file
        )
    except psycopg.OperationalError as exc:
        if any(text in str(exc) for text in _REFUSED):
            return None
        raise connection_error(doc, exc) from exc
    conn.execute("SET default_transaction_read_only = on")
    conn.execute(f"SET statement_timeout = {int(seconds * 1000)}")
    return conn


def _dbname(doc: Document) -> str:
    from urllib.parse import unquote, urlsplit

    path = urlsplit(str(doc.data.get("url", ""))).path.strip("/")
    return unquote(path) or "postgres"


def _version(conn: Any, close: bool = False) -> dict[str, Any]:
    version = conn.info.server_version  # e.g. 150004
    if close:
        conn.close()
    return {"server": "postgresql", "version": f"{version // 10000}.{version % 10000}"}
