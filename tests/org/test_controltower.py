"""Control Tower landing zone, preventive and detective controls (Control Tower User Guide and
Controls Reference)."""

from __future__ import annotations

import pytest

from labkit.org import evaluate
from labkit.org.controltower import (
    DETECTIVE_CONTROLS,
    ComplianceConfig,
    Resource,
    build_landing_zone,
    evaluate_detective_controls,
    run_compliance,
)
from labkit.org.regions import requested_region

from .conftest import ADMIN, role, root_user, user


def _inventory(lz, **changes):
    """The inventory of a compliance run on ``lz``."""
    return list(run_compliance(ComplianceConfig(landing_zone=lz, **changes)).inventory)


@pytest.fixture(scope="module")
def lz():
    return build_landing_zone(region_deny=True, strongly_recommended=True,
                              governed_regions=("us-east-1", "eu-west-1"))


def test_layout(lz):
    org = lz.organization
    ous = {n.name: [c.name for c in n.children] for n in org.nodes() if n.type == "ou"}
    assert ous == {"Security": ["Log Archive", "Audit"], "Sandbox": ["Sandbox"],
                   "Infrastructure": ["Network"], "Workloads": ["Prod", "Dev", "Legacy"]}
    assert org.management_account.name == "Management"
    assert org.management_account.parent is org.root
    assert org.root.scps == ["FullAWSAccess"]
    assert len(org.find("Security").scps) == 5          # at the documented per-node quota
    assert set(lz.controls_frame()["behavior"]) == {"preventive", "detective"}


def test_too_many_guardrails_hit_the_quota_only_under_the_quota_before_may_2026():
    from labkit.org import OrganizationError
    lz = build_landing_zone(region_deny=True, strongly_recommended=True, quotas="before-2026-05")
    with pytest.raises(OrganizationError, match="quota is 5"):
        lz.organization.add_policy("custom", {"Statement": {"Effect": "Deny",
                                                            "Action": "ec2:*", "Resource": "*"}})
        lz.organization.attach_policy("ou-security", "custom")
    lz2 = build_landing_zone(region_deny=True, strongly_recommended=True)  # documented: 10
    lz2.organization.add_policy("custom", {"Statement": {"Effect": "Deny", "Action": "ec2:*",
                                                         "Resource": "*"}})
    lz2.organization.attach_policy("ou-security", "custom")


def trail(account: str) -> str:
    return f"arn:aws:cloudtrail:us-east-1:{account}:trail/aws-controltower-BaselineCloudTrail"


def test_mandatory_trail_control(lz):
    prod = lz.account("Prod")
    d = evaluate(lz.organization, user(prod), "cloudtrail:StopLogging", identity_policies=[ADMIN],
                 resource=trail(prod))
    assert (d.reason, d.node, d.policy) == ("EXPLICIT_DENY_SCP", "ou-workloads",
                                            "aws-guardrails-mandatory")
    assert evaluate(lz.organization, role(prod, "AWSControlTowerExecution"),
                    "cloudtrail:StopLogging", identity_policies=[ADMIN],
                    resource=trail(prod)).allowed
    mgmt = lz.account("Management")
    assert evaluate(lz.organization, user(mgmt), "cloudtrail:StopLogging",
                    identity_policies=[ADMIN], resource=trail(mgmt)).allowed


def test_unenrolled_account_still_gets_preventive_controls(lz):
    legacy = lz.account("Legacy")
    assert legacy not in lz.enrolled
    assert evaluate(lz.organization, user(legacy), "cloudtrail:DeleteTrail",
                    identity_policies=[ADMIN], resource=trail(legacy)).reason == \
        "EXPLICIT_DENY_SCP"


def test_log_archive_bucket_protected_only_in_security_ou(lz):
    bucket = "arn:aws:s3:::aws-controltower-logs-222222222222-us-east-1"
    assert evaluate(lz.organization, user(lz.account("Log Archive")), "s3:DeleteBucket",
                    identity_policies=[ADMIN], resource=bucket).node == "ou-security"
    assert evaluate(lz.organization, user(lz.account("Prod")), "s3:DeleteBucket",
                    identity_policies=[ADMIN], resource=bucket).allowed


def test_root_user_controls(lz):
    prod = lz.account("Prod")
    d = evaluate(lz.organization, root_user(prod), "s3:GetObject", identity_policies=[],
                 resource="arn:aws:s3:::b/k")
    assert d.reason == "EXPLICIT_DENY_SCP" and d.statement == "Sid 'GRRESTRICTROOTUSER'"
    plain = build_landing_zone()
    assert evaluate(plain.organization, root_user(prod), "s3:GetObject", identity_policies=[],
                    resource="arn:aws:s3:::b/k").allowed


