"""Explorer scenarios, strategy variants and the family's figures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from labkit.org import (  # noqa: E402
    access_request,
    allocate_cidrs,
    allow_list_variant,
    build_landing_zone,
    decision_matrix,
    evaluate_detective_controls,
    plot_access_decision,
    plot_cidr_plan,
    plot_compliance,
    plot_decision_matrix,
    plot_organization,
    request_table,
)
from labkit.org.controltower import ComplianceConfig, run_compliance  # noqa: E402
from labkit.org.scenarios import ACTIONS, PRINCIPAL_KINDS, REGIONS, RESOURCE_KINDS  # noqa: E402

ADMIN = "Administrator (Identity Center role)"


def _inventory(lz, **changes):
    """The inventory of a compliance run on ``lz``."""
    return list(run_compliance(ComplianceConfig(landing_zone=lz, **changes)).inventory)


@pytest.fixture(scope="module")
def lz():
    return build_landing_zone(region_deny=True, strongly_recommended=True)


def test_every_menu_combination_evaluates(lz):
    for principal in PRINCIPAL_KINDS:
        for action in ACTIONS:
            for resource in RESOURCE_KINDS:
                d = access_request(lz, principal, "Prod", action, resource, REGIONS[0])
                assert d.decision in ("ALLOW", "DENY")


def test_exempt_principals(lz):
    for principal in ("Service-linked role",):
        d = access_request(lz, principal, "Prod", "ec2:RunInstances", region="ap-southeast-2")
        assert d.allowed and not d.scp_applies
    d = access_request(lz, "Control Tower execution role", "Prod", "cloudtrail:StopLogging",
                       "Control Tower trail", "ap-southeast-2")
    assert d.allowed and d.scp_applies       # exempted by ARN in every guardrail
    d = access_request(lz, ADMIN, "Management", "ec2:RunInstances", region="ap-southeast-2")
    assert d.allowed and not d.scp_applies


def test_global_service_goes_to_us_east_1(lz):
    d = access_request(lz, ADMIN, "Prod", "iam:CreateRole", region="ap-southeast-2")
    assert d.allowed and "in us-east-1" in d.explanation


def test_allow_list_and_mistake(lz):
    allow = allow_list_variant(lz.organization, "Workloads", ["ec2", "s3"])
    assert lz.organization.find("Workloads").scps[0] == "FullAWSAccess"   # original untouched
    frame = decision_matrix({"deny": lz, "allow": allow}, ADMIN, "Prod",
                            ["ec2:RunInstances", "kms:Decrypt"])
    got = {(r.strategy, r.action): (r.reason, r.node) for r in frame.itertuples()}
    assert got[("deny", "kms:Decrypt")] == ("ALLOWED", "")
    assert got[("allow", "kms:Decrypt")] == ("IMPLICIT_DENY_SCP", "Workloads")
    assert got[("allow", "ec2:RunInstances")] == ("ALLOWED", "")
    with pytest.raises(ValueError, match="at least one service"):
        allow_list_variant(lz.organization, "Workloads", [])
    with pytest.raises(ValueError, match="not an OU"):
        allow_list_variant(lz.organization, "Prod", ["ec2"])


def test_request_table_and_bad_menu_values(lz):
    frame = request_table({"lz": lz}, [
        {"principal": ADMIN, "account": "Dev", "action": "ec2:RunInstances",
         "region": "ap-southeast-2"}])
    row = frame.iloc[0]
    assert (row.reason, row.node, row.statement) == ("EXPLICIT_DENY_SCP", "Workloads",
                                                     "Sid 'GRREGIONDENY'")
    assert row.request == "admin in Dev: ec2:RunInstances (ap-southeast-2)"
    with pytest.raises(ValueError, match="unknown key"):
        request_table({"lz": lz}, [{"principal": ADMIN, "account": "Dev", "action": "x:Y",
                                    "who": "me"}])
    with pytest.raises(ValueError, match="principal kind must be one of"):
        access_request(lz, "Intern", "Prod", "ec2:RunInstances")
    with pytest.raises(ValueError, match="resource kind must be one of"):
        access_request(lz, ADMIN, "Prod", "ec2:RunInstances", "a bucket")
    with pytest.raises(KeyError, match="no node named"):
        access_request(lz, ADMIN, "Marketing", "ec2:RunInstances")


def test_figures_have_titles_and_labels(lz):
    d = access_request(lz, ADMIN, "Prod", "ec2:RunInstances", region="ap-southeast-2")
    figs = [plot_organization(lz.organization), plot_access_decision(lz.organization, d),
            plot_decision_matrix(decision_matrix({"lz": lz}, ADMIN, "Prod", ACTIONS))]
    inv = _inventory(lz, drift_probability=0.3, seed=1)
    figs.append(plot_compliance(evaluate_detective_controls(lz, inv).to_frame()))
    plan = allocate_cidrs("10.0.0.0/14", {"a": 16, "b": 20})
    figs.append(plot_cidr_plan(plan, "10.0.0.0/14"))
    for fig in figs:
        ax = fig.axes[0]
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
        plt.close(fig)
    assert figs[1].axes[0].get_title() == "DENY (EXPLICIT_DENY_SCP)"
    with pytest.raises(ValueError, match="scps must be"):
        plot_organization(lz.organization, scps="some")
