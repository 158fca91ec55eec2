"""The MDN HTTP Observatory's tests and score, reimplemented over one response (see http_headers.py).

Source of the modifiers and the grade table: mdn/mdn-http-observatory,
`src/grader/charts.js` (SCORE_TABLE, GRADE_CHART, MINIMUM_SCORE_FOR_EXTRA_CREDIT = 90)
and `src/grader/grader.js` (score floored at 0, rounded down to a multiple of 5,
anything above 100 graded as 100).
"""
from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import urlsplit

from checker.probes import _csp
from checker.probes._http import Response

GRADE_CHART = {
    100: "A+", 95: "A", 90: "A", 85: "A-", 80: "B+", 75: "B", 70: "B", 65: "B-", 60: "C+", 55: "C", 50: "C",
    45: "C-", 40: "D+", 35: "D", 30: "D", 25: "D-", 20: "F", 15: "F", 10: "F", 5: "F", 0: "F",
}
GRADES = ("F", "D-", "D", "D+", "C-", "C", "C+", "B-", "B", "B+", "A-", "A", "A+")  # worst to best
MINIMUM_SCORE_FOR_EXTRA_CREDIT = 90
HSTS_SIX_MONTHS = 15552000  # the Observatory's code (its help text says 15768000)
HTML_TYPES = {"text/html", "application/xhtml+xml"}
PRIVATE_REFERRERS = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
UNSAFE_REFERRERS = {"origin", "origin-when-cross-origin", "unsafe-url", "no-referrer-when-downgrade"}
SESSION_NAMES = re.compile(r"sess|sid|auth|token|login", re.I)  # SEC-526's idea of a session cookie
IGNORED_COOKIES = ("heroku-session-affinity",)
PROBE_ORIGIN = "https://preflight-probe.example"


class TestResult(NamedTuple):
    modifier: int
    result: str


def grade_for(score: int) -> str:
    score = max(score, 0)
    return GRADE_CHART[min(score - score % 5, 100)]


def total(tests: dict[str, TestResult]) -> int:
    penalised = 100 + sum(t.modifier for t in tests.values() if t.modifier < 0)
    if penalised >= MINIMUM_SCORE_FOR_EXTRA_CREDIT:
        penalised += sum(t.modifier for t in tests.values() if t.modifier > 0)
    return max(penalised, 0)


def csp_directives(value: str | None) -> dict[str, list[str]] | None:
    if value is None:
        return None
    directives: dict[str, list[str]] = {}
    for part in value.split(";"):
        words = part.strip().split()
        if words:
            directives.setdefault(words[0].lower(), [w.lower() for w in words[1:]])
    return directives


def effective(directives: dict[str, list[str]], name: str) -> list[str] | None:
    return directives.get(name, directives.get("default-src"))


def page_metas(response: Response) -> tuple[list[str], str | None]:
    """CSP and referrer policy the HTML page sets in <meta> (the Observatory reads them too)."""
    if response.headers.get("content-type", "").split(";")[0].strip().lower() not in HTML_TYPES or not response.body:
        return [], None
    return _csp.metas(response.body.decode("utf-8", "replace"))


def csp_policies(headers: dict[str, str]) -> list[str]:
    """Each Content-Security-Policy header (repeated headers arrive joined with ", ", the policy separator)."""
    value = headers.get("content-security-policy")
    return [p for p in value.split(",")] if value is not None else []


def csp_verdict(response: Response, https: bool) -> _csp.CspVerdict:
    meta, _ = page_metas(response)
    report_only = "content-security-policy-report-only" in response.headers
    return _csp.judge(csp_policies(response.headers), meta, report_only, https)


def test_csp(response: Response, https: bool) -> TestResult:
    verdict = csp_verdict(response, https)
    return TestResult(verdict.modifier, verdict.result)


def hsts_max_age(value: str | None) -> int | None:
    match = re.search(r"max-age\s*=\s*\"?(\d+)", value or "", re.I)
    return int(match.group(1)) if match else None


def test_hsts(response: Response, https: bool) -> TestResult:
    if not https:
        return TestResult(-20, "hsts-not-implemented-no-https")
    if not response.verified:  # a header over a connection anyone could have answered proves nothing
        return TestResult(-20, "hsts-invalid-cert")
    value = response.headers.get("strict-transport-security")
    if value is None:
        return TestResult(-20, "hsts-not-implemented")
    age = hsts_max_age(value)
    if age is None or "," in value:  # "," : the header was sent more than once
        return TestResult(-20, "hsts-header-invalid")
    if age < HSTS_SIX_MONTHS:
        return TestResult(-10, "hsts-implemented-max-age-less-than-six-months")
    return TestResult(0, "hsts-implemented-max-age-at-least-six-months")  # preload list not consulted


