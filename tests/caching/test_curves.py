"""lru_hit_ratios: exact equality with a straightforward replay, properties and bad input."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.caching import hit_ratio_curve, lru_hit_counts, lru_hit_ratios, simulate_hits
from labkit.caching.curves import stack_distances
from labkit.caching.workloads import zipf_trace


def replay_lru_hits(trace, capacity):
    """The straightforward simulation: an OrderedDict LRU, one size per pass."""
    cache, hits = OrderedDict(), 0
    for key in trace:
        if key in cache:
            cache.move_to_end(key)
            hits += 1
        else:
            cache[key] = None
            if len(cache) > capacity:
                cache.popitem(last=False)
    return hits


def brute_distances(trace):
    stack, out = [], []
    for key in trace:
        if key in stack:
            depth = stack.index(key)
            out.append(depth + 1)
            stack.pop(depth)
        else:
            out.append(0)
        stack.insert(0, key)
    return out


def test_hit_counts_equal_simulation_exactly_on_a_zipf_trace():
    trace = zipf_trace(20_000, 2_000, 0.9, seed=4)
    sizes = [1, 2, 3, 5, 10, 50, 100, 333, 1000, 1999, 2000, 5000]
    counts = lru_hit_counts(trace, sizes)
    for size in sizes:
        assert counts[size] == replay_lru_hits(trace.tolist(), size)
    ratios = lru_hit_ratios(trace, sizes)
    assert ratios.name == "hit_ratio" and ratios.index.name == "cache_size"
    assert ratios.index.tolist() == sizes
    assert (ratios == counts / len(trace)).all()


def test_hit_counts_equal_simulation_with_a_moving_hot_set():
    trace = zipf_trace(10_000, 500, 1.1, seed=2, shift_every=1_000, shift_by=37)
    for size in [4, 40, 400]:
        assert lru_hit_counts(trace, [size])[size] == simulate_hits(trace, size)


def test_large_cache_hits_everything_but_first_requests():
    trace = zipf_trace(5_000, 300, 0.7, seed=1)
    distinct = len(set(trace.tolist()))
    ratios = lru_hit_ratios(trace, [distinct, 10 * distinct])
    assert ratios.iloc[0] == ratios.iloc[1] == (len(trace) - distinct) / len(trace)


def test_string_keys_and_lists_work():
    trace = ["home", "cart", "home", "item-1", "cart", "cart"]
    assert stack_distances(trace).tolist() == brute_distances(trace)
    assert lru_hit_ratios(trace, 2).tolist() == [2 / 6]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 15), min_size=1, max_size=300))
def test_stack_distances_match_a_list_based_lru_stack(trace):
    assert stack_distances(np.array(trace)).tolist() == brute_distances(trace)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=400),
       st.lists(st.integers(1, 40), min_size=1, max_size=8, unique=True))
def test_hit_counts_equal_replay_and_grow_with_size(trace, sizes):
    counts = lru_hit_counts(trace, sizes)
    for size in sizes:
        assert counts[size] == replay_lru_hits(trace, size)
    by_size = counts.sort_index()
    assert (np.diff(by_size.to_numpy()) >= 0).all()      # LRU is a stack algorithm


def test_other_policies_by_replay():
    trace = zipf_trace(3_000, 200, 1.0, seed=5)
    lfu = hit_ratio_curve(trace, [10, 50], policy="lfu")
    fifo = hit_ratio_curve(trace, [10, 50], policy="fifo")
    assert lfu[10] == simulate_hits(trace, 10, "lfu") / 3_000
    assert fifo[50] == simulate_hits(trace, 50, "fifo") / 3_000


@pytest.mark.parametrize("trace, sizes, error, match", [
    ([], [1], ValueError, "trace must hold at least one request"),
    (np.array([], dtype=int), [1], ValueError, "trace must hold at least one request"),
    ([1, 2], [0], ValueError, r"sizes must be an integer in \[1, inf\]"),
    ([1, 2], [-3], ValueError, "sizes"),
    ([1, 2], [], ValueError, "sizes must hold at least one cache size"),
    ([1, 2], [2, 2], ValueError, "sizes must be distinct"),
    ([1, 2], [1.5], TypeError, "sizes must be an integer"),
    ("abc", [1], TypeError, "trace must be a sequence of keys"),
    (np.zeros((2, 2), dtype=int), [1], ValueError, "one-dimensional"),
])
def test_bad_input_gives_clear_errors(trace, sizes, error, match):
    with pytest.raises(error, match=match):
        lru_hit_ratios(trace, sizes)


def test_policy_name_checked():
    with pytest.raises(ValueError, match="policy must be one of"):
        hit_ratio_curve([1, 2], [1], policy="ttl")


@pytest.mark.parametrize("transform", [
    lambda t: t * 70_001,                 # ids above 2**16: two radix passes
    lambda t: t - 1_000,                  # negative ids: factorized first
    lambda t: t * 2**40,                  # ids above 2**32: factorized first
    lambda t: np.array([f"k{k}" for k in t.tolist()]),   # strings
])
def test_key_encoding_does_not_change_distances(transform):
    trace = zipf_trace(5_000, 2_000, 0.8, seed=6)
    assert (stack_distances(transform(trace)) == stack_distances(trace)).all()
