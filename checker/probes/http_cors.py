"""Which untrusted origins a live http/https endpoint lets read its responses (CORS).

Sends one GET per test origin, each with an `Origin` header, and reads
Access-Control-Allow-Origin (ACAO) and Access-Control-Allow-Credentials (ACAC):

    arbitrary      https://preflight-probe.example
    null           null (sandboxed iframes, file: pages)
    prefix         <scheme>://evil-<host>            an allowlist that checks only the end
    suffix         <scheme>://<host>.evil.example    an allowlist that checks only the start
    unescaped-dot  <host> with its first dot as `x`  a regex allowlist with an unescaped `.`
    unescaped-last-dot  <host> with its last dot as `x`  (hosts with two dots or more)
    github-pages, codepen, jsfiddle   hosting anyone can publish on (https://x.github.io ...)
    http-origin    http://<host>                     an https site trusting plain http (https targets only)

An origin is *trusted* when ACAO echoes it. Params: `check` one of
  credentials  fails when a test origin is trusted with `ACAC: true` (the critical case: that
               site reads the user's data); ACAO `*` with `ACAC: true` is refused by browsers,
               so it is not this failure
  origins      fails when any test origin is trusted, with or without credentials, and
               reports ACAO `*` with `ACAC: true` as the misconfiguration it is
`path` (default: the target URL's own path) is the resource asked for.

Fails (check: credentials): nginx `add_header Access-Control-Allow-Origin $http_origin;
add_header Access-Control-Allow-Credentials true;`
Passes: ACAO only for `https://app.example.com`, matched with an anchored, escaped regex.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Literal, Optional
from urllib.parse import urlsplit, urlunsplit

from checker.inputs.document import Document
from checker.models import STRICT
from checker.probes._http import DEFAULT_TIMEOUT, fetch, mark_unverified, tracking, verify_option
from checker.probes._observatory import PROBE_ORIGIN
from checker.probes.base import Context, Observation

NAME = "http-cors"
# hosting where anyone can publish a page: an allowlist that trusts them trusts everyone
THIRD_PARTY = {"github-pages": "https://preflight-probe.github.io", "codepen": "https://codepen.io",
               "jsfiddle": "https://fiddle.jshell.net"}
WILDCARD_CREDENTIALS = ("sends Access-Control-Allow-Origin: * with Allow-Credentials: true, a combination browsers "
                        "refuse (Fetch standard): a misconfiguration, credentialed reads fail for every origin")
TARGETS = ("live",)


@dataclass
class Params:
    __pydantic_config__ = STRICT
    check: Literal["credentials", "origins"]
    path: Optional[str] = None


def applies(doc: Document, params: Params) -> bool:
    return doc.data.get("scheme") in ("http", "https")


def test_origins(scheme: str, host: str) -> dict[str, str]:
    dotted = host.replace(".", "x", 1) if "." in host else f"{host}x"
    origins = {
        "arbitrary": PROBE_ORIGIN,
        "null": "null",
        "prefix": f"{scheme}://evil-{host}",
        "suffix": f"{scheme}://{host}.evil.example",
        "unescaped-dot": f"{scheme}://{dotted}",
    }
    if host.count(".") > 1:  # `app.example.com` matched by `app\.example.com`: only the last dot unescaped
        head, _, tail = host.rpartition(".")
        origins["unescaped-last-dot"] = f"{scheme}://{head}x{tail}"
    origins.update(THIRD_PARTY)
    if scheme == "https":
        origins["http-origin"] = f"http://{host}"
    return origins


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    with tracking() as unverified:  # over a certificate that does not verify the checks go on, and say so
        observations = list(_check(doc, params, context))
    yield from mark_unverified(observations, unverified)


def _check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    url = doc.data["url"]
    if params.path is not None:
        url = urlunsplit(urlsplit(url)._replace(path=params.path, query=""))
    timeout = float(context.options.get("timeout") or DEFAULT_TIMEOUT)
    verify = verify_option(context.options)
    seen: dict[str, dict[str, Any]] = {}
    trusted: list[tuple[str, str, bool]] = []
    wildcard_credentials = False
    for kind, origin in test_origins(doc.data["scheme"], doc.data["host"]).items():
        response = fetch(url, headers={"Origin": origin}, timeout=timeout, verify=verify, max_bytes=64 * 1024)
        acao = response.headers.get("access-control-allow-origin")
        acac = response.headers.get("access-control-allow-credentials", "").strip().lower() == "true"
        seen[kind] = {"origin": origin, "status": response.status, "allow_origin": acao,
                      "allow_credentials": response.headers.get("access-control-allow-credentials")}
        if acao is not None and acao.strip() == origin:
            trusted.append((kind, origin, acac))
        if acao is not None and acao.strip() == "*" and acac:
            wildcard_credentials = True
    evidence = {"url": url, "origins": seen}
    if params.check == "credentials":
        bad = [(kind, origin) for kind, origin, credentials in trusted if credentials]
        if bad:
            kinds = ", ".join(f"{kind} ({origin})" for kind, origin in bad)
            yield Observation((), f"{url} trusts untrusted origins with credentials: {kinds}", bad[0][1], evidence=evidence)
        elif wildcard_credentials:  # no site can read the user's data this way: not this rule's failure
            yield Observation((), f"{url} gives no untrusted origin credentialed access (it {WILDCARD_CREDENTIALS})",
                              status="pass", evidence=evidence)
        else:
            yield Observation((), f"{url} gives no untrusted origin credentialed access", status="pass", evidence=evidence)
        return
    if trusted:
        kinds = ", ".join(f"{kind} ({origin})" for kind, origin, _ in trusted)
        yield Observation((), f"{url} trusts untrusted origins: {kinds}", trusted[0][1], evidence=evidence)
    elif wildcard_credentials:
        yield Observation((), f"{url} {WILDCARD_CREDENTIALS}", "*", evidence=evidence)
    else:
        yield Observation((), f"{url} trusts none of the {len(seen)} test origins", status="pass", evidence=evidence)
