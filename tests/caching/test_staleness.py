"""TTL staleness: closed form against a replay through TTLCache, limits and bad input."""

from __future__ import annotations

import pytest

from labkit.caching.staleness import StalenessConfig, simulate_ttl_staleness, ttl_staleness


@pytest.mark.parametrize("read_rate, update_rate, ttl", [(2.0, 0.5, 5.0), (1.0, 0.05, 10.0),
                                                         (20.0, 2.0, 1.0)])
def test_closed_form_matches_replay(read_rate, update_rate, ttl):
    exact = ttl_staleness(read_rate, update_rate, ttl)
    measured = simulate_ttl_staleness(StalenessConfig(read_rate, update_rate, ttl, n_reads=60_000,
                                                      seed=3))
    assert measured.hit_ratio == pytest.approx(exact.hit_ratio, abs=0.01)
    assert measured.stale_read_fraction == pytest.approx(exact.stale_read_fraction, abs=0.02)
    assert measured.stale_age_mean_s == pytest.approx(exact.stale_age_mean_s, rel=0.05)


def test_no_updates_no_staleness_and_longer_ttl_more_staleness():
    assert ttl_staleness(5.0, 0.0, 30.0).stale_read_fraction == 0.0
    fractions = [ttl_staleness(5.0, 0.1, t).stale_read_fraction for t in (1, 10, 100)]
    assert fractions == sorted(fractions)
    ages = [ttl_staleness(5.0, 0.1, t).stale_age_mean_s for t in (1, 10, 100)]
    assert ages == sorted(ages) and ages[0] < 1.0          # a stale value is younger than the TTL


def test_very_frequent_updates_make_every_hit_stale():
    e = ttl_staleness(10.0, 1e6, 5.0)
    assert e.stale_read_fraction == pytest.approx(e.hit_ratio, rel=1e-4)


@pytest.mark.parametrize("args, match", [((0.0, 1.0, 1.0), "read_rate"),
                                         ((1.0, -1.0, 1.0), "update_rate"),
                                         ((1.0, 1.0, -5.0), r"ttl_s must be in \(0, inf\)")])
def test_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        ttl_staleness(*args)


def test_records_and_summary_agree():
    run = simulate_ttl_staleness(StalenessConfig(2.0, 0.5, 5.0, n_reads=2_000, seed=1))
    assert len(run.records) == 2_000
    assert run.summary()["stale_read_fraction"] == run.records.stale.mean()
    assert (run.records.stale_age_s[run.records.stale] > 0).all()
    assert not (run.records.stale & ~run.records.cache_hit).any()   # a miss is never stale


def test_config_bounds_and_former_call():
    with pytest.raises(ValueError, match="n_reads must be <= 5,000,000"):
        StalenessConfig(n_reads=10**7)
    with pytest.warns(DeprecationWarning, match="StalenessConfig"):
        old = simulate_ttl_staleness(2.0, 0.5, 5.0, n_reads=500, seed=2)
    assert old.summary() == simulate_ttl_staleness(
        StalenessConfig(2.0, 0.5, 5.0, n_reads=500, seed=2)).summary()
