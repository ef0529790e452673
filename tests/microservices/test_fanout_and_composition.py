"""Fan-out tail latency against the closed form; API composition vs local join."""

from __future__ import annotations

import pandas as pd
import pytest

from labkit.core.workloads import Constant
from labkit.microservices.composition import QueryConfig, run_query_designs
from labkit.microservices.fanout import (
    FanoutConfig,
    LeafLatency,
    fanout_slow_probability,
    run_fanout,
)


def fanout_table(fanouts, **kwargs):
    return run_fanout(FanoutConfig(fanouts=fanouts, **kwargs)).table()


def test_closed_form():
    assert fanout_slow_probability(0.01, 1) == pytest.approx(0.01)
    assert fanout_slow_probability(0.01, 100) == pytest.approx(1 - 0.99**100)
    assert fanout_slow_probability(0.0, 50) == 0.0
    with pytest.raises(ValueError, match="p"):
        fanout_slow_probability(1.5, 2)
    with pytest.raises(ValueError, match="n"):
        fanout_slow_probability(0.1, 0)


def test_measured_slow_fraction_follows_the_closed_form():
    df = fanout_table((1, 10, 100), n_requests=20_000, seed=3)
    # binomial noise on 20,000 requests: a few tenths of a percent
    assert (abs(df.slow_fraction - df.predicted_slow_fraction) < 0.015).all()
    assert (abs(df.p99_s / df.predicted_p99_s - 1) < 0.08).all()
    assert df.p99_s.is_monotonic_increasing


def test_hedging_cuts_the_tail_for_about_five_percent_more_calls():
    df = fanout_table((1, 10, 100), n_requests=10_000, seed=4)
    assert (df.hedged_p99_s < df.p99_s).all()
    assert (df.hedged_slow_fraction < df.slow_fraction).all()
    assert (abs(df.hedge_extra_calls - 0.05) < 0.01).all()


def test_no_slow_calls_means_no_tail():
    leaf = LeafLatency(fast=Constant(0.01), slow=Constant(1.0), slow_probability=0.0)
    df = fanout_table((1, 50), n_requests=1000, leaf=leaf, hedge_after_s=0.02)
    assert (df.p99_s == 0.01).all() and (df.hedge_extra_calls == 0).all()


def test_fanout_is_seeded():
    pd.testing.assert_frame_equal(fanout_table((2, 5), n_requests=500, seed=1),
                                  fanout_table((2, 5), n_requests=500, seed=1))


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"fanouts": ()}, "fanouts"), ({"fanouts": (0,)}, "fanouts"),
    ({"n_requests": 10}, "n_requests"), ({"tail_probability": 0.0}, "tail_probability"),
    ({"hedge_after_s": -1.0}, "hedge_after_s"), ({"hedge_quantile": 2.0}, "hedge_quantile"),
])
def test_fanout_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        FanoutConfig(**kwargs)


def test_fanout_records_one_row_per_request_and_the_former_form_warns():
    result = run_fanout(FanoutConfig(fanouts=(2, 5), n_requests=300, seed=2))
    assert len(result.records) == 600
    assert (result.records.hedged_latency_s <= result.records.latency_s).all()
    summary = result.summary()
    assert summary["p99_s_n5"] == pytest.approx(result.table().p99_s.iloc[1])
    with pytest.warns(DeprecationWarning, match="FanoutConfig"):
        old = run_fanout((2, 5), n_requests=300, seed=2)
    pd.testing.assert_frame_equal(old, result.table())


def test_leaf_latency_checks():
    with pytest.raises(ValueError, match="slow_probability"):
        LeafLatency(slow_probability=-0.1)
    with pytest.raises(TypeError, match="fast"):
        LeafLatency(fast=0.01)


def test_composition_is_slower_but_local_join_is_staler():
    result = run_query_designs(QueryConfig(n_queries=20_000, seed=1))
    s = result.table().set_index("design")
    assert result.summary()["local_join_inconsistent_share"] == s.loc["local_join",
                                                                       "inconsistent_share"]
    assert s.loc["local_join", "mean_latency_s"] < s.loc["api_composition", "mean_latency_s"]
    assert (s.loc["local_join", "inconsistent_share"]
            > s.loc["api_composition", "inconsistent_share"])
    for design in s.index:
        assert s.loc[design, "inconsistent_share"] == pytest.approx(
            s.loc[design, "predicted_share"], abs=0.005)


def test_no_updates_means_always_consistent():
    q = run_query_designs(QueryConfig(n_queries=1000, updates_per_product_s=0.0)).records
    assert not q.inconsistent.any()
    assert len(q) == 2000


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"n_queries": 0}, "n_queries"), ({"products_per_query": 0}, "products_per_query"),
    ({"updates_per_product_s": -1.0}, "updates_per_product_s"), ({"hop_s": -0.1}, "hop_s"),
])
def test_composition_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        QueryConfig(**kwargs)


def test_composition_bad_types():
    with pytest.raises(TypeError, match="replication_lag"):
        QueryConfig(replication_lag=0.5)
    with pytest.raises(TypeError, match="order_service"):
        QueryConfig(order_service="orders")
    with pytest.warns(DeprecationWarning, match="QueryConfig"):
        old = run_query_designs(n_queries=500, seed=3)
    pd.testing.assert_frame_equal(old.records,
                                  run_query_designs(QueryConfig(n_queries=500, seed=3)).records)
