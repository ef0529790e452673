"""Data-flow paths and Choice rules."""

from __future__ import annotations

import pytest

from labkit.workflows.choice import evaluate_rule, rule_problems
from labkit.workflows.paths import (
    PathNotFound,
    apply_template,
    parse_path,
    place_result,
    read_path,
)


def test_parse_and_read_paths():
    doc = {"a": {"b c": [10, {"d": 4}]}, "xs": [{"v": 1}, {"v": 2}]}
    assert read_path(doc, "$") is doc
    assert read_path(doc, "$.a['b c'][1].d") == 4
    assert read_path(doc, '$.a["b c"][0]') == 10
    assert read_path(doc, "$.xs[*].v") == [1, 2]
    with pytest.raises(PathNotFound):
        read_path(doc, "$.a.missing")
    with pytest.raises(PathNotFound):
        read_path(doc, "$.xs[5]")
    with pytest.raises(ValueError, match="reference path"):
        parse_path("$.xs[*]")
    with pytest.raises(ValueError, match="must start with"):
        parse_path("a.b")
    with pytest.raises(ValueError, match="cannot parse"):
        parse_path("$..deep")


def test_place_result_does_not_mutate_the_input():
    state_input = {"order": {"id": 1}}
    out = place_result(state_input, "$.order.payment.status", "paid")
    assert out == {"order": {"id": 1, "payment": {"status": "paid"}}}
    assert state_input == {"order": {"id": 1}}
    assert place_result([1, 2], "$[1]", "x") == [1, "x"]
    with pytest.raises(PathNotFound):
        place_result({"a": 5}, "$.a.b", 1)


def test_templates_nest_and_copy():
    source = {"items": [1, 2]}
    out = apply_template({"outer": {"items.$": "$.items"}, "list": [{"n.$": "$.items[0]"}]},
                         source)
    assert out == {"outer": {"items": [1, 2]}, "list": [{"n": 1}]}
    out["outer"]["items"].append(3)
    assert source == {"items": [1, 2]}
    assert apply_template({"x.$": "$$.Map.Item.Index"}, {}, {"Map": {"Item": {"Index": 4}}}) \
        == {"x": 4}
    with pytest.raises(ValueError, match="intrinsic"):
        apply_template({"x.$": "States.Format('{}', $.a)"}, {"a": 1})


@pytest.mark.parametrize("rule, doc, expected", [
    ({"Variable": "$.s", "StringEquals": "a"}, {"s": "a"}, True),
    ({"Variable": "$.s", "StringLessThan": "b"}, {"s": "a"}, True),
    ({"Variable": "$.s", "StringGreaterThanEqualsPath": "$.t"}, {"s": "b", "t": "b"}, True),
    ({"Variable": "$.s", "StringMatches": "a\\*b*"}, {"s": "a*bcd"}, True),
    ({"Variable": "$.s", "StringMatches": "a\\*b*"}, {"s": "axbcd"}, False),
    ({"Variable": "$.n", "NumericEquals": 3}, {"n": 3.0}, True),
    ({"Variable": "$.n", "NumericEquals": 1}, {"n": True}, False),  # bool is not a number
    ({"Variable": "$.b", "BooleanEquals": True}, {"b": 1}, False),
    ({"Variable": "$.t", "TimestampGreaterThan": "2024-01-01T00:00:00Z"},
     {"t": "2024-01-01T00:00:01+00:00"}, True),
    ({"Variable": "$.x", "IsNull": True}, {"x": None}, True),
    ({"Variable": "$.x", "IsPresent": False}, {}, True),
    ({"Variable": "$.x", "IsNumeric": True}, {"x": "1"}, False),
    ({"Variable": "$.x", "IsTimestamp": True}, {"x": "2024-01-01T00:00:00Z"}, True),
    ({"Or": [{"Variable": "$.a", "NumericEquals": 1},
             {"Variable": "$.a", "NumericEquals": 2}]}, {"a": 2}, True),
])
def test_choice_rules(rule, doc, expected):
    assert evaluate_rule(rule, doc) is expected
    assert rule_problems(dict(rule, Next="X"), "rule", top_level=True) == []


def test_choice_rule_problems():
    assert rule_problems({"And": [], "Next": "X"}, "r", top_level=True) == \
        ["r: 'And' needs a non-empty array of rules"]
    assert "only allowed in top-level" in rule_problems(
        {"Not": {"Variable": "$.a", "IsNull": True, "Next": "X"}, "Next": "Y"}, "r",
        top_level=True)[0]
    assert "exactly one comparison" in " ".join(rule_problems(
        {"Variable": "$.a", "IsNull": True, "IsPresent": True, "Next": "X"}, "r",
        top_level=True))
    assert "unknown field" in " ".join(rule_problems(
        {"Variable": "$.a", "NumericEqualz": 1, "Next": "X"}, "r", top_level=True))
    with pytest.raises(PathNotFound):
        evaluate_rule({"Variable": "$.missing", "NumericEquals": 1}, {})
