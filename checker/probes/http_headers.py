"""Security headers of a live http/https page, graded the way the MDN HTTP Observatory grades.

One GET of the target URL (sent with `Origin: https://preflight-probe.example`, as
the Observatory sends its own origin for the CORS test). Every test starts from
100 and adds its modifier; bonuses (positive modifiers) count only when the
score with the penalties alone is at least 90. The score is floored at 0,
rounded down to a multiple of 5 and graded (scores above 100 grade as 100):

    100+ A+   95 A   90 A   85 A-   80 B+   75 B   70 B   65 B-   60 C+
    55 C   50 C   45 C-   40 D+   35 D   30 D   25 D-   20..0 F

Source: mdn/mdn-http-observatory src/grader/charts.js (GRADE_CHART, SCORE_TABLE,
MINIMUM_SCORE_FOR_EXTRA_CREDIT) and src/grader/grader.js. The modifiers used:

    content-security-policy  none -25, unparsable -25, unsafe-inline/data:/broad or unset script-src/object-src -20,
                             insecure http: source on https -20, unsafe-eval -10, style-src unsafe only 0,
                             no unsafe +5, default-src 'none' with form-action 'none'/'self' +10
    cookies                  none 0; without Secure -20 (-5 with HSTS); session cookie without Secure -40
                             (-10 with HSTS); session without HttpOnly -30; bad SameSite -20; no SameSite 0;
                             all Secure, HttpOnly sessions, SameSite +5
    cross-origin-resource-sharing   probe origin reflected with credentials -50, otherwise 0
    redirection              http target: no redirect -20, first hop not https -10, off-host -5, to https 0;
                             an https target is not re-fetched over http (0)
    referrer-policy          no-referrer/same-origin/strict-origin[-when-cross-origin] +5, absent 0, unsafe -5, invalid -5
    strict-transport-security  absent -20, invalid -20, plain-http target -20, max-age < 15768000 -10, else 0
                               (the preload list, +5, is not consulted)
    subresource-integrity    external scripts: http without SRI -50, http with SRI -20, https without SRI -5,
                             all with SRI over https +5; none or same-origin only 0
    x-content-type-options   nosniff 0, absent -5, invalid -5
    x-frame-options          CSP frame-ancestors +5, DENY/SAMEORIGIN/ALLOW-FROM 0, absent -20, invalid -20
    cross-origin-resource-policy  same-origin/same-site +10, cross-origin 0, absent 0, invalid -5

Params: `check` one of grade (fails below `min_grade`, default B), hsts (max-age at
least `hsts_min_age`), csp (present, no 'unsafe-inline'/'unsafe-eval' in
script-src/default-src), nosniff, framing (X-Frame-Options DENY/SAMEORIGIN or CSP
frame-ancestors), referrer (a private Referrer-Policy), cookies (Secure, HttpOnly
and SameSite on every Set-Cookie). A pass carries the evidence too: response
headers (Set-Cookie values masked), score, grade and per-test results.

Fails (check: grade): a page with no security headers (score 0, F).
Passes: CSP default-src 'none', HSTS one year, nosniff, frame-ancestors, Referrer-Policy no-referrer, CORP same-origin (A+).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Literal

from checker.inputs.document import Document
from checker.models import STRICT
from checker.probes import _observatory as obs
from checker.probes._http import DEFAULT_TIMEOUT, Response, fetch, follow, mark_unverified, system_store, tracking, verify_option
from checker.probes.base import Context, Observation

NAME = "http-headers"
TARGETS = ("live",)


@dataclass
class Params:
    __pydantic_config__ = STRICT
    check: Literal["grade", "hsts", "csp", "nosniff", "framing", "referrer", "cookies"]
    min_grade: Literal["A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F"] = "B"
    hsts_min_age: int = obs.HSTS_SIX_MONTHS


def applies(doc: Document, params: Params) -> bool:
    return doc.data.get("scheme") in ("http", "https")


def masked_headers(response: Response) -> dict[str, str]:
    headers = {k: v for k, v in response.headers.items() if k != "set-cookie"}
    if response.set_cookies:
        headers["set-cookie"] = " | ".join(_mask_cookie(c) for c in response.set_cookies)
    return headers


def _mask_cookie(cookie: str) -> str:
    first, _, rest = cookie.partition(";")
    name = first.split("=", 1)[0].strip()
    return f"{name}=***" + (f";{rest}" if rest else "")


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    with tracking() as unverified:
        observations = list(_check(doc, params, context))
    yield from mark_unverified(observations, unverified)


def _check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    url = doc.data["url"]
    options: dict[str, Any] = dict(headers={"Origin": obs.PROBE_ORIGIN}, timeout=float(context.options.get("timeout") or DEFAULT_TIMEOUT),
                   verify=verify_option(context.options))
    chain: list[tuple[str, int]] | None = None
    cut_short = None
    if doc.data["scheme"] == "http":  # graded on the page the user lands on, as the Observatory does
        response, chain, cut_short = follow(url, **options)
    else:
        response = fetch(url, **options)
    https = response.url.startswith("https:")
    tests = obs.run_tests(response, https, chain)
    score = obs.total(tests)
    grade = obs.grade_for(score)
    evidence: dict[str, Any] = {
        "status": response.status, "headers": masked_headers(response), "score": score, "grade": grade,
        "tests": {name: {"modifier": t.modifier, "result": t.result} for name, t in tests.items()},
    }
    if https:  # the same trust decision as SEC-500's
        evidence["trusted_by"] = f"CA bundle {context.options['ca_bundle']}" if context.options.get("ca_bundle") \
            else ("nothing (--insecure)" if context.options.get("insecure") else system_store()[1])
    if chain is not None:
        evidence["redirects"] = [f"{status} {hop}" if status else f"-> {hop}" for hop, status in chain]
        evidence["graded_url"] = response.url
        if cut_short:
            evidence["redirects_not_followed"] = cut_short
    problem = _problem(params, response, tests, score, grade, https)
    if problem is None:
        yield Observation((), f"{url}: {_passed(params, score, grade)}", status="pass", evidence=evidence)
    else:
        message, observed = problem
        yield Observation((), f"{url}: {message}", observed, evidence=evidence)


def _passed(params: Params, score: int, grade: str) -> str:
    if params.check == "grade":
        return f"scores {score} ({grade}) on the Observatory tests"
    return f"{params.check} header in place"


def _problem(
    params: Params, response: Response, tests: dict[str, obs.TestResult], score: int, grade: str, https: bool
) -> tuple[str, str | None] | None:
    h = response.headers
    if params.check == "grade":
        if obs.GRADES.index(grade) < obs.GRADES.index(params.min_grade):
            worst = sorted((t.modifier, name) for name, t in tests.items() if t.modifier < 0)[:3]
            lost = ", ".join(f"{name} {modifier}" for modifier, name in worst)
            return f"scores {score} ({grade}) on the Observatory tests, below {params.min_grade} ({lost})", grade
        return None
    if params.check == "hsts":
        if not https:
            return "is served over plain http, where Strict-Transport-Security has no effect", None
        value = h.get("strict-transport-security")
        if value is not None and not response.verified:
            return "sends Strict-Transport-Security over a certificate that does not verify: browsers ignore it", value
        age = obs.hsts_max_age(value)
        if value is None:
            return "sends no Strict-Transport-Security header", None
        if age is None or age < params.hsts_min_age:
            return f"Strict-Transport-Security max-age is {age if age is not None else 'missing'}, below {params.hsts_min_age}", value
        return None
    if params.check == "csp":
        verdict = obs.csp_verdict(response, https)
        if verdict.result in ("csp-not-implemented", "csp-not-implemented-but-reporting-enabled"):
            return "sends no Content-Security-Policy (header or <meta>)", None
        value = h.get("content-security-policy") or "; ".join(obs.page_metas(response)[0])
        if verdict.result == "csp-header-invalid":
            return "Content-Security-Policy cannot be parsed (or uses 'strict-dynamic' without a nonce or hash)", value
        script = obs.effective(verdict.directives, "script-src")
        if script is None:
            return "Content-Security-Policy sets neither script-src nor default-src", value
        # browsers ignore 'unsafe-inline' next to a nonce or hash, and so does the verdict
        unsafe = [s for s in ("'unsafe-inline'", "'unsafe-eval'") if s in script]
        if unsafe:
            return f"Content-Security-Policy allows {' and '.join(unsafe)} for scripts", value
        return None
    if params.check == "nosniff":
        value = h.get("x-content-type-options")
        if (value or "").strip().lower() != "nosniff":
            return ("sends no X-Content-Type-Options header" if value is None
                    else "X-Content-Type-Options is not nosniff"), value
        return None
    if params.check == "framing":
        if tests["x-frame-options"].modifier < 0:
            return "sends neither X-Frame-Options DENY/SAMEORIGIN nor CSP frame-ancestors", h.get("x-frame-options")
        return None
    if params.check == "referrer":
        value = obs.referrer_policy(response)
        if value is None:
            return "sends no Referrer-Policy (header or <meta name=\"referrer\">)", None
        if tests["referrer-policy"].modifier < 0:
            return f"Referrer-Policy {value} leaks full URLs to other origins", value
        return None
    missing = []
    for cookie in response.set_cookies:
        name, flags, samesite = obs.cookie_flags(cookie)
        lacking = [flag for flag, ok in (("Secure", "secure" in flags), ("HttpOnly", "httponly" in flags),
                                          ("SameSite", samesite is not None)) if not ok]
        if lacking:
            missing.append(f"{name} lacks {', '.join(lacking)}")
    if missing:
        return f"cookie {'; '.join(missing)}", None
    return None