@pytest.mark.parametrize("action, region, allowed", [
    ("ec2:RunInstances", "eu-west-1", True),
    ("ec2:RunInstances", "ap-southeast-2", False),
    ("iam:CreateRole", "ap-southeast-2", True),           # global service exempt
    ("s3:ListAllMyBuckets", "ap-southeast-2", True),
    ("s3:GetObject", "ap-southeast-2", False),
])
def test_region_deny_with_global_service_exemptions(lz, action, region, allowed):
    d = evaluate(lz.organization, user(lz.account("Dev")), action, identity_policies=[ADMIN],
                 region=requested_region(action, region))
    assert d.allowed is allowed


def test_requested_region_of_global_services():
    assert requested_region("iam:CreateRole", "ap-southeast-2") == "us-east-1"
    assert requested_region("devicefarm:ListProjects", "eu-west-1") == "us-west-2"
    assert requested_region("ec2:RunInstances", "eu-west-1") == "eu-west-1"


def test_sts_global_endpoint_names_us_east_1_wherever_it_is_served():
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_region-endpoints.html
    # ("AWS STS global endpoint changes"): "Requests made to the AWS STS global endpoint have a
    # value of us-east-1 for the aws:RequestedRegion condition key, regardless of which Region
    # served the request." and "AWS CloudTrail logs for requests made to the AWS STS global
    # endpoint are sent to the US East (N. Virginia) Region."
    for region in ("us-east-1", "eu-west-1", "ap-southeast-2", "af-south-1"):
        assert requested_region("sts:AssumeRole", region) == "us-east-1"
        assert requested_region("sts:GetCallerIdentity", region, sts_endpoint="global") \
            == "us-east-1"


def test_sts_regional_endpoint_names_its_own_region():
    assert requested_region("sts:AssumeRole", "ap-southeast-2",
                            sts_endpoint="regional") == "ap-southeast-2"
    assert requested_region("sts:AssumeRole", "af-south-1", sts_endpoint="regional") \
        == "af-south-1"
    # the endpoint choice is STS's alone: IAM has only its global endpoint
    assert requested_region("iam:CreateRole", "eu-west-1", sts_endpoint="regional") \
        == "us-east-1"


def test_sts_endpoint_must_be_global_or_regional():
    with pytest.raises(ValueError, match="sts_endpoint"):
        requested_region("sts:AssumeRole", "eu-west-1", sts_endpoint="local")


def test_detective_controls_scope_and_findings(lz):
    inv = _inventory(lz, resources_per_region=8, drift_probability=0.2, seed=3)
    report = evaluate_detective_controls(lz, inv)
    frame = report.to_frame()
    assert set(frame["compliance"]) == {"COMPLIANT", "NON_COMPLIANT"}
    assert lz.account("Legacy") not in set(frame["account"])           # unenrolled: not checked
    assert "ap-southeast-2" not in set(frame["region"])                # ungoverned Region
    assert report.skipped_unenrolled == 1 + 8 * 3
    assert report.skipped_ungoverned == 6 * 8
    assert report.non_compliant == int((frame["compliance"] == "NON_COMPLIANT").sum())
    # each finding is a real drift of the property the rule checks
    by_id = {r.resource_id: r for r in inv}
    for row in frame.itertuples():
        ctl = DETECTIVE_CONTROLS[row.control]
        ok = by_id[row.resource_id].properties[ctl.property] == ctl.compliant_value
        assert (row.compliance == "COMPLIANT") == ok


def test_inventory_is_seeded_and_drift_zero_means_clean(lz):
    a = _inventory(lz, seed=5)
    assert a == _inventory(lz, seed=5)
    assert a != _inventory(lz, seed=6)
    clean = evaluate_detective_controls(lz, _inventory(lz, drift_probability=0.0))
    assert clean.non_compliant == 0


def test_bad_arguments(lz):
    with pytest.raises(ValueError, match="drift_probability"):
        ComplianceConfig(landing_zone=lz, drift_probability=1.5)
    with pytest.raises(ValueError, match="unknown detective control"):
        evaluate_detective_controls(lz, [], controls=["NOPE"])
    with pytest.raises(ValueError, match="unknown name"):
        build_landing_zone(accounts={"Marketing": "999999999999"})
    with pytest.raises(KeyError, match="no account named"):
        lz.account("Marketing")
    r = Resource(lz.account("Prod"), "us-east-1", "AWS::EC2::Volume", "v", {"encrypted": False})
    assert evaluate_detective_controls(lz, [r]).rows[0][0] == "ENCRYPTED_VOLUMES"
