"""Compose-spec interpolation: every operator, escapes, nesting and odd input."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from checker.inputs.interpolate import Interpolated, Unset, interpolate, references

VARS = {"SET": "value", "EMPTY": "", "B": "bee"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$SET", "value"),
        ("$SET-suffix", "value-suffix"),
        ("${SET}", "value"),
        ("x${SET}y", "xvaluey"),
        # :- uses the default when unset OR empty; - only when unset
        ("${SET:-d}", "value"),
        ("${EMPTY:-d}", "d"),
        ("${EMPTY-d}", ""),
        ("${MISSING:-d}", "d"),
        ("${MISSING-d}", "d"),
        # :+ gives the alternative when set and non-empty; + when set at all
        ("${SET:+alt}", "alt"),
        ("${EMPTY:+alt}", ""),
        ("${EMPTY+alt}", "alt"),
        ("${MISSING+alt}", ""),
        ("${MISSING:+alt}", ""),
        # $$ escapes
        ("$$SET", "$SET"),
        ("$${SET}", "${SET}"),
        ("cost: $$5", "cost: $5"),
        # nested defaults
        ("${MISSING:-${B}}", "bee"),
        ("${MISSING:-${ALSO_MISSING:-deep}}", "deep"),
        ("${MISSING:-$B/x}", "bee/x"),
        ("${SET:-${B}}", "value"),
        # odd input is kept as written
        ("abc ${SET", "abc ${SET"),
        ("${}", "${}"),
        ("${1BAD}", "${1BAD}"),
        ("${SET:x}", "${SET:x}"),
        ("price $ 5", "price $ 5"),
        ("trailing $", "trailing $"),
    ],
)
def test_values(text: str, expected: str):
    assert interpolate(text, VARS).value == expected


def test_plain_unset_variable_is_recorded_as_not_required():
    assert interpolate("$MISSING and ${OTHER}", VARS) == Interpolated(
        " and ", [Unset("MISSING", False), Unset("OTHER", False)]
    )


def test_a_default_means_nothing_is_recorded():
    assert interpolate("${MISSING:-d}${MISSING-e}", VARS).unset == []


@pytest.mark.parametrize(
    ("text", "unset"),
    [
        ("${MISSING:?set MISSING}", [Unset("MISSING", True)]),
        ("${MISSING?set MISSING}", [Unset("MISSING", True)]),
        ("${EMPTY:?must not be empty}", [Unset("EMPTY", True)]),
        ("${EMPTY?may be empty}", []),
        ("${SET:?x}", []),
    ],
)
def test_required_variables(text: str, unset: list[Unset]):
    result = interpolate(text, VARS)
    assert result.unset == unset
    assert result.value == ("value" if "SET:" in text else "")


def test_unset_inside_a_used_default_is_recorded():
    assert interpolate("${A:-${B_MISSING}}", {}) == Interpolated("", [Unset("B_MISSING", False)])


def test_default_not_used_is_not_expanded():
    assert interpolate("${SET:-${B_MISSING:?x}}", VARS) == Interpolated("value", [])


def test_references_skip_escaped_dollars():
    assert references("$$NOT ${ONE} $TWO ${THREE:-x}") == ["ONE", "TWO", "THREE"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("${}:-?+AB_ 1x$")) | st.characters(), max_size=60))
def test_never_raises_on_arbitrary_text(text: str):
    result = interpolate(text, VARS)
    assert isinstance(result.value, str)


@given(st.text().filter(lambda t: "$" not in t))
def test_text_without_dollar_is_unchanged(text: str):
    assert interpolate(text, VARS) == Interpolated(text, [])


def test_a_value_with_more_references_than_the_bound_is_unknown_not_expanded() -> None:
    from checker.inputs.interpolate import MAX_REFERENCES, TOO_MANY, interpolate

    nested = "${V:-" * (MAX_REFERENCES + 1) + "x" + "}" * (MAX_REFERENCES + 1)
    assert interpolate(nested, {}) == ("", [], [TOO_MANY])
    within = "${V:-" * 5 + "x" + "}" * 5
    assert interpolate(within, {}).value == "x"
