"""One bounded HTTP request for live probes: timeouts, a deadline, a cap on bytes read, no redirects followed.

Live probes call `fetch()` and get plain data back; `requests` is imported here,
on first use, so offline scans never load it. Connection problems become
ProbeError with the reasons the engine reports (unreachable, timeout).
"""
from __future__ import annotations

import queue
import threading
import time
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Iterator, Mapping, NamedTuple

from checker.errors import ProbeError
from checker.probes._deadline import Late, within

MAX_BODY_BYTES = 1024 * 1024
DEFAULT_TIMEOUT = 5.0
DEADLINE_FACTOR = 2  # a whole request (connect, headers, body) ends within this many timeouts


class NotVerified(ProbeError):
    """The TLS handshake failed on the certificate alone: the host answered."""


_TRACKED = threading.local()


@contextmanager
def tracking() -> Iterator[set[str]]:
    """The https URLs this thread fetched without a verified certificate while in the block."""
    outer = getattr(_TRACKED, "urls", None)
    found: set[str] = set()
    _TRACKED.urls = found
    try:
        yield found
    finally:
        _TRACKED.urls = outer
        if outer is not None:
            outer.update(found)


def note_unverified(url: str) -> None:
    found = getattr(_TRACKED, "urls", None)
    if found is not None:
        found.add(url)


def insecure(options: Mapping[str, Any]) -> bool:
    return bool(options.get("insecure"))


class Response(NamedTuple):
    url: str
    status: int
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    set_cookies: list[str]  # each Set-Cookie header on its own
    body: bytes  # at most max_bytes
    elapsed: float  # seconds to the response headers
    truncated: bool
    verified: bool = True  # False: fetched over TLS whose certificate did not verify (see `insecure`)


# Several rules read the same page (headers, CSP, cookies, HSTS ...): a plain GET is
# answered from this memo for a few seconds instead of asking the server again.
# Keyed by everything that shapes the answer; kept short so a server restarted
# with another configuration is asked again. Rules run concurrently, so a request
# in flight is waited for rather than sent again (and a failure is shared too:
# ten rules must not each wait out the timeout of a host that is down).
_MEMO: dict[tuple[Any, ...], tuple[float, Response | ProbeError]] = {}
_IN_FLIGHT: dict[tuple[Any, ...], threading.Event] = {}
_MEMO_LOCK = threading.Lock()
MEMO_SECONDS = 10.0


def fetch(
    url: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    verify: bool | str = True,
    max_bytes: int = MAX_BODY_BYTES,
    fresh: bool = False,
) -> Response:
    """`fresh`: always ask the server (a burst that counts answers must not be served from the memo).

    A certificate that does not verify does not end the probe: the request is made again
    without verification (as curl -k, sslyze and the Observatory go on), the Response says
    `verified=False` and the host is noted in `tracking()`; the certificate rules judge trust."""
    try:
        return _memo_fetch(url, method, headers, timeout, verify, max_bytes, fresh)
    except NotVerified:
        if verify is False:
            raise
    response = _memo_fetch(url, method, headers, timeout, False, max_bytes, fresh)
    return response._replace(verified=False)


def _memo_fetch(
    url: str, method: str, headers: Mapping[str, str] | None, timeout: float, verify: bool | str, max_bytes: int,
    fresh: bool,
) -> Response:
    response = _memo_fetch_verified(url, method, headers, timeout, verify, max_bytes, fresh)
    if verify is False and url.startswith("https:"):
        note_unverified(url)
        return response._replace(verified=False)
    return response


def _memo_fetch_verified(
    url: str, method: str, headers: Mapping[str, str] | None, timeout: float, verify: bool | str, max_bytes: int,
    fresh: bool,
) -> Response:
    if fresh or method not in ("GET", "HEAD"):
        return _fetch(url, method, headers, timeout, verify, max_bytes)
    # one answer for every body cap: read once up to the largest, cut to each caller's
    key = (method, url, tuple(sorted((headers or {}).items())), timeout, str(verify))
    while True:
        with _MEMO_LOCK:
            hit = _MEMO.get(key)
            if hit is not None and time.monotonic() - hit[0] < MEMO_SECONDS:
                break
            asked = _IN_FLIGHT.get(key)
            if asked is None:
                _IN_FLIGHT[key] = threading.Event()
                hit = None
                break
        asked.wait()  # another rule is asking the same question: its answer is ours
    if hit is None:
        answer: Response | ProbeError | None = None
        try:
            answer = _answer(url, method, headers, timeout, verify, max(max_bytes, MAX_BODY_BYTES))
        finally:  # waiters wake up even when this request failed unexpectedly (they then ask themselves)
            with _MEMO_LOCK:
                if answer is not None:
                    _MEMO[key] = (time.monotonic(), answer)
                _IN_FLIGHT.pop(key).set()
        hit = (0.0, answer)
    if isinstance(hit[1], ProbeError):
        raise hit[1]
    return _cut(hit[1], max_bytes)


