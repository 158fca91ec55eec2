"""The YAML merge-key bomb: 3 KB, 40 anchors that each merge the previous one ten times.

Merge keys (`<<`) copy a mapping's keys without building its nodes again, so they
escaped the alias counter and each level multiplied the work by ten (10^40 keys):
every YAML reader hung. Each reader here must refuse the file with one clear
line naming it (and a line number) within seconds: a scanned file, a `--rules`
file, a config file, an attestations file, a waivers file, and the pre-commit
hook's command line.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from checker.errors import InputError
from checker.inputs.yaml_source import MAX_ALIAS_NODES, load_all
from helpers import preflight

QUICK_SECONDS = 10  # refused in ~0.1 s; the bomb itself would run for ever


def merge_key_bomb(levels: int = 40, fan_out: int = 10) -> str:
    lines = ["a0: &a0 {}"]
    for n in range(1, levels + 1):
        lines.append(f"a{n}: &a{n} {{<<: [{', '.join([f'*a{n - 1}'] * fan_out)}]}}")
    return "\n".join(lines) + "\n"


def test_the_bomb_is_small() -> None:
    assert len(merge_key_bomb()) < 3_500


def test_the_loader_refuses_the_bomb_with_a_line_quickly() -> None:
    started = time.monotonic()
    with pytest.raises(InputError) as caught:
        load_all(merge_key_bomb())
    assert time.monotonic() - started < QUICK_SECONDS
    assert "alias bomb" in caught.value.message and caught.value.line


def test_merge_keys_under_the_budget_still_merge() -> None:
    text = "base: &b {image: nginx, user: app}\nsvc: {<<: *b, user: root}\n"
    (doc,) = load_all(text)
    assert doc.data["svc"] == {"user": "root", "image": "nginx"}


def test_the_budget_counts_keys_copied_by_merges() -> None:
    # 200 levels of one merge each, 1,000 keys at the bottom: 200,000 keys copied, no alias rebuilt by build()
    keys = ", ".join(f"k{i}: 1" for i in range(1000))
    lines = [f"m0: &m0 {{{keys}}}"] + [f"m{n}: &m{n} {{<<: *m{n - 1}}}" for n in range(1, 200)]
    assert 200 * 1000 > MAX_ALIAS_NODES
    with pytest.raises(InputError, match="alias bomb"):
        load_all("\n".join(lines) + "\n")


def _quick(*args: str, cwd: Path) -> tuple[int, str]:
    started = time.monotonic()
    done = preflight(*args, cwd=cwd)
    assert time.monotonic() - started < QUICK_SECONDS + 5, args
    return done.returncode, done.stdout + done.stderr


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / ".env").write_text("A=1\n")
    return tmp_path / "repo"


def test_a_scanned_file_is_one_input_error(repo: Path) -> None:
    (repo / "bomb.compose.yaml").write_text(merge_key_bomb())
    code, out = _quick("scan", ".", "-f", "json", cwd=repo)
    assert code in (0, 1) and "alias bomb" in out and "bomb.compose.yaml" in out


@pytest.mark.parametrize(
    "place, option",
    [
        ("rules/bomb.yaml", ("--rules", "rules/bomb.yaml")),
        ("bomb-config.yaml", ("--config", "bomb-config.yaml")),
        (".preflight.yaml", ()),
        ("attest.yaml", ("--attestations", "attest.yaml")),
        ("waivers.yaml", ("--waivers", "waivers.yaml")),
    ],
)
def test_every_yaml_reader_refuses_it_with_file_and_line(repo: Path, place: str, option: tuple[str, ...]) -> None:
    (repo / place).parent.mkdir(exist_ok=True)
    text = merge_key_bomb()
    if place.startswith("rules/"):
        text = "checklist: security\n" + text
    (repo / place).write_text(text)
    code, out = _quick("scan", ".env", *option, cwd=repo)
    assert code == 2, out
    assert f"{Path(place).name}:" in out and "alias bomb" in out, out
    assert "Traceback" not in out


def test_the_pre_commit_hook_command_line_refuses_it(repo: Path) -> None:
    (repo / "bomb.yaml").write_text(merge_key_bomb())
    code, out = _quick("scan", "--per-file", "--fail-on", "medium", "bomb.yaml", ".env", cwd=repo)  # the hook
    assert "alias bomb" in out and "bomb.yaml" in out and "Traceback" not in out
