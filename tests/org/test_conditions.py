"""Condition operators, missing keys, set operators and normalisation (IAM User Guide: condition
operators)."""

from __future__ import annotations

import pytest

from labkit.org.conditions import condition_matches, normalize_context, parse_condition


def holds(block: dict, context: dict) -> bool:
    return condition_matches(parse_condition(block, where="S"), normalize_context(context))[0]


def test_missing_key_positive_false_negated_true_ifexists_true():
    assert not holds({"Bool": {"aws:MultiFactorAuthPresent": "false"}}, {})
    assert not holds({"StringEquals": {"aws:PrincipalTag/team": "a"}}, {})
    assert holds({"StringNotEquals": {"aws:PrincipalTag/team": "a"}}, {})
    assert holds({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}, {})
    assert holds({"StringEqualsIfExists": {"aws:PrincipalTag/team": "a"}}, {})
    # IfExists with the key present: the normal test
    assert not holds({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
                     {"aws:MultiFactorAuthPresent": "true"})


def test_null_operator_tests_presence():
    assert holds({"Null": {"aws:TokenIssueTime": "true"}}, {})
    assert not holds({"Null": {"aws:TokenIssueTime": "true"}}, {"aws:TokenIssueTime": "x"})
    assert holds({"Null": {"aws:TokenIssueTime": False}}, {"aws:TokenIssueTime": "x"})
    assert not holds({"Null": {"aws:TokenIssueTime": "false"}}, {})


def test_condition_key_names_ignore_case():
    block = {"ArnLike": {"aws:PrincipalARN": "arn:aws:iam::*:role/Admin"}}
    assert holds(block, {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/Admin"})
    assert holds({"StringEquals": {"AWS:REQUESTEDREGION": "eu-west-1"}},
                 {"aws:RequestedRegion": "eu-west-1"})


def test_json_booleans_are_normalised():
    assert holds({"Bool": {"aws:SecureTransport": False}}, {"aws:SecureTransport": "false"})
    assert holds({"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": False})
    assert not holds({"Bool": {"aws:SecureTransport": False}}, {"aws:SecureTransport": True})
    assert holds({"StringEquals": {"k": False}}, {"k": "false"})     # not "False"
    assert not holds({"StringEquals": {"k": "False"}}, {"k": False})


def test_negated_operator_with_value_list_is_nor():
    block = {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}}
    assert not holds(block, {"aws:RequestedRegion": "eu-west-1"})
    assert not holds(block, {"aws:RequestedRegion": "eu-central-1"})
    assert holds(block, {"aws:RequestedRegion": "us-east-1"})
    assert not holds({"ArnNotLike": {"aws:PrincipalArn": ["arn:aws:iam::*:role/A",
                                                          "arn:aws:iam::*:role/B"]}},
                     {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/B"})
    assert not holds({"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.0.2.0/24"]}},
                     {"aws:SourceIp": "192.0.2.7"})


def test_positive_operator_with_value_list_is_or_and_keys_are_and():
    assert holds({"StringEquals": {"k": ["a", "b"]}}, {"k": "b"})
    block = {"StringEquals": {"k": "a", "j": "b"}}
    assert not holds(block, {"k": "a"})
    assert holds(block, {"k": "a", "j": "b"})
    two_ops = {"StringEquals": {"k": "a"}, "Bool": {"m": "true"}}
    assert not holds(two_ops, {"k": "a", "m": "false"})


def test_string_case_rules():
    assert not holds({"StringEquals": {"k": "Prod"}}, {"k": "prod"})
    assert holds({"StringEqualsIgnoreCase": {"k": "Prod"}}, {"k": "PROD"})
    assert holds({"StringNotEqualsIgnoreCase": {"k": "Prod"}}, {"k": "dev"})
    assert not holds({"StringLike": {"k": "Prod-*"}}, {"k": "prod-1"})
    assert holds({"StringLike": {"k": "prod-??"}}, {"k": "prod-12"})
    assert not holds({"StringNotLike": {"k": "prod-*"}}, {"k": "prod-1"})


def test_stringlike_crosses_colons_arnlike_does_not():
    value = "arn:aws:iam::123456789012:role/x"
    assert holds({"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*"}},
                 {"aws:PrincipalArn": value})
    assert not holds({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*"}},
                     {"aws:PrincipalArn": value})
    assert holds({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}},
                 {"aws:PrincipalArn": value})


def test_numeric_date_ip_operators():
    assert holds({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": 9})
    assert not holds({"NumericLessThan": {"s3:max-keys": 10}}, {"s3:max-keys": "10"})
    assert holds({"NumericGreaterThanEquals": {"n": "10"}}, {"n": "10.0"})
    assert holds({"NumericNotEquals": {"n": ["1", "2"]}}, {"n": "3"})
    assert not holds({"NumericEquals": {"n": "1"}}, {"n": "not-a-number"})
    assert holds({"DateLessThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}},
                 {"aws:CurrentTime": "2025-12-31T23:59:59Z"})
    assert holds({"DateGreaterThan": {"aws:EpochTime": "1700000000"}},
                 {"aws:EpochTime": "2026-01-01T00:00:00Z"})
    assert holds({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "203.0.113.9"})
    assert holds({"IpAddress": {"aws:SourceIp": "203.0.113.9"}}, {"aws:SourceIp": "203.0.113.9"})
    assert not holds({"IpAddress": {"aws:SourceIp": "203.0.113.9"}},
                     {"aws:SourceIp": "203.0.113.10"})       # no prefix means /32
    assert holds({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "11.0.0.1"})


def test_set_operators():
    any_of = {"ForAnyValue:StringEquals": {"aws:TagKeys": ["env", "team"]}}
    all_of = {"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}}
    assert holds(any_of, {"aws:TagKeys": ["env", "cost"]})
    assert not holds(any_of, {"aws:TagKeys": ["cost"]})
    assert not holds(any_of, {})                        # ForAnyValue: absent key -> false
    assert holds(all_of, {"aws:TagKeys": ["env", "team"]})
    assert not holds(all_of, {"aws:TagKeys": ["env", "cost"]})
    assert holds(all_of, {})                            # ForAllValues: absent key -> true
    assert holds(all_of, {"aws:TagKeys": []})
    assert holds({"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["env"]}},
                 {"aws:TagKeys": ["env", "cost"]})
    assert holds({"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": "e*"}}, {})


@pytest.mark.parametrize("block, message", [
    ({"StringEqualz": {"k": "v"}}, "unknown condition operator 'StringEqualz'"),
    ({"NullIfExists": {"k": "true"}}, "NullIfExists"),
    ({"Bool": {"k": "yes"}}, "Bool expects 'true' or 'false'"),
    ({"NumericLessThan": {"k": "ten"}}, "expects a number"),
    ({"DateLessThan": {"k": "tomorrow"}}, "expects an ISO 8601 date"),
    ({"IpAddress": {"k": "10.0.0.300/8"}}, "expects an IP address or CIDR"),
    ({"StringEquals": {"k": []}}, "empty value list"),
    ({"StringEquals": "k"}, "must map condition keys"),
    ({"StringEquals": {"k": {"nested": 1}}}, "condition values must be strings"),
])
def test_bad_conditions_name_the_problem(block, message):
    with pytest.raises(ValueError, match=message) as info:
        parse_condition(block, where="Sid 'Guard'")
    assert "Sid 'Guard'" in str(info.value)


# --- properties --------------------------------------------------------------------------
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_values = st.lists(st.sampled_from(["a", "b", "c", "A"]), min_size=1, max_size=3)
_request = st.sampled_from(["a", "b", "c", "A", "d"])


@given(policy_values=_values, value=_request)
def test_negated_is_nor_of_positive_when_key_present(policy_values, value):
    pos = holds({"StringEquals": {"k": policy_values}}, {"k": value})
    neg = holds({"StringNotEquals": {"k": policy_values}}, {"k": value})
    assert pos == (value in policy_values)
    assert neg == (not pos)


@given(policy_values=_values)
def test_absent_key_rules(policy_values):
    for op in ("StringEquals", "StringLike", "StringEqualsIgnoreCase", "ArnLike"):
        assert not holds({op: {"k": policy_values}}, {})
        assert holds({op + "IfExists": {"k": policy_values}}, {})
    for op in ("StringNotEquals", "StringNotLike", "ArnNotLike"):
        assert holds({op: {"k": policy_values}}, {})


@given(policy_values=_values, request_values=st.lists(_request, min_size=1, max_size=4))
def test_for_all_values_implies_for_any_value_on_non_empty_sets(policy_values, request_values):
    every = holds({"ForAllValues:StringEquals": {"k": policy_values}}, {"k": request_values})
    some = holds({"ForAnyValue:StringEquals": {"k": policy_values}}, {"k": request_values})
    assert every == all(v in policy_values for v in request_values)
    assert some == any(v in policy_values for v in request_values)
    assert not every or some
