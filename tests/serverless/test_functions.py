"""simulate_functions against queueing theory and the SimFaaS semantics (Mahmoudi & Khazaei,
arXiv:2102.08904)."""

from __future__ import annotations

import math
import time

import pytest

from labkit.core.queueing import erlang_b
from labkit.serverless import FunctionStats, simulate_functions


@pytest.mark.parametrize("cap, rate, warm", [(5, 5.0, 1.0), (10, 10.0, 1.0), (3, 1.0, 2.0)])
def test_never_expiring_instances_are_an_erlang_b_loss_system(cap, rate, warm):
    # No expiry and a hard cap: M/M/K/K, P(reject) = Erlang-B(K, lambda * W).
    s = simulate_functions(rate, warm, warm * 1.5, math.inf, max_concurrency=cap,
                           horizon_s=40_000 / rate, seed=3)
    expected = erlang_b(rate * warm, cap)
    # binomial-ish noise on ~40k requests with correlation: a few standard errors
    assert s.rejection_prob == pytest.approx(expected, abs=0.012)
    assert s.n_cold == cap            # instances are created once and live for ever
    assert s.mean_instances <= cap


def test_littles_law_holds_for_busy_instances():
    s = simulate_functions(2.0, 1.0, 3.0, 0.5, max_concurrency=4, horizon_s=20_000, seed=5)
    assert 0.01 < s.rejection_prob < 0.5 and 0.01 < s.cold_start_prob
    accepted_rate = 2.0 * (1 - s.rejection_prob)
    # Little: average running = accepted rate x mean response (measured)
    assert s.mean_running == pytest.approx(accepted_rate * s.mean_response_s, rel=0.03)
    # and with the model's means (each request's expected service time, cold share among
    # accepted requests)
    p_cold = s.n_cold / (s.n_requests - s.n_rejected)
    predicted = accepted_rate * (p_cold * 3.0 + (1 - p_cold) * 1.0)
    assert s.mean_running == pytest.approx(predicted, rel=0.04)


def test_littles_law_without_a_cap():
    s = simulate_functions(5.0, 0.2, 1.0, 10.0, horizon_s=10_000, seed=2)
    assert s.rejection_prob == 0.0
    formula = 5.0 * (s.cold_start_prob * 1.0 + (1 - s.cold_start_prob) * 0.2)
    assert s.mean_running == pytest.approx(formula, rel=0.03)
    assert s.mean_idle == pytest.approx(s.mean_instances - s.mean_running)
    assert s.utilization == pytest.approx(s.mean_running / s.mean_instances)


@pytest.mark.parametrize("rate, keep", [(0.001, 600.0), (0.002, 300.0), (0.0005, 1200.0)])
def test_low_rate_cold_start_probability_is_the_chance_of_a_long_gap(rate, keep):
    # One instance: the next request is cold when the gap exceeds T + (service time).
    s = simulate_functions(rate, 1.0, 1.2, keep, horizon_s=20_000 / rate, seed=11)
    approx = math.exp(-rate * (keep + 1.0))
    assert s.cold_start_prob == pytest.approx(approx, abs=0.02)
    assert s.mean_instances < 1.0


def test_collisions_cause_cold_starts_when_keep_alive_is_long():
    # At low rate with long keep-alive, cold starts come from requests that find
    # the warm instance busy (probability ~ lambda * W), not from expiry.
    rate, warm, keep = 0.02, 2.0, 600.0
    s = simulate_functions(rate, warm, warm, keep, horizon_s=2e6, seed=4)
    expiry_only = math.exp(-rate * (keep + warm))
    assert s.cold_start_prob > 100 * expiry_only
    assert 0.3 * rate * warm < s.cold_start_prob <= rate * warm


def test_keep_alive_reduces_cold_starts_and_raises_idle_capacity():
    short = simulate_functions(0.05, 1.0, 2.0, 10.0, horizon_s=100_000, seed=1)
    long = simulate_functions(0.05, 1.0, 2.0, 600.0, horizon_s=100_000, seed=1)
    assert long.cold_start_prob < short.cold_start_prob / 5
    assert long.mean_idle > short.mean_idle


