"""Safe YAML loading that keeps a source position for every key and item.

libyaml composes the node graph (fast, and it never constructs objects); this
module turns nodes into plain data itself so that it can record positions,
detect duplicate keys, apply merge keys (`<<`) and bound alias expansion.
Tags are never honoured: `!!python/object` and friends stay plain strings.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import yaml

from checker.errors import InputError
from checker.inputs.document import Duplicate, Position
from checker.inputs.paths import Path

MAX_NODES = 250_000  # values in one file: composing one costs about 5 us and 400 bytes
# A text cannot hold more values than characters (`{a,b,c}` comes closest), so only
# texts longer than MAX_NODES characters pay for a count of the events before composing.
_COUNT_ABOVE_CHARS = MAX_NODES
MAX_ALIAS_NODES = 100_000  # values built again through aliases (billion laughs stops here)
MAX_DEPTH = 200

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_scalars = yaml.constructor.SafeConstructor()

_MERGE_TAG = "tag:yaml.org,2002:merge"
_TYPED = {
    "tag:yaml.org,2002:null": _scalars.construct_yaml_null,
    "tag:yaml.org,2002:bool": _scalars.construct_yaml_bool,
    "tag:yaml.org,2002:int": _scalars.construct_yaml_int,
    "tag:yaml.org,2002:float": _scalars.construct_yaml_float,
}


class YamlDocument(NamedTuple):
    data: Any
    positions: dict[Path, Position]
    duplicates: list[Duplicate]
    start_line: int


def load_all(text: str) -> list[YamlDocument]:
    """Every document of a YAML stream. Raises InputError with the line on bad input."""
    try:
        if len(text) > _COUNT_ABOVE_CHARS:
            _count_values(text)
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputError(f"invalid YAML: {problem}", line, column) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}") from None
    documents = []
    for node in nodes:
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null") and node.value in ("", "~", "null")):
            continue  # an empty document (a trailing `---`) holds nothing to check
        builder = _Builder()
        try:
            data = builder.build(node, (), 0)
        except RecursionError:
            raise InputError(f"nesting deeper than {MAX_DEPTH} levels", node.start_mark.line + 1) from None
        documents.append(YamlDocument(data, builder.positions, builder.duplicates, node.start_mark.line + 1))
    return documents


def _count_values(text: str) -> None:
    """Refuse a stream of too many values before its node graph (the memory) is built.

    Events stream out of libyaml one at a time, so counting them holds no more
    than one in memory: ten MiB of `[1,1,1,...]` stops here in a second instead of
    taking 2 GB and 40 s to compose.
    """
    count = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent, yaml.CollectionStartEvent)):
            count += 1
            if count > MAX_NODES:
                line = event.start_mark.line + 1 if event.start_mark else None
                raise InputError(f"more than {MAX_NODES:,} values in one file", line)


class _Builder:
    def __init__(self) -> None:
        self.positions: dict[Path, Position] = {}
        self.duplicates: list[Duplicate] = []
        self.count = 0
        self.alias_count = 0
        self.seen: set[int] = set()

    def build(self, node: yaml.Node, path: Path, depth: int) -> Any:
        self.count += 1
        if id(node) in self.seen:
            self.alias_count += 1
            if self.alias_count > MAX_ALIAS_NODES:
                raise InputError(
                    f"aliases expand to more than {MAX_ALIAS_NODES:,} values (alias bomb?)", node.start_mark.line + 1
                )
        else:
            self.seen.add(id(node))
        if self.count > MAX_NODES:
            raise InputError(f"more than {MAX_NODES:,} values in one document", node.start_mark.line + 1)
        if depth > MAX_DEPTH:
            raise InputError(f"nesting deeper than {MAX_DEPTH} levels", node.start_mark.line + 1)
        self.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, path + (index,), depth + 1) for index, child in enumerate(node.value)]
        assert isinstance(node, yaml.MappingNode)
        return self._mapping(node, path, depth)

    def _mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        merged: list[tuple[yaml.Node, Path]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                merged.extend((source, path) for source in sources)
                continue
            key = _key(key_node)
            child_path = path + (key,)
            if key in result:
                first = self.positions.get(child_path, (0, 0))[0]
                self.duplicates.append(Duplicate(child_path, first))
            self.positions[child_path] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = self.build(value_node, child_path, depth + 1)
            # the key's line is the useful one for a mapping value
            self.positions[child_path] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        # merge keys: explicit keys win, earlier sources win over later ones
        for source, at in merged:
            if not isinstance(source, yaml.MappingNode):
                continue
            saved = dict(self.positions)
            value = self._mapping(source, at, depth + 1)
            self.positions = saved
            for key, child in value.items():
                if key not in result:
                    result[key] = child
                    self._record_subtree(child, at + (key,), source)
        return result

    def _record_subtree(self, value: Any, path: Path, source: yaml.MappingNode) -> None:
        # merged values point at the anchor's keys, where they are written
        for key_node, value_node in source.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == path[-1]:
                self.positions[path] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                break
        else:
            self.positions.setdefault(path, (source.start_mark.line + 1, source.start_mark.column + 1))


def _key(node: yaml.Node) -> str | int:
    """A mapping key: an int or the text as written (`on:` stays "on", not YAML 1.1's True)."""
    if not isinstance(node, yaml.ScalarNode):
        return f"<complex key at line {node.start_mark.line + 1}>"
    value = _scalar(node)
    return value if isinstance(value, (str, int)) and not isinstance(value, bool) else str(node.value)


def _scalar(node: yaml.ScalarNode) -> Any:
    construct = _TYPED.get(node.tag)
    if construct is None:
        return node.value  # str, timestamps, binary and every unknown or unsafe tag: the text as written
    try:
        return construct(node)
    except (ValueError, yaml.YAMLError):
        return node.value
