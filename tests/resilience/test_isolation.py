"""Bulkhead scenarios: determinism, conservation, and the isolation the pattern promises."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from labkit.core.runner import replicate  # noqa: E402
from labkit.resilience.isolation import (  # noqa: E402
    LambdaConcurrencyConfig,
    LambdaFunction,
    NoisyNeighbourConfig,
    PriorityQueuesConfig,
    consume_fair_queue,
    consume_queues,
    pool_summary,
    run_lambda_concurrency,
    run_noisy_neighbour,
    run_priority_queues,
    simulate_lambda_concurrency,
    simulate_noisy_neighbour,
    simulate_priority_queues,
)
from labkit.resilience.isolation_plots import (  # noqa: E402
    plot_lambda_throttles,
    plot_latency_over_time,
    plot_pool_comparison,
    plot_priority_waits,
)


def nn(design="shared", **fields):
    return simulate_noisy_neighbour(NoisyNeighbourConfig(design, **fields)).records


def lam(functions, **fields):
    config = LambdaConcurrencyConfig(tuple(functions), **fields)
    return simulate_lambda_concurrency(config).records


def test_same_seed_same_frame():
    pd.testing.assert_frame_equal(nn(horizon_s=3, seed=5), nn(horizon_s=3, seed=5))


def test_partitioned_pool_isolates_tenant_a():
    shared = pool_summary(nn("shared", horizon_s=8, seed=2)).set_index("tenant")
    part = pool_summary(nn("partitioned", horizon_s=8, seed=2)).set_index("tenant")
    assert part.loc["A", "success_rate"] == 1.0
    assert shared.loc["A", "success_rate"] < 0.8
    # A's own traffic is identical in both designs (separate random streams)
    assert shared.loc["A", "requests"] == part.loc["A", "requests"]


def test_no_overload_no_rejections_in_shared_pool():
    s = pool_summary(nn("shared", overload_b=1.0, horizon_s=5, seed=0))
    assert (s.success_rate == 1.0).all()


def test_in_flight_never_exceeds_permits():
    df = nn("partitioned", permits=6, permits_a=2, horizon_s=4, seed=3)
    for tenant, cap in (("A", 2), ("B", 4)):
        g = df[(df.tenant == tenant) & df.ok]
        events = sorted([(t, 1) for t in g.start_s] + [(t, -1) for t in g.end_s],
                        key=lambda e: (e[0], e[1]))
        level = peak = 0
        for _, d in events:
            level += d
            peak = max(peak, level)
        assert peak <= cap


def test_rejected_calls_waited_at_most_max_wait():
    df = nn("shared", max_wait_s=0.05, horizon_s=4, seed=1)
    rejected = df[~df.ok]
    assert len(rejected) > 0
    assert rejected.latency_s.max() <= 0.05 + 1e-9


@pytest.mark.parametrize("kwargs, match", [
    ({"design": "pooled"}, "design must be one of"),
    ({"permits": 1}, r"permits must be an integer in \[2, 10000\]"),
    ({"permits": 10**9}, r"permits must be an integer in \[2, 10000\]"),
    ({"arrival_rate_b": 1e7},
     r"peak arrival rate \(A \+ B x overload_b\) x horizon_s must be <= 500,000"),
    ({"permits_a": 20}, r"permits_a must be an integer in \[1, 19\]"),
    ({"arrival_rate_a": -1}, "arrival_rate_a"),
    ({"horizon_s": 10_000.0}, "horizon_s must be <= 3600"),
    ({"overload_window": (5.0, 2.0)}, "overload_window must be"),
])
def test_noisy_neighbour_checks(kwargs, match):
    with pytest.raises(ValueError, match=match):
        NoisyNeighbourConfig(**kwargs)


def test_former_entry_points_warn_and_match():
    with pytest.warns(DeprecationWarning, match="simulate_noisy_neighbour"):
        old = run_noisy_neighbour("partitioned", rate_a=30.0, horizon_s=2, seed=4)
    pd.testing.assert_frame_equal(old, nn("partitioned", arrival_rate_a=30.0, horizon_s=2,
                                          seed=4))
    with pytest.warns(DeprecationWarning):
        run_priority_queues("single", rate_high=3.0, horizon_s=5, seed=0)
    with pytest.warns(DeprecationWarning):
        run_lambda_concurrency([LambdaFunction("f", 5, 0.5)], horizon_s=2, seed=0)
    assert LambdaFunction("f", 5, 0.5).rate == 5


def test_summary_is_measured_during_the_overload_window():
    config = NoisyNeighbourConfig(overload_window=(2.0, 4.0), horizon_s=6.0, seed=3)
    result = simulate_noisy_neighbour(config)
    inside = result.records[result.records.arrival_s.between(2.0, 4.0)]
    assert result.summary()["a_requests"] == int((inside.tenant == "A").sum())


def test_bulkhead_beats_shared_pool_over_replications():
    base = NoisyNeighbourConfig(horizon_s=3.0, seed=0)
    shared = replicate(simulate_noisy_neighbour, base, replications=5)
    split = replicate(simulate_noisy_neighbour, base.replace(design="partitioned"),
                      replications=5)
    assert (split.a_success_rate > shared.a_success_rate).all()


def test_separate_priority_queue_keeps_high_priority_fast():
    single = simulate_priority_queues(PriorityQueuesConfig("single", horizon_s=30, seed=1))
    separate = simulate_priority_queues(PriorityQueuesConfig("separate", horizon_s=30, seed=1))
    assert separate.summary()["high_p99_wait_s"] < 0.5 < single.summary()["high_p99_wait_s"]
    assert len(single.records) == len(separate.records)
    assert single.records.end_s.notna().all()


def test_fair_queue_serves_the_group_with_fewer_messages_in_flight_first():
    """SQS fair queues deliver quiet tenants' messages first, and among noisy tenants the one
    with the fewest in-flight messages first:
    https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-fair-queues-detailed.html
    Two consumers, four bulk messages at t = 0 and one urgent message at t = 0.1: when the first
    consumer frees (t = 1), one bulk message is still in flight and none urgent, so the urgent
    message goes next; in the plain queue it waits for the two bulk messages ahead of it."""
    config = PriorityQueuesConfig(consumers=2, high_consumers=1, horizon_s=10.0)
    priority = np.array(["low", "low", "low", "low", "high"])
    sent = np.array([0.0, 0.0, 0.0, 0.0, 0.1])
    work = np.array([1.0, 1.5, 1.0, 1.0, 1.0])
    fair_start, _ = consume_fair_queue(config.replace(design="fair"), priority, sent, work)
    fifo_start, _ = consume_queues(config.replace(design="single"), priority, sent, work)
    assert fair_start.tolist() == [0.0, 0.0, 1.5, 2.0, 1.0]
    assert fifo_start.tolist() == [0.0, 0.0, 1.0, 1.5, 2.0]


def test_fair_queue_keeps_urgent_messages_fast_and_lends_bulk_every_consumer():
    runs = {d: simulate_priority_queues(PriorityQueuesConfig(d, horizon_s=30, seed=1)).summary()
            for d in ("single", "fair", "separate")}
    assert runs["fair"]["high_p99_wait_s"] < 0.5 < runs["single"]["high_p99_wait_s"]
    assert runs["fair"]["low_p99_wait_s"] < runs["separate"]["low_p99_wait_s"]
    assert runs["fair"]["low_messages"] == runs["single"]["low_messages"]


def test_lambda_reservation_protects_checkout_and_throttles_are_429():
    noisy = LambdaFunction("thumbnails", 100, 1.0, burst_factor=4, burst_window=(2, 6))
    with_res = lam([LambdaFunction("checkout", 50, 0.5, reserved=100), noisy],
                   account_limit=300, horizon_s=8, seed=0)
    without = lam([LambdaFunction("checkout", 50, 0.5), noisy], account_limit=300,
                  horizon_s=8, seed=0)
    assert not with_res[with_res.function == "checkout"].throttled.any()
    assert without[without.function == "checkout"].throttled.any()
    assert set(with_res.loc[with_res.throttled, "status_code"]) == {429}
    assert set(with_res.loc[with_res.throttled, "reason"]) == {"ConcurrentInvocationLimitExceeded"}


def test_lambda_reservation_must_leave_unreserved_floor():
    with pytest.raises(ValueError, match="unreserved"):
        lam([LambdaFunction("a", 1, 1.0, reserved=250)], account_limit=300)
    with pytest.raises(ValueError, match="unique"):
        LambdaConcurrencyConfig((LambdaFunction("a", 1, 1.0), LambdaFunction("a", 2, 1.0)))


def test_plots_return_labelled_figures():
    pools = {d: nn(d, horizon_s=2, seed=0) for d in ("shared", "partitioned")}
    pq = {d: simulate_priority_queues(PriorityQueuesConfig(d, horizon_s=10, flood_window=(2, 5),
                                                           seed=0)).records
          for d in ("single", "separate")}
    lambdas = {"x": lam([LambdaFunction("f", 10, 0.5)], horizon_s=3, seed=0)}
    figs = [plot_latency_over_time(pools["shared"], title="t", window=(0, 2)),
            plot_pool_comparison(pools), plot_priority_waits(pq, flood_window=(2, 5)),
            plot_lambda_throttles(lambdas, function="f")]
    for fig in figs:
        ax = fig.axes[0]
        assert ax.get_xlabel() and ax.get_ylabel()
        assert ax.get_title() or fig.get_suptitle()


def _peak_in_flight(frame: pd.DataFrame) -> int:
    served = frame[frame.ok]
    events = sorted([(t, 1) for t in served.start_s] + [(t, -1) for t in served.end_s],
                    key=lambda e: (e[0], e[1]))
    level = peak = 0
    for _, d in events:
        level += d
        peak = max(peak, level)
    return peak


@settings(max_examples=25, deadline=None)
@given(permits=st.integers(2, 12), overload=st.floats(1.0, 8.0),
       wait=st.sampled_from([0.0, 0.02, 0.2]), seed=st.integers(0, 1000))
def test_shared_pool_never_exceeds_its_permits_and_conserves_requests(permits, overload, wait,
                                                                      seed):
    df = nn("shared", permits=permits, overload_b=overload, max_wait_s=wait,
            arrival_rate_a=10, arrival_rate_b=20, horizon_s=1.0, seed=seed)
    assert _peak_in_flight(df) <= permits
    assert df.end_s.notna().all()                    # every request is served or rejected
    assert ((df.outcome == "ok") == df.ok).all()
    assert (df.wait_s <= wait + 1e-9).all()          # nobody waits longer than max_wait_s


@pytest.mark.parametrize("kwargs, match", [
    ({"consumers": 10**9}, r"consumers must be an integer in \[2, 10000\]"),
    ({"arrival_rate_low": 1e9}, r"x horizon_s must be <= 500,000 messages"),
    ({"design": "fair", "flood_factor": 1e6}, r"x horizon_s must be <= 500,000 messages"),
])
def test_priority_queues_bound_their_work(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PriorityQueuesConfig(**kwargs)


@pytest.mark.parametrize("functions, fields, match", [
    ((LambdaFunction("f", 1e8, 0.1),), {}, r"peak arrival rate x horizon_s must be <= 500,000"),
    ((LambdaFunction("f", 10, 0.1),), {"account_limit": 10**9},
     r"account_limit must be an integer in \[1, 10000\]"),
])
def test_lambda_concurrency_bounds_its_work(functions, fields, match):
    with pytest.raises(ValueError, match=match):
        LambdaConcurrencyConfig(functions, **fields)
