"""From a scan to checked file edits: propose, merge, keep only line-precise edits, re-scan, drop what fails.

1. Scan; every failing result whose rule has a fixer gets a `Proposal` (or
   a note saying why not).
2. Per file, proposals are taken one at a time: the YAML wants on one object
   are merged, all edits are recomputed on the original text, and the
   candidate is kept only if (a) the changed lines are exactly the edited
   ones (difflib), (b) a YAML file still parses to the old data plus exactly
   the wanted keys, and (c) no two edits touch the same line.
3. The edited files are written to a copy of the scanned tree and scanned
   again: a proposal whose finding still fails is dropped, and a file where
   any other rule now fails loses all its fixes. Repeated until stable.
"""
from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, NamedTuple, Sequence

from checker.fixes import Edit, NotOffered, Proposal, registry
from checker.fixes import _yaml_edit
from checker.fixes.context import Context, split_lines
from checker.models import Report, Result

_SKIP_COPY = {".git", ".venv", "node_modules", "__pycache__"}


class FileFix(NamedTuple):
    file: str
    old: str
    new: str
    proposals: list[Proposal]


class Plan(NamedTuple):
    fixes: list[FileFix]
    notes: list[str]  # fixes not offered or dropped, with the reason
    hidden_unsafe: int  # unsafe fixes not shown (no --unsafe-fixes)


Scanner = Callable[[Sequence[str]], Report]


def make_plan(paths: Sequence[str], scan: Scanner, *, select: Sequence[str] = (), unsafe: bool = False,
              secrets_to: str | None = None) -> Plan:
    before = scan(paths)
    context = Context(before, secrets_to)
    table = registry()
    notes: list[str] = []
    hidden = 0
    by_file: dict[str, list[tuple[Proposal, Result]]] = {}
    for result in before.results:
        named = bool(select) and (result.rule_id in select or result.rule_name in select)
        # a finding another rule says at the same place (engine/supersede.py) is fixed when asked for by name
        superseded = result.status == "skip" and result.reason == "superseded" and named
        if (result.status != "fail" and not superseded) or result.rule_id not in table:
            continue
        if select and not named:
            continue
        safety, propose = table[result.rule_id]
        if safety == "unsafe" and not unsafe:
            hidden += 1
            continue
        try:
            proposal = propose(result, context)
        except NotOffered as exc:
            notes.append(f"{result.location}: {result.rule_id}: no fix: {exc}")
            continue
        except (AttributeError, TypeError, KeyError, IndexError, ValueError) as exc:
            # the scanned tree is untrusted: a shape no fixer expected (`securityContext: "x"`) is a note, not a crash
            notes.append(f"{result.location}: {result.rule_id}: no fix: unexpected input ({type(exc).__name__})")
            continue
        by_file.setdefault(proposal.file, []).append((proposal, result))
    fixes = {file: _build(file, pairs, context, notes) for file, pairs in sorted(by_file.items())}
    for _round in range(3):
        dropped = _verify(paths, scan, before, fixes, notes, context)
        if not dropped:
            break
        for file in dropped:
            fixes[file] = _build(file, fixes[file][1], context, notes)
    kept = [FileFix(file, context.text(file), new, [p for p, _ in pairs]) for file, (new, pairs) in fixes.items() if pairs]
    return Plan(kept, notes, hidden)


def _build(file: str, pairs: list[tuple[Proposal, Result]], context: Context,
           notes: list[str]) -> tuple[str, list[tuple[Proposal, Result]]]:
    """The greedy pass of step 2: the new text and the proposals it carries."""
    old = context.text(file)
    accepted: list[tuple[Proposal, Result]] = []
    new = old
    for pair in sorted(pairs, key=lambda p: (p[1].location.line or 0) if p[1].location else 0):
        try:
            candidate = _render(file, [p for p, _ in accepted] + [pair[0]], context)
        except NotOffered as exc:
            notes.append(f"{pair[1].location}: {pair[0].rule_id}: no fix: {exc}")
            continue
        accepted.append(pair)
        new = candidate
    return new, accepted


