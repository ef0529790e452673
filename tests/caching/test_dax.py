"""DAX item cache vs query cache: writes through DAX refresh items, never cached queries."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.caching.dax import DaxConfig, DaxModel, draw_requests, simulate_dax
from labkit.core.runner import replicate


def test_write_through_dax_updates_the_item_cache_but_not_the_query_cache():
    model = DaxModel(DaxConfig(n_partitions=1, items_per_partition=2, item_ttl_s=100.0,
                               query_ttl_s=100.0))
    assert model.get_item(0.0, 0, 0) == (False, 0, 0.0)          # miss fills the item cache
    assert model.query(0.0, 0) == (False, 0, 0.0)                # miss fills the query cache
    model.update_item(10.0, 0, 0)
    assert model.get_item(20.0, 0, 0) == (True, 0, 0.0)          # the new version, from cache
    hit, stale_items, age = model.query(20.0, 0)
    assert hit and stale_items == 1 and age == pytest.approx(10.0)
    assert model.query(100.5, 0) == (False, 0, 0.0)              # TTL over: queried afresh


def test_write_straight_to_the_table_leaves_the_item_cache_stale_until_its_ttl():
    model = DaxModel(DaxConfig(n_partitions=1, items_per_partition=1, item_ttl_s=50.0,
                               writes_through_dax=False))
    model.get_item(0.0, 0, 0)
    model.update_item(5.0, 0, 0)
    assert model.get_item(30.0, 0, 0) == (True, 1, pytest.approx(25.0))
    assert model.get_item(50.0, 0, 0) == (False, 0, 0.0)


def test_measured_staleness_is_bounded_by_each_ttl():
    s = simulate_dax(DaxConfig(horizon_s=200.0, item_ttl_s=20.0, query_ttl_s=40.0,
                               writes_through_dax=False, seed=3)).summary()
    assert 0 < s["item_stale_age_max_s"] <= 20.0
    assert 0 < s["query_stale_age_max_s"] <= 40.0
    through = simulate_dax(DaxConfig(horizon_s=200.0, query_ttl_s=40.0, seed=3)).summary()
    assert through["item_stale_fraction"] == 0.0 and through["query_stale_fraction"] > 0


def test_shorter_query_ttl_means_less_query_staleness_over_replications():
    base = DaxConfig(horizon_s=60.0, arrival_rate=100.0, query_ttl_s=300.0, seed=0)
    long_ttl = replicate(simulate_dax, base, replications=5)
    short_ttl = replicate(simulate_dax, base.replace(query_ttl_s=5.0), replications=5)
    assert (short_ttl.query_stale_age_mean_s < long_ttl.query_stale_age_mean_s).all()


def test_same_seed_same_records():
    a = simulate_dax(DaxConfig(horizon_s=30.0, seed=7)).records
    b = simulate_dax(DaxConfig(horizon_s=30.0, seed=7)).records
    assert a.equals(b)


@settings(max_examples=25, deadline=None)
@given(st.floats(0.0, 0.6), st.floats(0.0, 0.4), st.integers(1, 20), st.integers(0, 50))
def test_request_mix_and_conservation(query_fraction, write_fraction, partitions, seed):
    config = DaxConfig(arrival_rate=50.0, horizon_s=10.0, query_fraction=query_fraction,
                       write_fraction=write_fraction, n_partitions=partitions, seed=seed)
    requests = draw_requests(config)
    result = simulate_dax(config)
    s = result.summary()
    assert s["requests"] == len(requests) == s["item_reads"] + s["query_reads"] + s["writes"]
    assert (result.records.stale_age_s >= 0).all()
    assert not (result.records.stale & ~result.records.cache_hit).any()


@pytest.mark.parametrize("kwargs, error, match", [
    ({"arrival_rate": 0.0}, ValueError, r"arrival_rate must be in \(0, inf\)"),
    ({"query_fraction": 0.8, "write_fraction": 0.3}, ValueError, "query_fraction \\+ write"),
    ({"query_ttl_s": -1.0}, ValueError, "query_ttl_s"),
    ({"writes_through_dax": 1}, TypeError, "writes_through_dax"),
    ({"arrival_rate": 1e5, "horizon_s": 1e3}, ValueError, "arrival_rate \\* horizon_s"),
    ({"items_per_partition": 5_000}, ValueError, "items_per_partition"),
])
def test_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        DaxConfig(**kwargs)
