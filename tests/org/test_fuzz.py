"""Fuzzing the policy family: wildcard matching in linear time, and random policies, principals
and trees either evaluate or are refused with a documented error."""

from __future__ import annotations

import re
import time

from fuzzing import FUZZ, deeply_nested, json_documents, junk_numbers, runs_or_refuses
from hypothesis import given
from hypothesis import strategies as st

from labkit.org import Organization, action_matches, evaluate
from labkit.org.matching import glob_matches, resource_matches

from .conftest import ADMIN, PROD, make_org, user

ARN = f"arn:aws:s3:::bucket-{PROD}/"


def _regex_glob(pattern: str, value: str, ignore_case: bool) -> bool:
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, value, re.DOTALL | (re.IGNORECASE if ignore_case else 0)) is not None


@FUZZ
@given(pattern=st.text(alphabet="ab*?:/", max_size=8),
       value=st.text(alphabet="abAB:/", max_size=10), ignore_case=st.booleans())
def test_glob_agrees_with_the_regex_definition(pattern, value, ignore_case):
    """On short inputs (where the backtracking regex is fast) both give the same answer."""
    assert glob_matches(pattern, value, ignore_case=ignore_case) == \
        _regex_glob(pattern, value, ignore_case)


def test_wildcards_match_in_linear_time():
    """The hang cases from the issue, and 10,000-character ARNs against 100-star patterns,
    finish in well under a second all together."""
    start = time.process_time()
    assert not action_matches("a*" * 30 + "b", "a" * 5000)
    arn = "arn:aws:s3:::" + "a" * 200
    assert not resource_matches("arn:aws:s3:::" + "a*" * 6 + "b", arn)
    long_arn = "arn:aws:s3:::" + "ab" * 5000
    assert resource_matches("arn:aws:s3:::" + "a*" * 100 + "b", long_arn)
    assert not resource_matches("arn:aws:s3:::" + "a*" * 100 + "c", long_arn)
    assert not resource_matches("arn:aws:s3:::" + "?*" * 100 + "c", long_arn)
    assert action_matches("S3:" + "*" * 100 + "object", "s3:GetObject")
    assert time.process_time() - start < 0.5


def test_evaluate_with_a_backtracking_prone_resource_is_fast():
    org = make_org(root_scps=["FullAWSAccess"])
    policy = {"Statement": [{"Effect": "Allow", "Action": "s3:*",
                             "Resource": "arn:aws:s3:::" + "a*" * 6 + "b"}]}
    start = time.process_time()
    decision = evaluate(org, user(PROD), "s3:GetObject", identity_policies=[policy],
                        resource="arn:aws:s3:::" + "a" * 200)
    assert decision.reason == "IMPLICIT_DENY_IAM"
    assert time.process_time() - start < 0.5


_statement = st.fixed_dictionaries(
    {"Effect": st.sampled_from(["Allow", "Deny", "allow", "Maybe", 1])},
    optional={"Action": st.one_of(st.text(alphabet="s3:*?Ga-", max_size=12),
                                  st.lists(st.text(alphabet="s3:*?Get", max_size=10), max_size=3),
                                  junk_numbers),
              "Resource": st.one_of(st.just("*"), st.text(alphabet="arn:aws:s3*?/b", max_size=20),
                                    junk_numbers),
              "Condition": json_documents, "NotAction": st.text(max_size=8),
              "Principal": st.just("*")})


@FUZZ
@given(statements=st.one_of(st.lists(_statement, max_size=3), json_documents),
       action=st.one_of(st.sampled_from(["s3:GetObject", "iam:CreateUser"]), st.text(max_size=10),
                        junk_numbers),
       resource=st.one_of(st.just("*"), st.text(max_size=30), st.just(ARN + "x" * 10_000)))
def test_random_identity_policies_evaluate_or_are_refused(statements, action, resource):
    org = make_org(root_scps=["FullAWSAccess"])
    document = {"Version": "2012-10-17", "Statement": statements}
    ok, decision = runs_or_refuses(evaluate, org, user(PROD), action,
                                   identity_policies=[document, ADMIN], resource=resource)
    if ok:
        assert decision.decision in ("ALLOW", "DENY")


@FUZZ
@given(tree=json_documents, policies=st.one_of(json_documents, st.dictionaries(
    st.text(max_size=5), json_documents, max_size=3)))
def test_random_trees_build_or_are_refused(tree, policies):
    runs_or_refuses(Organization.from_dict, tree, policies)


def test_deep_trees_are_refused_with_a_clear_error():
    tree = {"type": "root", "id": "r-1", "name": "Root", "children": []}
    node = tree
    for i in range(3000):
        child = {"type": "ou", "id": f"ou-{i}", "name": f"OU{i}", "children": []}
        node["children"].append(child)
        node = child
    ok, error = runs_or_refuses(Organization.from_dict, tree, {})
    assert not ok
    ok, error = runs_or_refuses(evaluate, make_org(), user(PROD), "s3:GetObject",
                                identity_policies=[deeply_nested(3000)])
    assert not ok