def _cut(response: Response, max_bytes: int) -> Response:
    if len(response.body) <= max_bytes:
        return response
    return response._replace(body=response.body[:max_bytes], truncated=True)


def _answer(
    url: str, method: str, headers: Mapping[str, str] | None, timeout: float, verify: bool | str, max_bytes: int
) -> Response | ProbeError:
    try:
        return _fetch(url, method, headers, timeout, verify, max_bytes)
    except ProbeError as exc:
        return exc


def _fetch(
    url: str, method: str, headers: Mapping[str, str] | None, timeout: float, verify: bool | str, max_bytes: int
) -> Response:
    """The request runs in a worker thread that this one waits for at most `DEADLINE_FACTOR * timeout`.

    `requests` applies its timeouts to each read, so a server that sends one byte
    every second would hold a plain request for hours; the deadline holds whatever
    the server does. A request past it is told to stop and left to end on its own
    (its next read returns within `timeout`), and the probe gets a `timeout` error.
    """
    deadline = DEADLINE_FACTOR * timeout
    cancelled = threading.Event()
    try:
        return within(deadline, lambda: _request(url, method, headers, timeout, verify, max_bytes, cancelled), f"fetch {url}")
    except Late:
        cancelled.set()  # its next read returns within `timeout`, and it stops there
        raise ProbeError("timeout", f"{url}: no complete answer within {deadline:g} s") from None


def _request(
    url: str, method: str, headers: Mapping[str, str] | None, timeout: float, verify: bool | str, max_bytes: int,
    cancelled: threading.Event,
) -> Response:
    import requests
    import urllib3

    if verify is False:  # said in the evidence ("certificate not verified"), not in a warning per request
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    try:
        with _session() as session, session.request(
            method, url, headers=dict(headers or {}), timeout=(timeout, timeout), verify=_verify(verify),
            allow_redirects=False, stream=True, proxies=_proxies(url),
        ) as response:
            chunks: list[bytes] = []
            size = 0
            while size <= max_bytes and not cancelled.is_set():
                # read1: whatever one read returns, so a slow server cannot keep this loop from its checks
                chunk = response.raw.read1(64 * 1024, decode_content=True)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            body = b"".join(chunks)
            raw_cookies = response.raw.headers.getlist("Set-Cookie") if hasattr(response.raw.headers, "getlist") else []
            return Response(
                url, response.status_code, {k.lower(): v for k, v in response.headers.items()}, list(raw_cookies),
                body[:max_bytes], response.elapsed.total_seconds(), len(body) > max_bytes,
            )
    except requests.exceptions.Timeout as exc:
        raise ProbeError("timeout", f"{url}: no answer within {timeout:g} s") from exc
    except requests.exceptions.SSLError as exc:
        if "CERTIFICATE_VERIFY_FAILED" in str(exc) or "certificate verify failed" in str(exc):
            raise NotVerified("unreachable", f"{url}: certificate not verified ({_short(exc)})") from exc
        raise ProbeError("unreachable", f"{url}: TLS handshake failed ({_short(exc)})") from exc
    except requests.exceptions.ConnectionError as exc:
        raise ProbeError("unreachable", f"{url}: {_short(exc)}") from exc
    except requests.exceptions.RequestException as exc:
        raise ProbeError("unreachable", f"{url}: {_short(exc)}") from exc
    except urllib3.exceptions.ReadTimeoutError as exc:  # raised by the body reads, which requests does not wrap
        raise ProbeError("timeout", f"{url}: no answer within {timeout:g} s") from exc
    except (urllib3.exceptions.HTTPError, OSError, ValueError) as exc:  # a body cut short, a bad URL
        raise ProbeError("unreachable", f"{url}: {_short(exc)}") from exc


