"""Hostile and broken files: each is one clean `error` (or a parse), and the good file next to it is still checked."""
from __future__ import annotations

import codecs
import json
import time
from pathlib import Path

import pytest

from checker.api import scan_paths
from helpers import preflight

GOOD = ("good/.env.production", b"A=1\nPOSTGRES_PASSWORD=postgres\n")
GOOD_FINDING = ("SEC-001", "fail", "good/.env.production", 2, "POSTGRES_PASSWORD is a known default or weak value")

ALIAS_BOMB = b"".join(
    [b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n']
    + [f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n".encode() for p, n in zip("abcdefgh", "bcdefghi")]
)

# name, content, expected PF-INPUT (status, line, message start)
BAD = {
    "invalid-yaml": ("docker-compose.yml", b"services:\n  app:\n    image: nginx\n  ports: [80\n", ("error", 5, "invalid YAML: ")),
    "malformed-env-line": (".env.staging", b"A=1\nnot an assignment\nB=2\n", ("error", 2, "malformed line (expected KEY=value): `not` with no `=` after it (the rest of the line is not shown)")),
    "invalid-utf8": ("app.env", b"A=1\nB=2\nNAME=caf\xe9\n", ("error", 3, "not valid UTF-8 (byte 0xe9)")),
    "nul-byte": ("values.yaml", b"a: 1\nb: x\x00y\n", ("error", 2, "contains NUL bytes (binary file?)")),
    "too-large": ("big.env", b"A=" + b"x" * (12 * 1024 * 1024) + b"\n", ("error", None, "file is 12.0 MiB, over the 10 MiB limit")),
    "alias-bomb": ("bomb.yaml", ALIAS_BOMB, ("error", 1, "aliases expand to more than 100,000 values (alias bomb?)")),
    "deep-nesting": ("deep.yaml", b"[" * 300 + b"]" * 300 + b"\n", ("error", 1, "nesting deeper than 200 levels")),
    "helm-template": ("templates/svc.yaml", b"services:\n  web:\n    image: {{ .Values.image }}\n", ("skip", None, "Helm/Go template")),
}


def make_tree(root: Path, *files: tuple[str, bytes]) -> Path:
    for name, content in (GOOD,) + files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return root


def summary(report, root: Path) -> list[tuple]:
    return sorted(
        (r.rule_id, r.status, str(Path(r.target).relative_to(root)), r.location.line if r.location else None, r.message)
        for r in report.results
        if r.status != "pass"
    )


@pytest.mark.parametrize("case", BAD)
def test_bad_file_is_one_clean_problem_and_the_good_file_is_still_checked(tmp_path: Path, case: str):
    name, content, (status, line, message) = BAD[case]
    root = make_tree(tmp_path / "tree", (name, content))
    started = time.perf_counter()
    report = scan_paths([str(root)], select=["SEC-001"])
    assert time.perf_counter() - started < 5
    problems = [r for r in report.results if r.rule_id == "PF-INPUT"]
    assert [(r.status, str(Path(r.target).relative_to(root)), r.location.line) for r in problems] == [(status, name, line)]
    assert problems[0].message.startswith(message), problems[0].message
    expected_reason = {"too-large": "too-large"}.get(case, "unparsable") if status == "error" else None
    assert problems[0].reason == expected_reason
    assert GOOD_FINDING in [(r.rule_id, r.status, str(Path(r.target).relative_to(root)), r.location.line, r.message)
                            for r in report.results if r.rule_id != "PF-INPUT"]


def test_malformed_env_line_does_not_hide_the_rest_of_that_file(tmp_path: Path):
    root = make_tree(tmp_path / "tree", ("bad/.env.production", b"A=1\nthis is not valid\nREDIS_PASSWORD=redis\n"))
    report = scan_paths([str(root)], select=["SEC-001"])
    assert summary(report, root) == [
        ("PF-INPUT", "error", "bad/.env.production", 2, "malformed line (expected KEY=value): `this` with no `=` after it (the rest of the line is not shown)"),
        ("SEC-001", "fail", "bad/.env.production", 3, "REDIS_PASSWORD is a known default or weak value"),
        GOOD_FINDING,
    ]


@pytest.mark.parametrize("bom", [codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE])
def test_utf16_with_bom_parses(tmp_path: Path, bom: bytes):
    encoding = "utf-16-le" if bom == codecs.BOM_UTF16_LE else "utf-16-be"
    content = bom + "# written by PowerShell\r\nMYSQL_PASSWORD=root\r\n".encode(encoding)
    root = make_tree(tmp_path / "tree", ("win/.env.production", content))
    report = scan_paths([str(root)], select=["SEC-001"])
    assert summary(report, root) == [
        ("SEC-001", "fail", "good/.env.production", 2, "POSTGRES_PASSWORD is a known default or weak value"),
        ("SEC-001", "fail", "win/.env.production", 2, "MYSQL_PASSWORD is a known default or weak value"),
    ]


def test_python_tags_in_a_scanned_compose_file_are_not_executed(tmp_path: Path):
    marker = tmp_path / "pwned"
    compose = f"services:\n  app:\n    image: !!python/object/apply:os.system ['touch {marker}']\n    ports: ['5432:5432']\n"
    root = make_tree(tmp_path / "tree", ("compose.yaml", compose.encode()))
    report = scan_paths([str(root)], select=["SEC-020"])
    assert not marker.exists()
    assert [(r.status, r.location.line) for r in report.results] == [("fail", 4)]


def test_empty_files_are_fine(tmp_path: Path):
    root = make_tree(tmp_path / "tree", ("empty/.env", b""), ("empty/compose.yaml", b""), ("empty/values.yaml", b"# nothing\n"))
    report = scan_paths([str(root)], select=["SEC-001"])
    assert summary(report, root) == [GOOD_FINDING]


def test_every_bad_file_at_once_through_the_command_line(tmp_path: Path):
    cases = [BAD[c][:2] for c in ("invalid-yaml", "malformed-env-line", "invalid-utf8", "nul-byte", "alias-bomb")]
    root = make_tree(tmp_path / "tree", *cases)
    done = preflight("scan", str(root), "--select", "SEC-001", "-f", "json", "--fail-on", "critical")
    assert done.returncode == 1, done.stderr  # SEC-001 is critical; the input errors alone (high) would not reach it
    results = json.loads(done.stdout)["results"]
    errors = sorted(str(Path(r["target"]).relative_to(root)) for r in results if r["rule_id"] == "PF-INPUT")
    assert errors == sorted(name for name, _ in cases)
    failing = [(r["rule_id"], str(Path(r["target"]).relative_to(root)), r["location"]["line"]) for r in results if r["status"] == "fail"]
    assert failing == [("SEC-001", "good/.env.production", 2)]
