"""A live Redis server: does it ask for a password, does it take a default one, is protected mode on?

Read-only: the probe sends PING, AUTH, INFO server and CONFIG GET, never a write.
`check`:
  no-auth         PING answers without AUTH: anyone who reaches the port reads and writes everything
  weak-password   AUTH succeeds with a default or common password (at most 5 `guesses`, most
                  likely first); not judged when no password is set at all (that is `no-auth`)
  protected-mode  CONFIG GET protected-mode says `no`; not judged when CONFIG is not allowed
                  (renamed, ACL) or the server cannot be logged in to
The user name is the URI's (Redis 6 ACL) or `default`. Evidence never holds a password, only its length.

Fails (check: no-auth):  redis-server started without `requirepass`
Passes:                  redis-server --requirepass <32 random characters>
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Literal

from checker.errors import ProbeError
from checker.inputs.document import Document
from checker.models import STRICT
from checker.probes._db import NO_CREDENTIALS, address, anonymous_only, expect_login, found_login, login_found, connection_error, credentials, described, timeout, within_deadline
from checker.probes.base import Context, Observation

NAME = "db-redis"
TARGETS = ("live",)
SCHEMES = ("redis", "rediss")
# redis.conf's example `requirepass foobared` first among Redis-specific values, then the common ones
GUESSES = ["redis", "foobared", "password", "123456", "admin"]


@dataclass
class Params:
    __pydantic_config__ = STRICT
    check: Literal["no-auth", "weak-password", "protected-mode"]
    guesses: list[str] = field(default_factory=lambda: list(GUESSES))

    def __post_init__(self) -> None:
        if len(self.guesses) > 5:
            raise ValueError("guesses: at most 5 (each one is a login attempt on a live server)")


def applies(doc: Document, params: Params) -> bool:
    if doc.data.get("scheme") not in SCHEMES:
        return False
    if params.check == "weak-password":
        expect_login(doc)  # protected-mode waits for the password this rule may find
    return True


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    # logins: the wrong password first; protected-mode may wait for the guesses, then log in
    attempts = len(params.guesses) + 1 if params.check == "weak-password" else (len(GUESSES) + 3 if params.check == "protected-mode" else 1)
    try:
        yield from within_deadline(doc, timeout(context.options), attempts, lambda: _check(doc, params, context))
    finally:
        if params.check == "weak-password":
            found_login(doc, None, None)  # done, found or not: nobody waits longer


def _check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    seconds = timeout(context.options)
    open_client = _login(doc, seconds, None, None)
    if params.check == "no-auth":
        if open_client is not None:
            yield Observation((), f"redis {address(doc)} answers PING without a password",
                              evidence={**_server(open_client), "auth": "not required"})
        else:
            yield Observation((), f"redis {address(doc)} requires AUTH", status="pass",
                              evidence={"auth": "required (PING without AUTH refused with NOAUTH)"})
    elif params.check == "weak-password":
        if open_client is not None:
            yield Observation((), f"redis {address(doc)} has no password to guess (see the no-auth rule)", status="skip",
                              evidence={"auth": "not required"})
            return
        if anonymous_only(context.options):
            yield Observation((), f"redis {address(doc)}: default passwords {NO_CREDENTIALS}", status="skip",
                              evidence={"auth": "required"})
            return
        user, _ = credentials(doc)
        for guess in params.guesses:
            client = _login(doc, seconds, user, guess)
            if client is not None:
                found_login(doc, user, guess)
                yield Observation((), f"redis {address(doc)} accepts a default password for user {user or 'default'}",
                                  evidence={**_server(client), "auth": described(guess)})
                return
        yield Observation((), f"redis {address(doc)} rejected {len(params.guesses)} default passwords", status="pass",
                          evidence={"auth": f"{len(params.guesses)} default passwords rejected", "user": user or "default"})
    else:
        client = open_client or _uri_login(doc, seconds)
        if client is None:
            found = login_found(doc, seconds * (len(GUESSES) + 2))  # the weak-password rule's, if it found one
            client = _login(doc, seconds, found[0], found[1]) if found else None
        if client is None:
            why = "the URI's password does not log in" if credentials(doc)[1] else \
                "the URI has no password and no default password logs in"
            yield Observation((), f"redis {address(doc)}: protected-mode not judged: {why}", status="skip")
            return
        value = _config(client, "protected-mode")
        if value is None:
            yield Observation((), f"redis {address(doc)}: CONFIG GET is not allowed; protected-mode not judged", status="skip")
        elif value == "no":
            auth = "no password" if open_client is not None else "a password"
            yield Observation((), f"redis {address(doc)} runs with protected-mode no ({auth} set)", "protected-mode no",
                              evidence={**_server(client), "protected-mode": value})
        else:
            yield Observation((), f"redis {address(doc)} protected-mode is {value}", status="pass",
                              evidence={**_server(client), "protected-mode": value})


def _uri_login(doc: Document, seconds: float) -> Any:
    user, password = credentials(doc)
    return _login(doc, seconds, user, password) if password else None


def _login(doc: Document, seconds: float, user: str | None, password: str | None) -> Any:
    """A client that has answered PING, or None when the server refused the login."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    client = redis.Redis(
        host=str(doc.data["host"]), port=int(doc.data["port"] or 6379), username=user if password is not None else None,
        password=password, ssl=doc.data.get("scheme") == "rediss", socket_connect_timeout=seconds,
        socket_timeout=seconds, retry=Retry(NoBackoff(), 0), decode_responses=True,
    )
    try:
        client.ping()
        return client
    except redis.exceptions.AuthenticationError:  # NOAUTH, WRONGPASS (before ConnectionError: it is one)
        client.close()
        return None
    except redis.exceptions.ResponseError as exc:
        client.close()
        if any(word in str(exc).upper() for word in ("NOAUTH", "WRONGPASS", "AUTH", "NOPERM")):
            return None
        raise ProbeError("unreachable", f"{address(doc)}: {exc}") from exc
    except (redis.exceptions.TimeoutError, redis.exceptions.ConnectionError, OSError) as exc:
        raise connection_error(doc, exc) from exc


def _server(client: Any) -> dict[str, Any]:
    import redis

    try:
        info = client.info("server")
        return {"server": "redis", "version": info.get("redis_version")}
    except redis.exceptions.RedisError:
        return {"server": "redis"}


def _config(client: Any, name: str) -> str | None:
    import redis

    try:
        value = client.config_get(name).get(name)
    except redis.exceptions.RedisError:
        return None
    return str(value).lower() if value is not None else None
