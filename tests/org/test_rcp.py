"""Resource control policies: the resource side of the organization (Organizations User Guide:
RCPs)."""

from __future__ import annotations

import pytest

from labkit.org import Organization, OrganizationError, PolicyError, evaluate

from .conftest import ADMIN, MGMT, PROD, make_org, role, user

PERIMETER = {"Version": "2012-10-17", "Statement": [{
    "Sid": "EnforceOrgIdentities", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
    "Resource": "*",
    "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-abcd1234"},
                  "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}}]}
BUCKET = "arn:aws:s3:::prod-data/report.csv"
OUTSIDER = "999999999999"


@pytest.fixture
def org() -> Organization:
    tree = make_org().to_dict()
    tree["root"]["rcps"] = ["Perimeter"]
    return Organization.from_dict(tree, {"Perimeter": PERIMETER})


def test_outside_principal_denied_on_member_resource(org):
    d = evaluate(org, user(OUTSIDER), "s3:GetObject", identity_policies=[ADMIN], resource=BUCKET,
                 resource_account=PROD)
    assert (d.reason, d.node, d.policy, d.statement) == (
        "EXPLICIT_DENY_RCP", "r-root", "Perimeter", "Sid 'EnforceOrgIdentities'")
    assert "RCPs on the resource account's path" in d.explanation


def test_member_principal_passes_the_perimeter(org):
    assert evaluate(org, user(PROD), "s3:GetObject", identity_policies=[ADMIN], resource=BUCKET,
                    resource_account=PROD).allowed


def test_rcps_skip_management_account_resources_and_service_linked_roles(org):
    assert evaluate(org, user(OUTSIDER), "s3:GetObject", identity_policies=[ADMIN],
                    resource=BUCKET, resource_account=MGMT).allowed
    slr = {"arn": f"arn:aws:iam::{OUTSIDER}:role/aws-service-role/x.amazonaws.com/Svc",
           "type": "service-linked-role", "account": OUTSIDER}
    assert evaluate(org, slr, "s3:GetObject", identity_policies=[ADMIN], resource=BUCKET,
                    resource_account=PROD).allowed


def test_rcp_deny_before_identity_deny_and_without_resource_account(org):
    deny_s3 = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}
    d = evaluate(org, user(OUTSIDER), "s3:GetObject", identity_policies=[ADMIN, deny_s3],
                 resource=BUCKET, resource_account=PROD)
    assert d.reason == "EXPLICIT_DENY_RCP"
    assert evaluate(org, user(OUTSIDER), "s3:GetObject", identity_policies=[ADMIN],
                    resource=BUCKET).allowed        # no resource account: RCPs not consulted


def test_principal_element_scopes_the_rcp():
    scoped = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": {"AWS": f"arn:aws:iam::{PROD}:role/app"},
        "Action": "s3:DeleteObject", "Resource": "*"}]}
    tree = make_org().to_dict()
    tree["root"]["rcps"] = ["Scoped"]
    org = Organization.from_dict(tree, {"Scoped": scoped})
    assert evaluate(org, role(PROD, "app"), "s3:DeleteObject", identity_policies=[ADMIN],
                    resource=BUCKET, resource_account=PROD).reason == "EXPLICIT_DENY_RCP"
    assert evaluate(org, user(PROD), "s3:DeleteObject", identity_policies=[ADMIN],
                    resource=BUCKET, resource_account=PROD).allowed


def test_rcp_validation_and_attachment():
    tree = make_org().to_dict()
    tree["root"]["rcps"] = ["AllowAll"]
    with pytest.raises(PolicyError, match="custom RCPs can only Deny"):
        Organization.from_dict(tree, {"AllowAll": {"Statement": {
            "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}}})
    org = make_org()
    org.add_policy("Perimeter", PERIMETER, kind="rcp")
    org.attach_rcp(PROD, "Perimeter")
    assert org.node(PROD).rcps == ["Perimeter"]
    with pytest.raises(PolicyError, match="not added as an RCP"):
        org.attach_rcp(PROD, "FullAWSAccess")
    with pytest.raises(OrganizationError, match="already attached"):
        org.attach_rcp(PROD, "Perimeter")
    assert Organization.from_dict(org.to_dict(), {"Perimeter": PERIMETER}).node(PROD).rcps == \
        ["Perimeter"]
    with pytest.raises(ValueError, match="resource_account must be a 12-digit"):
        evaluate(org, user(PROD), "s3:GetObject", identity_policies=[ADMIN],
                 resource_account="prod")
