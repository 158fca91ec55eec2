"""The command line, run for real in a subprocess: exit codes, formats, the catalog, explain, colour, files."""
from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from checker import __version__
from checker.cli import main
from checker.engine.rules import load_rules
from checker.models import Report
from helpers import CORPUS, FIXTURES, ROOT, preflight

RULES = [
    {"id": "CLI-001", "name": "debug-off", "title": "Debug is off", "severity": "medium", "targets": ["env"],
     "probe": "setting", "with": {"keys": ["DEBUG"], "op": "falsy"}, "remediation": "Set DEBUG=false."},
    {"id": "CLI-002", "name": "log-level-set", "title": "Log level is set", "severity": "low", "targets": ["env"],
     "probe": "setting", "with": {"keys": ["LOG_LEVEL"], "required": True}, "remediation": "Set LOG_LEVEL."},
]


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "cli.yaml").write_text(yaml.safe_dump({"checklist": "cli", "rules": RULES}, sort_keys=False))
    return folder


def scan_args(project: Path) -> list[str]:
    return ["scan", str(project), "--rules", str(project.parent / "rules"), "--no-default-rules"]


def scan(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Scan `project` with only the test checklist."""
    return preflight("scan", str(project), "--rules", str(project.parent / "rules"), "--no-default-rules", *args, env=env)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The same command line in-process (faster), for the variations of a case run for real above."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def preflight_in(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command line run from another working folder (the package comes from this checkout)."""
    return preflight(*args, cwd=folder, env={"PYTHONPATH": str(ROOT)})


# --- exit codes ------------------------------------------------------------------------------------


def test_exit_0_when_nothing_fails(project: Path):
    (project / ".env").write_text("DEBUG=false\nLOG_LEVEL=info\n")
    done = scan(project)
    assert (done.returncode, done.stderr) == (0, "")
    assert "Readiness: 100/100 (A)" in done.stdout


def test_fail_on_sets_the_threshold(project: Path, capsys: pytest.CaptureFixture[str]):
    (project / ".env").write_text("DEBUG=true\nLOG_LEVEL=info\n")  # one medium failure, nothing else
    assert scan(project).returncode == 1
    assert scan(project, "--fail-on", "high").returncode == 0
    assert cli(capsys, *scan_args(project), "--fail-on", "medium")[0] == 1


def test_low_failure_and_fail_on(project: Path, capsys: pytest.CaptureFixture[str]):
    (project / ".env").write_text("DEBUG=false\n")  # LOG_LEVEL missing: low
    assert cli(capsys, *scan_args(project), "--fail-on", "low")[0] == 1
    assert cli(capsys, *scan_args(project), "--fail-on", "medium")[0] == 0


def test_unparsable_file_is_a_high_error_for_fail_on(project: Path, capsys: pytest.CaptureFixture[str]):
    (project / ".env").write_text("DEBUG=false\nLOG_LEVEL=info\n")
    (project / "compose.yaml").write_text("services: [unclosed\n")
    code, out, _ = cli(capsys, *scan_args(project), "--fail-on", "high")
    assert code == 1
    assert f" ERROR  HIGH     PF-INPUT file-parses: The file can be read and parsed\n    {project / 'compose.yaml'}:2:1  invalid YAML: " in out
    assert cli(capsys, *scan_args(project), "--fail-on", "critical")[0] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("scan", "does-not-exist"), "preflight: error: no such file or folder: does-not-exist\n"),
        (("scan", ".", "--select", "NOPE-001"), "preflight: error: unknown rule 'NOPE-001' (see `preflight rules`)\n"),
        (("scan", ".", "--checklist", "nope"), "preflight: error: unknown checklist 'nope' (known: "),
        (("explain", "NOPE-001"), "preflight: error: unknown rule 'NOPE-001' (see `preflight rules`)\n"),
        (("report", "missing.json"), "preflight: error: missing.json: No such file or directory\n"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], message: str
):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(capsys, *args)
    assert (code, out) == (2, "")
    assert err.startswith(message) and err.count("\n") == 1


def test_usage_error_exits_2_from_the_real_command_line(tmp_path: Path):
    done = preflight_in(tmp_path, "scan", "does-not-exist")
    assert (done.returncode, done.stdout, done.stderr) == (2, "", "preflight: error: no such file or folder: does-not-exist\n")


