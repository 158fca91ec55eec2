"""`.env` parsing: values, line numbers, duplicates, references and malformed lines."""
from __future__ import annotations

import codecs
from pathlib import Path

from checker.api import scan_paths
from checker.inputs.discover import discover
from checker.inputs.env_file import EnvEntry, parse_env, to_document_parts
from checker.inputs.load import load


def values(text: str) -> dict[str, str]:
    return {e.key: e.value for e in parse_env(text).entries}


def load_env(path: Path):
    loaded = load(list(discover([str(path)])))
    assert loaded.problems == []
    (doc,) = loaded.documents
    return doc


def test_export_prefix_is_dropped():
    (entry,) = parse_env("export API_URL=https://api.example.com\n").entries
    assert entry == EnvEntry("API_URL", "https://api.example.com", "https://api.example.com", 1, True)


def test_single_quotes_are_literal_and_never_expanded():
    parsed = parse_env("HOST=db\nDSN='postgres://${HOST}/app \\n'\n")
    assert parsed.entries[1] == EnvEntry("DSN", "postgres://${HOST}/app \\n", "postgres://${HOST}/app \\n", 2, True)


def test_double_quotes_decode_escapes_and_expand_references():
    parsed = parse_env('USER=ann\nGREETING="hi \\"${USER}\\"\\nbye"\n')
    entry = parsed.entries[1]
    assert (entry.value, entry.raw, entry.line) == ('hi "ann"\nbye', 'hi "${USER}"\nbye', 2)


def test_inline_comment_after_space_is_stripped_but_hash_inside_value_is_kept():
    assert values("LEVEL=info # the default\nURL=https://x.example/#frag\nQ='a # b'\n") == {
        "LEVEL": "info",
        "URL": "https://x.example/#frag",
        "Q": "a # b",
    }


def test_multi_line_double_quoted_value_keeps_its_key_line_and_later_lines_count_on():
    text = 'A=1\nCERT="-----BEGIN-----\nabc\n-----END-----"\nB=2\n'
    entries = parse_env(text).entries
    assert [(e.key, e.line) for e in entries] == [("A", 1), ("CERT", 2), ("B", 5)]
    assert entries[1].value == "-----BEGIN-----\nabc\n-----END-----"


def test_blank_lines_and_comments_before_a_key_do_not_shift_its_line():
    text = "# header\n\nA=1\n\n\n# section\n\nB=2\n  \n\tbroken line\nC=3\n"
    parsed = parse_env(text)
    assert [(e.key, e.line) for e in parsed.entries] == [("A", 3), ("B", 8), ("C", 11)]
    assert [e.line for e in parsed.errors] == [10]


def test_duplicate_keys_last_wins_and_duplicate_records_the_first_line():
    parsed = parse_env("LOG_LEVEL=info\nOTHER=x\nLOG_LEVEL=debug\n")
    data, positions, settings, duplicates = to_document_parts(parsed)
    assert data == {"LOG_LEVEL": "debug", "OTHER": "x"}
    assert positions[("LOG_LEVEL",)] == (3, 1)
    assert [(d.path, d.first_line) for d in duplicates] == [(("LOG_LEVEL",), 1)]
    assert [(s.key, s.value) for s in settings] == [("LOG_LEVEL", "debug"), ("OTHER", "x")]


def test_duplicates_reach_the_document(tmp_path: Path):
    path = tmp_path / ".env"
    path.write_text("A=1\nA=2\nA=3\n")
    doc = load_env(path)
    assert doc.data == {"A": "3"}
    assert [(d.path, d.first_line) for d in doc.duplicates] == [(("A",), 1), (("A",), 2)]


def test_references_to_earlier_keys_and_defaults():
    parsed = parse_env(
        "HOST=db\nPORT=5432\nURL=postgres://${HOST}:$PORT/app\nCACHE=${REDIS_HOST:-localhost}\nEMPTY=\nE2=${EMPTY:-fallback}\n"
    )
    assert {e.key: (e.value, e.resolved) for e in parsed.entries} == {
        "HOST": ("db", True),
        "PORT": ("5432", True),
        "URL": ("postgres://db:5432/app", True),
        "CACHE": ("localhost", True),
        "EMPTY": ("", True),
        "E2": ("fallback", True),
    }


def test_reference_to_a_later_or_unknown_key_expands_to_empty_and_a_braced_one_stays_unknown():
    # Compose reads `.env` top to bottom: HOST is not set yet, so URL is "/x" (a warning, not an error);
    # `${HOST}` is written as a reference (to the shell, most likely), so the scan does not judge "/x"
    parsed = parse_env("URL=${HOST}/x\nHOST=db\nPLAIN=$PORT/x\n")
    assert [(e.value, e.resolved) for e in parsed.entries] == [("/x", False), ("db", True), ("/x", True)]


