"""The runner convention for the multi-account family: configurations validated on
construction, runs returning records and a summary, compare/replicate on top, and the
deprecated wrappers behaving as before."""

from __future__ import annotations

import warnings

import pytest

from labkit.core.replication import mean_ci
from labkit.core.runner import compare, replicate
from labkit.org.central_log import CloudTrailConfig, run_cloudtrail, simulate_cloudtrail
from labkit.org.controltower import (
    ComplianceConfig,
    LandingZoneConfig,
    build_landing_zone,
    evaluate_detective_controls,
    run_compliance,
    simulate_inventory,
)
from labkit.org.scenarios import GuardrailConfig, run_guardrails


def test_landing_zone_config_builds_what_build_landing_zone_builds():
    cfg = LandingZoneConfig(region_deny=True, strongly_recommended=True)
    built = cfg.build()
    direct = build_landing_zone(region_deny=True, strongly_recommended=True)
    assert built.organization.to_dict() == direct.organization.to_dict()
    assert built.enrolled == direct.enrolled


@pytest.mark.parametrize("changes, error", [
    ({"governed_regions": ()}, ValueError), ({"region_deny": "yes"}, TypeError),
    ({"unenrolled": ("Management",)}, ValueError), ({"unenrolled": ("Marketing",)}, ValueError),
    ({"quotas": "2030"}, ValueError)])
def test_landing_zone_config_refuses_bad_fields(changes, error):
    with pytest.raises(error):
        LandingZoneConfig(**changes)


@pytest.mark.parametrize("config_type, changes", [
    (ComplianceConfig, {"drift_probability": 1.5}),
    (ComplianceConfig, {"resources_per_region": -1}),
    (ComplianceConfig, {"landing_zone": "zone"}), (ComplianceConfig, {"regions": ["us-east-1"]}),
    (CloudTrailConfig, {"n_events": 0}), (CloudTrailConfig, {"root_user_share": -0.1}),
    (CloudTrailConfig, {"days": 400}), (GuardrailConfig, {"requests": ()}),
    (GuardrailConfig, {"requests": ((("principal", "Root user"),),)})])
def test_configs_name_the_bad_field(config_type, changes):
    with pytest.raises((ValueError, TypeError), match=next(iter(changes))):
        config_type(**changes)


def test_compliance_run_matches_the_report_and_is_seeded():
    cfg = ComplianceConfig(resources_per_region=8, drift_probability=0.2, seed=3)
    result = run_compliance(cfg)
    report = evaluate_detective_controls(build_landing_zone(), list(result.inventory))
    assert result.records.equals(report.to_frame())
    s = result.summary()
    assert s["non_compliant"] == report.non_compliant > 0
    assert s["evaluations"] == len(result.records)
    assert run_compliance(cfg).records.equals(result.records)
    assert not run_compliance(cfg.replace(seed=4)).records.equals(result.records)
    clean = run_compliance(cfg.replace(drift_probability=0.0)).summary()
    assert clean["non_compliant"] == 0


def test_compliance_replicates_and_drift_raises_the_non_compliant_share():
    cfg = ComplianceConfig(resources_per_region=4, drift_probability=0.05, seed=0)
    low = replicate(run_compliance, cfg, replications=20)
    high = replicate(run_compliance, cfg.replace(drift_probability=0.3), replications=20)
    assert list(low["seed"]) == list(range(20))
    assert mean_ci(high["non_compliant_share"]).low > mean_ci(low["non_compliant_share"]).high


def test_deprecated_simulate_inventory_warns_and_gives_the_run_inventory():
    lz = build_landing_zone()
    with pytest.warns(DeprecationWarning, match="run_compliance"):
        inv = simulate_inventory(lz, resources_per_region=3, seed=5)
    assert tuple(inv) == run_compliance(ComplianceConfig(landing_zone=lz,
                                                         resources_per_region=3,
                                                         seed=5)).inventory


def test_cloudtrail_run_and_its_deprecated_wrapper_agree():
    lz = build_landing_zone(region_deny=True, strongly_recommended=True)
    result = run_cloudtrail(CloudTrailConfig(landing_zone=lz, n_events=400, seed=9))
    with pytest.warns(DeprecationWarning, match="run_cloudtrail"):
        old = simulate_cloudtrail(lz, n_events=400, seed=9)
    assert old.equals(result.records)
    s = result.summary()
    assert s["events"] == 400
    assert s["denied"] == int(result.records["error_code"].notna().sum()) > 0
    # with the guardrails, member accounts never manage to stop a Control Tower trail
    stops = result.records[result.records.event_name.isin(["StopLogging", "DeleteTrail"])
                           & result.records.resource.str.contains("aws-controltower")
                           & (result.records.account_name != "Management")]
    assert len(stops) and stops.error_code.eq("AccessDenied").all()


def test_cloudtrail_compare_guardrails_on_and_off():
    base = CloudTrailConfig(n_events=300, seed=2)
    table = compare(run_cloudtrail, base, {
        "landing zone": {}, "mandatory only": {"landing_zone": LandingZoneConfig()}})
    assert table.loc["landing zone", "denied"] > table.loc["mandatory only", "denied"]


def test_guardrail_run_is_the_request_table_and_is_deterministic():
    result = run_guardrails(GuardrailConfig())
    assert result.summary() == {"n_requests": 7, "allowed_flat": 7, "allowed_landing_zone": 3}
    zone = result.records[result.records.strategy == "landing zone"]
    assert set(zone[zone.decision == "DENY"].reason) == {"EXPLICIT_DENY_SCP"}
    assert run_guardrails(GuardrailConfig()).records.equals(result.records)
    without = run_guardrails(GuardrailConfig(landing_zone=LandingZoneConfig())).summary()
    assert without["allowed_landing_zone"] > 3   # no Region deny, no root controls


def test_no_warning_from_the_new_names():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run_cloudtrail(CloudTrailConfig(n_events=50))
        run_compliance(ComplianceConfig(resources_per_region=1))