def test_bad_arguments_exit_2(tmp_path: Path):
    wrong = preflight_in(tmp_path, "scan", ".", "--fail-on", "urgent")
    assert wrong.returncode == 2
    assert "argument --fail-on: invalid choice: 'urgent'" in wrong.stderr
    assert preflight_in(tmp_path).returncode == 2


def test_report_of_a_file_that_is_not_a_report_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    (tmp_path / "other.json").write_text('{"hello": "world"}')
    code, _, err = cli(capsys, "report", str(tmp_path / "other.json"))
    assert code == 2
    assert err.startswith(f"preflight: error: {tmp_path / 'other.json'}: not a preflight JSON report (")


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ([], ["CLI-001", "CLI-002"]),
        (["--checklist", "cli"], ["CLI-001", "CLI-002"]),
        (["--select", "debug-off"], ["CLI-001"]),
        (["--select", "CLI-002,CLI-001"], ["CLI-001", "CLI-002"]),
        (["--skip", "CLI-001"], ["CLI-002"]),
        (["--severity", "medium"], ["CLI-001"]),
        (["--severity", "high"], []),
    ],
)
def test_selection_flags(project: Path, capsys: pytest.CaptureFixture[str], flags: list[str], expected: list[str]):
    (project / ".env").write_text("DEBUG=true\n")
    code, out, _ = cli(capsys, *scan_args(project), "-f", "json", *flags)
    assert sorted(r["rule_id"] for r in json.loads(out)["results"]) == expected
    assert code == (1 if expected else 0)


def test_env_flag_overrides_the_file_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    env = tmp_path / "project" / ".env.development"
    env.parent.mkdir()
    env.write_text("POSTGRES_PASSWORD=postgres\n")
    inferred = json.loads(cli(capsys, "scan", str(env), "--select", "SEC-001", "-f", "json")[1])
    assert [(r["status"], r["message"]) for r in inferred["results"]] == [
        ("skip", "applies to staging, production; inputs are development")
    ]
    forced = json.loads(cli(capsys, "scan", str(env), "--select", "SEC-001", "-f", "json", "--env", "production")[1])
    assert forced["environment"] == "production"
    assert [(r["status"], r["location"]["line"]) for r in forced["results"]] == [("fail", 1)]


def test_exclude_flag(project: Path, capsys: pytest.CaptureFixture[str]):
    (project / ".env").write_text("DEBUG=false\nLOG_LEVEL=info\n")
    (project / "legacy").mkdir()
    (project / "legacy" / ".env").write_text("DEBUG=true\n")
    assert cli(capsys, *scan_args(project))[0] == 1
    code, out, _ = cli(capsys, *scan_args(project), "--exclude", "legacy", "-f", "json")
    assert code == 0
    assert {r["target"] for r in json.loads(out)["results"]} == {str(project / ".env")}


