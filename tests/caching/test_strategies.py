"""Caching strategies in SimPy: measured behaviour and invariants under random request mixes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.caching import request_mix
from labkit.caching.strategies import (
    STRATEGIES,
    StrategyConfig,
    compare_strategies,
    simulate_strategy,
    write_fraction_sweep,
)


@pytest.fixture(scope="module")
def mix():
    return request_mix(4_000, 500, 1.0, write_fraction=0.1, arrival_rate=400.0, seed=3)


@pytest.fixture(scope="module")
def table(mix):
    return compare_strategies(StrategyConfig(capacity=100, ttl_s=5.0, seed=3), list(STRATEGIES),
                              requests=mix)


def test_no_cache_sends_every_request_to_the_database(table):
    row = table.loc["no_cache"]
    assert row.hit_ratio == 0 and row.db_ops_per_request == 1.0 and row.stale_read_fraction == 0


def test_caches_cut_database_load_and_read_latency(table):
    for name in ("cache_aside", "read_through", "write_through", "write_behind"):
        assert table.loc[name, "db_ops_per_request"] < 0.7
        assert table.loc[name, "read_latency_mean_s"] < table.loc["no_cache", "read_latency_mean_s"]


def test_lazy_loading_serves_stale_values_write_through_does_not(table):
    assert table.loc["cache_aside", "stale_read_fraction"] > 0.05
    assert 0 < table.loc["cache_aside", "stale_age_mean_s"] <= 5.0      # bounded by the TTL
    assert table.loc["write_through", "stale_read_fraction"] == 0


def test_write_behind_acknowledges_fast_and_coalesces_writes(table):
    wb = table.loc["write_behind"]
    assert wb.write_latency_mean_s == pytest.approx(0.0005)
    assert wb.db_writes < wb.writes                     # several writes to a key, one flush


def test_invalidate_on_write_removes_staleness_but_costs_hits(mix):
    lazy = simulate_strategy(StrategyConfig("cache_aside", capacity=100, seed=3), mix).summary()
    invalidating = simulate_strategy(StrategyConfig("cache_aside", capacity=100,
                                                    invalidate_on_write=True, seed=3),
                                                    mix).summary()
    assert invalidating["stale_read_fraction"] < lazy["stale_read_fraction"]
    assert invalidating["hit_ratio"] < lazy["hit_ratio"]


def test_read_through_coalesces_concurrent_misses():
    burst = pd.DataFrame({"arrival_s": np.linspace(0, 0.001, 50), "key": 7, "op": "read"})
    aside = simulate_strategy(StrategyConfig("cache_aside", capacity=10, seed=0), burst)
    through = simulate_strategy(StrategyConfig("read_through", capacity=10, seed=0), burst)
    assert len(aside.database) > 1 and len(through.database) == 1


def test_crash_loses_unflushed_writes_and_durable_log_fixes_it(mix):
    lost = simulate_strategy(StrategyConfig("write_behind", capacity=100, crash_at_s=5.5, seed=3),
                                            mix)
    logged = simulate_strategy(StrategyConfig("write_behind", capacity=100, crash_at_s=5.5,
                                              durable_log=True, seed=3), mix)
    assert lost.writes_lost > 0 and len(lost.lost_keys) > 0
    assert logged.writes_lost == 0
    assert logged.summary()["write_latency_mean_s"] > lost.summary()["write_latency_mean_s"]


def test_same_seed_same_frames(mix):
    a = simulate_strategy(StrategyConfig("write_through", capacity=50, seed=1), mix)
    b = simulate_strategy(StrategyConfig("write_through", capacity=50, seed=1), mix)
    assert a.records.equals(b.records) and a.database.equals(b.database)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"strategy": "write_around"}, ValueError, "strategy must be one of"),
    ({"capacity": 0}, ValueError, r"capacity must be an integer in \[1, inf\]"),
    ({"ttl_s": -1.0}, ValueError, r"ttl_s must be in \(0, inf\)"),
    ({"db_servers": 0}, ValueError, "db_servers"),
    ({"flush_interval_s": 0.0}, ValueError, "flush_interval_s"),
    ({"skew": -1.0}, ValueError, "skew"),
    ({"requests": pd.DataFrame({"arrival_s": [], "key": [], "op": []})}, ValueError,
     "at least one request"),
    ({"requests": pd.DataFrame({"arrival_s": [0.0], "key": [1], "op": ["delete"]})}, ValueError,
     "op must be 'read' or 'write'"),
    ({"requests": pd.DataFrame({"arrival_s": [1.0, 0.0], "key": [1, 1], "op": ["read"] * 2})},
     ValueError, "sorted"),
])
def test_bad_input(kwargs, error, match):
    frame = kwargs.pop("requests", None)
    with pytest.raises(error, match=match):
        simulate_strategy(StrategyConfig(**({"n_requests": 20} | kwargs)), frame)


requests_st = st.lists(st.tuples(st.floats(0.0, 0.02), st.integers(0, 5),
                                 st.sampled_from(["read", "write"])), min_size=1, max_size=60)


def frame_of(rows):
    return pd.DataFrame({"arrival_s": np.cumsum([r[0] for r in rows]),
                         "key": [r[1] for r in rows], "op": [r[2] for r in rows]})


@settings(max_examples=60, deadline=None)
@given(requests_st, st.integers(1, 4), st.integers(1, 3),
       st.sampled_from([None, 0.01, 0.05]), st.sampled_from(["lru", "lfu", "fifo"]),
       st.integers(0, 99))
def test_write_through_never_serves_older_than_database(rows, capacity, servers, ttl, policy,
                                                         seed):
    run = simulate_strategy(StrategyConfig("write_through", capacity=capacity, db_servers=servers,
                                           ttl_s=ttl, policy=policy, seed=seed), frame_of(rows))
    reads = run.records[run.records.op == "read"]
    assert (reads.version >= reads.db_version).all()
    assert not reads.stale.any()
    assert run.max_cache_entries <= capacity


@settings(max_examples=60, deadline=None)
@given(requests_st, st.integers(1, 4), st.integers(1, 3), st.sampled_from([0.005, 0.03]),
       st.integers(0, 99))
def test_write_behind_database_converges_to_cache_after_last_flush(rows, capacity, servers,
                                                                   flush, seed):
    run = simulate_strategy(StrategyConfig("write_behind", capacity=capacity, db_servers=servers,
                                           flush_interval_s=flush, seed=seed), frame_of(rows))
    writes = run.records[run.records.op == "write"]
    newest = writes.groupby("key").version.max()
    for key, version in newest.items():
        assert run.database_versions.get(key, 0) == version
    for key, version in run.cache_versions.items():
        assert run.database_versions.get(key, 0) == version
    assert run.writes_lost == 0
    assert run.max_cache_entries <= capacity


def test_write_in_flight_during_the_crash_is_retried_not_lost():
    frame = pd.DataFrame({"arrival_s": [0.0, 1.0], "key": [1, 1], "op": ["write", "read"]})
    run = simulate_strategy(StrategyConfig("write_behind", capacity=4, crash_at_s=0.0002,
                                           flush_interval_s=0.5, seed=0), frame)
    assert run.writes_lost == 0
    assert run.database_versions.get(1) == 1
    assert run.records.latency_s.iloc[0] == pytest.approx(2 * 0.0005)   # one retry


def test_config_names_the_field_and_range():
    with pytest.raises(ValueError, match=r"arrival_rate must be in \(0, inf\)"):
        StrategyConfig(arrival_rate=0)
    with pytest.raises(TypeError, match="durable_log must be True or False"):
        StrategyConfig(durable_log="yes")
    with pytest.raises(TypeError, match="unexpected"):
        simulate_strategy(StrategyConfig(), capacity=3)


def test_compare_uses_the_same_mix_for_every_strategy():
    config = StrategyConfig(n_requests=800, n_keys=80, seed=4)
    table = compare_strategies(config, ["no_cache", "write_through"])
    assert table.index.name == "strategy"
    assert table.loc["no_cache", "reads"] == table.loc["write_through", "reads"]
    assert table.loc["no_cache", "hit_ratio"] == 0.0


def test_former_call_still_works_and_warns(mix):
    with pytest.warns(DeprecationWarning, match="StrategyConfig"):
        old = simulate_strategy("cache_aside", mix, capacity=100, seed=3)
    new = simulate_strategy(StrategyConfig("cache_aside", capacity=100, seed=3), mix)
    assert old.records.equals(new.records) and old.requests is old.records


def test_write_fraction_sweep_pairs_each_point_with_no_cache():
    config = StrategyConfig(n_requests=600, n_keys=100, ttl_s=5.0, invalidate_on_write=True)
    sweep = write_fraction_sweep(config, [0.0, 0.5])
    assert (sweep.db_ops_per_request_no_cache == 1.0).all()
    assert sweep.hit_ratio.iloc[0] > sweep.hit_ratio.iloc[1]
    with pytest.raises(ValueError, match="config.strategy"):
        write_fraction_sweep(config.replace(strategy="no_cache"), [0.1])