def cookie_flags(cookie: str) -> tuple[str, set[str], str | None]:
    parts = [p.strip() for p in cookie.split(";")]
    name = parts[0].split("=", 1)[0].strip()
    flags = {p.split("=", 1)[0].strip().lower() for p in parts[1:]}
    samesite = next((p.split("=", 1)[1].strip().lower() if "=" in p else "" for p in parts[1:]
                     if p.split("=", 1)[0].strip().lower() == "samesite"), None)
    return name, flags, samesite


# the Observatory keeps the worst result in this order, not the lowest modifier (cookies.js `goodness`)
COOKIE_ORDER = (
    TestResult(-5, "cookies-without-secure-flag-but-protected-by-hsts"), TestResult(-20, "cookies-without-secure-flag"),
    TestResult(-10, "cookies-session-without-secure-flag-but-protected-by-hsts"),
    TestResult(-20, "cookies-samesite-flag-invalid"), TestResult(-20, "cookies-anticsrf-without-samesite-flag"),
    TestResult(-30, "cookies-session-without-httponly-flag"), TestResult(-40, "cookies-session-without-secure-flag"),
)


def test_cookies(cookies: list[str], headers: dict[str, str], https: bool, verified: bool = True) -> TestResult:
    if not [c for c in cookies if cookie_flags(c)[0] and cookie_flags(c)[0] not in IGNORED_COOKIES]:
        return TestResult(0, "cookies-not-found")
    hsts = https and verified and hsts_max_age(headers.get("strict-transport-security")) is not None
    found: list[TestResult] = []
    missing_samesite = False
    for cookie in cookies:
        name, flags, samesite = cookie_flags(cookie)
        if not name or name in IGNORED_COOKIES:
            continue
        lowered = name.lower()
        session, anticsrf, secure = any(w in lowered for w in ("login", "sess")), "csrf" in lowered, "secure" in flags
        if samesite is not None and samesite not in ("strict", "lax", "none"):
            found.append(COOKIE_ORDER[3])
            samesite = None  # an unknown value is no SameSite at all
        if not secure and samesite == "none":
            found.append(COOKIE_ORDER[3])  # browsers reject SameSite=None without Secure
        if not secure:
            found.append(COOKIE_ORDER[0] if hsts else COOKIE_ORDER[1])
        if anticsrf and samesite is None:
            found.append(COOKIE_ORDER[4])
        if session and not secure:
            found.append(COOKIE_ORDER[2] if hsts else COOKIE_ORDER[6])
        if session and "httponly" not in flags:
            found.append(COOKIE_ORDER[5])
        missing_samesite = missing_samesite or samesite is None
    if found:
        return max(found, key=COOKIE_ORDER.index)
    if missing_samesite:
        return TestResult(0, "cookies-secure-with-httponly-sessions")
    return TestResult(5, "cookies-secure-with-httponly-sessions-and-samesite")


def test_cors(headers: dict[str, str]) -> TestResult:
    allowed = headers.get("access-control-allow-origin")
    if allowed is None:
        return TestResult(0, "cross-origin-resource-sharing-not-implemented")
    credentials = headers.get("access-control-allow-credentials", "").strip().lower() == "true"
    if allowed.strip() == PROBE_ORIGIN and credentials:
        return TestResult(-50, "cross-origin-resource-sharing-implemented-with-universal-access")
    if allowed.strip() == "*":
        return TestResult(0, "cross-origin-resource-sharing-implemented-with-public-access")
    return TestResult(0, "cross-origin-resource-sharing-implemented-with-restricted-access")


def test_redirection(response: Response, https: bool, chain: list[tuple[str, int]] | None = None) -> TestResult:
    """The Observatory's route test: `chain` is every URL from the http:// one to the page graded."""
    if chain is None:
        if https:
            return TestResult(0, "redirection-not-needed-no-http")  # an https target: no http route asked
        chain = [(response.url, response.status)]
    if len(chain) == 1:
        return TestResult(-20, "redirection-missing")
    schemes = [urlsplit(url).scheme for url, _ in chain]
    if schemes[-1] != "https":
        return TestResult(-20, "redirection-not-to-https")
    if schemes[1] == "http":
        return TestResult(-10, "redirection-not-to-https-on-initial-redirection")
    if urlsplit(chain[0][0]).hostname != urlsplit(chain[1][0]).hostname:
        return TestResult(-5, "redirection-off-host-from-http")
    return TestResult(0, "redirection-to-https")


