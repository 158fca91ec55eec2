"""A finding's fingerprint: stable across runs and line shifts, different for different findings.

Used by SARIF `partialFingerprints` and by baselines. Built from the rule, the
file (or URL), the object the finding is about (a key path, `Deployment/web
spec...`) and the message; not from the line number, so adding a line above a
finding keeps its fingerprint.
"""
from __future__ import annotations

from checker.models import Result


def fingerprint(result: Result) -> str:
    location = result.location
    where = (location.url or location.file or "") if location else result.target
    what = (location.object or "") if location else ""
    material = "\0".join([result.rule_id, where, what, result.message])
    import hashlib  # here, not at the top: a scan without baseline or SARIF never needs it (OpenSSL: 4 ms)

    return hashlib.sha256(material.encode()).hexdigest()[:32]