def test_a_dollar_inside_a_secret_cuts_it_where_compose_does():
    parsed = parse_env("DEFAULT_ROOT_PSW=Xk3r9$Lq2wPz\nQ=\"Xk3r9$Lq2\"\nS='Xk3r9$Lq2'\nD=Xk3r9$$Lq2\n")
    assert [(e.key, e.value, e.resolved) for e in parsed.entries] == [
        ("DEFAULT_ROOT_PSW", "Xk3r9", True), ("Q", "Xk3r9", True), ("S", "Xk3r9$Lq2", True), ("D", "Xk3r9$Lq2", True),
    ]


def test_a_value_made_only_of_unset_references_stays_unknown():
    # `${FROM_SHELL}` comes from the shell that runs compose: not known to a scan, never judged as ""
    parsed = parse_env("A=${FROM_SHELL}\nB=${REQUIRED:?set it}x\n")
    assert [(e.value, e.resolved) for e in parsed.entries] == [("", False), ("x", False)]


def test_env_names_are_case_sensitive():
    assert values("token_key=a\nTOKEN_KEY=b\n") == {"token_key": "a", "TOKEN_KEY": "b"}


def test_reference_uses_the_value_at_that_point_of_the_file():
    assert values("A=1\nB=${A}\nA=2\nC=${A}\n") == {"A": "2", "B": "1", "C": "2"}


def test_outer_variables_are_visible_to_references():
    (entry,) = parse_env("URL=${SCHEME}://x\n", {"SCHEME": "https"}).entries
    assert entry.value == "https://x"


def test_a_bare_key_is_a_key_without_a_value():
    # Compose's env_file syntax: `VAR` alone passes VAR through from the shell
    assert [(e.key, e.value, e.line) for e in parse_env("PASSTHROUGH\nB=2\n").entries] == [("PASSTHROUGH", "", 1), ("B", "2", 2)]


def test_malformed_line_is_an_error_naming_its_line_and_later_keys_still_parse():
    parsed = parse_env("A=1\nthis is not an assignment\nB=2\n")
    assert [(e.key, e.line) for e in parsed.entries] == [("A", 1), ("B", 3)]
    assert [(e.message, e.line) for e in parsed.errors] == [
        ("malformed line (expected KEY=value): `this` with no `=` after it (the rest of the line is not shown)", 2)
    ]


def test_malformed_line_becomes_a_pf_input_error_and_rules_still_see_later_keys(tmp_path: Path):
    path = tmp_path / ".env.production"
    path.write_text("A=1\n=oops\nPOSTGRES_PASSWORD=postgres\n")
    report = scan_paths([str(path)], select=["SEC-001"])
    found = sorted((r.rule_id, r.status, r.location.line if r.location else None, r.message) for r in report.results)
    assert found == [
        ("PF-INPUT", "error", 2, "malformed line (expected KEY=value): a line that does not start with a key (5 characters, not shown)"),
        ("SEC-001", "fail", 3, "POSTGRES_PASSWORD is a known default or weak value"),
    ]
    (error,) = [r for r in report.results if r.rule_id == "PF-INPUT"]
    assert (error.reason, error.target, error.location.file) == ("unparsable", str(path), str(path))


def test_crlf_line_endings(tmp_path: Path):
    path = tmp_path / ".env"
    path.write_bytes(b"A=1\r\nB=\"two words\"\r\n# comment\r\nC=3\r\n")
    doc = load_env(path)
    assert doc.data == {"A": "1", "B": "two words", "C": "3"}
    assert [doc.positions[(k,)][0] for k in ("A", "B", "C")] == [1, 2, 4]


def test_utf8_bom_is_not_part_of_the_first_key(tmp_path: Path):
    path = tmp_path / ".env"
    path.write_bytes(codecs.BOM_UTF8 + "NAME=café\nB=2\n".encode())
    doc = load_env(path)
    assert doc.data == {"NAME": "café", "B": "2"}
    assert doc.positions[("NAME",)] == (1, 1)


def test_only_malformed_lines_is_one_error_for_the_file(tmp_path: Path):
    path = tmp_path / ".env"
    path.write_text("just words\n")
    loaded = load(list(discover([str(path)])))
    assert loaded.documents == []
    assert [(p.status, p.line, p.message) for p in loaded.problems] == [
        ("error", 1, "malformed line (expected KEY=value): `just` with no `=` after it (the rest of the line is not shown)")
    ]
