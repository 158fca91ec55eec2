"""`preflight fix` on copies of examples/deploy, the FastGPT corpus and the Kubernetes corpus.

For each: `fix` (diff mode) changes no file; its diff applies with `git apply`;
after applying the safe fixes a re-scan has no failure of a rule whose fix was
applied on the object it was applied to, no new failure, and every line the
diff does not name (comments included) is byte-identical.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from checker.api import scan_paths
from checker.cli import main
from checker.fixes import registry
from helpers import CORPUS, ROOT, TODAY

SOURCES = {
    "examples-deploy": ROOT / "examples" / "deploy",
    "fastgpt": CORPUS / "fastgpt",
    "kubernetes": CORPUS / "k8s",
}


def _failures(folder: str) -> list[tuple[str, str, str]]:
    report = scan_paths([folder], today=TODAY, jobs=1)
    return [(r.rule_id, r.location.file if r.location and r.location.file else r.target, r.message)
            for r in report.results if r.status in ("fail", "error")]


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.is_symlink() and ".git" not in p.parts}


def fix_corpus(source: Path, work: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, tuple[int, int, int]]:
    """Apply the safe fixes to a copy; return rule -> (failures before, fixes applied, failures after)."""
    repo = work / "repo"
    shutil.copytree(source, repo / source.name, symlinks=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    cwd = os.getcwd()
    os.chdir(repo)
    try:
        before_tree = _tree(repo)
        before = _failures(source.name)
        code = main(["fix", source.name])
        captured = capsys.readouterr()
        diff = captured.out
        assert _tree(repo) == before_tree, "fix without --write changes no file"
        assert code == (1 if diff else 0)
        subprocess.run(["git", "apply", "-"], input=diff, text=True, check=True, capture_output=True)
        after = _failures(source.name)
    finally:
        os.chdir(cwd)
    assert set(after) - set(before) == set(), "no new failure"
    applied = Counter(re.findall(r"([A-Z]+-\d+) \(safe\)", captured.err))
    table = {rule: (Counter(f[0] for f in before)[rule], applied[rule], Counter(f[0] for f in after)[rule])
             for rule in sorted(registry())}
    for rule, (failed, fixed, still) in table.items():
        assert still == failed - fixed, f"{rule}: every applied fix makes its finding pass, and only those change"
    changed = {line[6:] for line in diff.splitlines() if line.startswith("+++ b/")}
    removed = Counter(line[1:].encode() for line in diff.splitlines() if line.startswith("-") and not line.startswith("---"))
    for name, old in before_tree.items():
        new = (repo / name).read_bytes()
        if name not in changed:
            assert new == old, f"{name} is not in the diff, so it is byte-identical"
            continue
        # the old lines the diff does not remove are all still there, in order; comments included
        budget = Counter(removed)
        kept = []
        for line in old.splitlines():
            if budget[line] > 0:
                budget[line] -= 1
            else:
                kept.append(line)
        assert _is_subsequence(kept, new.splitlines()), name
        assert not [line for line in removed if line.lstrip().startswith(b"#")], "no comment is removed"
    return table


def _is_subsequence(small: list[bytes], big: list[bytes]) -> bool:
    remaining = iter(big)
    return all(any(line == other for other in remaining) for line in small)


@pytest.mark.parametrize("name", list(SOURCES))
def test_safe_fixes_on_a_corpus_copy(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = SOURCES[name]
    if not source.is_dir():
        pytest.skip(f"{source} not present")
    table = fix_corpus(source, tmp_path, capsys)
    assert any(fixed for _, fixed, _ in table.values()), "at least one finding was fixed"
    for rule, (failed, fixed, still) in table.items():
        print(f"{name} {rule} {registry()[rule][0]} before={failed} fixed={fixed} after={still}")
