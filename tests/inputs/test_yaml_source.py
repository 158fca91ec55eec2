"""Safe YAML loading: positions, merge keys, duplicates, and hostile input."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.errors import InputError
from checker.inputs.yaml_source import MAX_DEPTH, load_all

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def one(text: str):
    (doc,) = load_all(text)
    return doc


def test_positions_of_keys_and_list_items_are_one_based():
    doc = one("top:\n  name: web\n  ports:\n    - '80:80'\n    -   '443:443'\nflow: [a, b]\n")
    assert doc.positions == {
        (): (1, 1),
        ("top",): (1, 1),
        ("top", "name"): (2, 3),
        ("top", "ports"): (3, 3),
        ("top", "ports", 0): (4, 7),
        ("top", "ports", 1): (5, 9),
        ("flow",): (6, 1),
        ("flow", 0): (6, 8),
        ("flow", 1): (6, 11),
    }


def test_scalars_are_typed_like_yaml_1_1_safe_load():
    doc = one("a: yes\nb: 0x10\nc: 1.5\nd: null\ne: 2024-01-01\nf: 'true'\ng: 010\n")
    assert doc.data == {"a": True, "b": 16, "c": 1.5, "d": None, "e": "2024-01-01", "f": "true", "g": 8}


def test_merge_keys_explicit_keys_win_and_earlier_sources_win():
    doc = one(
        "base: &base\n"
        "  k1: from_base\n"
        "  k2: from_base\n"
        "other: &other\n"
        "  k2: from_other\n"
        "  k3: from_other\n"
        "merged:\n"
        "  <<: [*base, *other]\n"
        "  k1: explicit\n"
    )
    assert doc.data["merged"] == {"k1": "explicit", "k2": "from_base", "k3": "from_other"}
    # explicit keys point at their own line; merged ones at the anchor's key
    assert doc.positions[("merged", "k1")] == (9, 3)
    assert doc.positions[("merged", "k2")] == (3, 3)
    assert doc.positions[("merged", "k3")] == (6, 3)
    assert doc.duplicates == []


def test_single_merge_source():
    doc = one("x: &x {image: 'app:1'}\nsvc:\n  <<: *x\n  restart: always\n")
    assert doc.data["svc"] == {"restart": "always", "image": "app:1"}


def test_duplicate_keys_are_recorded_with_the_first_line_and_the_last_value_wins():
    doc = one("a: 1\nsvc:\n  image: one\n  image: two\na: 3\n")
    assert doc.data == {"a": 3, "svc": {"image": "two"}}
    assert sorted((d.path, d.first_line) for d in doc.duplicates) == [(("a",), 1), (("svc", "image"), 3)]
    assert doc.positions[("svc", "image")] == (4, 3)


def test_billion_laughs_is_a_clean_error_and_fast():
    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        load_all(BILLION_LAUGHS)
    assert time.perf_counter() - started < 2
    assert caught.value.message == "aliases expand to more than 100,000 values (alias bomb?)"
    assert caught.value.line == 1


def test_a_few_aliases_are_fine():
    doc = one("a: &a [1, 2]\nb: *a\nc: *a\n")
    assert doc.data == {"a": [1, 2], "b": [1, 2], "c": [1, 2]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("run: !!python/object/apply:os.system ['touch {marker}']\n", {"run": ["touch {marker}"]}),
        ("run: !!python/object/apply:os.system\n  args: ['touch {marker}']\n", {"run": {"args": ["touch {marker}"]}}),
        ("run: !!python/object/new:os.system ['touch {marker}']\n", {"run": ["touch {marker}"]}),
        ("run: !!python/name:os.system\n", {"run": ""}),
        ("run: !!python/module:os\n", {"run": ""}),
        ("run: !custom 'touch {marker}'\n", {"run": "touch {marker}"}),
    ],
)
def test_python_tags_are_never_executed(tmp_path: Path, text: str, expected: dict):
    marker = tmp_path / "pwned"
    doc = one(text.replace("{marker}", str(marker)))
    assert doc.data == json.loads(json.dumps(expected).replace("{marker}", str(marker)))
    assert not marker.exists()


def test_300_deep_block_nesting_is_a_clean_error():
    text = "a:" + "".join("\n" + "  " * (i + 1) + "a:" for i in range(300)) + " 1\n"
    with pytest.raises(InputError) as caught:
        load_all(text)
    assert caught.value.message == f"nesting deeper than {MAX_DEPTH} levels"
    assert caught.value.line == MAX_DEPTH + 2


def test_300_deep_flow_nesting_is_a_clean_error():
    with pytest.raises(InputError) as caught:
        load_all("[" * 300 + "]" * 300)
    assert caught.value.message == f"nesting deeper than {MAX_DEPTH} levels"


def test_nesting_just_under_the_limit_loads():
    doc = one("[" * 150 + "]" * 150)
    depth, value = 0, doc.data
    while value:
        value, depth = value[0], depth + 1
    assert depth == 149


def test_multi_document_stream_keeps_each_documents_lines():
    docs = load_all("kind: A\nx: 1\n---\nkind: B\ny: 2\n---\n# only a comment\n---\nkind: C\n")
    assert [d.data for d in docs if d.data is not None] == [{"kind": "A", "x": 1}, {"kind": "B", "y": 2}, {"kind": "C"}]
    by_kind = {d.data["kind"]: d for d in docs if d.data}
    assert by_kind["B"].positions[("y",)] == (5, 1)
    assert by_kind["C"].positions[("kind",)] == (9, 1)


def test_invalid_yaml_names_line_and_column():
    with pytest.raises(InputError) as caught:
        load_all("a: 1\nb: [1, 2\nc: 3\n")
    error = caught.value
    assert error.message.startswith("invalid YAML: ")
    assert (error.line, error.column) == (3, 2)


def test_empty_stream_is_no_documents():
    assert load_all("") == []
    assert load_all("# just a comment\n") == []


def test_positions_answer_the_nearest_written_ancestor():
    doc = one("spec:\n  containers:\n    - name: app\n      image: nginx\n")
    positions = doc.positions
    assert positions[("spec", "containers", 0, "image")] == (4, 7)
    assert ("spec", "containers", 0, "resources") not in positions
    assert positions.nearest(("spec", "containers", 0, "resources", "limits")) == (3, 7)  # the item that lacks it
    assert positions.nearest(("spec", "containers", 5)) == (2, 3)  # no such item: the list
    assert positions.nearest(("spec", "containers", 0, "image", "deeper")) == (4, 7)  # below a scalar


def test_a_list_objects_items_get_positions_of_their_own():
    doc = one("kind: List\nitems:\n  - kind: A\n    x: 1\n  - kind: B\n    y: 2\n")
    second = doc.positions.subtree(("items", 1))
    assert dict(second.items()) == {(): (5, 5), ("kind",): (5, 5), ("y",): (6, 5)}


@settings(max_examples=150, deadline=None)
@given(st.recursive(
    st.one_of(st.integers(-5, 5), st.text("abc", max_size=3), st.booleans(), st.none()),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text("xyz", min_size=1, max_size=3), children, max_size=4),
    max_leaves=25,
))
def test_every_node_has_a_position_and_lookups_agree(data: object):
    text = yaml.safe_dump({"root": data}, sort_keys=False)
    doc = one(text)
    lines = text.splitlines()
    listed = dict(doc.positions.items())
    assert len(doc.positions) == len(listed) == _nodes({"root": data})
    for path, (line, column) in listed.items():
        assert doc.positions[path] == (line, column) == doc.positions.nearest(path)
        assert 1 <= line <= len(lines) and 1 <= column <= len(lines[line - 1]) + 1


def _nodes(value: object) -> int:
    if isinstance(value, dict):
        return 1 + sum(_nodes(v) for v in value.values())
    if isinstance(value, list):
        return 1 + sum(_nodes(v) for v in value)
    return 1