def test_config_file_sets_defaults_and_flags_win(project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    (project / ".env").write_text("DEBUG=true\nLOG_LEVEL=info\n")  # one medium failure
    work = project.parent / "work"
    work.mkdir()
    (work / ".preflight.yaml").write_text("fail_on: high\nskip: [CLI-002]\n")
    monkeypatch.chdir(work)
    code, out, _ = cli(capsys, *scan_args(project), "-f", "json")
    assert code == 0
    results = json.loads(out)["results"]
    assert [r["rule_id"] for r in results] == ["CLI-001", "PF-CONFIG"]  # the found config's narrowing is shown
    assert results[1]["message"].startswith("applied .preflight.yaml (found, not named with --config")
    assert cli(capsys, *scan_args(project), "--fail-on", "medium")[0] == 1
    (work / ".preflight.yaml").write_text("fail_on: high\nfail-on: low\n")
    code, out, err = cli(capsys, *scan_args(project))
    assert (code, out, err) == (2, "", "preflight: error: .preflight.yaml:2: config field fail-on: unknown field\n")


# --- formats ---------------------------------------------------------------------------------------


def test_json_has_schema_version_and_parses_back_into_a_report(project: Path):
    (project / ".env").write_text("DEBUG=true\n")
    done = scan(project, "-f", "json")
    assert done.returncode == 1
    payload = json.loads(done.stdout)
    assert payload["schema_version"] == "1.0"
    assert payload["tool"]["version"] == __version__
    report = Report.from_json(done.stdout)
    assert sorted((r.rule_id, r.status, r.location.line if r.location else None) for r in report.results) == [
        ("CLI-001", "fail", 1), ("CLI-002", "fail", 1),
    ]
    assert (report.summary.score, report.summary.grade) == (0, "F")


def test_report_re_renders_a_saved_json_without_scanning(project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    env = project / ".env.production"
    env.write_text("DEBUG=true\nLOG_LEVEL=info\n")
    saved = tmp_path / "saved.json"
    assert scan(project, "-f", "json", "-o", str(saved)).returncode == 1
    direct = cli(capsys, *scan_args(project), "-f", "text")[1]
    env.unlink()  # proof that `report` does not scan again
    again = preflight("report", str(saved), "-f", "text")
    assert again.returncode == 0
    assert again.stdout == direct
    assert f"    {env}:1:1  DEBUG is 'true': should be falsy\n" in again.stdout
    code, as_json, _ = cli(capsys, "report", str(saved), "-f", "json")
    assert code == 0
    assert Report.from_json(as_json) == Report.from_json(saved.read_text())


def test_output_file_is_written_and_stdout_stays_empty(project: Path, tmp_path: Path):
    (project / ".env").write_text("DEBUG=true\nLOG_LEVEL=info\n")
    out = tmp_path / "out" / "report.txt"
    out.parent.mkdir()
    done = scan(project, "-o", str(out))
    assert (done.returncode, done.stdout) == (1, "")
    text = out.read_text()
    assert " FAIL   MEDIUM   CLI-001 debug-off: Debug is off\n" in text
    assert "Readiness: 25/100 (F) - failed: 1 medium\n"  # CLI-002 (low, 1) passes, CLI-001 (medium, 3) fails in text


def read_pty(args: list[str], env: dict[str, str]) -> bytes:
    """Run with stdout on a pseudo-terminal, so that colour would be on."""
    master, slave = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "checker", *args], stdout=slave, stderr=subprocess.DEVNULL, cwd=ROOT, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(master)
    return b"".join(chunks)


def test_no_color_on_a_terminal_means_no_ansi_escapes(project: Path):
    (project / ".env").write_text("DEBUG=true\n")
    args = ["scan", str(project), "--rules", str(project.parent / "rules"), "--no-default-rules"]
    base = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | {"TERM": "xterm-256color"}
    plain = read_pty(args, {**base, "NO_COLOR": "1"})
    assert b"CLI-001" in plain and b"\x1b[" not in plain
    coloured = read_pty(args, base)  # the same terminal without NO_COLOR does colour: the check above can fail
    assert b"CLI-001" in coloured and b"\x1b[" in coloured


def test_piped_output_has_no_ansi_escapes(project: Path):
    (project / ".env").write_text("DEBUG=true\n")
    done = scan(project, env={"TERM": "xterm-256color"})
    assert "CLI-001" in done.stdout and "\x1b[" not in done.stdout


# --- catalog, explain, version ---------------------------------------------------------------------------

CATALOG_KEYS = {"id", "name", "checklist", "item", "severity", "targets", "environments", "compliance", "references"}


def test_rules_json_lists_every_rule_with_its_fields():
    done = preflight("rules", "-f", "json")
    assert done.returncode == 0
    listed = json.loads(done.stdout)["rules"]
    shipped = {r.id: r for r in load_rules().rules}
    assert sorted(r["id"] for r in listed) == sorted(shipped)
    checklists = [r["checklist"] for r in listed]
    assert checklists == sorted(checklists, key=checklists.index), "grouped by checklist"
    assert checklists[0] == "security"
    for entry in listed:
        rule = shipped[entry["id"]]
        assert CATALOG_KEYS <= set(entry), entry["id"]
        assert (entry["name"], entry["checklist"], entry["severity"], entry["targets"], entry["environments"]) == (
            rule.name, rule.checklist, rule.severity, rule.targets, rule.environments,
        )
        assert (entry["compliance"], entry["references"], entry["item"]) == (rule.compliance, rule.references, rule.item)
    sec020 = next(r for r in listed if r["id"] == "SEC-020")
    assert (sec020["name"], sec020["checklist"], sec020["severity"], sec020["targets"]) == (
        "db-port-published", "security", "high", ["compose"],
    )


def test_rules_text_table(capsys: pytest.CaptureFixture[str]):
    code, out, _ = cli(capsys, "rules", "--checklist", "backups")
    assert code == 0
    count = sum(1 for r in load_rules().rules if r.checklist == "backups")
    assert out.rstrip().endswith(f"{count} rules in 1 checklists")
    assert "BAK-001" in out and "SEC-001" not in out


def test_explain_prints_the_sections_in_order(capsys: pytest.CaptureFixture[str]):
    done = preflight("explain", "SEC-020")
    assert done.returncode == 0
    out = done.stdout
    assert cli(capsys, "explain", "db-port-published") == (0, out, "")  # by name: the same page
    assert out.startswith("SEC-020 db-port-published (high, checklist security)\n")
    headings = ["## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Known problems", "## References"]
    positions = [out.index(f"\n{h}\n") for h in headings]
    assert positions == sorted(positions)
    assert '\n## Example\n    services: {db: {image: "postgres:16", ports: ["5432:5432"]}}\n' in out
    assert '\n    services: {db: {image: "postgres:16", expose: ["5432"]}}\n' in out
    assert "\n## What it does\nDatabase and cache ports are not published on all host interfaces\n" in out


def test_version():
    done = subprocess.run([sys.executable, "-m", "checker", "--version"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert (done.returncode, done.stdout) == (0, f"preflight {__version__}\n")


# --- read-only -------------------------------------------------------------------------------------------


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes() if p.is_file() else b"<dir>", p.lstat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
    }


def test_scanning_changes_nothing_in_the_tree(tmp_path: Path):
    if not CORPUS.is_dir():
        pytest.skip("the shared corpus is not here")
    tree = tmp_path / "tree"
    shutil.copytree(CORPUS, tree)
    shutil.copytree(FIXTURES, tree / "fixtures")
    (tree / ".env.production").write_text("POSTGRES_PASSWORD=postgres # preflight: ignore[SEC-001] test\n")
    before = snapshot(tree)
    assert len(before) > 20
    as_json = preflight_in(tree, "scan", ".", "-f", "json")
    assert as_json.returncode == 1, as_json.stderr
    assert len(Report.from_json(as_json.stdout).results) > 50
    as_text = preflight_in(tree, "scan", ".", "-v")
    assert as_text.returncode == 1, as_text.stderr
    assert "waived (inline): test" in as_text.stdout
    assert snapshot(tree) == before


def test_only_the_command_being_run_is_defined_and_every_command_still_parses():
    from checker.cli import SUBCOMMANDS, build_parser

    def defined(parser) -> set[str]:
        return set(parser._subparsers._group_actions[0].choices)

    assert defined(build_parser()) == set(SUBCOMMANDS)
    assert defined(build_parser("scan")) == {"scan"}
    assert defined(build_parser("not-a-command")) == set(SUBCOMMANDS)  # argparse names the valid choices
    assert build_parser("scan").parse_args(["scan", "--per-file", "-q", "x.env"]).per_file is True
    assert build_parser("merge").parse_args(["merge", "a.json", "b.json"]).files == ["a.json", "b.json"]


def test_a_folder_with_nothing_preflight_reads_is_exit_2_not_a_grade_a(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("print('hello')\n")
    (tmp_path / "README.md").write_text("# app\n")
    run = preflight("scan", str(tmp_path))
    assert run.returncode == 2, run.stdout
    assert "nothing to scan" in run.stderr and str(tmp_path) in run.stderr
    assert "100/100" not in run.stdout
    # the same folder once it holds a file preflight reads: scanned, with a grade and exit 0 or 1
    (tmp_path / "app.env").write_text("DEBUG=false\n")
    assert preflight("scan", str(tmp_path)).returncode in (0, 1)


def test_a_named_file_preflight_does_not_read_is_not_an_empty_scan(tmp_path: Path) -> None:
    """pre-commit passes the files it matched; one that preflight then passes over is a skip, not exit 2."""
    (tmp_path / "notes.txt").write_text("hello\n")
    run = preflight("scan", str(tmp_path / "notes.txt"))
    assert run.returncode == 0, run.stderr