def test_newest_idle_instance_is_chosen_and_expired_ones_are_not_reused():
    # Replay the request log: at every arrival the chosen instance must be the newest-created
    # instance that is idle and not expired; a cold start only when no such instance exists.
    keep = 3.0
    s = simulate_functions(1.5, 0.8, 1.6, keep, max_concurrency=50, horizon_s=3_000, seed=0)
    f = s.to_frame()
    free_at: dict[int, float] = {}
    for t, k, start, resp in f.itertuples(index=False):
        idle = [j for j, end in free_at.items() if end <= t < end + keep]
        if start == "warm":
            assert k == max(idle)
        elif start == "cold":
            assert not idle and k not in free_at
        free_at[k] = t + resp
    assert (f.start == "warm").sum() > 100 and (f.start == "cold").sum() > 100


def test_provisioned_instances_serve_first_and_remove_cold_starts():
    base = simulate_functions(1.0, 1.0, 3.0, 60.0, horizon_s=5_000, seed=7)
    prov = simulate_functions(1.0, 1.0, 3.0, 60.0, horizon_s=5_000, seed=7, provisioned=6)
    assert prov.cold_start_prob < base.cold_start_prob / 20
    frame = prov.to_frame()
    # provisioned ids are 0..5; the first requests go to them
    assert set(frame.instance.iloc[:3]) <= set(range(6))
    assert prov.mean_instances >= 6


def test_same_seed_same_frame_byte_for_byte():
    a = simulate_functions(3.0, 0.5, 1.5, 20.0, max_concurrency=5, horizon_s=500, seed=9)
    b = simulate_functions(3.0, 0.5, 1.5, 20.0, max_concurrency=5, horizon_s=500, seed=9)
    c = simulate_functions(3.0, 0.5, 1.5, 20.0, max_concurrency=5, horizon_s=500, seed=10)
    assert a.to_frame().equals(b.to_frame()) and a.summary() == b.summary()
    assert not a.to_frame().equals(c.to_frame())


def test_conservation_and_frame_shape():
    s = simulate_functions(4.0, 1.0, 2.0, 5.0, max_concurrency=3, horizon_s=2_000, seed=1)
    f = s.to_frame()
    assert list(f.columns) == ["arrival_s", "instance", "start", "response_s"]
    counts = f.start.value_counts()
    assert counts["warm"] + counts["cold"] + counts["rejected"] == s.n_requests == len(f)
    assert f.loc[f.start == "rejected", "response_s"].isna().all()
    assert (f.loc[f.start == "rejected", "instance"] == -1).all()
    assert isinstance(s, FunctionStats)
    assert set(s.summary()) >= {"cold_start_prob", "rejection_prob", "utilization"}


def test_hundred_thousand_requests_in_a_few_seconds():
    t0 = time.perf_counter()
    s = simulate_functions(100.0, 0.1, 0.5, 60.0, horizon_s=1_000, seed=1)
    elapsed = time.perf_counter() - t0
    assert s.n_requests > 99_000
    assert elapsed < 8.0


@pytest.mark.parametrize("kwargs, word", [
    ({"arrival_rate": -1.0}, "arrival_rate"),
    ({"arrival_rate": 0.0}, "arrival_rate"),
    ({"warm_service_s": 0.0}, "warm_service_s"),
    ({"cold_service_s": 0.5}, "cold_service_s"),
    ({"idle_timeout_s": 0.0}, "idle_timeout_s"),
    ({"idle_timeout_s": -5.0}, "idle_timeout_s"),
    ({"idle_timeout_s": float("nan")}, "idle_timeout_s"),
    ({"max_concurrency": 0}, "max_concurrency"),
    ({"horizon_s": math.inf}, "horizon_s"),
    ({"provisioned": 11}, "provisioned"),
    ({"provisioned": -1}, "provisioned"),
    ({"seed": -1}, "seed"),
])
def test_bad_inputs_name_the_parameter(kwargs, word):
    args = {"arrival_rate": 1.0, "warm_service_s": 1.0, "cold_service_s": 2.0,
            "idle_timeout_s": 60.0, "max_concurrency": 10, "horizon_s": 100.0, "seed": 0}
    args.update(kwargs)
    with pytest.raises(ValueError, match=word):
        simulate_functions(**args)


def test_wrong_types_are_refused():
    with pytest.raises(TypeError, match="max_concurrency"):
        simulate_functions(1.0, 1.0, 2.0, 60.0, max_concurrency=2.5)
    with pytest.raises(TypeError, match="arrival_rate"):
        simulate_functions("fast", 1.0, 2.0, 60.0)
