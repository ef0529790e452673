"""Auto Scaling group per workload vs one shared fleet: scaling delays, isolation, conservation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.core.replication import paired_difference
from labkit.core.runner import replicate
from labkit.resilience.fleets import (
    FleetIsolationConfig,
    ScalingGroup,
    serve_step,
    simulate_fleet_isolation,
)


def test_target_tracking_multiplies_by_at_most_one_over_target_and_respects_max():
    config = FleetIsolationConfig(target_utilization=0.5, launch_delay_s=100.0)
    group = ScalingGroup("g", 10, 25, config)
    group.samples = [1.0] * 60                      # saturated for a whole period
    assert group.evaluate(60.0) == 10               # ceil(10 * 1.0 / 0.5) = 20
    group.samples = [1.0] * 60
    assert group.evaluate(120.0) == 5               # capped at 25 (launches in flight count)
    group.bring_ready(159.0)
    assert group.in_service == 10                   # the first launch is not ready yet
    group.bring_ready(160.0)
    assert group.in_service == 20
    group.samples = [0.2] * 60
    assert group.evaluate(180.0) == 0               # no scale-in in this model


def test_serve_step_is_fifo_in_proportion_and_drops_past_the_timeout():
    group = ScalingGroup("g", 1, 1, FleetIsolationConfig(instance_throughput=10.0))
    backlog = {"A": 20.0, "B": 60.0}
    served, dropped = serve_step(group, backlog, ["A", "B"], step_s=1.0, timeout_s=2.0)
    assert served == {"A": 2.5, "B": 7.5}
    assert sum(backlog.values()) == pytest.approx(20.0)       # capacity 10/s x 2 s
    assert dropped["B"] == pytest.approx(3 * dropped["A"])
    assert group.samples == [1.0]


def test_a_group_per_workload_keeps_a_whole_while_the_shared_fleet_fails_it():
    shared = replicate(simulate_fleet_isolation, FleetIsolationConfig(seed=0), replications=5)
    split = replicate(simulate_fleet_isolation,
                      FleetIsolationConfig("per_workload", seed=0), replications=5)
    assert (split.a_success_rate == 1.0).all()
    assert (shared.a_success_rate < 0.99).all()
    assert paired_difference(split.a_success_rate, shared.a_success_rate).excludes_zero
    assert (split.b_success_rate < shared.b_success_rate).all()      # the price: B alone
    assert (split.max_instances < shared.max_instances).all()


def test_no_surge_no_drops_in_either_design():
    for design in ("shared", "per_workload"):
        s = simulate_fleet_isolation(FleetIsolationConfig(design, overload_b=1.0,
                                                          seed=2)).summary()
        assert s["a_success_rate"] == 1.0 and s["b_success_rate"] == 1.0


def test_faster_launches_shorten_the_noisy_neighbour():
    slow = simulate_fleet_isolation(FleetIsolationConfig(launch_delay_s=300.0, seed=1))
    fast = simulate_fleet_isolation(FleetIsolationConfig(launch_delay_s=30.0, seed=1))
    assert fast.summary()["a_success_rate"] > slow.summary()["a_success_rate"]


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(["shared", "per_workload"]), st.floats(1.0, 8.0),
       st.floats(0.0, 300.0), st.integers(0, 100))
def test_requests_are_conserved(design, overload, delay, seed):
    config = FleetIsolationConfig(design, overload_b=overload, launch_delay_s=delay,
                                  horizon_s=300.0, overload_window=(50.0, 250.0), seed=seed)
    r = simulate_fleet_isolation(config).records
    for _, w in r.groupby("workload"):
        left = w.backlog.iloc[-1]
        assert w.arrivals.sum() == pytest.approx(w.served.sum() + w.dropped.sum() + left)
    assert (r.latency_s <= config.service_s + config.timeout_s + 1e-9).all()
    assert (r.instances <= config.max_instances_a + config.max_instances_b).all()


@pytest.mark.parametrize("kwargs, match", [
    ({"design": "one"}, "design must be one of"),
    ({"target_utilization": 0.0}, "target_utilization"),
    ({"max_instances_a": 2}, r"max_instances_a must be an integer in \[8, inf\]"),
    ({"metric_period_s": 0.5}, "metric_period_s must be >= step_s"),
    ({"horizon_s": 1e7}, "horizon_s / step_s"),
    ({"overload_window": (10.0, 5.0)}, "overload_window"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        FleetIsolationConfig(**kwargs)
