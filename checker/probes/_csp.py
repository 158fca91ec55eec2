"""The MDN HTTP Observatory's Content-Security-Policy test, ported from its code.

Source: mdn/mdn-http-observatory 1.4.8, src/analyzer/cspParser.js and
src/analyzer/tests/csp.js. Policies come from the Content-Security-Policy headers and
the page's `<meta http-equiv>` (where frame-ancestors, report-uri and sandbox do not
count). Browsers ignore 'unsafe-inline' when a nonce or hash is present, and with
'strict-dynamic' also 'self' and scheme/host sources: so does this test (a strict CSP,
Google's recommendation, scores as the Observatory scores it).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

DANGEROUSLY_BROAD = {"ftp:", "http:", "https:", "*", "http://*", "http://*.*", "https://*", "https://*.*"}
UNSAFE_INLINE = {"'unsafe-inline'", "data:"}
PASSIVE_DIRECTIVES = ("img-src", "media-src")
NONCES_HASHES = ("'sha256-", "'sha384-", "'sha512-", "'nonce-")
NOT_IN_META = ("frame-ancestors", "report-uri", "sandbox")
ALLOWED_DUPLICATES = ("report-uri", "report-to")
SHORTEST = len("img-src") - 1

Policy = dict[str, list[str]]


class InvalidPolicy(ValueError):
    pass


@dataclass
class CspVerdict:
    result: str
    modifier: int
    directives: Policy = field(default_factory=dict)  # as judged (after the nonce/strict-dynamic removals)
    unsafe_inline: bool = False
    unsafe_eval: bool = False
    strict_dynamic: bool = False


MODIFIERS = {
    "csp-implemented-with-no-unsafe-default-src-none": 10, "csp-implemented-with-no-unsafe": 5,
    "csp-implemented-with-unsafe-inline-in-style-src-only": 0,
    "csp-implemented-with-insecure-scheme-in-passive-content-only": -10, "csp-implemented-with-unsafe-eval": -10,
    "csp-implemented-with-unsafe-inline": -20, "csp-implemented-with-insecure-scheme": -20,
    "csp-header-invalid": -25, "csp-not-implemented": -25, "csp-not-implemented-but-reporting-enabled": -25,
    "csp-implemented-but-duplicate-directives": 0,
}


def parse(policies: list[str]) -> tuple[Policy, bool]:
    """The combined policy and whether report-uri/report-to were repeated. InvalidPolicy when unparsable."""
    cleaned = [p.replace("\r", "").replace("\n", "").strip() for p in policies]
    for text in cleaned:
        if len(text) < SHORTEST:
            raise InvalidPolicy(text)
    combined: Policy = {}
    duplicates = False
    for index, text in enumerate(cleaned):
        seen: set[str] = set()
        for entry in text.split(";"):
            words = entry.strip().split()
            if not words:
                continue
            name = words[0].lower()
            if name in seen:
                if name not in ALLOWED_DUPLICATES:
                    raise InvalidPolicy(f"duplicate directive {name}")
                duplicates = True
            seen.add(name)
            sources = [w.lower() for w in words[1:]] or (["'none'"] if name.endswith("-src") else [])
            if index == 0:
                combined[name] = sorted(set(sources))
            else:  # a later policy can only narrow: a source survives when both allow it
                earlier = combined.get(name, [])
                kept = [s for s in sources if any(s.startswith(e) for e in earlier)]
                combined[name] = sorted(set(kept))
    return {k: (v or ["'none'"]) for k, v in combined.items()}, duplicates


class _Metas(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.csp: list[str] = []
        self.referrer: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "meta":
            return
        values = {k.lower(): v for k, v in attrs}
        content = values.get("content")
        if "http-equiv" in values and content is not None:
            if (values["http-equiv"] or "").strip().lower() == "content-security-policy" and content:
                self.csp.append(content)
        elif (values.get("name") or "").strip().lower() == "referrer" and content:
            self.referrer = content


def metas(html: str) -> tuple[list[str], str | None]:
    """The page's `<meta http-equiv="Content-Security-Policy">` values and its `<meta name="referrer">`."""
    parser = _Metas()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser rarely gives up; a page it cannot read has no metas for us
        return [], None
    return parser.csp, parser.referrer


