"""Workloads, the SimPy Service under faults, metrics and validation."""

import numpy as np
import pandas as pd
import pytest
import simpy

from labkit.core import (
    Constant,
    Exponential,
    FaultSchedule,
    FaultWindow,
    LogNormal,
    Service,
    latency_summary,
    percentiles,
    piecewise_poisson_arrivals,
    poisson_arrivals,
    throughput,
)
from labkit.core.validation import check_percent, check_probability, check_time


def test_poisson_arrival_rate_and_order(rng):
    t = poisson_arrivals(20.0, 1_000.0, rng)
    assert len(t) / 1_000.0 == pytest.approx(20.0, rel=0.03)
    assert (np.diff(t) >= 0).all() and t.min() >= 0 and t.max() < 1_000.0


def test_piecewise_rates(rng):
    t = piecewise_poisson_arrivals([(0.0, 1.0), (100.0, 50.0), (110.0, 1.0)], 200.0, rng)
    burst = ((t >= 100) & (t < 110)).sum()
    assert 400 < burst < 600
    with pytest.raises(ValueError, match="start at 0"):
        piecewise_poisson_arrivals([(5.0, 1.0)], 10.0, rng)
    with pytest.raises(ValueError, match="increasing"):
        piecewise_poisson_arrivals([(0.0, 1.0), (0.0, 2.0)], 10.0, rng)
    with pytest.raises(ValueError, match="rate"):
        piecewise_poisson_arrivals([(0.0, -1.0)], 10.0, rng)


def test_distribution_means(rng):
    assert Exponential(4.0).sample(rng, 100_000).mean() == pytest.approx(0.25, rel=0.02)
    assert LogNormal(0.05, 0.3).sample(rng, 100_000).mean() == pytest.approx(
        LogNormal(0.05, 0.3).mean, rel=0.02)
    with pytest.raises(ValueError, match="rate"):
        Exponential(0)
    with pytest.raises(ValueError, match="sigma"):
        LogNormal(1.0, -0.1)


def test_fault_window_validation():
    with pytest.raises(ValueError, match="end_s"):
        FaultWindow(10.0, 5.0)
    with pytest.raises(ValueError, match="kind"):
        FaultWindow(0.0, 5.0, kind="meltdown")
    with pytest.raises(TypeError, match="FaultWindow"):
        FaultSchedule(((0, 1),))


def test_service_outage_and_slowdown(env, rng):
    faults = FaultSchedule((FaultWindow(10.0, 20.0, "outage", latency_s=0.5),
                            FaultWindow(30.0, 40.0, "slowdown", factor=4.0)))
    svc = Service(env, servers=2, service_time=Constant(1.0), rng=rng, faults=faults)
    log = []

    def call_at(t):
        yield env.timeout(t)
        log.append((t, (yield env.process(svc.call()))))

    for t in (0.0, 15.0, 35.0):
        env.process(call_at(t))
    env.run()
    results = dict(log)
    assert results[0.0].ok and results[0.0].end_s == 1.0
    assert not results[15.0].ok and results[15.0].end_s == 15.5
    assert results[35.0].ok and results[35.0].end_s == 39.0
    assert svc.calls == 3


def test_service_queues_fifo_when_busy(env, rng):
    svc = Service(env, servers=1, service_time=Constant(2.0), rng=rng)
    ends = []

    def caller():
        ends.append((yield env.process(svc.call())).end_s)

    for _ in range(3):
        env.process(caller())
    env.run()
    assert ends == [2.0, 4.0, 6.0]


def test_metrics():
    df = pd.DataFrame({"latency_s": np.linspace(0, 1, 101), "ok": [True] * 100 + [False],
                       "group": ["a"] * 50 + ["b"] * 51, "end_s": np.linspace(0, 10, 101)})
    assert percentiles(df.latency_s, (50, 99)) == pytest.approx({"p50": 0.5, "p99": 0.99})
    summary = latency_summary(df, by="group")
    assert list(summary.group) == ["a", "b"]
    assert summary.requests.sum() == 101
    assert throughput(df, bin_s=5.0).per_s.sum() * 5.0 == 101
    with pytest.raises(ValueError, match="lacks column"):
        latency_summary(df.drop(columns="ok"))
    with pytest.raises(ValueError, match="percentiles"):
        percentiles([1.0], (120,))


def test_validation_messages():
    with pytest.raises(ValueError, match=r"failure_rate_threshold.*\(0, 100\]"):
        check_percent("failure_rate_threshold", 0)
    with pytest.raises(ValueError, match=r"p.*\[0, 1\]"):
        check_probability("p", 1.5)
    with pytest.raises(ValueError, match="backwards"):
        check_time("now", 1.0, 2.0)
    with pytest.raises(ValueError, match="finite"):
        check_time("now", float("inf"), None)
    with pytest.raises(TypeError):
        check_probability("p", True)


def test_service_rejects_bad_arguments(env, rng):
    with pytest.raises(ValueError, match="servers"):
        Service(env, servers=0, service_time=Constant(1.0), rng=rng)
    with pytest.raises(TypeError, match="service_time"):
        Service(env, servers=1, service_time=1.0, rng=rng)


def test_simpy_env_fixture_is_fresh(env):
    assert isinstance(env, simpy.Environment) and env.now == 0
