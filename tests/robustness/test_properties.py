"""Properties of the parsers that read untrusted text: the env parser, Compose interpolation, path expressions
and the `assert` evaluator. None raises anything but its documented error type, and round trips hold.
"""
from __future__ import annotations

import string
from typing import Any

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from checker.errors import InputError
from checker.inputs.env_file import parse_env
from checker.inputs.interpolate import interpolate
from checker.inputs.paths import PathSyntaxError, format_path, parse, select, select_path
from checker.probes import _ops
from checker.probes.assertion import Condition, evaluate

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,20}", fullmatch=True)
# values an unquoted or single-quoted env line carries as written
plain_values = st.text(alphabet=string.ascii_letters + string.digits + "-_./:@%+=,", max_size=40)
# Compose reads \' as the quote itself inside single quotes (and \ before it): left out of the round trip
quoted_values = st.text(alphabet=st.characters(blacklist_characters="'\\\n\r\x00", blacklist_categories=("Cs",)), max_size=40)


# --- env files ---------------------------------------------------------------------------------

@SETTINGS
@given(st.text(max_size=400))
def test_env_parser_never_raises_on_any_text(text: str) -> None:
    parsed = parse_env(text)
    lines = text.count("\n") + text.count("\r") + 1
    for entry in parsed.entries:
        assert entry.key and 1 <= entry.line <= lines
    assert all(isinstance(error, InputError) and error.line for error in parsed.errors)


@SETTINGS
@given(st.dictionaries(names, st.one_of(plain_values.map(lambda v: ("plain", v)), quoted_values.map(lambda v: ("single", v))), max_size=12))
def test_env_round_trip(assignments: dict[str, tuple[str, str]]) -> None:
    lines = []
    for key, (style, value) in assignments.items():
        lines.append(f"{key}={value}" if style == "plain" else f"{key}='{value}'")
    parsed = parse_env("\n".join(lines) + "\n")
    assert parsed.errors == []
    assert {e.key: e.value for e in parsed.entries} == {k: v for k, (_, v) in assignments.items()}
    assert [e.line for e in parsed.entries] == list(range(1, len(assignments) + 1))


# --- Compose interpolation -----------------------------------------------------------------------

variables = st.dictionaries(names, st.text(max_size=20), max_size=6)
dollar_text = st.text(alphabet=st.sampled_from(list("${}:-?+_aZ9 \\")), max_size=80)


@SETTINGS
@given(st.one_of(st.text(max_size=200), dollar_text), variables)
def test_interpolation_never_raises(text: str, values: dict[str, str]) -> None:
    result = interpolate(text, values)
    assert isinstance(result.value, str)
    assert all(u.name for u in result.unset)


@SETTINGS
@given(st.text(max_size=200), variables)
def test_escaped_dollars_round_trip(text: str, values: dict[str, str]) -> None:
    result = interpolate(text.replace("$", "$$"), values)
    assert (result.value, result.unset, result.unknown) == (text, [], [])


@SETTINGS
@given(st.text(alphabet=st.characters(blacklist_characters="$"), max_size=200), variables)
def test_text_without_a_dollar_is_unchanged(text: str, values: dict[str, str]) -> None:
    assert interpolate(text, values).value == text


@SETTINGS
@given(names, st.text(alphabet=st.characters(blacklist_characters="$}"), max_size=20), st.text(alphabet=st.characters(blacklist_characters="$}"), max_size=20))
def test_defaults_follow_compose(name: str, value: str, default: str) -> None:
    assert interpolate(f"${{{name}:-{default}}}", {name: value}).value == (value or default)
    assert interpolate(f"${{{name}-{default}}}", {name: value}).value == value
    assert interpolate(f"${{{name}-{default}}}", {}).value == default
    assert interpolate(f"${{{name}}}", {}).unset[0].name == name


# --- path expressions and the assert evaluator ---------------------------------------------------

keys = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), st.text(max_size=8))
documents = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)), max_leaves=30)
expressions = st.one_of(
    st.text(max_size=40),
    st.lists(st.one_of(st.sampled_from(["*", "[*]", "[0]", "[-1]", "a", "b"]), keys.map(lambda k: f"[{k!r}]")), max_size=5).map(".".join),
)


@SETTINGS
@given(st.text(max_size=200))
def test_path_parser_raises_only_its_syntax_error(expression: str) -> None:
    try:
        parse(expression)
    except PathSyntaxError:
        pass


@SETTINGS
@given(documents, expressions)
def test_every_selected_path_leads_back_to_its_value(data: Any, expression: str) -> None:
    try:
        found = list(select(data, expression))
    except PathSyntaxError:
        return
    for path, value in found:
        assert list(select_path(data, path)) == [(path, value)]


@SETTINGS
@given(documents)
@example({"a\\b": [1]})  # repr() used to double the backslash, so the key did not parse back
@example({"it's": {"x": 1}, 'say "hi"': [2]})
def test_formatted_paths_parse_back_to_the_same_node(data: Any) -> None:
    for path, value in select(data, "*.*"):
        # a display form, not a path, for keys with control characters or both kinds of quote
        assume(all(isinstance(p, int) or (p.isprintable() and not ("'" in p and '"' in p)) for p in path))
        assert [v for _, v in select(data, format_path(path))] == [value], format_path(path)


OPERATOR_VALUES = {
    "in": st.lists(scalars, max_size=3), "not_in": st.lists(scalars, max_size=3),
    "matches": st.sampled_from(["^a", "(a+)+$", "x|y", "[0-9]{2,}", ""]),
    "not_matches": st.sampled_from(["^a", "(a+)+$", "x|y"]),
}
leaves = st.sampled_from(_ops.ALL_OPERATORS).flatmap(
    lambda op: st.builds(
        Condition, path=st.sampled_from(["", "a", "*", "a.b", "[*]", "*.a"]), op=st.just(op),
        value=OPERATOR_VALUES.get(op, scalars.filter(lambda v: v is not None) if op in _ops.NEEDS_VALUE else scalars), match=st.sampled_from(["all", "any"]),
        missing=st.sampled_from([None, "pass", "fail"]),
    )
)
conditions = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda parts: Condition(all_=parts)),
        st.lists(inner, min_size=1, max_size=3).map(lambda parts: Condition(any_=parts)),
        inner.map(lambda part: Condition(not_=part)),
    ),
    max_leaves=8,
)


@SETTINGS
@given(conditions, documents)
def test_the_evaluator_never_raises_and_not_inverts(condition: Condition, data: Any) -> None:
    verdict = evaluate(condition, data, ())
    assert isinstance(verdict.holds, bool) and isinstance(verdict.path, tuple)
    assert evaluate(Condition(not_=condition), data, ()).holds is (not verdict.holds)
