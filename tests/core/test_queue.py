"""run_queue against queueing theory, determinism and argument checks."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.core import erlang_b, erlang_c_probability, erlang_c_wait, littles_law, run_queue


@pytest.mark.parametrize(("lam", "mu", "c"), [(7.0, 10.0, 1), (16.0, 10.0, 2), (25.0, 10.0, 3)])
def test_mean_wait_matches_erlang_c(lam, mu, c):
    df = run_queue(lam, mu, c, 200_000, seed=11)
    expected = erlang_c_wait(lam, mu, c)
    assert df.wait_s.mean() == pytest.approx(expected, rel=0.05)


def test_mean_service_time_and_littles_law():
    df = run_queue(16.0, 10.0, 2, 50_000, seed=3)
    service = df.end_s - df.start_s
    assert service.mean() == pytest.approx(0.1, rel=0.03)
    whole = littles_law(df)
    # Over the whole run the occupancy integral equals the summed latencies (two computations).
    assert whole.relative_error < 1e-9


def test_occupancy_matches_queueing_theory_in_steady_state():
    """L measured from N(t) in a window inside the run agrees with Erlang C's L = λ(Wq + 1/μ)
    and with λ·W from the window's own arrivals (Little's law), each within a few percent."""
    lam, mu, c = 16.0, 10.0, 2
    df = run_queue(lam, mu, c, 200_000, seed=3)
    t_end = float(df.arrival_s.iloc[-1])
    check = littles_law(df, window=(0.1 * t_end, 0.9 * t_end))
    theory = lam * (erlang_c_wait(lam, mu, c) + 1 / mu)
    assert check.mean_in_system == pytest.approx(theory, rel=0.05)
    assert check.relative_error < 0.02
    # A wrong occupancy would be caught: shifting departures later raises measured L.
    late = df.assign(end_s=df.end_s + 0.1)
    assert littles_law(late, window=(0.1 * t_end, 0.9 * t_end)).mean_in_system > \
        check.mean_in_system + 0.1 * lam * 0.9


def test_fifo_and_columns():
    df = run_queue(5.0, 4.0, 1, 2_000, seed=5)
    assert list(df.columns) == ["request_id", "arrival_s", "start_s", "end_s", "wait_s",
                                "latency_s"]
    # one server, FIFO: service starts in arrival order and never overlaps
    assert (np.diff(df.start_s) >= 0).all()
    assert (df.start_s.to_numpy()[1:] >= df.end_s.to_numpy()[:-1] - 1e-12).all()
    assert (df.wait_s >= 0).all() and (df.latency_s >= df.wait_s).all()


def test_same_seed_same_frame_different_seed_differs():
    a = run_queue(8.0, 10.0, 1, 1_000, seed=9)
    b = run_queue(8.0, 10.0, 1, 1_000, seed=9)
    pd.testing.assert_frame_equal(a, b)
    assert not run_queue(8.0, 10.0, 1, 1_000, seed=10).equals(a)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"arrival_rate": -1.0}, "arrival_rate"),
    ({"arrival_rate": 0.0}, "arrival_rate"),
    ({"service_rate": float("nan")}, "service_rate"),
    ({"service_rate": float("inf")}, "service_rate"),
    ({"servers": 0}, "servers"),
    ({"n_requests": 0}, "n_requests"),
    ({"seed": -3}, "seed"),
])
def test_bad_arguments_name_the_parameter(kwargs, name):
    args = {"arrival_rate": 1.0, "service_rate": 2.0, "servers": 1, "n_requests": 10, "seed": 0}
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        run_queue(**args)


def test_wrong_types_raise_type_error():
    with pytest.raises(TypeError, match="servers"):
        run_queue(1.0, 2.0, 1.5, 10)
    with pytest.raises(TypeError, match="arrival_rate"):
        run_queue("fast", 2.0, 1, 10)


def test_erlang_formulas_known_values():
    assert erlang_b(1.0, 1) == pytest.approx(0.5)
    assert erlang_b(2.0, 2) == pytest.approx(0.4)
    # M/M/1: P(wait) = rho, W_q = rho / (mu - lambda)
    assert erlang_c_probability(6.0, 10.0, 1) == pytest.approx(0.6)
    assert erlang_c_wait(6.0, 10.0, 1) == pytest.approx(0.6 / 4.0)
    with pytest.raises(ValueError, match="arrival_rate"):
        erlang_c_wait(20.0, 10.0, 2)


@settings(max_examples=40, deadline=None)
@given(a=st.floats(0.01, 50.0), c=st.integers(1, 60))
def test_erlang_b_is_a_probability_and_falls_with_servers(a, c):
    b1, b2 = erlang_b(a, c), erlang_b(a, c + 1)
    assert 0.0 < b1 <= 1.0 and b2 < b1
    assert not math.isnan(b1)