_SESSIONS: queue.SimpleQueue[Any] = queue.SimpleQueue()  # idle sessions, reused: a live scan sends thousands of requests


@contextmanager
def _session() -> Iterator[Any]:
    """A requests Session of its own for the duration of one request (sessions are not shared between threads)."""
    import requests

    try:
        session = _SESSIONS.get_nowait()
    except queue.Empty:
        session = requests.Session()
        # trust_env would also send the user's ~/.netrc (or $NETRC) passwords to any host a scanned
        # file names; proxies, the one thing wanted from the environment, are given per request
        session.trust_env = False
    try:
        yield session
    finally:
        _SESSIONS.put(session)


def _proxies(url: str) -> dict[str, str]:
    """The environment's proxies for `url` (no_proxy honoured), read once: requests would read them on every
    request, a third of a live scan's CPU."""
    proxies = _environment_proxies()
    if not proxies:
        return {}
    from requests.utils import should_bypass_proxies

    return {} if should_bypass_proxies(url, proxies.get("no")) else proxies


@lru_cache(maxsize=1)
def _environment_proxies() -> dict[str, str]:
    import urllib.request

    return dict(urllib.request.getproxies())


def _verify(verify: bool | str) -> bool | str:
    """`True` means the system store, the one SEC-500 verifies against (OpenSSL's default paths,
    SSL_CERT_FILE / SSL_CERT_DIR included), never requests' own certifi bundle: one trust
    decision for every probe, whatever REQUESTS_CA_BUNDLE says."""
    if verify is True:
        return system_store()[0] or True
    return verify


def system_store() -> tuple[str | None, str]:
    """The system trust store as a path requests can use, and how the evidence names it."""
    import ssl

    paths = ssl.get_default_verify_paths()
    found = paths.cafile or paths.capath
    return found, f"the system trust store ({found})" if found else "the system trust store"


def verify_option(options: Mapping[str, Any]) -> bool | str:
    """What to verify TLS against: a CA bundle given with --ca-bundle, else the system store;
    nothing with --insecure."""
    if insecure(options):
        return False
    bundle = options.get("ca_bundle")
    return str(bundle) if bundle else True


def _short(exc: BaseException) -> str:
    text = str(exc)
    for marker in ("Caused by ", "Failed to establish a new connection: ", "] "):
        if marker in text:
            text = text.split(marker)[-1]
    return text.strip("()'\" ")[:200]


REDIRECTS = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 5
# where a redirect must never lead the probe: cloud metadata services and link-local addresses
_FORBIDDEN_HOSTS = ("metadata.google.internal", "metadata", "169.254.169.254", "fd00:ec2::254")


def follow(url: str, **options: Any) -> tuple[Response, list[tuple[str, int]], str | None]:
    """The page a browser lands on from `url`, the route to it [(url, status) ...] and, when the route
    was cut short, why. Only hops on the same host are followed (http -> https included); never
    another host, a link-local or metadata address, and at most MAX_REDIRECTS."""
    import ipaddress
    from urllib.parse import urljoin, urlsplit

    response = fetch(url, **options)
    route = [(url, response.status)]
    host = urlsplit(url).hostname
    while response.status in REDIRECTS and response.headers.get("location"):
        target = urljoin(response.url, response.headers["location"])
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https"):
            return response, route, f"redirect to {parts.scheme}: not followed"
        if parts.hostname != host:
            route.append((target, 0))
            return response, route, f"redirect to another host ({parts.hostname}) not followed"
        try:
            if ipaddress.ip_address(parts.hostname or "").is_link_local:
                return response, route, "redirect to a link-local address not followed"
        except ValueError:
            pass
        if (parts.hostname or "").lower() in _FORBIDDEN_HOSTS:
            return response, route, "redirect to a metadata address not followed"
        if len(route) > MAX_REDIRECTS:
            return response, route, f"more than {MAX_REDIRECTS} redirects"
        response = fetch(target, **options)
        route.append((target, response.status))
    return response, route, None


UNVERIFIED_NOTE = "certificate not verified"


def mark_unverified(observations: list[Any], unverified: set[str]) -> list[Any]:
    """Observations made over a connection whose certificate did not verify say so, in text and evidence."""
    if not unverified:
        return observations
    return [o._replace(message=f"{o.message} ({UNVERIFIED_NOTE})", evidence={**(o.evidence or {}), "tls": UNVERIFIED_NOTE})
            for o in observations]
