"""Safe YAML loading that keeps a source position for every key and item.

libyaml composes the node graph (fast, and it never constructs objects); this
module turns nodes into plain data itself so that it can record positions,
detect duplicate keys, apply merge keys (`<<`) and bound alias expansion.
Tags are never honoured: `!!python/object` and friends stay plain strings.
"""
from __future__ import annotations

from typing import Any, Iterator, Mapping, NamedTuple

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
    positions: SourcePositions
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
            data, tree = builder.build(node, _pack(node.start_mark), 0)
        except RecursionError:
            raise InputError(f"nesting deeper than {MAX_DEPTH} levels", node.start_mark.line + 1) from None
        documents.append(YamlDocument(data, SourcePositions(data, tree), builder.duplicates, node.start_mark.line + 1))
    return documents


# A position is packed into one int, (line << 20) | column, and a document's
# positions form a tree beside its data: a scalar's is the int, a list's or
# mapping's is the tuple (own, first child's, second child's ...) in the order
# of the list or of the mapping's keys. No path tuple is stored per node: a
# 10,000-manifest scan keeps a quarter of the memory a {path: (line, column)}
# dict took, and positions are only looked up for the few nodes a finding names.
_SHIFT = 20
_COLUMN_MASK = (1 << _SHIFT) - 1
Tree = Any  # int | tuple[int, Tree, ...]


def _pack(mark: yaml.Mark) -> int:
    return (mark.line + 1) << _SHIFT | min(mark.column + 1, _COLUMN_MASK)


def _unpack(packed: int) -> Position:
    return packed >> _SHIFT, packed & _COLUMN_MASK


def _own(tree: Tree) -> int:
    return tree[0] if isinstance(tree, tuple) else tree  # type: ignore[no-any-return]


class SourcePositions(Mapping[Path, Position]):
    """(line, column) of every key and item of one YAML document, looked up by path."""

    __slots__ = ("data", "tree")

    def __init__(self, data: Any, tree: Tree) -> None:
        self.data, self.tree = data, tree

    def nearest(self, path: Path) -> Position:
        """The position of `path`, or of its deepest ancestor in the document."""
        return _unpack(_own(self._walk(path)[1]))

    def subtree(self, prefix: Path) -> SourcePositions:
        """Positions re-rooted at `prefix` (an item of a List object)."""
        depth, tree, data = self._walk(prefix)
        if depth != len(prefix):
            raise KeyError(prefix)
        return SourcePositions(data, tree)

    def __getitem__(self, path: Path) -> Position:
        depth, tree, _ = self._walk(path)
        if depth != len(path):
            raise KeyError(path)
        return _unpack(_own(tree))

    def __iter__(self) -> Iterator[Path]:
        return (path for path, _ in self.items())

    def __len__(self) -> int:
        return sum(1 for _ in self.items())

    def items(self) -> Iterator[tuple[Path, Position]]:  # type: ignore[override]
        stack: list[tuple[Path, Any, Tree]] = [((), self.data, self.tree)]
        while stack:
            path, data, tree = stack.pop()
            yield path, _unpack(_own(tree))
            if isinstance(tree, tuple):
                keys = list(data) if isinstance(data, dict) else range(len(data))
                children = [(path + (key,), data[key], tree[index + 1]) for index, key in enumerate(keys)]
                stack.extend(reversed(children))

    def _walk(self, path: Path) -> tuple[int, Tree, Any]:
        data, tree = self.data, self.tree
        for depth, part in enumerate(path):
            if not isinstance(tree, tuple):
                return depth, tree, data
            if isinstance(data, dict) and part in data:
                index = list(data).index(part)
            elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
                index = part
            else:
                return depth, tree, data
            data, tree = data[part], tree[index + 1]
        return len(path), tree, data


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
        self.duplicates: list[Duplicate] = []
        self.count = 0
        self.alias_count = 0
        self.seen: set[int] = set()
        self.keys: list[str | int] = []  # the path being built, for duplicate-key reports

    def build(self, node: yaml.Node, own: int, depth: int) -> tuple[Any, Tree]:
        """The node's value and its position tree; `own` is where the node is written (a mapping value: its key)."""
        self.count += 1
        if id(node) in self.seen:
            self._charge(1, node)
        else:
            self.seen.add(id(node))
        if self.count > MAX_NODES:
            raise InputError(f"more than {MAX_NODES:,} values in one document", node.start_mark.line + 1)
        if depth > MAX_DEPTH:
            raise InputError(f"nesting deeper than {MAX_DEPTH} levels", node.start_mark.line + 1)
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node), own
        if isinstance(node, yaml.SequenceNode):
            items, trees = [], [own]
            for index, child in enumerate(node.value):
                self.keys.append(index)
                value, tree = self.build(child, _pack(child.start_mark), depth + 1)
                self.keys.pop()
                items.append(value)
                trees.append(tree)
            return items, tuple(trees)
        assert isinstance(node, yaml.MappingNode)
        result, where = self._mapping(node, depth)
        return result, (own, *(where[key] for key in result))

    def _charge(self, values: int, node: yaml.Node) -> None:
        """Count values built again through an alias or a merge key (`<<`) against one budget."""
        self.alias_count += values
        if self.alias_count > MAX_ALIAS_NODES:
            raise InputError(
                f"aliases expand to more than {MAX_ALIAS_NODES:,} values (alias bomb?)", node.start_mark.line + 1
            )

    def _mapping(self, node: yaml.MappingNode, depth: int) -> tuple[dict[Any, Any], dict[Any, Tree]]:
        result: dict[Any, Any] = {}
        where: dict[Any, Tree] = {}
        merged: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged.extend(value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node])
                continue
            key = _key(key_node)
            if key in result:
                first = _own(where[key]) >> _SHIFT
                self.duplicates.append(Duplicate((*self.keys, key), first))
            self.keys.append(key)
            # the key's line is the useful one for a mapping value
            result[key], where[key] = self.build(value_node, _pack(key_node.start_mark), depth + 1)
            self.keys.pop()
        # merge keys: explicit keys win, earlier sources win over later ones; merged values point at the anchor's keys
        for source in merged:
            if not isinstance(source, yaml.MappingNode):
                continue
            # a merge copies the source's keys without going through build(): a chain of anchors that each
            # merge the previous one ten times (3 KB) would otherwise copy 10^40 keys uncounted
            self._charge(1 + len(source.value), source)
            value, trees = self._mapping(source, depth + 1)
            for key, child in value.items():
                if key not in result:
                    result[key], where[key] = child, trees[key]
        return result, where


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
