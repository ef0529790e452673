"""Retry storms across layers, and the backoff contention experiment."""

from __future__ import annotations

import pytest

from labkit.mesh.storm import run_retry_storm
from labkit.resilience.contention import (
    ContentionConfig,
    compare_backoff_strategies,
    run_backoff_contention,
    simulate_backoff_contention,
)
from labkit.resilience.retry import budget_amplification, retry_amplification


def storm(**kwargs):
    """The retry-storm model run on the configuration ``StormConfig(**kwargs)``."""
    from labkit.mesh.storm import StormConfig

    return run_retry_storm(StormConfig(**kwargs))


@pytest.mark.parametrize(("layers", "attempts"), [(1, 3), (2, 3), (3, 3), (3, 2)])
def test_total_failure_amplifies_to_attempts_power_layers(layers, attempts):
    r = storm(layers=layers, attempts=attempts, backend_error=1.0, arrival_rate=20,
              horizon_s=1, seed=0)
    assert r.amplification == retry_amplification(attempts, layers)
    assert r.success_rate == 0.0
    assert (r.requests.backend_calls == attempts**layers).all()


def test_healthy_backend_no_retries():
    r = storm(backend_error=0.0, arrival_rate=50, horizon_s=1, seed=0)
    assert r.amplification == 1.0 and r.success_rate == 1.0
    assert r.layers.retries.sum() == 0


def test_budget_bounds_amplification_at_load():
    r = storm(policy="budget", backend_error=1.0, arrival_rate=300, horizon_s=2,
              min_retry_concurrency=0, seed=1)
    assert 1.0 < r.amplification <= budget_amplification(20, 3) + 0.1
    assert r.layers.retries_denied.sum() > 0


def test_budget_floor_allows_retries_at_low_load():
    r = storm(policy="budget", backend_error=1.0, arrival_rate=0.3, horizon_s=10, seed=2)
    assert len(r.requests) >= 2
    # a few requests at a time: the floor of 3 concurrent retries lets every retry through
    assert r.amplification == 27.0


def test_throttle_stops_retrying_once_tokens_fall_to_half():
    r = storm(policy="throttle", backend_error=1.0, arrival_rate=100, horizon_s=2,
              max_tokens=10, token_ratio=0.1, seed=0)
    # tokens start at 10; a retry needs more than 5: each layer retries only a few times
    assert r.layers.retries.max() <= 5
    assert r.amplification < 1.1


@pytest.mark.parametrize(("behavior", "per_layer"), [("2026", 35), ("pre-2026", 100)])
def test_sdk_quota_pays_for_what_a_full_bucket_allows_in_an_outage(behavior, per_layer):
    # backend down, no success refunds anything: each layer (one SDK client) retries until its
    # 500 tokens run out, 14 (2026) or 5 (pre-2026) a retry (tests/resilience/test_sdk_retry.py)
    r = storm(policy="sdk_quota", sdk_behavior=behavior, backend_error=1.0, arrival_rate=100,
              horizon_s=3, seed=2)
    assert (r.layers.retries == per_layer).all()
    assert r.success_rate == 0.0
    assert (r.layers.calls.diff().dropna() == per_layer).all()   # each retry is a call below


def test_sdk_quota_refunds_let_a_half_failing_backend_recover():
    new = storm(policy="sdk_quota", backend_error=0.5, arrival_rate=100, horizon_s=3, seed=2)
    old = storm(policy="sdk_quota", sdk_behavior="pre-2026", backend_error=0.5,
                arrival_rate=100, horizon_s=3, seed=2)
    assert new.layers.retries.sum() < old.layers.retries.sum()
    assert new.success_rate <= old.success_rate
    assert new.layers.retries.sum() > 3 * 35          # refunds keep retries going past 35


@pytest.mark.parametrize(("behavior", "per_layer"), [("2026", 35), ("pre-2026", 50)])
def test_sdk_quota_charges_a_timeout_as_the_behaviour_says(behavior, per_layer):
    # one backend worker stuck on long calls: every attempt times out; pre-2026 a retry after a
    # timeout costs 10 tokens (500 / 10 = 50), in 2026 a timeout is a transient error (14)
    r = storm(policy="sdk_quota", sdk_behavior=behavior, backend_error=0.0, arrival_rate=100,
              horizon_s=3, backend_servers=1, backend_time_s=100.0, per_try_timeout_s=0.05,
              seed=2)
    assert r.success_rate == 0.0 and (r.layers.timeouts > 0).all()
    assert (r.layers.retries == per_layer).all()


