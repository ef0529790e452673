"""Zipf workloads: shape, determinism, shifts and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from labkit.caching.workloads import request_mix, zipf_probabilities, zipf_trace


def test_zero_skew_is_uniform_and_probabilities_sum_to_one():
    assert np.allclose(zipf_probabilities(5, 0.0), 0.2)
    assert zipf_probabilities(1000, 1.2).sum() == pytest.approx(1.0)


def test_higher_skew_concentrates_requests_on_hot_keys():
    top10 = [zipf_probabilities(1000, s)[:10].sum() for s in (0.5, 1.0, 1.5)]
    assert top10[0] < top10[1] < top10[2]


def test_trace_frequencies_follow_the_law():
    trace = zipf_trace(200_000, 50, 1.0, seed=0)
    observed = np.bincount(trace, minlength=50) / len(trace)
    assert np.abs(observed - zipf_probabilities(50, 1.0)).max() < 0.005


def test_same_seed_same_trace_and_shift_moves_the_hot_key():
    a = zipf_trace(2_000, 100, 1.5, seed=9, shift_every=1_000, shift_by=50)
    b = zipf_trace(2_000, 100, 1.5, seed=9, shift_every=1_000, shift_by=50)
    assert (a == b).all()
    assert np.bincount(a[:1_000]).argmax() == 0
    assert np.bincount(a[1_000:], minlength=100).argmax() == 50


def test_request_mix_is_deterministic_and_ordered():
    a = request_mix(500, 20, 1.0, write_fraction=0.3, arrival_rate=100.0, seed=1)
    b = request_mix(500, 20, 1.0, write_fraction=0.3, arrival_rate=100.0, seed=1)
    assert a.equals(b)
    assert (a.arrival_s.diff().dropna() > 0).all()


@pytest.mark.parametrize("kwargs, match", [
    ({"skew": -0.1}, r"skew must be in \[0, inf\)"),
    ({"n_keys": 0}, r"n_keys must be an integer in \[1, inf\]"),
    ({"n_requests": 0}, r"n_requests must be an integer in \[1, inf\]"),
])
def test_bad_input(kwargs, match):
    args = {"n_requests": 10, "n_keys": 5, "skew": 1.0} | kwargs
    with pytest.raises(ValueError, match=match):
        zipf_trace(**args)


def test_bad_write_fraction():
    with pytest.raises(ValueError, match="write_fraction must be a probability"):
        request_mix(10, 5, 1.0, write_fraction=1.5)
