"""Writers never follow symbolic links planted in the checkout and never overwrite an input (issue 12, item 7),
and the command line answers bad input with one line and exit 2, never a traceback (item 13, CLI parts)."""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from helpers import ROOT, preflight as _preflight

SECRET = "victim's file: must survive\n"


def preflight(*args: str, cwd: Path):
    done = _preflight(*args, cwd=cwd, env={"PYTHONPATH": str(ROOT)})
    assert "Traceback" not in done.stderr, done.stderr
    return done


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A pull request's checkout (the working folder) and, beside it, a file it must not reach."""
    (tmp_path / "victim").write_text(SECRET)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.env").write_text("DEBUG=true\nPOSTGRES_PASSWORD=postgres\n")
    return repo


def _one_line_error(done, code: int = 2) -> str:
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("preflight: error: "), done.stderr
    return lines[0]


@pytest.mark.parametrize("args", [
    ["scan", "app.env", "-f", "sarif", "-o", "preflight.sarif"],
    ["scan", "app.env", "-f", "json", "-o", "preflight.sarif"],  # json streams through a different writer
    ["baseline", "app.env", "-o", "preflight.sarif"],
])
def test_an_output_that_is_a_planted_link_is_replaced_not_written_through(checkout: Path, args: list[str]) -> None:
    victim = checkout.parent / "victim"
    (checkout / "preflight.sarif").symlink_to(victim)
    done = preflight(*args, cwd=checkout)
    assert done.returncode in (0, 1), done.stderr
    assert victim.read_text() == SECRET
    written = checkout / "preflight.sarif"
    assert not written.is_symlink() and written.stat().st_size > 0
    assert [p.name for p in checkout.iterdir() if p.name.endswith(".tmp")] == []  # no temporary file left


def test_a_dangling_planted_link_is_not_created_through(checkout: Path) -> None:
    target = checkout.parent / "created-outside"
    (checkout / "report.md").symlink_to(target)
    done = preflight("scan", "app.env", "-f", "markdown", "-o", "report.md", cwd=checkout)
    assert done.returncode == 1 and not target.exists()


def test_output_dir_through_a_planted_folder_link_is_refused(checkout: Path) -> None:
    outside = checkout.parent / "elsewhere"
    outside.mkdir()
    (checkout / "reports").symlink_to(outside)
    done = preflight("scan", "app.env", "-f", "sarif", "--output-dir", "reports/ci", cwd=checkout)
    assert "reports is a symbolic link; not following it" in _one_line_error(done)
    assert list(outside.iterdir()) == []


def test_output_dir_with_a_planted_link_inside_replaces_the_link(checkout: Path) -> None:
    victim = checkout.parent / "victim"
    (checkout / "out").mkdir()
    (checkout / "out" / "report.sarif").symlink_to(victim)
    done = preflight("scan", "app.env", "-f", "sarif", "--output-dir", "out", cwd=checkout)
    assert done.returncode == 1 and victim.read_text() == SECRET
    assert json.loads((checkout / "out" / "report.sarif").read_text())["version"] == "2.1.0"


@pytest.mark.parametrize("args,refused", [
    (["scan", "app.env", "-o", "app.env"], "app.env"),
    (["scan", ".", "-f", "json", "-o", "app.env"], "app.env"),
    (["baseline", "app.env", "-o", "app.env"], "app.env"),
])
def test_an_output_never_replaces_a_scanned_input(checkout: Path, args: list[str], refused: str) -> None:
    before = (checkout / "app.env").read_text()
    line = _one_line_error(preflight(*args, cwd=checkout))
    assert f"{refused}: is an input of this run" in line
    assert (checkout / "app.env").read_text() == before


def test_report_and_merge_never_replace_the_report_they_read(checkout: Path) -> None:
    assert preflight("scan", "app.env", "-f", "json", "-o", "saved.json", cwd=checkout).returncode == 1
    before = (checkout / "saved.json").read_bytes()
    _one_line_error(preflight("report", "saved.json", "-f", "json", "-o", "saved.json", cwd=checkout))
    _one_line_error(preflight("merge", "saved.json", "saved.json", "-o", "saved.json", cwd=checkout))
    assert (checkout / "saved.json").read_bytes() == before


def test_init_refuses_a_dangling_link(checkout: Path) -> None:
    target = checkout.parent / "created-by-init"
    (checkout / ".preflight.yaml").symlink_to(target)
    assert "already exists" in _one_line_error(preflight("init", cwd=checkout))
    assert not target.exists()


@pytest.mark.parametrize("which", [".key", ".pub"])
def test_keygen_refuses_a_dangling_link_for_either_file(checkout: Path, which: str) -> None:
    target = checkout.parent / f"created-by-keygen{which}"
    (checkout / f"ci{which}").symlink_to(target)
    assert "already exists; not overwriting a key" in _one_line_error(preflight("keygen", "-o", "ci", cwd=checkout))
    assert not target.exists()
    assert sorted(p.name for p in checkout.iterdir()) == sorted(["app.env", f"ci{which}"])  # nothing half-made


def test_keygen_key_is_0600_whatever_the_umask(checkout: Path) -> None:
    old = os.umask(0o000)
    try:
        assert preflight("keygen", "-o", "ci", cwd=checkout).returncode == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((checkout / "ci.key").stat().st_mode) == 0o600


def test_evidence_into_a_dangling_link_is_one_line(checkout: Path, tmp_path: Path) -> None:
    (tmp_path / "bundle-link").symlink_to(tmp_path / "nowhere")
    done = preflight("evidence", "app.env", "--framework", "soc2", "-o", str(tmp_path / "bundle-link"), cwd=checkout)
    assert "is a symbolic link" in _one_line_error(done)
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("command", ["report", "merge"])
@pytest.mark.parametrize("depth", [100_000, 5_000])
def test_deeply_nested_json_is_one_line(checkout: Path, command: str, depth: int) -> None:
    (checkout / "deep.json").write_text("[" * depth + "]" * depth)
    (checkout / "deep-object.json").write_text('{"a":' * depth + "1" + "}" * depth)
    for name in ("deep.json", "deep-object.json"):
        line = _one_line_error(preflight(command, name, cwd=checkout))
        assert f"{name}: not a preflight JSON report: nested too deeply" in line


def test_dev_null_is_written_through_not_replaced(tmp_path: Path) -> None:
    # -o /dev/null is what benchmarks and users do to drop a report: it must stay a device
    from checker import safe_write

    safe_write.write_text("/dev/null", "x")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
