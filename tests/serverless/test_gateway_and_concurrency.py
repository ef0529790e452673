"""API Gateway token buckets and usage plans; Lambda concurrency, scaling rate and 429s."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.serverless import (
    ACCOUNT_BURST,
    ACCOUNT_RATE_RPS,
    ApiGatewayThrottle,
    LambdaBurstConfig,
    LambdaScaling,
    TokenBucket,
    UsagePlan,
    run_lambda_burst,
    simulate_lambda_burst,
)


def test_account_defaults_match_the_reference():
    assert (ACCOUNT_RATE_RPS, ACCOUNT_BURST) == (10_000.0, 5_000)


def test_bucket_serves_burst_then_rate():
    b = TokenBucket(rate=100.0, burst=50)
    admitted = sum(b.try_acquire(0.0) for _ in range(200))
    assert admitted == 50
    # over the next 2 s at 1,000 offered per second, 100 per second get through
    times = [i / 1000 for i in range(1, 2001)]
    later = sum(b.try_acquire(t) for t in times)
    assert later == pytest.approx(200, abs=2)


@settings(max_examples=60, deadline=None)
@given(rate=st.floats(0.5, 50), burst=st.integers(0, 40),
       gaps=st.lists(st.floats(0, 0.5), min_size=1, max_size=200))
def test_bucket_never_admits_more_than_burst_plus_rate_times_time(rate, burst, gaps):
    b = TokenBucket(rate, burst)
    t, admitted = 0.0, 0
    for g in gaps:
        t += g
        admitted += b.try_acquire(t)
        assert admitted <= burst + rate * t + 1e-6
        assert 0.0 <= b.tokens(t) <= burst


def test_bucket_refuses_bad_input_and_time_travel():
    with pytest.raises(ValueError, match="burst"):
        TokenBucket(10.0, -1)
    with pytest.raises(ValueError, match="rate"):
        TokenBucket(0.0, 5)
    b = TokenBucket(1.0, 1)
    b.try_acquire(5.0)
    with pytest.raises(ValueError, match="backwards"):
        b.try_acquire(4.0)
    assert not TokenBucket(1.0, 0).try_acquire(0.0)   # burst 0 stops the API


def test_usage_plan_limits_apply_per_key_and_quota_resets_each_period():
    plan = UsagePlan("basic", rate_rps=1000, burst=1000, quota=3, period="DAY")
    gw = ApiGatewayThrottle(plans={"a": plan, "b": plan}, require_api_key=True)
    a = [gw.check(float(i), "a").status for i in range(5)]
    b = [gw.check(10.0 + i, "b").status for i in range(3)]
    assert a == [200, 200, 200, 429, 429] and b == [200, 200, 200]  # keys do not share
    assert gw.check(86_400.0, "a").status == 200                     # next day
    assert gw.check(0.0 + 86_401.0, None).status == 403


def test_layers_report_which_limit_refused():
    gw = ApiGatewayThrottle(account_rate_rps=1000, account_burst=3, stage_rate_rps=1000,
                            stage_burst=2, plans={"k": UsagePlan("p", rate_rps=1, burst=1)})
    # usage plan first, then stage, then account; a refusal takes no token from later levels
    layers = [gw.check(0.0, "k").layer, gw.check(0.0, "k").layer,
              gw.check(0.0).layer, gw.check(0.0).layer]
    assert layers == ["", "usage_plan", "", "stage"]
    account_only = ApiGatewayThrottle(account_rate_rps=1000, account_burst=1)
    assert [account_only.check(0.0).layer for _ in range(2)] == ["", "account"]


def test_bad_plans_and_stage_settings_are_refused():
    with pytest.raises(ValueError, match="burst"):
        UsagePlan("p", rate_rps=1, burst=-2)
    with pytest.raises(ValueError, match="period"):
        UsagePlan("p", rate_rps=1, burst=1, quota=5, period="YEAR")
    with pytest.raises(ValueError, match="together"):
        ApiGatewayThrottle(stage_rate_rps=5)
    with pytest.raises(TypeError, match="UsagePlan"):
        ApiGatewayThrottle(plans={"k": {"rate": 1}})


def test_reservations_leave_one_hundred_unreserved():
    acct = LambdaScaling(1000)
    acct.add_function("a", reserved=600)
    with pytest.raises(ValueError, match="reserved"):
        acct.add_function("b", reserved=301)
    acct.add_function("b", reserved=300)
    assert acct.unreserved_limit == 100
    acct.add_function("c")
    decisions = [acct.try_start("c", 0.0) for _ in range(101)]
    assert sum(d.allowed for d in decisions) == 100
    assert decisions[-1].reason == "ConcurrentInvocationLimitExceeded"


def test_reserved_zero_stops_the_function():
    acct = LambdaScaling()
    acct.add_function("off", reserved=0)
    d = acct.try_start("off", 0.0)
    assert (d.allowed, d.status, d.reason) == (False, 429,
                                               "ReservedFunctionConcurrentInvocationLimitExceeded")


def test_scaling_rate_is_1000_environments_per_10_seconds():
    acct = LambdaScaling(account_limit=10_000)
    acct.add_function("f")
    first = sum(acct.try_start("f", 0.0).allowed for _ in range(1500))
    assert first == 1000 and acct.environments("f") == 1000
    assert acct.try_start("f", 0.0).reason == "ScalingRateExceeded"
    # 5 s later, 500 more environments may be created
    later = sum(acct.try_start("f", 5.0).allowed for _ in range(1000))
    assert later == 500
    # a finished request frees a warm environment: no new token needed
    acct.finish("f", 6.0, "cold")
    assert acct.try_start("f", 6.0).start == "warm"


def test_provisioned_environments_are_used_first_and_never_cold():
    acct = LambdaScaling()
    acct.add_function("f", provisioned=3)
    starts = [acct.try_start("f", 0.0).start for _ in range(5)]
    assert starts == ["provisioned"] * 3 + ["cold"] * 2
    acct.finish("f", 1.0, "cold")
    acct.finish("f", 1.0, "provisioned")
    assert [acct.try_start("f", 1.0).start for _ in range(2)] == ["provisioned", "warm"]
    with pytest.raises(ValueError, match="provisioned"):
        LambdaScaling().add_function("g", reserved=2, provisioned=3)


def test_finish_without_start_and_unknown_function_are_errors():
    acct = LambdaScaling()
    acct.add_function("f")
    with pytest.raises(ValueError, match="in flight"):
        acct.finish("f", 0.0)
    with pytest.raises(KeyError, match="unknown"):
        acct.try_start("g", 0.0)


def burst(segments, **fields):
    return simulate_lambda_burst(LambdaBurstConfig(segments=tuple(segments), **fields)).records


def test_burst_throttles_at_the_reservation_and_conserves_requests():
    df = burst([(0, 20.0), (2, 2000.0), (4, 20.0)], horizon_s=8, duration_s=0.5, reserved=300,
               seed=3)
    assert df.in_flight.max() == 300
    thr = df[df.status == 429]
    assert len(thr) > 0 and set(thr.reason) == {"ReservedFunctionConcurrentInvocationLimitExceeded"}
    assert df.latency_s.notna().sum() + len(thr) == len(df)
    assert not ((df.arrival_s < 2) & (df.status == 429)).any()


def test_gateway_in_front_refuses_before_lambda():
    df = burst([(0, 20.0), (1, 3000.0), (2, 20.0)], horizon_s=3, duration_s=0.2,
               stage_rate_rps=500.0, stage_burst=100, seed=2)
    refused = df[df.layer == "api_gateway"]
    assert len(refused) > 1000 and (refused.status == 429).all()
    assert refused.latency_s.isna().all()
    # what passed the gateway in the burst second is at most burst + rate
    passed = df[(df.arrival_s >= 1) & (df.arrival_s < 2) & (df.layer != "api_gateway")]
    assert len(passed) <= 100 + 500 + 25


def test_burst_is_deterministic():
    a = burst([(0, 100.0)], horizon_s=5, seed=4)
    b = burst([(0, 100.0)], horizon_s=5, seed=4)
    assert a.equals(b)
    assert math.isclose(a.latency_s.mean(), b.latency_s.mean())


@settings(max_examples=80, deadline=None)
@given(ops=st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.booleans(),
                              st.floats(0, 3)), min_size=1, max_size=300))
def test_concurrency_ledger_invariants(ops):
    # random starts and finishes never break the limits or the books
    acct = LambdaScaling(account_limit=300, scaling_per_10s=50)
    acct.add_function("a", reserved=20, provisioned=5)
    acct.add_function("b", reserved=150)
    acct.add_function("c")
    running: dict[str, list[str]] = {"a": [], "b": [], "c": []}
    t = 0.0
    for name, start, dt in ops:
        t += dt
        if start or not running[name]:
            d = acct.try_start(name, t)
            if d.allowed:
                running[name].append(d.start)
            else:
                assert d.status == 429 and d.reason
        else:
            acct.finish(name, t, running[name].pop())
        assert acct.in_flight("a") <= 20 and acct.in_flight("b") <= 150
        assert acct.in_flight("c") <= acct.unreserved_limit == 130
        for f in "abc":
            assert acct.in_flight(f) == len(running[f]) >= 0
            assert acct.environments(f) >= acct.in_flight(f)
        assert acct.environments("c") <= 50 + 5 * t + 1e-9


def test_client_retries_with_jittered_backoff_turn_429s_into_late_successes():
    kwargs = dict(horizon_s=6, duration_s=0.25, reserved=200, seed=4)
    segments = [(0, 50.0), (2, 2000.0), (3, 50.0)]
    none = burst(segments, **kwargs)
    some = burst(segments, client_retries=5, **kwargs)
    assert (none.attempts == 1).all()
    assert (some.status == 429).sum() < (none.status == 429).sum() / 3
    assert some.attempts.max() <= 6
    retried = some[(some.attempts > 1) & (some.status == 200)]
    assert len(retried) > 0 and (retried.latency_s > 0.0).all()
    assert len(some) == len(none)              # the same requests, only fates differ
    with pytest.raises(ValueError, match="client_retries"):
        burst(segments, client_retries=-1, **kwargs)


def test_a_lambda_throttle_behind_api_gateway_reaches_the_client_as_500():
    # Lambda Developer Guide, services-apigateway.html: when Lambda rejects the invocation (for
    # example a throttle) API Gateway answers 500; its own throttle answers 429.
    config = LambdaBurstConfig(segments=((0, 50.0), (1, 3000.0), (2, 50.0)), horizon_s=3,
                               duration_s=0.5, reserved=100, seed=5)
    direct = simulate_lambda_burst(config).records
    behind = simulate_lambda_burst(config.replace(stage_rate_rps=10_000.0,
                                                  stage_burst=5_000)).records
    assert set(direct.status[direct.layer == "lambda"]) == {429}
    assert set(behind.status[behind.layer == "lambda"]) == {500}
    tight = simulate_lambda_burst(config.replace(stage_rate_rps=200.0, stage_burst=50)).records
    assert set(tight.status[tight.layer == "api_gateway"]) == {429}


def test_burst_config_refuses_bad_fields_and_the_former_name_warns():
    with pytest.raises(ValueError, match="stage_rate_rps and stage_burst"):
        LambdaBurstConfig(stage_rate_rps=10.0)
    with pytest.raises(ValueError, match="client_retries"):
        LambdaBurstConfig(client_retries=-1)
    with pytest.raises(TypeError, match="segments"):
        LambdaBurstConfig(segments=[(0, 1.0)])
    with pytest.warns(DeprecationWarning, match="simulate_lambda_burst"):
        old = run_lambda_burst([(0, 100.0)], horizon_s=5, seed=4,
                               gateway=ApiGatewayThrottle(stage_rate_rps=50, stage_burst=10))
    new = burst([(0, 100.0)], horizon_s=5, seed=4, stage_rate_rps=50, stage_burst=10)
    assert old.equals(new)
