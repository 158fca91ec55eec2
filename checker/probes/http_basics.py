"""Operational basics of a live http/https service: compression, caching, health, metrics, rate limits.

Params: `check` one of
  compression     GET the target with `Accept-Encoding: gzip, br`; a text response (html, css, js,
                  json, xml, plain) must come back gzip- or br-encoded
  cache           static assets (`paths`; default: the first .js/.css the page links) must send
                  Cache-Control max-age/s-maxage > 0 or Expires; skip when the page links none
  health          the first of `paths` (default /health, /healthz, /api/health) answering 2xx
                  must answer within `max_ms` (default 1000)
  metrics         `paths` (default /metrics) serves Prometheus text format
  metrics-public  fails when `paths` (default /metrics) serves Prometheus text on this URL:
                  anyone who reaches it reads internal counters
  rate-limit      a bounded burst of `requests` GETs (default 30, at most 200) to the target;
                  passes at the first 429 or RateLimit-* / X-RateLimit-* header. It sends load:
                  rules using it are `opt_in`.

Fails (check: compression): nginx without `gzip on;` serving text/html.
Passes: `gzip on; gzip_types text/css application/javascript;` and the html default.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator, Literal, Optional
from urllib.parse import urljoin, urlsplit, urlunsplit

from checker.inputs.document import Document
from checker.models import STRICT
from checker.probes._http import DEFAULT_TIMEOUT, Response, fetch, mark_unverified, tracking, verify_option
from checker.probes.base import Context, Observation

NAME = "http-basics"
TARGETS = ("live",)
MAX_REQUESTS = 200
TEXT_TYPES = ("text/", "json", "javascript", "xml", "svg")
DEFAULT_PATHS = {"health": ["/health", "/healthz", "/api/health"], "metrics": ["/metrics"], "metrics-public": ["/metrics"]}
RATE_HEADERS = ("ratelimit-limit", "ratelimit-remaining", "ratelimit-policy", "ratelimit", "x-ratelimit-limit",
                "x-ratelimit-remaining")
PROMETHEUS_LINE = re.compile(r"^(# (?:HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]*( .*)?|[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? [-+0-9.eEnaNIf]+( \d+)?)$", re.M)
ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+\.(?:js|css))(?:\?[^"']*)?["']""", re.I)


@dataclass
class Params:
    __pydantic_config__ = STRICT
    check: Literal["compression", "cache", "health", "metrics", "metrics-public", "rate-limit"]
    paths: Optional[list[str]] = None
    max_ms: int = 1000
    requests: int = 30  # a bounded burst: 1..MAX_REQUESTS, never unbounded

    def __post_init__(self) -> None:
        if not 1 <= self.requests <= MAX_REQUESTS:
            raise ValueError(f"requests: {self.requests} is outside 1..{MAX_REQUESTS}")
        if self.max_ms < 1:
            raise ValueError(f"max_ms: {self.max_ms} must be at least 1")


def applies(doc: Document, params: Params) -> bool:
    return doc.data.get("scheme") in ("http", "https")


class _Client:
    def __init__(self, url: str, context: Context) -> None:
        self.url = url
        self.timeout = float(context.options.get("timeout") or DEFAULT_TIMEOUT)
        self.verify = verify_option(context.options)

    def at(self, path: str) -> str:
        return urlunsplit(urlsplit(self.url)._replace(path=path, query="")) if path.startswith("/") else urljoin(self.url, path)

    def get(self, url: str, headers: dict[str, str] | None = None, max_bytes: int = 256 * 1024, fresh: bool = False) -> Response:
        return fetch(url, headers=headers, timeout=self.timeout, verify=self.verify, max_bytes=max_bytes, fresh=fresh)


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    with tracking() as unverified:  # over a certificate that does not verify the checks go on, and say so
        observations = list(_check(doc, params, context))
    yield from mark_unverified(observations, unverified)


def _check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    client = _Client(doc.data["url"], context)
    handler = {"compression": _compression, "cache": _cache, "health": _health, "metrics": _metrics,
               "metrics-public": _metrics_public, "rate-limit": _rate_limit}[params.check]
    yield handler(client, params)


def _observation(ok: bool, message: str, evidence: dict[str, Any], observed: str | None = None) -> Observation:
    return Observation((), message, None if ok else observed, evidence=evidence, status="pass" if ok else "fail")


def _compression(client: _Client, params: Params) -> Observation:
    response = client.get(client.url, {"Accept-Encoding": "gzip, br"})
    kind = response.headers.get("content-type", "")
    encoding = response.headers.get("content-encoding", "").lower()
    evidence = {"url": client.url, "status": response.status, "content_type": kind, "content_encoding": encoding or None,
                "vary": response.headers.get("vary")}
    if not any(t in kind.lower() for t in TEXT_TYPES):
        return Observation((), f"{client.url}: response is {kind or 'untyped'}, not text", evidence=evidence, status="skip")
    ok = "gzip" in encoding or "br" in encoding
    word = f"is {encoding}-encoded" if ok else f"sends {kind.split(';')[0]} uncompressed although the client accepts gzip, br"
    return _observation(ok, f"{client.url} {word}", evidence, encoding or "identity")