def referrer_policy(response: Response) -> str | None:
    """The header and the page's <meta name="referrer"> joined: the meta comes last and wins, as in browsers."""
    values = [v for v in (response.headers.get("referrer-policy"), page_metas(response)[1]) if v is not None]
    return ", ".join(values) if values else None


def test_referrer(response: Response) -> TestResult:
    value = referrer_policy(response)
    if value is None:
        return TestResult(0, "referrer-policy-not-implemented")
    known = [p.strip().lower() for p in value.split(",") if p.strip().lower() in PRIVATE_REFERRERS | UNSAFE_REFERRERS]
    if not known:
        return TestResult(-5, "referrer-policy-header-invalid")
    if known[-1] in PRIVATE_REFERRERS:
        return TestResult(5, "referrer-policy-private")
    return TestResult(-5, "referrer-policy-unsafe")


def test_sri(response: Response) -> TestResult:
    if "html" not in response.headers.get("content-type", ""):
        return TestResult(0, "sri-not-implemented-response-not-html")
    scripts = re.findall(r"<script\b[^>]*\bsrc\s*=\s*[\"']?([^\"'\s>]+)[^>]*>", response.body.decode("utf-8", "replace"), re.I)
    tags = re.findall(r"<script\b[^>]*\bsrc\s*=[^>]*>", response.body.decode("utf-8", "replace"), re.I)
    if not scripts:
        return TestResult(0, "sri-not-implemented-but-no-scripts-loaded")
    own = urlsplit(response.url).hostname
    external = [(src, tag) for src, tag in zip(scripts, tags) if src.startswith("//") or (urlsplit(src).hostname not in (None, own))]
    if not external:
        return TestResult(0, "sri-not-implemented-but-all-scripts-loaded-from-secure-origin")
    insecure = any(src.startswith(("http://", "//")) for src, _ in external)
    with_sri = all("integrity=" in tag.lower() for _, tag in external)
    if with_sri:
        return TestResult(-20, "sri-implemented-but-external-scripts-not-loaded-securely") if insecure \
            else TestResult(5, "sri-implemented-and-external-scripts-loaded-securely")
    return TestResult(-50, "sri-not-implemented-and-external-scripts-not-loaded-securely") if insecure \
        else TestResult(-5, "sri-not-implemented-but-external-scripts-loaded-securely")


def test_nosniff(headers: dict[str, str]) -> TestResult:
    value = headers.get("x-content-type-options")
    if value is None:
        return TestResult(-5, "x-content-type-options-not-implemented")
    if value.strip().lower() == "nosniff":
        return TestResult(0, "x-content-type-options-nosniff")
    return TestResult(-5, "x-content-type-options-header-invalid")


def test_framing(response: Response, csp: _csp.CspVerdict | None = None) -> TestResult:
    headers = response.headers
    value = headers.get("x-frame-options")
    if (csp or _csp.CspVerdict("", 0)).directives.get("frame-ancestors") is not None:
        return TestResult(5, "x-frame-options-implemented-via-csp")
    if value is None:
        return TestResult(-20, "x-frame-options-not-implemented")
    word = value.strip().lower()
    if word in ("deny", "sameorigin"):
        return TestResult(0, "x-frame-options-sameorigin-or-deny")
    if word.startswith("allow-from"):
        return TestResult(0, "x-frame-options-allow-from-origin")
    return TestResult(-20, "x-frame-options-header-invalid")


def test_corp(headers: dict[str, str]) -> TestResult:
    value = headers.get("cross-origin-resource-policy")
    if value is None:
        return TestResult(0, "corp-not-implemented")
    word = value.strip().lower()
    if word in ("same-origin", "same-site"):
        return TestResult(10, f"corp-implemented-with-{word}")
    if word == "cross-origin":
        return TestResult(0, "corp-implemented-with-cross-origin")
    return TestResult(-5, "corp-header-invalid")


def run_tests(response: Response, https: bool, chain: list[tuple[str, int]] | None = None) -> dict[str, TestResult]:
    """`response`: the page graded (after redirects); `chain`: the http:// redirect route, when one was followed."""
    h = response.headers
    csp = csp_verdict(response, https)
    return {
        "content-security-policy": TestResult(csp.modifier, csp.result),
        "cookies": test_cookies(response.set_cookies, h, https, response.verified),
        "cross-origin-resource-sharing": test_cors(h),
        "redirection": test_redirection(response, https, chain),
        "referrer-policy": test_referrer(response),
        "strict-transport-security": test_hsts(response, https),
        "subresource-integrity": test_sri(response),
        "x-content-type-options": test_nosniff(h),
        "x-frame-options": test_framing(response, csp),
        "cross-origin-resource-policy": test_corp(h),
    }
