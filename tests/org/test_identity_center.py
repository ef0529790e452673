"""Identity Center roles are ordinary roles: SCPs apply, and the path matters (IAM Identity Center
User Guide)."""

from __future__ import annotations

import pytest

from labkit.org import evaluate
from labkit.org.identity_center import (
    AWS_ADMINISTRATOR_ACCESS,
    AWS_POWER_USER_ACCESS,
    AWS_READ_ONLY_ACCESS,
    Assignment,
    PermissionSet,
    provision,
)

from .conftest import PROD, deny, make_org

SETS = [AWS_ADMINISTRATOR_ACCESS, AWS_POWER_USER_ACCESS, AWS_READ_ONLY_ACCESS]


def test_roles_are_named_and_pathed_like_aws():
    roles = provision([Assignment("alice", "AWSPowerUserAccess", PROD),
                       Assignment("devs", "AWSPowerUserAccess", PROD),
                       Assignment("alice", "AWSReadOnlyAccess", PROD)], SETS, region="eu-west-1")
    assert len(roles) == 2
    power = roles[0]
    assert power.assigned_to == ("alice", "devs")
    assert power.arn.startswith(f"arn:aws:iam::{PROD}:role/aws-reserved/sso.amazonaws.com/"
                                f"eu-west-1/AWSReservedSSO_AWSPowerUserAccess_")
    assert len(power.role_name.rsplit("_", 1)[1]) == 16
    assert provision([Assignment("x", "AWSPowerUserAccess", PROD)], SETS)[0].role_name == \
        power.role_name


def test_permission_sets_apply_and_scps_still_apply():
    org = make_org(workloads_scps=["FullAWSAccess", "NoKms"], policies={"NoKms": deny("kms:*")})
    power, ro = provision([Assignment("a", "AWSPowerUserAccess", PROD),
                           Assignment("a", "AWSReadOnlyAccess", PROD)], SETS)
    assert evaluate(org, power.principal, "ec2:RunInstances",
                    identity_policies=list(power.policies)).allowed
    assert evaluate(org, power.principal, "iam:CreateUser",
                    identity_policies=list(power.policies)).reason == "IMPLICIT_DENY_IAM"
    assert evaluate(org, ro.principal, "ec2:DescribeInstances",
                    identity_policies=list(ro.policies)).allowed
    assert evaluate(org, ro.principal, "ec2:RunInstances",
                    identity_policies=list(ro.policies)).reason == "IMPLICIT_DENY_IAM"
    assert evaluate(org, power.principal, "kms:Decrypt",
                    identity_policies=list(power.policies)).reason == "EXPLICIT_DENY_SCP"


def test_exemption_without_path_does_not_match_sso_roles():
    def exempting(pattern):
        return deny("ec2:*", condition={"ArnNotLike": {"aws:PrincipalArn": pattern}})
    naive = make_org(workloads_scps=["FullAWSAccess", "E"],
                     policies={"E": exempting("arn:aws:iam::*:role/AWSReservedSSO_*")})
    right = make_org(workloads_scps=["FullAWSAccess", "E"], policies={"E": exempting(
        "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_*")})
    admin = provision([Assignment("ops", "AWSAdministratorAccess", PROD)], SETS)[0]
    pols = list(admin.policies)
    assert evaluate(naive, admin.principal, "ec2:RunInstances",
                    identity_policies=pols).reason == "EXPLICIT_DENY_SCP"
    assert evaluate(right, admin.principal, "ec2:RunInstances", identity_policies=pols).allowed


def test_bad_input():
    with pytest.raises(ValueError, match="unknown permission set"):
        provision([Assignment("a", "Nope", PROD)], SETS)
    with pytest.raises(ValueError, match="12 digits"):
        provision([Assignment("a", "AWSReadOnlyAccess", "12")], SETS)
    with pytest.raises(ValueError, match="permission set name"):
        PermissionSet("bad name!", ())
    with pytest.raises(ValueError, match="Effect must be"):
        PermissionSet("Broken", ({"Statement": {"Effect": "Permit", "Action": "*"}},))