def _max_age(cache_control: str) -> int:
    ages = [int(m) for m in re.findall(r"(?:s-)?max-age\s*=\s*\"?(\d+)", cache_control, re.I)]
    return max(ages, default=0)


def _cache(client: _Client, params: Params) -> Observation:
    paths = params.paths
    if not paths:
        page = client.get(client.url)
        found = ASSET.findall(page.body.decode("utf-8", "replace"))
        if not found:
            return Observation((), f"{client.url} links no .js or .css asset; give `paths`", status="skip",
                               evidence={"url": client.url})
        paths = [found[0]]
    checked: dict[str, Any] = {}
    bad = []
    for path in paths:
        url = client.at(path)
        response = client.get(url, max_bytes=16 * 1024)
        cache_control = response.headers.get("cache-control", "")
        expires = response.headers.get("expires")
        checked[url] = {"status": response.status, "cache_control": cache_control or None, "expires": expires}
        cacheable = "no-store" not in cache_control.lower() and (_max_age(cache_control) > 0 or bool(expires))
        if response.status >= 400 or not cacheable:
            bad.append(f"{url} ({response.status}, Cache-Control: {cache_control or 'none'})")
    evidence = {"assets": checked}
    if bad:
        return _observation(False, f"static assets without cache lifetime: {'; '.join(bad)}", evidence, bad[0])
    return _observation(True, f"{len(checked)} static asset(s) send a cache lifetime", evidence)


def _health(client: _Client, params: Params) -> Observation:
    tried: dict[str, Any] = {}
    for path in params.paths or DEFAULT_PATHS["health"]:
        url = client.at(path)
        response = client.get(url, max_bytes=16 * 1024)
        ms = round(response.elapsed * 1000)
        tried[url] = {"status": response.status, "ms": ms}
        if 200 <= response.status < 300:
            evidence = {"tried": tried, "max_ms": params.max_ms}
            if ms > params.max_ms:
                return _observation(False, f"{url} answered {response.status} in {ms} ms, over {params.max_ms} ms", evidence, f"{ms} ms")
            return _observation(True, f"{url} answered {response.status} in {ms} ms", evidence)
    statuses = ", ".join(f"{u} {v['status']}" for u, v in tried.items())
    return _observation(False, f"no health endpoint answers 2xx ({statuses})", {"tried": tried}, statuses)


def _serves_metrics(client: _Client, params: Params) -> tuple[str | None, dict[str, Any]]:
    tried: dict[str, Any] = {}
    for path in params.paths or DEFAULT_PATHS["metrics"]:
        url = client.at(path)
        response = client.get(url)
        lines = PROMETHEUS_LINE.findall(response.body.decode("utf-8", "replace")) if response.status == 200 else []
        tried[url] = {"status": response.status, "content_type": response.headers.get("content-type"),
                      "metric_lines": len(lines)}
        if lines:
            return url, {"tried": tried}
    return None, {"tried": tried}


def _metrics(client: _Client, params: Params) -> Observation:
    url, evidence = _serves_metrics(client, params)
    if url:
        return _observation(True, f"{url} serves Prometheus metrics", evidence)
    return _observation(False, f"no Prometheus metrics at {', '.join(evidence['tried'])}", evidence)


def _metrics_public(client: _Client, params: Params) -> Observation:
    url, evidence = _serves_metrics(client, params)
    if url:
        return _observation(False, f"{url} serves Prometheus metrics to anyone who reaches this URL", evidence, url)
    return _observation(True, f"no metrics served at {', '.join(evidence['tried'])}", evidence)


def _rate_limit(client: _Client, params: Params) -> Observation:
    statuses: list[int] = []
    for n in range(1, params.requests + 1):
        response = client.get(client.url, max_bytes=4 * 1024, fresh=True)
        statuses.append(response.status)
        headers = {k: v for k, v in response.headers.items() if k in RATE_HEADERS or k == "retry-after"}
        if response.status == 429 or any(k in RATE_HEADERS for k in headers):
            why = "429 Too Many Requests" if response.status == 429 else ", ".join(sorted(headers))
            evidence = {"requests_sent": n, "statuses": statuses, "headers": headers}
            return _observation(True, f"{client.url} rate-limits: {why} after {n} request(s)", evidence)
    evidence = {"requests_sent": len(statuses), "statuses": sorted(set(statuses))}
    return _observation(False, f"{client.url} answered {len(statuses)} requests in a burst with no 429 and no RateLimit header",
                        evidence, f"{len(statuses)} requests")
