"""--shard INDEX/COUNT deals the targets out: disjoint shares that cover every target."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from checker.errors import UsageError
from checker.inputs.shard import Shard, parse, pick


@given(st.lists(st.text(min_size=1, max_size=8), max_size=30), st.integers(min_value=1, max_value=7))
def test_shares_are_disjoint_and_cover_every_target(targets: list[str], count: int) -> None:
    shares = [pick(targets, Shard(index, count)) for index in range(count)]
    flat = [t for share in shares for t in share]
    assert sorted(flat) == sorted(set(targets))
    assert max(map(len, shares)) - min(map(len, shares)) <= 1


def test_the_share_does_not_depend_on_the_order_targets_are_given() -> None:
    assert pick(["c", "a", "b"], Shard(0, 2)) == pick(["b", "c", "a"], Shard(0, 2)) == ["a", "c"]


@pytest.mark.parametrize("text", ["2/2", "1", "-1/2", "a/b", "0/0"])
def test_bad_shards_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match="--shard"):
        parse(text)


def test_parse() -> None:
    assert parse("3/4") == Shard(3, 4)
