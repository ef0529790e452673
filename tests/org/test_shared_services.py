"""Shared services of the landing zone: central flow logs, shared VPC (RAM), shared DNS
(Resolver rules through RAM), security tooling account (delegated administrator)."""

from __future__ import annotations

import pytest

from labkit.core.replication import mean_ci
from labkit.core.runner import replicate
from labkit.org.shared_services import (
    DNS_RULES,
    SharedServicesConfig,
    resolve_query,
    run_shared_services,
)


def _request(result, account, action):
    r = result.requests
    row = r[(r.account_name == account) & (r.action == action)]
    assert len(row) == 1, (account, action)
    return row.iloc[0]


@pytest.fixture(scope="module")
def on():
    return run_shared_services(SharedServicesConfig(seed=3))


@pytest.fixture(scope="module")
def no_guardrails():
    return run_shared_services(SharedServicesConfig(seed=3, guardrails=False))


def test_the_guardrail_scp_stops_members_deleting_flow_logs(on, no_guardrails):
    assert _request(on, "Prod", "ec2:DeleteFlowLogs").decided_by == "SCP"
    assert _request(on, "Prod", "ec2:DeleteFlowLogs").decision == "DENY"
    assert _request(no_guardrails, "Prod", "ec2:DeleteFlowLogs").decision == "ALLOW"


def test_shared_vpc_participants_use_but_do_not_own(on):
    assert _request(on, "Prod", "ec2:RunInstances").decision == "ALLOW"
    dev = _request(on, "Dev", "ec2:RunInstances")   # the subnet is shared with Prod only
    assert (dev.decision, dev.decided_by) == ("DENY", "resource owner")
    for action in ("ec2:CreateRoute", "ec2:DeleteSubnet"):
        assert _request(on, "Prod", action).decision == "DENY"
    assert _request(on, "Network", "ec2:CreateRoute").decision == "ALLOW"


def test_shared_resolver_rules_associate_but_only_the_owner_updates(on):
    assert _request(on, "Prod", "route53resolver:AssociateResolverRule").decision == "ALLOW"
    assert _request(on, "Prod", "route53resolver:UpdateResolverRule").decision == "DENY"
    assert _request(on, "Network", "route53resolver:UpdateResolverRule").decision == "ALLOW"


def test_most_specific_rule_wins_and_unknown_names_go_to_the_resolver():
    assert resolve_query("git.corp.example.com", DNS_RULES) == DNS_RULES["corp.example.com"]
    assert resolve_query("a.lab.corp.example.com.", DNS_RULES) == \
        DNS_RULES["lab.corp.example.com"]
    assert resolve_query("corp.example.com.evil.org", DNS_RULES) == "Route 53 Resolver"
    assert resolve_query("git.corp.example.com", None) == "Route 53 Resolver"


def test_security_tooling_delegated_admin_rules(on, no_guardrails):
    assert _request(on, "Management", "guardduty:EnableOrganizationAdminAccount").decision \
        == "ALLOW"
    assert _request(on, "Prod", "guardduty:EnableOrganizationAdminAccount").decision == "DENY"
    # without the SCP, GuardDuty itself refuses a member disabling its detector (auto-enable)
    gd = _request(no_guardrails, "Prod", "guardduty:DeleteDetector")
    assert (gd.decision, gd.decided_by) == ("DENY", "service")
    assert no_guardrails.summary()["detectors_switched_off"] == 0


def test_central_visibility_with_and_without_the_services(on):
    s = on.summary()
    assert s["flow_records_central_share"] == s["findings_central_share"] == 1.0
    assert s["onprem_names_answered_share"] == 1.0
    off = run_shared_services(SharedServicesConfig(
        seed=3, central_flow_logs=False, shared_dns=False, security_tooling=False,
        shared_vpc=False, guardrails=False)).summary()
    assert off["flow_records_central_share"] == off["findings_central_share"] == 0.0
    assert off["onprem_names_answered_share"] == 0.0
    assert off["requests_allowed"] + off["requests_denied"] == 0


def test_without_the_guardrail_tampering_loses_flow_records_over_replications():
    cfg = SharedServicesConfig(guardrails=False, flows_per_account=50,
                               dns_queries_per_account=5, seed=0)
    runs = replicate(run_shared_services, cfg, replications=20)
    ci = mean_ci(runs["flow_records_central_share"])
    assert ci.high < 1.0 and runs["flow_logs_switched_off"].sum() > 0
    guarded = replicate(run_shared_services, cfg.replace(guardrails=True), replications=20)
    assert (guarded["flow_records_central_share"] == 1.0).all()


def test_seeded_and_validated():
    a = run_shared_services(SharedServicesConfig(seed=5)).records
    assert a.equals(run_shared_services(SharedServicesConfig(seed=5)).records)
    assert not a.equals(run_shared_services(SharedServicesConfig(seed=6)).records)
    for bad in ({"tamper_probability": 2}, {"flows_per_account": -1}, {"guardrails": 1},
                {"horizon_s": 0}, {"findings_per_day": -1.0}):
        with pytest.raises((ValueError, TypeError), match=next(iter(bad))):
            SharedServicesConfig(**bad)
