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

from checker.probes._http import Response

GRADE_CHART = {
    100: "A+", 95: "A", 90: "A", 85: "A-", 80: "B+", 75: "B", 70: "B", 65: "B-", 60: "C+", 55: "C", 50: "C",
    45: "C-", 40: "D+", 35: "D", 30: "D", 25: "D-", 20: "F", 15: "F", 10: "F", 5: "F", 0: "F",
}
GRADES = ("F", "D-", "D", "D+", "C-", "C", "C+", "B-", "B", "B+", "A-", "A", "A+")  # worst to best
MINIMUM_SCORE_FOR_EXTRA_CREDIT = 90
HSTS_SIX_MONTHS = 15768000
PRIVATE_REFERRERS = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
UNSAFE_REFERRERS = {"origin", "origin-when-cross-origin", "unsafe-url", "no-referrer-when-downgrade"}
SESSION_NAMES = re.compile(r"sess|sid|auth|token|login", re.I)
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


def test_csp(headers: dict[str, str], https: bool) -> TestResult:
    directives = csp_directives(headers.get("content-security-policy"))
    if directives is None:
        return TestResult(-25, "csp-not-implemented")
    if not directives:
        return TestResult(-25, "csp-header-invalid")
    script, objects = effective(directives, "script-src"), effective(directives, "object-src")
    broad = {"*", "https:", "http:", "data:"}
    if script is None or objects is None or "'unsafe-inline'" in script or broad & set(script) or broad & set(objects):
        return TestResult(-20, "csp-implemented-with-unsafe-inline")
    if "'unsafe-eval'" in script:
        return TestResult(-10, "csp-implemented-with-unsafe-eval")
    sources = [s for values in directives.values() for s in values]
    if https and any(s == "http:" or s.startswith("http://") for s in sources):
        return TestResult(-20, "csp-implemented-with-insecure-scheme")
    if directives.get("default-src") == ["'none'"] and directives.get("form-action") in (["'none'"], ["'self'"]):
        return TestResult(10, "csp-implemented-with-no-unsafe-default-src-none")
    if "'unsafe-inline'" in (effective(directives, "style-src") or []):
        return TestResult(0, "csp-implemented-with-unsafe-inline-in-style-src-only")
    return TestResult(5, "csp-implemented-with-no-unsafe")


def hsts_max_age(value: str | None) -> int | None:
    match = re.search(r"max-age\s*=\s*\"?(\d+)", value or "", re.I)
    return int(match.group(1)) if match else None


def test_hsts(headers: dict[str, str], https: bool) -> TestResult:
    if not https:
        return TestResult(-20, "hsts-not-implemented-no-https")
    value = headers.get("strict-transport-security")
    if value is None:
        return TestResult(-20, "hsts-not-implemented")
    age = hsts_max_age(value)
    if age is None:
        return TestResult(-20, "hsts-header-invalid")
    if age < HSTS_SIX_MONTHS:
        return TestResult(-10, "hsts-implemented-max-age-less-than-six-months")
    return TestResult(0, "hsts-implemented-max-age-at-least-six-months")  # preload list not consulted


def cookie_flags(cookie: str) -> tuple[str, set[str], str | None]:
    parts = [p.strip() for p in cookie.split(";")]
    name = parts[0].split("=", 1)[0].strip()
    flags = {p.split("=", 1)[0].strip().lower() for p in parts[1:]}
    samesite = next((p.split("=", 1)[1].strip().lower() for p in parts[1:] if p.lower().startswith("samesite=")), None)
    return name, flags, samesite


def test_cookies(cookies: list[str], headers: dict[str, str], https: bool) -> TestResult:
    if not cookies:
        return TestResult(0, "cookies-not-found")
    hsts = https and (hsts_max_age(headers.get("strict-transport-security")) or 0) > 0
    worst = TestResult(5, "cookies-secure-with-httponly-sessions-and-samesite")
    for cookie in cookies:
        name, flags, samesite = cookie_flags(cookie)
        session = bool(SESSION_NAMES.search(name))
        found = [TestResult(5, worst.result)]
        if "secure" not in flags or not https:
            if session:
                found.append(TestResult(-10, "cookies-session-without-secure-flag-but-protected-by-hsts") if hsts
                             else TestResult(-40, "cookies-session-without-secure-flag"))
            else:
                found.append(TestResult(-5, "cookies-without-secure-flag-but-protected-by-hsts") if hsts
                             else TestResult(-20, "cookies-without-secure-flag"))
        if session and "httponly" not in flags:
            found.append(TestResult(-30, "cookies-session-without-httponly-flag"))
        if samesite is not None and samesite not in ("strict", "lax", "none"):
            found.append(TestResult(-20, "cookies-samesite-flag-invalid"))
        elif samesite is None:
            found.append(TestResult(0, "cookies-secure-with-httponly-sessions"))
        lowest = min(found, key=lambda t: t.modifier)
        worst = min(worst, lowest, key=lambda t: t.modifier)
    return worst


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


def test_redirection(response: Response, https: bool) -> TestResult:
    if https:
        return TestResult(0, "redirection-not-tested-target-is-https")
    location = response.headers.get("location", "")
    if not 300 <= response.status < 400 or not location:
        return TestResult(-20, "redirection-missing")
    target = urlsplit(location)
    if target.scheme != "https":
        return TestResult(-10, "redirection-not-to-https-on-initial-redirection")
    if target.hostname != urlsplit(response.url).hostname:
        return TestResult(-5, "redirection-off-host-from-http")
    return TestResult(0, "redirection-to-https")


def test_referrer(headers: dict[str, str]) -> TestResult:
    value = headers.get("referrer-policy")
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


def test_framing(headers: dict[str, str]) -> TestResult:
    directives = csp_directives(headers.get("content-security-policy")) or {}
    if "frame-ancestors" in directives:
        return TestResult(5, "x-frame-options-implemented-via-csp")
    value = headers.get("x-frame-options")
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
        return TestResult(0, "cross-origin-resource-policy-not-implemented")
    word = value.strip().lower()
    if word in ("same-origin", "same-site"):
        return TestResult(10, f"cross-origin-resource-policy-implemented-with-{word}")
    if word == "cross-origin":
        return TestResult(0, "cross-origin-resource-policy-implemented-with-cross-origin")
    return TestResult(-5, "cross-origin-resource-policy-header-invalid")


def run_tests(response: Response, https: bool) -> dict[str, TestResult]:
    h = response.headers
    return {
        "content-security-policy": test_csp(h, https),
        "cookies": test_cookies(response.set_cookies, h, https),
        "cross-origin-resource-sharing": test_cors(h),
        "redirection": test_redirection(response, https),
        "referrer-policy": test_referrer(h),
        "strict-transport-security": test_hsts(h, https),
        "subresource-integrity": test_sri(response),
        "x-content-type-options": test_nosniff(h),
        "x-frame-options": test_framing(h),
        "cross-origin-resource-policy": test_corp(h),
    }
