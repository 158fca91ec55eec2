"""A live MongoDB server: does it answer without authentication, and do large collections have indexes?

Read-only: the probe runs hello, buildInfo, listDatabases, listCollections, count,
listIndexes and reads system.profile; it never writes. `check`:
  no-auth       without credentials, `listDatabases` succeeds (anyone who reaches the port reads everything)
  large-unindexed  with the URI's credentials: collections of at least `min_docs` documents
                (estimated count) with no index beyond `_id`
  collscan      COLLSCAN plans recorded in system.profile; not judged when no profile is readable
                (profiling off, or not allowed)
At most `max_collections` collections are read. Evidence: server version, auth result, the collections.

Fails (check: no-auth):  mongod started without --auth, reachable from the app network
Passes:                  mongod --auth (listDatabases answers "requires authentication")
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Literal
from urllib.parse import urlsplit

from checker.errors import ProbeError
from checker.inputs.document import Document
from checker.models import STRICT
from checker.probes._db import address, connection_error, timeout, within_deadline
from checker.probes.base import Context, Observation

NAME = "db-mongodb"
TARGETS = ("live",)
SCHEMES = ("mongodb", "mongodb+srv")
SYSTEM_DATABASES = ("admin", "local", "config")
UNAUTHORIZED = (13, 18)  # Unauthorized, AuthenticationFailed


@dataclass
class Params:
    __pydantic_config__ = STRICT
    check: Literal["no-auth", "large-unindexed", "collscan"]
    min_docs: int = 10_000
    max_collections: int = 200


def applies(doc: Document, params: Params) -> bool:
    return doc.data.get("scheme") in SCHEMES


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    yield from within_deadline(doc, timeout(context.options), 1, lambda: _check(doc, params, context))


def _check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    import pymongo.errors

    seconds = timeout(context.options)
    where = f"mongodb {address(doc)}"
    anonymous = params.check == "no-auth"
    client = _client(doc, seconds, anonymous)
    try:
        evidence = _server(doc, client)
        try:
            names = [d["name"] for d in client.admin.command("listDatabases", nameOnly=True)["databases"]]
        except pymongo.errors.OperationFailure as exc:
            if exc.code not in UNAUTHORIZED and "auth" not in str(exc).lower():
                raise
            names = None
        if anonymous:
            if names is not None:
                yield Observation((), f"{where} lists its databases without authentication ({len(names)} databases)",
                                  evidence={**evidence, "auth": "not required", "databases": len(names)})
            else:
                yield Observation((), f"{where} requires authentication for listDatabases", status="pass",
                                  evidence={**evidence, "auth": "required"})
            return
        if names is None:
            default = client.get_default_database(default=None)
            names = [default.name] if default is not None else []
        names = [n for n in names if n not in SYSTEM_DATABASES]
        if params.check == "large-unindexed":
            yield from _large_unindexed(client, names, params, where, evidence)
        else:
            yield from _collscans(client, names, where, evidence)
    except pymongo.errors.OperationFailure as exc:
        raise ProbeError("unreachable", f"{where}: {exc.details.get('errmsg') if exc.details else exc}") from exc
    except pymongo.errors.PyMongoError as exc:
        raise connection_error(doc, exc) from exc
    finally:
        client.close()


def _large_unindexed(client: Any, names: list[str], params: Params, where: str, evidence: dict[str, Any]) -> Iterator[Observation]:
    import pymongo.errors

    read = 0
    for name in names:
        db = client[name]
        try:
            collections = [c for c in db.list_collection_names() if not c.startswith("system.")]
        except pymongo.errors.OperationFailure:
            continue
        for collection in sorted(collections)[: max(0, params.max_collections - read)]:
            read += 1
            count = db[collection].estimated_document_count()
            if count < params.min_docs:
                continue
            indexes = [i.get("name") for i in db[collection].list_indexes()]
            if all(index == "_id_" for index in indexes):
                yield Observation((), f"{where}: collection {name}.{collection} ({count} documents) has no index beyond _id",
                                  f"{name}.{collection}", evidence={**evidence, "documents": count, "indexes": indexes})
    if read == 0:
        yield Observation((), f"{where}: no readable collection", status="skip", evidence=evidence)
    else:
        yield Observation((), f"{where}: {read} collections read", status="pass", evidence={**evidence, "collections": read})


def _collscans(client: Any, names: list[str], where: str, evidence: dict[str, Any]) -> Iterator[Observation]:
    import pymongo.errors

    readable = 0
    for name in names:
        try:
            entries = list(client[name]["system.profile"].find({"planSummary": "COLLSCAN"}, {"ns": 1, "millis": 1}).limit(100))
        except pymongo.errors.OperationFailure:
            continue
        readable += 1
        for ns in sorted({str(e.get("ns")) for e in entries}):
            hits = [e for e in entries if str(e.get("ns")) == ns]
            yield Observation((), f"{where}: {ns} has {len(hits)} profiled COLLSCAN queries", ns,
                              evidence={**evidence, "collscans": len(hits), "slowest_ms": max(int(e.get("millis") or 0) for e in hits)})
    if not readable:
        yield Observation((), f"{where}: no system.profile is readable; COLLSCAN not judged", status="skip", evidence=evidence)


def _client(doc: Document, seconds: float, anonymous: bool) -> Any:
    import pymongo

    url = str(doc.data["url"])
    if anonymous:
        parts = urlsplit(url)
        netloc = parts.netloc.rsplit("@", 1)[-1]
        url = parts._replace(netloc=netloc).geturl()
    ms = int(seconds * 1000)
    extra: dict[str, Any] = {} if doc.data.get("scheme") == "mongodb+srv" or "," in url else {"directConnection": True}
    try:
        return pymongo.MongoClient(url, serverSelectionTimeoutMS=ms, connectTimeoutMS=ms, socketTimeoutMS=ms,
                                   retryReads=False, retryWrites=False, appname="preflight", **extra)
    except (pymongo.errors.ConfigurationError, ValueError) as exc:
        raise ProbeError("unparsable", f"{address(doc)}: {exc}") from exc


def _server(doc: Document, client: Any) -> dict[str, Any]:
    import pymongo.errors

    try:
        hello = client.admin.command("hello")
    except pymongo.errors.PyMongoError as exc:
        raise connection_error(doc, exc) from exc
    try:
        version = client.admin.command("buildInfo").get("version")
    except pymongo.errors.OperationFailure:
        version = None
    return {"server": "mongodb", "version": version, "max_wire_version": hello.get("maxWireVersion")}
