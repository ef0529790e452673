"""The serverless models under the runner convention, and the front-end models (OAC, WAF, AZ
outage): published behaviour, bad input, compare/replicate."""

from __future__ import annotations

import math

import pytest

from labkit.core.facts import fact_value
from labkit.core.replication import paired_difference
from labkit.core.runner import compare, replicate
from labkit.serverless import (
    AzOutageConfig,
    BatchConfig,
    FunctionsConfig,
    WafConfig,
    oac_bucket_policy,
    run_az_outage,
    run_batch,
    run_functions,
    run_waf,
    s3_get_allowed,
    simulate_functions,
)

DIST = "arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE"


def test_functions_config_and_the_public_wrapper_give_the_same_run():
    config = FunctionsConfig(arrival_rate=2.0, warm_service_s=0.2, cold_service_s=1.0,
                             idle_timeout_s=30.0, horizon_s=600.0, seed=4)
    a = run_functions(config)
    b = simulate_functions(2.0, 0.2, 1.0, 30.0, horizon_s=600.0, seed=4)
    assert a.summary() == b.summary() and a.records.equals(b.requests)
    assert a.summary()["n_requests"] == len(a.records)
    with pytest.raises(ValueError, match="cold_service_s"):
        config.replace(cold_service_s=0.1)
    with pytest.raises(ValueError, match="expected requests"):
        config.replace(arrival_rate=1e4, horizon_s=1e4)
    with pytest.raises(ValueError, match="provisioned"):
        config.replace(max_concurrency=2, provisioned=3)


def test_keep_alive_lowers_cold_starts_over_replications():
    config = FunctionsConfig(arrival_rate=0.05, warm_service_s=0.3, cold_service_s=1.5,
                             idle_timeout_s=60.0, horizon_s=8_000.0, seed=10)
    short = replicate(run_functions, config, replications=20)
    long = replicate(run_functions, config.replace(idle_timeout_s=600.0), replications=20)
    diff = paired_difference(short.cold_start_prob, long.cold_start_prob)
    assert diff.excludes_zero and diff.mean > 0
    table = compare(run_functions, config, {"1 min": {}, "10 min": {"idle_timeout_s": 600.0}})
    assert table.loc["10 min", "cold_start_prob"] < table.loc["1 min", "cold_start_prob"]


def test_oac_lets_only_the_distribution_read_the_bucket():
    policy = oac_bucket_policy("spa-site", DIST)
    ok = s3_get_allowed(policy, principal_service="cloudfront.amazonaws.com", source_arn=DIST)
    assert ok.allowed and ok.status == 200
    assert s3_get_allowed(policy).status == 403                      # viewer straight to S3
    other = s3_get_allowed(policy, principal_service="cloudfront.amazonaws.com",
                           source_arn=DIST.replace("EDFDVBD6EXAMPLE", "EOTHER"))
    assert not other.allowed                                        # another distribution
    with pytest.raises(ValueError, match="distribution_arn"):
        oac_bucket_policy("spa-site", "arn:aws:s3:::spa-site")
    with pytest.raises(ValueError, match="Statement"):
        s3_get_allowed({"Version": "2012-10-17"}, principal_service="x")


def test_waf_blocks_the_flooding_ip_and_never_a_client_under_the_limit():
    config = WafConfig(arrival_rate=20.0, legitimate_clients=200, attack_rate=20.0,
                       limit=500, window_s=300, horizon_s=900.0, seed=3)
    result = run_waf(config)
    s = result.summary()
    assert s["legitimate_blocked_share"] == 0.0     # ~0.1 req/s each: ~30 per window
    assert s["attack_blocked_share"] > 0.8
    r = result.records
    attack = r[r.attacker].reset_index(drop=True)
    first_blocked = attack.arrival_s[attack.blocked].min()
    # nothing is blocked before the IP sent more than the limit within one window
    assert attack.arrival_s.searchsorted(first_blocked) > config.limit
    # 5 req/s is 1,500 per 5-minute window (blocked) but 300 per minute (under the limit):
    # the same limit over a shorter window is a looser rule
    slow = config.replace(attack_rate=5.0)
    assert run_waf(slow).summary()["attack_blocked_share"] > 0.5
    assert run_waf(slow.replace(window_s=60)).summary()["attack_blocked_share"] == 0.0


def test_waf_checks_the_rate_as_often_as_the_waf_api_reference_says():
    # RateBasedStatement.EvaluationWindowSec: "WAF checks the rate about every 10 seconds"
    # (https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/wafv2/aws.sdk.kotlin.services.wafv2.model/-rate-based-statement/evaluation-window-sec.html)
    assert WafConfig().check_interval_s == fact_value("waf_rate_based_check_interval_s") == 10


@pytest.mark.parametrize("field, value", [("window_s", 30), ("limit", 9), ("attackers", -1),
                                           ("attack_start_s", 900.0)])
def test_waf_config_refuses_what_aws_refuses(field, value):
    with pytest.raises(ValueError, match=field):
        WafConfig(**{field: value})


def test_one_az_loses_the_whole_outage_and_three_azs_almost_nothing():
    config = AzOutageConfig(arrival_rate=5.0, outage_length_s=300.0, horizon_s=1800.0, seed=7)
    one = replicate(run_az_outage, config.replace(zones=1), replications=20)
    three = replicate(run_az_outage, config, replications=20)
    assert (one.outage_availability == 0.0).all()
    assert (three.outage_availability > 0.9).all()
    diff = paired_difference(three.availability, one.availability)
    assert diff.excludes_zero and diff.low > 0.1
    # one zone: failed requests are exactly those in the outage window
    r = run_az_outage(config.replace(zones=1))
    window = (r.records.arrival_s >= r.outage_start_s) & \
        (r.records.arrival_s < r.outage_start_s + 300.0)
    assert (~r.records.ok == window).all()
    # immediate detection: nothing fails with three zones
    assert run_az_outage(config.replace(detection_mean_s=0.0)).summary()["failed_requests"] == 0
    with pytest.raises(ValueError, match="outage_length_s"):
        AzOutageConfig(outage_length_s=2000.0, horizon_s=3600.0)


def test_batch_config_and_summary(tmp_path):
    s = run_batch(BatchConfig(root=tmp_path, n_files=3, rows_per_file=40, seed=2)).summary()
    assert s["files"] == s["events_sent"] == 3
    assert s["rows_in"] == s["rows_out"] + s["rows_rejected"] == 120
    with pytest.raises(ValueError, match="root"):
        BatchConfig(root=tmp_path / "missing")
    assert math.isfinite(s["rows_out"])