def _render(file: str, proposals: list[Proposal], context: Context) -> str:
    old = context.text(file)
    bare = context.lines(file)
    edits: list[Edit] = [edit for p in proposals for edit in p.edits]
    groups: dict[tuple[int, tuple[str | int, ...]], Any] = {}
    for proposal in proposals:
        for want in proposal.wants:
            key = (want.doc, want.path)
            groups[key] = _merge(groups[key], want.desired) if key in groups else want.desired
    if groups:
        if any(mark in old for mark in ("\x85", "\u2028", "\u2029")) or "\r" in old.replace("\r\n", ""):
            raise NotOffered("the file has line breaks other than \\n")
        nodes = context.nodes(file)
        for (doc, path), desired in groups.items():
            edits += _yaml_edit.edits_for(bare, _yaml_edit.node_at(nodes[doc], path), desired)
    new = apply(old, edits)
    _only_targets(split_lines(old), split_lines(new), edits)
    if groups:
        wanted = context.data(file)
        for (doc, path), desired in groups.items():
            wanted[doc] = _yaml_edit.set_in(wanted[doc], path, desired)
        if _yaml_edit.load_all(new) != wanted:
            raise NotOffered("the edit would change more than the wanted keys")
    return new


def apply(text: str, edits: list[Edit]) -> str:
    """The text with the edits made; edits never overlap (NotOffered otherwise)."""
    lines = split_lines(text)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    replaced: set[int] = set()
    for edit in edits:
        span = set(range(edit.line, edit.line + edit.remove))
        if span & replaced or edit.line > len(lines):
            raise NotOffered("two fixes edit the same line")
        replaced |= span
    order = sorted(range(len(edits)), key=lambda i: (edits[i].line, edits[i].remove, i), reverse=True)
    for index in order:
        edit = edits[index]
        removed = lines[edit.line:edit.line + edit.remove]
        ending = newline
        if edit.remove and not removed[-1].endswith("\n"):
            ending = ""  # the last line had no line break: keep it that way
        elif not edit.remove and edit.line == len(lines) and lines and not lines[-1].endswith("\n"):
            lines[-1] += newline
        new = [line + newline for line in edit.lines]
        if new:
            new[-1] = new[-1][:-len(newline)] + ending
        lines[edit.line:edit.line + edit.remove] = new
    return "".join(lines)


def _only_targets(old: list[str], new: list[str], edits: list[Edit]) -> None:
    """Every line that differs is one an edit names (what `git diff` will show is what the fixes said)."""
    allowed = {line for edit in edits for line in range(edit.line, edit.line + max(edit.remove, 1))}
    for tag, start, end, _, _ in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        touched = set(range(start, end)) if end > start else {start}
        if not touched <= allowed and not (tag == "insert" and (start in allowed or start - 1 in allowed)):
            raise NotOffered("the edit would change lines other than its target")


def _merge(first: Any, second: Any) -> Any:
    if isinstance(first, dict) and isinstance(second, dict):
        merged = dict(first)
        for key, value in second.items():
            merged[key] = _merge(merged[key], value) if key in merged else value
        return merged
    if isinstance(first, _yaml_edit.Append) and isinstance(second, _yaml_edit.Append):
        return _yaml_edit.Append(first.items + [item for item in second.items if item not in first.items])
    if isinstance(first, _yaml_edit.DeleteItems) and isinstance(second, _yaml_edit.DeleteItems):
        return _yaml_edit.DeleteItems(first.indexes | second.indexes)
    if first == second:
        return first
    raise NotOffered("two fixes want different values for one key")


