"""Wildcard and ARN matching against the IAM rules (IAM JSON policy elements: Action, Resource,
Condition)."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labkit.org.matching import (
    action_matches,
    arn_like,
    check_arn_pattern,
    glob_matches,
    parse_arn,
    resource_matches,
)


def test_action_matching_ignores_case():
    assert action_matches("s3:GetObject", "S3:GETOBJECT")
    assert action_matches("S3:get*", "s3:GetObjectAcl")
    assert action_matches("*", "ec2:RunInstances")


def test_resource_matching_is_case_sensitive():
    assert not resource_matches("arn:aws:iam::*:user/Bob", "arn:aws:iam::123456789012:user/bob")
    assert resource_matches("arn:aws:iam::*:user/Bob", "arn:aws:iam::123456789012:user/Bob")


def test_question_mark_is_exactly_one_character():
    assert action_matches("s3:Get?bject", "s3:GetObject")
    assert not action_matches("s3:Get?bject", "s3:Getbject")      # not "zero or one"
    assert not action_matches("s3:Get?bject", "s3:GetOObject")    # not "*"
    assert not action_matches("s3:Get?bject", "s3:Get?bjectX")    # anchored
    assert not resource_matches("arn:aws:s3:::a?", "arn:aws:s3:::a")


def test_patterns_are_anchored_at_both_ends():
    assert not action_matches("s3:Get", "s3:GetObject")
    assert not action_matches("Object", "s3:GetObject")
    assert not resource_matches("arn:aws:s3:::data", "arn:aws:s3:::data-archive")
    assert not resource_matches("s3:::data", "arn:aws:s3:::data")


def test_wildcards_anywhere_and_several_times():
    assert action_matches("*:*Object*", "s3:PutObjectTagging")
    assert action_matches("ec2:*Instance?", "ec2:RunInstances")
    assert resource_matches("arn:aws:s3:::*-logs/*/2026/*", "arn:aws:s3:::app-logs/x/2026/a.gz")


def test_trailing_star_runs_past_colons_and_slashes():
    assert resource_matches("arn:aws:s3:::name*", "arn:aws:s3:::name")
    assert resource_matches("arn:aws:s3:::name*", "arn:aws:s3:::name/a/b:c")


def test_brackets_are_literal_not_fnmatch_classes():
    assert not glob_matches("arn:aws:s3:::[ab]", "arn:aws:s3:::a")
    assert glob_matches("arn:aws:s3:::[ab]", "arn:aws:s3:::[ab]")
    assert not glob_matches("a.c", "abc")       # regex metacharacters are literal
    assert glob_matches("a+c", "a+c")


def test_request_resource_star_is_a_literal():
    assert resource_matches("*", "*")
    assert resource_matches("arn:aws:*", "arn:aws:s3:::b")
    assert not resource_matches("arn:aws:s3:::*", "*")


def test_arn_like_matches_components_separately():
    value = "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_1"
    assert glob_matches("arn:aws:iam::*", value)              # StringLike: * crosses colons
    assert not arn_like("arn:aws:iam::*", value)              # ArnLike: it cannot
    assert arn_like("arn:aws:iam::*:role/*", value)
    assert not arn_like("arn:aws:iam::*:role/AWSReservedSSO_*", value)  # the path matters
    assert arn_like("arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_*", value)
    assert not arn_like("arn:aws:iam::*:role/Admin", "arn:aws:iam::123456789012:role/admin")
    assert not arn_like("arn:aws:iam::*:root", "not-an-arn")


def test_parse_arn_names_the_problem():
    with pytest.raises(ValueError, match="must look like arn:partition"):
        parse_arn("arn:aws:s3")
    with pytest.raises(ValueError, match="unknown partition 'amazon'"):
        parse_arn("arn:amazon:s3:::b")
    with pytest.raises(ValueError, match="invalid service"):
        parse_arn("arn:aws:S3 x:::b")
    with pytest.raises(ValueError, match="empty resource"):
        parse_arn("arn:aws:s3:::")
    with pytest.raises(ValueError, match="service segment .* cannot be a wildcard"):
        check_arn_pattern("arn:aws:s*:::b", where="Statement[0] Resource")


_name = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=12)


@given(service=_name, name=_name)
def test_exact_action_matches_itself_in_any_case(service, name):
    action = f"{service.lower()}:{name}"
    assert action_matches(action, action.upper())
    assert action_matches(action.swapcase(), action)
    assert action_matches(f"{service.lower()}:*", action)


@given(text=st.text(alphabet="ab[]*?.", max_size=10), value=st.text(alphabet="ab[]*?.",
                                                                     max_size=10))
def test_literal_pattern_without_wildcards_is_equality(text, value):
    literal = text.replace("*", "").replace("?", "")
    assert glob_matches(literal, value) == (literal == value)


@given(prefix=st.text(alphabet="ab:/", max_size=6), rest=st.text(alphabet="ab:/", max_size=6))
def test_trailing_star_is_prefix_match(prefix, rest):
    assert glob_matches(prefix + "*", prefix + rest)
