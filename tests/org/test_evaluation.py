"""labkit.org.evaluate against the IAM and Organizations evaluation logic (algorithm, precedence,
request-context defaults and each listed evaluator pitfall)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.org import Organization, evaluate, request_context, scps_apply

from .conftest import ADMIN, DEV, LOG, MGMT, PROD, allow, deny, make_org, role, root_user, user

S3 = "arn:aws:s3:::data-bucket"


def test_allowed_when_every_level_allows_and_identity_allows(org):
    d = evaluate(org, user(PROD), "s3:GetObject", identity_policies=[ADMIN], resource=S3 + "/k")
    assert (d.decision, d.allowed, d.reason, d.node) == ("ALLOW", True, "ALLOWED", None)
    assert [lv.node for lv in d.levels] == ["r-root", "ou-wl", PROD]
    assert all(lv.outcome == "allow" for lv in d.levels)
    assert "Decision: ALLOW (ALLOWED)" in d.explanation


def test_scp_never_grants_identity_allow_needed(org):
    d = evaluate(org, user(PROD), "s3:GetObject", identity_policies=[], resource=S3)
    assert (d.decision, d.reason, d.node) == ("DENY", "IMPLICIT_DENY_IAM", None)


# --- pitfall: SCP Denies checked only on the account's own node -------------------------
@pytest.mark.parametrize("where, node", [("root", "r-root"), ("ou", "ou-wl"), ("acct", PROD)])
def test_deny_anywhere_on_path_denies(where, node):
    scps = ["FullAWSAccess", "DenyS3"]
    org = make_org(root_scps=scps if where == "root" else None,
                   workloads_scps=scps if where == "ou" else None,
                   prod_scps=scps if where == "acct" else None,
                   policies={"DenyS3": deny("s3:*")})
    d = evaluate(org, user(PROD), "s3:PutObject", identity_policies=[ADMIN], resource=S3)
    assert (d.decision, d.reason, d.node, d.policy) == ("DENY", "EXPLICIT_DENY_SCP", node,
                                                        "DenyS3")


def test_first_denying_node_from_the_root_is_reported():
    scps = ["FullAWSAccess", "DenyS3"]
    org = make_org(workloads_scps=scps, prod_scps=scps, policies={"DenyS3": deny("s3:*")})
    d = evaluate(org, user(PROD), "s3:PutObject", identity_policies=[ADMIN], resource=S3)
    assert d.node == "ou-wl"
    assert [lv.outcome for lv in d.levels] == ["allow", "explicit deny", "explicit deny"]


def test_lower_level_cannot_reallow_and_siblings_are_unaffected():
    org = make_org(workloads_scps=["FullAWSAccess", "DenyS3"],
                   policies={"DenyS3": deny("s3:*"), "AllowS3": allow("s3:*")},
                   prod_scps=["FullAWSAccess", "AllowS3"])
    assert evaluate(org, user(PROD), "s3:GetObject", identity_policies=[ADMIN],
                    resource=S3).reason == "EXPLICIT_DENY_SCP"
    assert evaluate(org, user(LOG), "s3:GetObject", identity_policies=[ADMIN],
                    resource=S3).allowed


# --- pitfall: SCP Allow required at any level instead of every level ---------------------
def test_allow_needed_at_every_level_higher_allow_does_not_compensate():
    org = make_org(workloads_scps=["AllowEc2"], policies={"AllowEc2": allow("ec2:*")})
    d = evaluate(org, user(PROD), "s3:GetObject", identity_policies=[ADMIN], resource=S3)
    assert (d.decision, d.reason, d.node) == ("DENY", "IMPLICIT_DENY_SCP", "ou-wl")
    assert [lv.outcome for lv in d.levels] == ["allow", "no allow", "allow"]
    assert evaluate(org, user(PROD), "ec2:RunInstances", identity_policies=[ADMIN]).allowed


def test_missing_allow_on_the_account_node_itself_denies():
    org = make_org(prod_scps=["AllowEc2"], policies={"AllowEc2": allow("ec2:*")})
    d = evaluate(org, user(PROD), "s3:GetObject", identity_policies=[ADMIN], resource=S3)
    assert (d.reason, d.node) == ("IMPLICIT_DENY_SCP", PROD)


def test_effective_permissions_are_the_level_by_level_intersection():
    org = make_org(root_scps=["ABC"], workloads_scps=["CDE"],
                   policies={"ABC": allow(["a:X", "b:X", "c:X"]), "CDE": allow(["c:X", "d:X",
                                                                                 "e:X"])})
    allowed = {a for a in ("a:X", "b:X", "c:X", "d:X", "e:X")
               if evaluate(org, user(PROD), a, identity_policies=[ADMIN]).allowed}
    assert allowed == {"c:X"}
    # another OU under the same root still gets A and B
    assert evaluate(org, user(LOG), "a:X", identity_policies=[ADMIN]).allowed


def test_classic_mistake_deny_only_scp_replacing_full_aws_access():
    org = make_org(workloads_scps=["DenyLeaveOrg"],
                   policies={"DenyLeaveOrg": deny("organizations:LeaveOrganization")})
    other = evaluate(org, user(PROD), "ec2:RunInstances", identity_policies=[ADMIN])
    named = evaluate(org, user(PROD), "organizations:LeaveOrganization", identity_policies=[ADMIN])
    assert (other.reason, other.node) == ("IMPLICIT_DENY_SCP", "ou-wl")
    assert (named.reason, named.node) == ("EXPLICIT_DENY_SCP", "ou-wl")


def test_pooled_node_deny_beats_allow_within_node():
    org = make_org(prod_scps=["FullAWSAccess", "DenyEc2"], policies={"DenyEc2": deny("ec2:*")})
    assert evaluate(org, user(PROD), "ec2:RunInstances",
                    identity_policies=[ADMIN]).reason == "EXPLICIT_DENY_SCP"


# --- precedence of reason codes ----------------------------------------------------------
def test_identity_explicit_deny_reported_before_scp_implicit_deny():
    org = make_org(workloads_scps=["AllowEc2"], policies={"AllowEc2": allow("ec2:*")})
    policies = [ADMIN, deny("s3:*")]
    d = evaluate(org, user(PROD), "s3:GetObject", identity_policies=policies, resource=S3)
    assert (d.reason, d.node, d.policy) == ("EXPLICIT_DENY_IAM", None, "identity[1]")


def test_scp_explicit_deny_reported_even_without_identity_allow():
    org = make_org(workloads_scps=["FullAWSAccess", "DenyS3"], policies={"DenyS3": deny("s3:*")})
    d = evaluate(org, user(PROD), "s3:GetObject", identity_policies=[], resource=S3)
    assert d.reason == "EXPLICIT_DENY_SCP"


def test_scp_explicit_deny_before_identity_explicit_deny():
    org = make_org(workloads_scps=["FullAWSAccess", "DenyS3"], policies={"DenyS3": deny("s3:*")})
    d = evaluate(org, user(PROD), "s3:GetObject", identity_policies=[deny("s3:*")], resource=S3)
    assert d.reason == "EXPLICIT_DENY_SCP"


def test_explicit_deny_beats_broader_allow_in_same_identity_policy(org):
    doc = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"}]}
    d = evaluate(org, user(PROD), "s3:DeleteObject", identity_policies={"admin": doc},
                 resource=S3 + "/x")
    assert (d.reason, d.policy, d.statement) == ("EXPLICIT_DENY_IAM", "admin", "Sid 'NoDelete'")


def test_boundary_and_session_policies():
    org = make_org()
    only_ec2 = allow("ec2:*")
    d = evaluate(org, role(PROD), "s3:GetObject", identity_policies=[ADMIN], resource=S3,
                 permissions_boundary=only_ec2)
    assert d.reason == "IMPLICIT_DENY_BOUNDARY"
    d = evaluate(org, role(PROD), "s3:GetObject", identity_policies=[ADMIN], resource=S3,
                 permissions_boundary=[ADMIN], session_policies=[only_ec2])
    assert d.reason == "IMPLICIT_DENY_SESSION"
    d = evaluate(org, role(PROD), "s3:GetObject", identity_policies=[ADMIN], resource=S3,
                 permissions_boundary=[ADMIN, deny("s3:*")])
    assert d.reason == "EXPLICIT_DENY_BOUNDARY"
    assert evaluate(org, role(PROD), "ec2:RunInstances", identity_policies=[ADMIN],
                    permissions_boundary=only_ec2, session_policies=[only_ec2]).allowed


# --- exemptions --------------------------------------------------------------------------
def test_management_account_is_exempt_from_scps():
    org = make_org(root_scps=["FullAWSAccess", "DenyAll"], policies={"DenyAll": deny("*")})
    d = evaluate(org, user(MGMT), "s3:GetObject", identity_policies=[ADMIN], resource=S3)
    assert d.allowed and not d.scp_applies and d.levels == ()
    assert "management account" in d.explanation
    # ... but its identity policies still apply
    assert evaluate(org, user(MGMT), "s3:GetObject", identity_policies=[],
                    resource=S3).reason == "IMPLICIT_DENY_IAM"


def test_service_linked_role_is_exempt_by_type_or_path():
    org = make_org(root_scps=["FullAWSAccess", "DenyAll"], policies={"DenyAll": deny("*")})
    arn = f"arn:aws:iam::{PROD}:role/aws-service-role/elasticloadbalancing.amazonaws.com/" \
          "AWSServiceRoleForElasticLoadBalancing"
    for kind in ("service-linked-role", "role"):
        d = evaluate(org, {"arn": arn, "type": kind, "account": PROD}, "ec2:DescribeInstances",
                     identity_policies=[ADMIN])
        assert d.allowed, kind
        assert "service-linked role" in d.explanation


def test_service_role_and_identity_center_role_are_not_exempt():
    org = make_org(root_scps=["FullAWSAccess", "DenyAll"], policies={"DenyAll": deny("*")})
    for name in ("service-role/lambda-exec",
                 "aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef"):
        d = evaluate(org, role(PROD, name), "s3:GetObject", identity_policies=[ADMIN],
                     resource=S3)
        assert d.reason == "EXPLICIT_DENY_SCP"


def test_member_root_user_and_delegated_admin_are_not_exempt():
    org = make_org(root_scps=["FullAWSAccess", "DenyAll"], policies={"DenyAll": deny("*")})
    assert evaluate(org, root_user(PROD), "s3:GetObject", identity_policies=[],
                    resource=S3).reason == "EXPLICIT_DENY_SCP"
    assert evaluate(org, user(DEV), "s3:GetObject", identity_policies=[ADMIN],
                    resource=S3).reason == "EXPLICIT_DENY_SCP"


def test_account_outside_the_organization_is_not_governed(org):
    d = evaluate(org, user("999999999999"), "s3:GetObject", identity_policies=[ADMIN],
                 resource=S3)
    assert d.allowed and not d.scp_applies
    ctx = request_context(org, user("999999999999"), "us-east-1")
    assert "aws:PrincipalOrgID" not in ctx
    assert scps_apply(org, user("999999999999"))[0] is False


# --- pitfall: root user required to have an identity Allow -------------------------------
def test_root_user_needs_no_identity_policy(org):
    d = evaluate(org, root_user(PROD), "s3:GetObject", identity_policies=[], resource=S3)
    assert d.allowed and d.policy == "(root user)"


def test_member_root_user_is_stopped_by_the_restrict_root_scp():
    controls = {"NoRoot": {"Version": "2012-10-17", "Statement": [{
        "Sid": "GRRESTRICTROOTUSER", "Effect": "Deny", "Action": "*", "Resource": "*",
        "Condition": {"StringLike": {"aws:PrincipalArn": ["arn:aws:iam::*:root"]}}}]}}
    org = make_org(workloads_scps=["FullAWSAccess", "NoRoot"], policies=controls)
    assert evaluate(org, root_user(PROD), "ec2:RunInstances",
                    identity_policies=[]).reason == "EXPLICIT_DENY_SCP"
    assert evaluate(org, user(PROD), "ec2:RunInstances", identity_policies=[ADMIN]).allowed


# --- request-context defaults -------------------------------------------------------------
def test_request_context_defaults(org):
    r = role(PROD, "team/app-role")
    ctx = request_context(org, r, "eu-west-1")
    assert ctx == {"aws:RequestedRegion": "eu-west-1",
                   "aws:PrincipalArn": f"arn:aws:iam::{PROD}:role/team/app-role",
                   "aws:PrincipalAccount": PROD, "aws:PrincipalIsAWSService": "false",
                   "aws:PrincipalOrgID": "o-abcd1234"}
    assert "aws:MultiFactorAuthPresent" not in ctx
    mctx = request_context(org, user(MGMT), "us-east-1")
    assert mctx["aws:PrincipalOrgID"] == "o-abcd1234"    # management account included
    over = request_context(org, r, "eu-west-1", {"AWS:RequestedRegion": "us-west-2"})
    assert over["AWS:RequestedRegion"] == "us-west-2" and "aws:RequestedRegion" not in over


def test_org_id_condition_uses_default_context():
    rcp_like = deny("s3:*", condition={"StringNotEquals": {"aws:PrincipalOrgID": "o-abcd1234"}})
    org = make_org(prod_scps=["FullAWSAccess", "OrgOnly"], policies={"OrgOnly": rcp_like})
    assert evaluate(org, user(PROD), "s3:GetObject", identity_policies=[ADMIN], resource=S3).allowed


# --- pitfall: missing condition key treated as a match (MFA with Bool vs BoolIfExists) ----
def test_access_keys_slip_past_plain_bool_mfa_deny():
    mfa_bool = deny("ec2:*", condition={"Bool": {"aws:MultiFactorAuthPresent": False}})
    org = make_org(workloads_scps=["FullAWSAccess", "Mfa"], policies={"Mfa": mfa_bool})
    keys = evaluate(org, user(PROD), "ec2:StopInstances", identity_policies=[ADMIN])
    assert keys.allowed        # key absent -> Bool false -> Deny does not fire
    no_mfa = evaluate(org, user(PROD), "ec2:StopInstances", identity_policies=[ADMIN],
                      context={"aws:MultiFactorAuthPresent": False})
    assert no_mfa.reason == "EXPLICIT_DENY_SCP"


def test_boolifexists_mfa_deny_catches_access_keys():
    org = make_org(workloads_scps=["FullAWSAccess", "Mfa"], policies={"Mfa": deny(
        "ec2:*", condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}})})
    assert evaluate(org, user(PROD), "ec2:StopInstances",
                    identity_policies=[ADMIN]).reason == "EXPLICIT_DENY_SCP"
    assert evaluate(org, user(PROD), "ec2:StopInstances", identity_policies=[ADMIN],
                    context={"aws:MultiFactorAuthPresent": True}).allowed


# --- pitfall: negated operator with a value list as OR; NotAction like Action -------------
REGION_DENY = {"Version": "2012-10-17", "Statement": {
    "Sid": "DenyAllOutsideEU", "Effect": "Deny",
    "NotAction": ["iam:*", "organizations:*", "route53:*", "cloudfront:*", "sts:*", "support:*"],
    "Resource": "*",
    "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]},
                  "ArnNotLike": {"aws:PrincipalARN": ["arn:aws:iam::*:role/Admin"]}}}}


@pytest.fixture
def region_org() -> Organization:
    return make_org(root_scps=["FullAWSAccess", "RegionDeny"], policies={"RegionDeny": REGION_DENY})


@pytest.mark.parametrize("region, allowed", [("eu-west-1", True), ("eu-central-1", True),
                                             ("us-east-1", False), ("ap-south-1", False)])
def test_region_deny_nor_semantics(region_org, region, allowed):
    d = evaluate(region_org, user(PROD), "ec2:RunInstances", identity_policies=[ADMIN],
                 region=region)
    assert d.allowed is allowed
    if not allowed:
        assert (d.reason, d.statement) == ("EXPLICIT_DENY_SCP", "Sid 'DenyAllOutsideEU'")


def test_notaction_exempts_global_services_not_like_action(region_org):
    d = evaluate(region_org, user(PROD), "iam:CreateRole", identity_policies=[ADMIN],
                 region="us-east-1")
    assert d.allowed
    assert "exempted by NotAction iam:*" in d.explanation
    # exempting some actions of a service leaves its other actions denied
    partial = {"Version": "2012-10-17", "Statement": {
        "Effect": "Deny", "NotAction": ["s3:GetObject"], "Resource": "*"}}
    org = make_org(root_scps=["FullAWSAccess", "P"], policies={"P": partial})
    assert evaluate(org, user(PROD), "s3:GetObject", identity_policies=[ADMIN],
                    resource=S3).allowed
    assert not evaluate(org, user(PROD), "s3:PutObject", identity_policies=[ADMIN],
                        resource=S3).allowed


def test_region_deny_exempts_admin_role_by_arn(region_org):
    admin_role = role(PROD, "Admin")
    assert evaluate(region_org, admin_role, "ec2:RunInstances", identity_policies=[ADMIN],
                    region="us-east-1").allowed


def test_notaction_allow_grants_everything_else(org):
    not_iam = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "iam:*",
                                                       "Resource": "*"}]}
    assert evaluate(org, user(PROD), "ec2:RunInstances", identity_policies=[not_iam]).allowed
    assert evaluate(org, user(PROD), "iam:CreateUser",
                    identity_policies=[not_iam]).reason == "IMPLICIT_DENY_IAM"


# --- pitfalls: action case, resource case, ?, anchoring in full evaluations ----------------
def test_action_case_insensitive_in_evaluation(org):
    assert evaluate(org, user(PROD), "S3:GETOBJECT", identity_policies=[allow("s3:getobject")],
                    resource=S3).allowed


def test_resource_case_sensitive_in_evaluation(org):
    pol = allow("s3:GetObject", resource="arn:aws:s3:::Data-Bucket/*")
    assert evaluate(org, user(PROD), "s3:GetObject", identity_policies=[pol],
                    resource="arn:aws:s3:::data-bucket/k").reason == "IMPLICIT_DENY_IAM"


def test_question_mark_and_anchoring_in_evaluation(org):
    pol = allow("ec2:?topInstances")
    assert evaluate(org, user(PROD), "ec2:StopInstances", identity_policies=[pol]).allowed
    assert not evaluate(org, user(PROD), "ec2:StartInstances", identity_policies=[pol]).allowed
    assert not evaluate(org, user(PROD), "ec2:StopInstancesNow", identity_policies=[pol]).allowed


def test_request_resource_star_only_matches_star_patterns(org):
    pol = allow("s3:ListAllMyBuckets", resource="arn:aws:s3:::*")
    assert evaluate(org, user(PROD), "s3:ListAllMyBuckets",
                    identity_policies=[pol]).reason == "IMPLICIT_DENY_IAM"


def test_not_resource(org):
    pol = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*",
                                                   "NotResource": "arn:aws:s3:::secret*"}]}
    assert evaluate(org, user(PROD), "s3:GetObject", identity_policies=[pol],
                    resource="arn:aws:s3:::public/x").allowed
    assert not evaluate(org, user(PROD), "s3:GetObject", identity_policies=[pol],
                        resource="arn:aws:s3:::secret/x").allowed


def test_missing_resource_element_means_star(org):
    pol = {"Statement": {"Effect": "Allow", "Action": "s3:GetObject"}}
    assert evaluate(org, user(PROD), "s3:GetObject", identity_policies=[pol], resource=S3).allowed


# --- pitfalls: Statement as object, JSON booleans, JSON text -----------------------------
def test_statement_object_and_json_text_policies():
    text = json.dumps({"Version": "2012-10-17", "Statement": {
        "Effect": "Deny", "Action": "s3:*", "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": False}}}})
    org = make_org(root_scps=["FullAWSAccess", "TLS"], policies={"TLS": text})
    plain = evaluate(org, user(PROD), "s3:GetObject", identity_policies=[ADMIN], resource=S3,
                     context={"aws:SecureTransport": False})
    tls = evaluate(org, user(PROD), "s3:GetObject", identity_policies=[json.dumps(ADMIN)],
                   resource=S3, context={"aws:SecureTransport": "true"})
    assert plain.reason == "EXPLICIT_DENY_SCP" and tls.allowed


# --- the control tower CloudTrail guardrail and Identity Center path ----------------------
def test_cloudtrail_guardrail_exempts_execution_role_only():
    guard = {"Version": "2012-10-17", "Statement": [{
        "Sid": "GRCLOUDTRAILENABLED", "Effect": "Deny",
        "Action": ["cloudtrail:DeleteTrail", "cloudtrail:PutEventSelectors",
                   "cloudtrail:StopLogging", "cloudtrail:UpdateTrail"],
        "Resource": ["arn:aws:cloudtrail:*:*:trail/aws-controltower-*"],
        "Condition": {"ArnNotLike": {"aws:PrincipalARN":
                                     "arn:aws:iam::*:role/AWSControlTowerExecution"}}}]}
    org = make_org(workloads_scps=["FullAWSAccess", "Guard"], policies={"Guard": guard})
    trail = f"arn:aws:cloudtrail:us-east-1:{PROD}:trail/aws-controltower-BaselineCloudTrail"
    assert evaluate(org, user(PROD), "cloudtrail:StopLogging", identity_policies=[ADMIN],
                    resource=trail).reason == "EXPLICIT_DENY_SCP"
    assert evaluate(org, role(PROD, "AWSControlTowerExecution"), "cloudtrail:StopLogging",
                    identity_policies=[ADMIN], resource=trail).allowed
    other = f"arn:aws:cloudtrail:us-east-1:{PROD}:trail/my-trail"
    assert evaluate(org, user(PROD), "cloudtrail:StopLogging", identity_policies=[ADMIN],
                    resource=other).allowed


# --- argument checks ---------------------------------------------------------------------
@pytest.mark.parametrize("principal, message", [
    ({"arn": "arn:aws:iam::12345:user/a", "type": "user"}, "12-digit account"),
    ({"arn": "arn:aws:sts::222222222222:assumed-role/r/s", "type": "role"}, "IAM ARN"),
    ({"arn": "arn:aws:iam::222222222222:user/a", "type": "group"}, "principal type"),
    ({"arn": "arn:aws:iam::222222222222:user/a", "type": "root"}, "root principal"),
    ({"arn": "arn:aws:iam::222222222222:user/a", "type": "role"}, "role principal"),
    ({"arn": "arn:aws:iam::222222222222:user/a", "type": "user", "account": "333333333333"},
     "does not match"),
    ({"arn": "bob", "type": "user"}, "principal arn must look like"),
])
def test_bad_principals_are_named(org, principal, message):
    with pytest.raises(ValueError, match=message):
        evaluate(org, principal, "s3:GetObject", identity_policies=[ADMIN])


def test_bad_request_arguments_are_named(org):
    with pytest.raises(ValueError, match="action must look like"):
        evaluate(org, user(PROD), "s3:Get*", identity_policies=[ADMIN])
    with pytest.raises(ValueError, match="resource must look like"):
        evaluate(org, user(PROD), "s3:GetObject", identity_policies=[ADMIN], resource="bucket")
    with pytest.raises(ValueError, match="region must be a Region code"):
        evaluate(org, user(PROD), "s3:GetObject", identity_policies=[ADMIN], region="EU")
    with pytest.raises(TypeError, match="org must be an Organization"):
        evaluate({}, user(PROD), "s3:GetObject", identity_policies=[ADMIN])


def test_to_frame_lists_the_path(org):
    d = evaluate(org, user(PROD), "s3:GetObject", identity_policies=[ADMIN], resource=S3)
    frame = d.to_frame()
    assert list(frame["node"]) == ["r-root", "ou-wl", PROD]
    assert set(frame["outcome"]) == {"allow"}
    assert str(d) == d.explanation


# --- properties --------------------------------------------------------------------------
_actions = st.sampled_from(["s3:GetObject", "s3:PutObject", "ec2:RunInstances",
                            "iam:CreateUser", "kms:Decrypt"])
_patterns = st.sampled_from(["*", "s3:*", "s3:Get*", "ec2:*", "iam:*", "*:*Object", "kms:?ecrypt"])
_levels = st.lists(st.lists(st.tuples(st.sampled_from(["Allow", "Deny"]), _patterns),
                            min_size=1, max_size=3), min_size=3, max_size=3)


def _org_from(levels):
    policies, names = {}, []
    for i, stmts in enumerate(levels):
        name = f"P{i}"
        policies[name] = {"Version": "2012-10-17", "Statement": [
            {"Effect": e, "Action": a, "Resource": "*"} for e, a in stmts]}
        names.append([name])
    return make_org(root_scps=names[0], workloads_scps=names[1], prod_scps=names[2],
                    policies=policies)


@settings(max_examples=60, deadline=None)
@given(levels=_levels, action=_actions)
def test_allowed_iff_no_deny_anywhere_and_allow_at_every_level(levels, action):
    from labkit.org.matching import action_matches
    d = evaluate(_org_from(levels), user(PROD), action, identity_policies=[ADMIN])
    any_deny = any(e == "Deny" and action_matches(a, action) for lv in levels for e, a in lv)
    all_allow = all(any(e == "Allow" and action_matches(a, action) for e, a in lv)
                    for lv in levels)
    assert d.allowed == (not any_deny and all_allow)
    if any_deny:
        assert d.reason == "EXPLICIT_DENY_SCP"
    elif not all_allow:
        assert d.reason == "IMPLICIT_DENY_SCP"


@settings(max_examples=40, deadline=None)
@given(levels=_levels, action=_actions, extra=_patterns)
def test_adding_a_deny_never_turns_deny_into_allow(levels, action, extra):
    before = evaluate(_org_from(levels), user(PROD), action, identity_policies=[ADMIN])
    levels[1] = [*levels[1], ("Deny", extra)]
    after = evaluate(_org_from(levels), user(PROD), action, identity_policies=[ADMIN])
    assert not (after.allowed and not before.allowed)


def test_identity_policy_with_principal_is_refused(org):
    from labkit.org import PolicyError
    bad = {"Version": "2012-10-17", "Statement": [{"Sid": "Odd", "Effect": "Allow",
                                                   "Principal": "*", "Action": "*",
                                                   "Resource": "*"}]}
    with pytest.raises(PolicyError, match="policy 'mine': Sid 'Odd': Principal/NotPrincipal is "
                                          "not supported in identity-based policies"):
        evaluate(org, user(PROD), "s3:GetObject", identity_policies={"mine": bad})
    with pytest.raises(PolicyError, match=r"policy 'identity\[0\]': Statement\[0\]: Effect"):
        evaluate(org, user(PROD), "s3:GetObject",
                 identity_policies=[{"Statement": {"Effect": "allow", "Action": "*"}}])