def _verify(paths: Sequence[str], scan: Scanner, before: Report,
            fixes: dict[str, tuple[str, list[tuple[Proposal, Result]]]], notes: list[str], context: Context) -> list[str]:
    """Re-scan a copy with the edits made; drop what did not work. Returns the files whose fixes changed."""
    changed = {file: new for file, (new, pairs) in fixes.items() if pairs}
    if not changed:
        return []
    base = _base(paths)
    with tempfile.TemporaryDirectory(prefix="preflight-fix-") as folder:
        copy = Path(folder).resolve()
        copied = _copy_tree(paths, base, copy)
        for file, new in changed.items():
            (copy / Path(file).resolve().relative_to(base)).write_text(new, encoding="utf-8", newline="")
        _stand_in_secrets(fixes, base, copy, context)
        after = scan(copied)
        failing_before = _failing(before, base)
        failing_after = _failing(after, copy)
    dropped: list[str] = []
    for file, (new, pairs) in fixes.items():
        if not pairs:
            continue
        relative = str(Path(file).resolve().relative_to(base))
        # new: neither its object nor its message failed before (an insertion can shift `block[0]` to `block[1]`)
        fresh = sorted(k for k in failing_after - failing_before if k[1] == relative and k[0] == "object"
                       and ("message", k[1], k[2], _message_of(k, after, copy)) not in failing_before)
        if fresh:
            notes.append(f"{file}: fixes dropped: {fresh[0][2]} would fail on {fresh[0][3] or 'the file'}")
            fixes[file] = (new, [])
            continue
        keep = [(p, r) for p, r in pairs if not (_keys(r, base) & failing_after)]
        for proposal, result in pairs:
            if (proposal, result) not in keep:
                notes.append(f"{result.location}: {proposal.rule_id}: fix dropped: the finding still fails after it")
        if len(keep) != len(pairs):
            fixes[file] = (new, keep)
            dropped.append(file)
    return dropped


def _stand_in_secrets(fixes: dict[str, tuple[str, list[tuple[Proposal, Result]]]], base: Path, copy: Path,
                      context: Context) -> None:
    """The secrets files `--write` would make, with throw-away values, in the copy only."""
    import secrets

    wanted: dict[Path, set[str]] = {}
    for file, (_new, pairs) in fixes.items():
        for proposal, _result in pairs:
            if proposal.secrets:
                wanted.setdefault(context.secrets_file(file), set()).update(proposal.secrets)
    for target, keys in wanted.items():
        try:
            stand_in = copy / target.relative_to(base)
        except ValueError:
            continue  # --secrets-to outside the scanned tree: not scanned either
        stand_in.parent.mkdir(parents=True, exist_ok=True)
        stand_in.write_text("".join(f"{key}={secrets.token_urlsafe(32)}\n" for key in sorted(keys)), encoding="utf-8")


def _failing(report: Report, base: Path) -> set[tuple[str, str, str, str]]:
    """Every finding, those another rule says at the same place included: a fix that makes the superseding
    rule pass lets the superseded one speak, and that finding was there before the fix."""
    return {key for r in report.results if r.status in ("fail", "error") or r.reason == "superseded"
            for key in _keys(r, base)}


def _keys(result: Result, base: Path) -> set[tuple[str, str, str, str]]:
    """A finding by its object and, separately, by its message: ("object"|"message", file, rule, what)."""
    location = result.location
    where = location.file if location and location.file else result.target
    try:
        where = str(Path(where).resolve().relative_to(base))
    except (ValueError, OSError):
        pass
    obj = (location.object or "") if location else ""
    message = result.message.split(" (said by ")[0] if result.reason == "superseded" and result.message else result.message
    return {("object", where, result.rule_id, obj), ("message", where, result.rule_id, message)}


def _message_of(key: tuple[str, str, str, str], report: Report, base: Path) -> str:
    for result in report.results:
        if result.status in ("fail", "error") and key in _keys(result, base):
            return result.message
    return ""


def _base(paths: Sequence[str]) -> Path:
    resolved = [Path(p).resolve() for p in paths]
    cwd = Path.cwd().resolve()
    if all(p == cwd or cwd in p.parents for p in resolved):
        return cwd
    return Path(os.path.commonpath([p if p.is_dir() else p.parent for p in resolved]))


def _copy_tree(paths: Sequence[str], base: Path, copy: Path) -> list[str]:
    """Copy what was scanned (a file: with its folder's files, for .env and compose overrides)."""
    copied: list[str] = []
    for given in paths:
        source = Path(given).resolve()
        target = copy / source.relative_to(base)
        if source.is_dir():
            shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True,
                            ignore=lambda _d, names: [n for n in names if n in _SKIP_COPY])
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            for sibling in source.parent.iterdir():
                if sibling.is_file() and not sibling.is_symlink():
                    shutil.copy2(sibling, target.parent / sibling.name)
        copied.append(str(target))
    return copied
