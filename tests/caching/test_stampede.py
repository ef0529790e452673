"""Stampede model and its cures; the pure expiry rules behind them."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labkit.caching.policies import jittered_ttl, should_refresh_early
from labkit.caching.stampede import CURES, StampedeConfig, compare_cures, simulate_stampede


@pytest.fixture(scope="module")
def table():
    return compare_cures(StampedeConfig(horizon_s=7.0, seed=2))


def test_stampede_without_cure_floods_the_database(table):
    none = table.loc["none"]
    assert none.db_queries > 3 * table.loc["coalescing", "db_queries"]
    assert none.peak_db_in_flight > 50


def test_coalescing_sends_one_query_per_expiring_key(table):
    run = simulate_stampede(StampedeConfig("coalescing", horizon_s=7.0, seed=2))
    per_key = run.database.groupby("key").size()
    assert (per_key == 2).all()                  # expiries at 3 s and ~6 s
    assert (run.records.outcome == "waited").any()


def test_every_cure_lowers_the_peak(table):
    peak = table.peak_db_queries_per_s
    for cure in CURES[1:]:
        assert peak[cure] < peak["none"]
    assert peak["coalescing+jitter"] == peak.min()


def test_early_refresh_keeps_readers_hitting(table):
    run = simulate_stampede(StampedeConfig("early_refresh", horizon_s=7.0, seed=2))
    assert (run.records.outcome == "refresh").sum() > 0
    assert table.loc["early_refresh", "misses"] < table.loc["none", "misses"] / 3


def test_timeline_counts_every_query():
    run = simulate_stampede(StampedeConfig("none", horizon_s=4.0, seed=1))
    timeline = run.load_timeline()
    assert (timeline.db_queries_per_s * run.bin_s).sum() == pytest.approx(len(run.database))


def test_same_seed_same_result():
    a = simulate_stampede(StampedeConfig("jitter", horizon_s=3.0, seed=5))
    b = simulate_stampede(StampedeConfig("jitter", horizon_s=3.0, seed=5))
    assert a.records.equals(b.records) and a.database.equals(b.database)


@pytest.mark.parametrize("kwargs, match", [
    ({"cure": "locks"}, "cure must be one of"),
    ({"ttl_s": -1.0}, r"ttl_s must be in \(0, inf\)"),
    ({"jitter": 1.5}, r"jitter must be a probability in \[0, 1\]"),
    ({"db_servers": 0}, "db_servers"),
    ({"arrival_rate": 0.0}, "arrival_rate"),
    ({"arrival_rate": 1e6, "horizon_s": 100.0}, "arrival_rate \\* horizon_s must be <="),
    ({"beta": 0.0}, "beta"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        StampedeConfig(**({"horizon_s": 1.0} | kwargs))


def test_former_call_still_works_and_warns():
    with pytest.warns(DeprecationWarning, match="StampedeConfig"):
        old = simulate_stampede("coalescing", request_rate=500.0, horizon_s=2.0, seed=1)
    new = simulate_stampede(StampedeConfig("coalescing", arrival_rate=500.0, horizon_s=2.0,
                                           seed=1))
    assert old.records.equals(new.records) and old.cure == "coalescing"


@given(st.floats(0.1, 100.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_jittered_ttl_stays_in_its_band(ttl, jitter, u):
    value = jittered_ttl(ttl, jitter, u)
    assert ttl * (1 - jitter) - 1e-9 <= value <= ttl * (1 + jitter) + 1e-9


@given(st.floats(0.0, 10.0), st.floats(0.01, 2.0), st.floats(0.1, 3.0),
       st.floats(1e-6, 1.0))
def test_early_refresh_rule_matches_xfetch(now, delta, beta, u):
    expires = 10.0
    assert should_refresh_early(now, expires, delta, beta, u) == (
        now - delta * beta * math.log(u) >= expires)


def test_early_refresh_rejects_zero_draw():
    with pytest.raises(ValueError, match=r"u must be in \(0, 1\]"):
        should_refresh_early(1.0, 2.0, 0.1, 1.0, 0.0)