def judge(headers: list[str], meta: list[str], report_only: bool, https: bool) -> CspVerdict:
    def verdict(result: str, **flags: object) -> CspVerdict:
        return CspVerdict(result, MODIFIERS[result], **flags)  # type: ignore[arg-type]

    try:
        csp, duplicates = parse(headers + meta)
    except InvalidPolicy:
        return verdict("csp-header-invalid")
    try:
        header_only = parse(headers)[0] if headers else {}
    except InvalidPolicy:
        header_only = {}
    try:
        meta_only = {k: v for k, v in parse(meta)[0].items() if k not in NOT_IN_META} if meta else {}
    except InvalidPolicy:
        meta_only = {}
    if not header_only and not meta_only:
        return verdict("csp-not-implemented-but-reporting-enabled" if report_only else "csp-not-implemented")

    def effective(name: str) -> list[str]:
        found = csp.get(name)
        if found is None:
            found = csp.get("default-src")
        return found if found is not None else ["*"]

    objects, script, style = effective("object-src"), effective("script-src"), effective("style-src")
    # the Observatory edits these lists in place (default-src shared by several): so does this port
    for sources in (script, style):
        if any(s.startswith(NONCES_HASHES) for s in sources) and "'unsafe-inline'" in sources:
            sources.remove("'unsafe-inline'")
    result: str | None = None
    strict_dynamic = False
    if any(s.startswith(NONCES_HASHES) for s in script) and "'strict-dynamic'" in script:
        script[:] = [s for s in script if not (any(s.startswith(b) for b in DANGEROUSLY_BROAD)
                                               or s in ("'self'", "'unsafe-inline'"))]
        strict_dynamic = True
    elif "'strict-dynamic'" in script:
        result = "csp-header-invalid"
    active = [s for name, values in csp.items() if name not in PASSIVE_DIRECTIVES and name != "script-src" for s in values]
    active += script
    passive = [s for name in PASSIVE_DIRECTIVES for s in (csp.get(name) or csp.get("default-src") or [])]
    unsafe_inline = any(s in DANGEROUSLY_BROAD | UNSAFE_INLINE for s in script) or any(s in DANGEROUSLY_BROAD for s in objects)
    if unsafe_inline:
        result = result or "csp-implemented-with-unsafe-inline"
    if https and any(s.startswith(("http:", "ftp:")) for s in active):
        result = result or "csp-implemented-with-insecure-scheme"
    unsafe_eval = "'unsafe-eval'" in script + style
    if unsafe_eval:
        result = result or "csp-implemented-with-unsafe-eval"
    if https and any(s.startswith(("http:", "ftp:")) for s in passive):
        result = result or "csp-implemented-with-insecure-scheme-in-passive-content-only"
    if any(s in DANGEROUSLY_BROAD | UNSAFE_INLINE for s in style):
        result = result or "csp-implemented-with-unsafe-inline-in-style-src-only"
    if csp.get("default-src") == ["'none'"]:
        result = result or "csp-implemented-with-no-unsafe-default-src-none"
    result = result or "csp-implemented-with-no-unsafe"
    passed = result in ("csp-implemented-with-no-unsafe", "csp-implemented-with-no-unsafe-default-src-none",
                        "csp-implemented-with-unsafe-inline-in-style-src-only",
                        "csp-implemented-with-insecure-scheme-in-passive-content-only")
    if passed and duplicates:
        result = "csp-implemented-but-duplicate-directives"
    # frame-ancestors counts only from a header: browsers ignore it in <meta> (the Observatory does not)
    judged = {k: v for k, v in csp.items() if k != "frame-ancestors"}
    if "frame-ancestors" in header_only:
        judged["frame-ancestors"] = header_only["frame-ancestors"]
    return verdict(result, directives=judged, unsafe_inline=unsafe_inline, unsafe_eval=unsafe_eval,
                   strict_dynamic=strict_dynamic)