def test_storm_checks_and_determinism():
    with pytest.raises(ValueError, match="policy"):
        storm(policy="hedge")
    with pytest.raises(ValueError, match="backend_error"):
        storm(backend_error=1.5)
    with pytest.raises(ValueError, match="sdk_behavior"):
        storm(policy="sdk_quota", sdk_behavior="2027")
    a = storm(backend_error=0.5, arrival_rate=30, horizon_s=1, seed=4)
    b = storm(backend_error=0.5, arrival_rate=30, horizon_s=1, seed=4)
    assert a.requests.equals(b.requests)


def test_contention_single_client_needs_one_read_and_one_write():
    r = simulate_backoff_contention(ContentionConfig(clients=1, strategy="exponential")).summary()
    assert (r["calls"], r["writes"]) == (2, 1)
    assert 0.03 < r["completion_s"] < 0.06       # four hops of about 10 ms


def test_contention_every_client_succeeds_once():
    for strategy in ("none", "full", "decorrelated"):
        run = simulate_backoff_contention(ContentionConfig(clients=10, strategy=strategy, seed=3))
        r = run.summary()
        assert r["writes"] >= 10 and r["calls"] == 2 * r["writes"]
        assert len(run.records) == 10 and (run.records["writes"] >= 1).all()


def test_blog_conclusions_hold_in_the_model():
    df = compare_backoff_strategies(clients=(40,), runs=8, seed=0).set_index("strategy")
    assert df.completion_s.idxmax() == "exponential"          # un-jittered: far the longest
    assert df.loc["full", "calls"] < df.loc["none", "calls"]  # jitter does less work
    assert df.loc["full", "calls"] < df.loc["equal", "calls"]
    assert df.loc["none", "completion_s"] < df.loc["full", "completion_s"]


def test_contention_checks():
    with pytest.raises(ValueError, match="strategy"):
        ContentionConfig(clients=3, strategy="linear")
    with pytest.raises(RuntimeError, match="max_calls"):
        simulate_backoff_contention(ContentionConfig(clients=30, strategy="none", max_calls=10))
    with pytest.warns(DeprecationWarning, match="simulate_backoff_contention"):
        old = run_backoff_contention(10, "full", seed=3)
    assert old == simulate_backoff_contention(ContentionConfig(clients=10, seed=3)).summary()


def test_per_try_timeouts_fail_attempts_and_leave_abandoned_work():
    slow = dict(backend_error=0.0, arrival_rate=50, horizon_s=1, backend_servers=100,
                backend_time_s=0.5, layers=1, attempts=3, seed=0)
    r = storm(per_try_timeout_s=0.05, **slow)
    # almost every attempt times out, is retried, and still reaches the backend
    assert r.layers.timeouts[0] > 0
    assert r.amplification > 2.5 and r.success_rate < 0.4   # ~10% of tries beat 50 ms
    fast = storm(**slow)
    assert fast.layers.timeouts[0] == 0 and fast.success_rate == 1.0
    with pytest.raises(ValueError, match="per_try_timeout_s"):
        storm(per_try_timeout_s=0)


def test_storm_summary_replicates_and_the_keyword_form_warns():
    from labkit.core.runner import replicate
    from labkit.mesh.storm import StormConfig

    config = StormConfig(backend_error=0.5, arrival_rate=30, horizon_s=1, seed=4)
    result = run_retry_storm(config)
    summary = result.summary()
    assert summary["amplification"] == result.amplification
    assert summary["n_requests"] == len(result.records)
    runs = replicate(run_retry_storm, config, replications=3)
    assert list(runs.seed) == [4, 5, 6] and runs.amplification.nunique() > 1
    with pytest.warns(DeprecationWarning, match="StormConfig"):
        old = run_retry_storm(backend_error=0.5, rate=30, horizon_s=1, seed=4)
    assert old.records.equals(result.records)
    with pytest.raises(ValueError, match="arrival_rate x horizon_s"):
        StormConfig(arrival_rate=1e5, horizon_s=10)


def test_the_keyword_form_warning_points_at_the_caller():
    with pytest.warns(DeprecationWarning) as caught:
        run_retry_storm(arrival_rate=5, horizon_s=0.5)
    assert caught[0].filename == __file__
