"""Line-precise YAML edits: add missing keys, prepend list items, replace one scalar.

Why not a round-trip library: ruamel.yaml re-emits the whole document (it
re-indents sequences, re-wraps long lines, drops redundant quotes), so a
one-key fix would touch lines nobody asked about. Here PyYAML's node marks
give each key's line and column; new lines are written at the indentation of
their siblings and nothing else in the file is re-emitted. `check_meaning`
then parses the edited text and requires it to equal the old data with
exactly the wanted change, so an edit that would mean more (or less) is never
offered.
"""
from __future__ import annotations

import copy
from typing import Any, NamedTuple, Sequence

import yaml

from checker.fixes import Edit, NotOffered


class Append(NamedTuple):
    """Items to add to a list (created when the key is absent)."""

    items: list[Any]


class Replace(NamedTuple):
    """A scalar to replace, keeping its quote style."""

    value: Any


class Delete(NamedTuple):
    """Remove this key (written on one line) from its mapping."""


class DeleteItems(NamedTuple):
    """Remove these items (each a scalar on a line of its own) from a list."""

    indexes: frozenset[int]


class Commented(NamedTuple):
    """A new value written with a comment line above its key (e.g. a TODO for the reviewer)."""

    value: Any
    comment: str


def compose(text: str) -> list[yaml.Node]:
    try:
        return [node for node in yaml.compose_all(text, Loader=yaml.SafeLoader) if node is not None]
    except yaml.YAMLError as exc:
        raise NotOffered(f"not plain YAML ({type(exc).__name__})") from None


def load_all(text: str) -> list[Any]:
    """The documents' data, in the order `compose` gives their nodes (empty documents left out)."""
    try:
        return [data for data in yaml.safe_load_all(text) if data is not None]
    except yaml.YAMLError as exc:
        raise NotOffered(f"not plain YAML ({type(exc).__name__})") from None


def node_at(root: yaml.Node, path: Sequence[str | int]) -> yaml.Node:
    node = root
    for step in path:
        if isinstance(step, int) and isinstance(node, yaml.SequenceNode) and step < len(node.value):
            node = node.value[step]
        elif isinstance(step, str) and isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if getattr(k, "value", None) == step), None)
            if child is None:
                raise NotOffered(f"no {step!r} in the document")
            node = child
        else:
            raise NotOffered(f"cannot follow {step!r}")
    return node


def edits_for(lines: list[str], node: yaml.Node, desired: Any) -> list[Edit]:
    """The line edits that make `node` hold `desired` (a dict to merge, an Append or a Replace)."""
    if isinstance(desired, Replace):
        return [_replace_scalar(lines, node, desired.value)]
    if isinstance(desired, Append):
        return _prepend_items(lines, node, desired.items)
    if isinstance(desired, DeleteItems):
        return _delete_items(lines, node, desired.indexes)
    if isinstance(node, yaml.MappingNode) and node.flow_style:
        return [_add_to_flow_mapping(lines, node, desired)]
    if not isinstance(node, yaml.MappingNode) or not node.value:
        raise NotOffered("the target is not a block mapping")
    edits: list[Edit] = []
    missing: dict[str, Any] = {}
    for key, want in desired.items():
        child = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
        if isinstance(want, Delete):
            edits.append(_delete_key(lines, node, key))
        elif child is None:
            missing[key] = want
        elif isinstance(want, (dict, Append, Replace, DeleteItems)):
            edits += edits_for(lines, child, want)
        elif not _same_scalar(child, want):
            shown = repr(child.value) if isinstance(child, yaml.ScalarNode) else "another value"
            raise NotOffered(f"{key} is already set to {shown}")
    if missing:
        column = node.value[0][0].start_mark.column
        edits.append(Edit(_insertion_line(lines, node), 0, render(missing, column)))
    return edits


def _add_to_flow_mapping(lines: list[str], node: yaml.MappingNode, desired: dict[str, Any]) -> Edit:
    """`{cpu: 100m}` -> `{cpu: 100m, memory: 128Mi}`, on its one line; only new scalar keys."""
    line, end = int(node.start_mark.line), int(node.end_mark.column)
    text = lines[line]
    present = {getattr(k, "value", None) for k, _ in node.value}
    if node.end_mark.line != line or text[end - 1:end] != "}" or any(
            key in present or not _is_scalar(value) for key, value in desired.items()):
        raise NotOffered("the target is not a block mapping")
    added = ", ".join(f"{key}: {_scalar(value)}" for key, value in desired.items())
    inside = text[node.start_mark.column + 1:end - 1]
    joined = (inside.rstrip() + ", " + added + (" " if inside.endswith(" ") else "")) if inside.strip() else added
    return Edit(line, 1, [text[:node.start_mark.column + 1] + joined + text[end - 1:]])


def _delete_items(lines: list[str], node: yaml.Node, indexes: frozenset[int]) -> list[Edit]:
    if not isinstance(node, yaml.SequenceNode) or node.flow_style or len(node.value) <= len(indexes):
        raise NotOffered("the list would be left empty, or is not a block list")
    edits = []
    for index in sorted(indexes):
        item = node.value[index]
        line = int(item.start_mark.line)
        dash = lines[line][:item.start_mark.column].strip()
        if not isinstance(item, yaml.ScalarNode) or item.end_mark.line != line or dash != "-":
            raise NotOffered("the entry is not written on a line of its own")
        edits.append(Edit(line, 1, []))
    return edits


def _delete_key(lines: list[str], node: yaml.MappingNode, key: str) -> Edit:
    pair = next(((k, v) for k, v in node.value if getattr(k, "value", None) == key), None)
    if pair is None or len(node.value) < 2:
        raise NotOffered(f"{key} is not one of several keys")
    name, value = pair
    line = int(name.start_mark.line)
    if not isinstance(value, yaml.ScalarNode) or value.end_mark.line != line or lines[line][:name.start_mark.column].strip():
        raise NotOffered(f"{key} is not written on a line of its own")
    return Edit(line, 1, [])


def render(values: dict[str, Any], column: int) -> list[str]:
    """Block mappings at `column`, lists of scalars in flow style (`drop: [ALL]`), as a person writes them."""
    out: list[str] = []
    for key, value in values.items():
        if isinstance(value, Commented):
            out.append(" " * column + f"# {value.comment}")
            value = value.value
        value = _plain(value)
        pad = " " * column
        if isinstance(value, dict) and value:
            out += [f"{pad}{key}:"] + render(value, column + 2)
        elif isinstance(value, list) and value and not all(_is_scalar(item) for item in value):
            out += [f"{pad}{key}:"] + _items(value, column + 2)
        elif isinstance(value, list):
            out.append(f"{pad}{key}: [{', '.join(_scalar(item) for item in value)}]")
        else:
            out.append(f"{pad}{key}: {'{}' if value == {} else _scalar(value)}")
    return out


def _items(items: list[Any], column: int) -> list[str]:
    out: list[str] = []
    for item in items:
        if isinstance(item, dict) and item:
            lines = render(item, column + 2)
            out += [" " * column + "- " + lines[0].lstrip()] + lines[1:]
        else:
            out.append(" " * column + "- " + _scalar(item))
    return out


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def _scalar(value: Any) -> str:
    return yaml.safe_dump(value, width=1000).splitlines()[0]


def expected(data: Any, desired: Any) -> Any:
    """`data` with `desired` merged in: what the edited file must parse to."""
    if isinstance(desired, Replace):
        return desired.value
    if isinstance(desired, Commented):
        return expected(data, desired.value)
    if isinstance(desired, Append):
        return [_plain(item) for item in desired.items] + list(data or [])
    if isinstance(desired, DeleteItems):
        return [item for index, item in enumerate(data or []) if index not in desired.indexes]
    if isinstance(desired, dict):
        merged = dict(data) if isinstance(data, dict) else {}
        for key, value in desired.items():
            if isinstance(value, Delete):
                merged.pop(key, None)
            else:
                merged[key] = expected(merged.get(key), value) if key in merged else _plain(value)
        return merged
    return data if data is not None else desired


def set_in(data: Any, path: Sequence[str | int], desired: Any) -> Any:
    """A copy of `data` with `desired` merged in at `path`."""
    result = copy.deepcopy(data)
    if not path:
        return expected(result, desired)
    holder = result
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = expected(holder[path[-1]], desired)
    return result


def _plain(value: Any) -> Any:
    if isinstance(value, Commented):
        return _plain(value.value)
    if isinstance(value, Append):
        return [_plain(item) for item in value.items]
    if isinstance(value, Replace):
        return value.value
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _same_scalar(node: yaml.Node, want: Any) -> bool:
    if not isinstance(node, yaml.ScalarNode):
        return False
    return bool(yaml.safe_load(yaml.serialize(node)) == want)


def _insertion_line(lines: list[str], node: yaml.MappingNode) -> int:
    """Where new keys go: after the first key when it is a one-line `- name: x`, else before the first key."""
    first_key, first_value = node.value[0]
    line, column = int(first_key.start_mark.line), int(first_key.start_mark.column)
    prefix = lines[line][:column]
    if not prefix.strip():
        return line
    if prefix.strip(" -") == "":  # the mapping is a list item: `- name: x`
        if isinstance(first_value, yaml.ScalarNode) and first_value.end_mark.line == line and first_value.style not in ("|", ">"):
            return line + 1
        if len(node.value) > 1:
            second = node.value[1][0].start_mark
            if not lines[second.line][:second.column].strip():
                return int(second.line)
    raise NotOffered("no line where a key can be added without rewriting another")


def _prepend_items(lines: list[str], node: yaml.Node, items: list[Any]) -> list[Edit]:
    if not isinstance(node, yaml.SequenceNode) or node.flow_style or not node.value:
        raise NotOffered("the list is not a block sequence")
    mark = node.start_mark
    if lines[mark.line][:mark.column].strip():
        raise NotOffered("the list starts on a line it shares")
    return [Edit(mark.line, 0, _items([_plain(item) for item in items], mark.column))]


def _replace_scalar(lines: list[str], node: yaml.Node, value: Any) -> Edit:
    if not isinstance(node, yaml.ScalarNode) or node.start_mark.line != node.end_mark.line or node.style in ("|", ">"):
        raise NotOffered("the value is not a one-line scalar")
    line = lines[node.start_mark.line]
    start, end = node.start_mark.column, node.end_mark.column
    text = str(value)
    if node.style in ('"', "'"):
        quote = node.style
        if quote in text or "\\" in text:
            raise NotOffered("the new value needs escaping")
        written = f"{quote}{text}{quote}"
    else:
        written = text if yaml.safe_load(text) == value and not text.startswith(("{", "[")) else f'"{text}"'
    return Edit(node.start_mark.line, 1, [line[:start] + written + line[end:].rstrip("\r\n")])
