"""CDN hit ratio and origin load; DynamoDB provisioned (burst capacity) vs on-demand."""

from __future__ import annotations

import numpy as np
import pytest

from labkit.serverless import (
    CdnConfig,
    cdn_hit_ratio,
    demand_spike,
    on_demand_table,
    origin_load,
    provisioned_table,
    read_units,
    run_cdn,
    simulate_cdn,
    write_units,
    zipf_popularity,
)


@pytest.mark.parametrize("rate, ttl, n, s", [(500, 10, 1000, 1.0), (50, 60, 200, 0.8),
                                              (2000, 1, 5000, 1.2)])
def test_simulated_hit_ratio_matches_the_ttl_formula(rate, ttl, n, s):
    df = run_cdn(CdnConfig(arrival_rate=rate, ttl_s=ttl, n_objects=n, zipf_s=s,
                           horizon_s=60_000 / rate, seed=1)).records
    warm = df[df.arrival_s > 3 * ttl]          # skip the empty-cache start
    assert warm.hit.mean() == pytest.approx(cdn_hit_ratio(rate, ttl, n, s), abs=0.02)


def test_hit_ratio_grows_with_ttl_and_rate_and_origin_load_falls():
    h = [cdn_hit_ratio(100, ttl, 1000) for ttl in (0, 1, 10, 100, 1000)]
    assert h[0] == 0 and all(a < b for a, b in zip(h, h[1:], strict=False))
    assert cdn_hit_ratio(1000, 10, 1000) > cdn_hit_ratio(100, 10, 1000)
    assert origin_load(1000, 0.95) == pytest.approx(50)
    assert zipf_popularity(10, 0).tolist() == pytest.approx([0.1] * 10)


def test_cdn_bad_inputs():
    with pytest.raises(ValueError, match="hit_ratio"):
        origin_load(10, 1.5)
    with pytest.raises(ValueError, match="ttl_s"):
        cdn_hit_ratio(10, -1, 10)
    with pytest.raises(ValueError, match="n_objects"):
        cdn_hit_ratio(10, 1, 0)


def test_capacity_units():
    assert [write_units(x) for x in (0.1, 1.0, 1.01, 3.5)] == [1, 1, 2, 4]
    assert read_units(4.0) == 1 and read_units(4.1) == 2 and read_units(8, "eventual") == 1.0
    with pytest.raises(ValueError, match="consistency"):
        read_units(1, "weak")


def test_burst_capacity_banks_300_seconds_then_throttles():
    demand = demand_spike(0, 400, start_s=0, length_s=200, total_s=200)
    df = provisioned_table(demand, 100)
    # 30,000 banked units cover 300 extra units a second for 100 s
    assert (df.throttled_units[:100] == 0).all() and (df.throttled_units[100:] == 300).all()
    empty = provisioned_table(demand, 100, burst_full=False)
    assert (empty.throttled_units == 300).all()
    assert (df.served_units + df.throttled_units == df.demand_units).all()


def test_on_demand_doubles_the_previous_peak_only_after_30_minutes():
    # sustained 3,000/s for an hour, then 7,000/s: the limit is 2 x 3,000 = 6,000
    demand = np.concatenate([np.full(3600, 3000.0), np.full(600, 7000.0)])
    df = on_demand_table(demand)
    assert df.throttled_units[:3600].sum() == 0
    assert (df.throttled_units[3600:] == 1000).all()
    # a new table hit at once by 10,000/s throttles down to 4,000
    spike = on_demand_table(np.full(60, 10_000.0))
    assert (spike.served_units == 4000).all()
    # the table quota caps everything
    assert on_demand_table([1e6], previous_peak=1e6).served_units[0] == 40_000


def test_dynamodb_bad_inputs():
    with pytest.raises(ValueError, match="demand"):
        provisioned_table([10, -1], 5)
    with pytest.raises(ValueError, match="capacity"):
        provisioned_table([10], 0)
    with pytest.raises(ValueError, match="demand"):
        on_demand_table([])


def test_on_demand_previous_peak_cannot_be_below_a_new_tables_floor():
    with pytest.raises(ValueError, match="previous_peak"):
        on_demand_table([1000.0], previous_peak=1000)


def test_an_invalidation_empties_the_edge_and_the_origin_sees_a_burst():
    base = CdnConfig(arrival_rate=500.0, ttl_s=300.0, n_objects=2_000, horizon_s=240.0, seed=2)
    plain = run_cdn(base)
    flushed = run_cdn(base.replace(invalidation_times_s=(120.0,)))
    def after(r):
        return r.records[(r.records.arrival_s >= 120) & (r.records.arrival_s < 130)]
    assert after(flushed).hit.mean() < after(plain).hit.mean() - 0.2
    def before(r):
        return r.records[r.records.arrival_s < 120]
    assert before(flushed).hit.equals(before(plain).hit)     # same requests, same fate before
    series = flushed.origin_rps_series(10.0)
    assert series.origin_rps[series.time_s == 120.0].item() > \
        series.origin_rps[series.time_s == 110.0].item()
    assert flushed.summary()["origin_requests"] > plain.summary()["origin_requests"]
    with pytest.raises(ValueError, match="invalidation_times_s"):
        base.replace(invalidation_times_s=(300.0,))
    with pytest.warns(DeprecationWarning, match="run_cdn"):
        old = simulate_cdn(100.0, 5.0, 50, horizon_s=10, seed=1)
    assert old.equals(run_cdn(CdnConfig(arrival_rate=100.0, ttl_s=5.0, n_objects=50,
                                        horizon_s=10, seed=1)).records)


def test_dynamodb_runner_gives_the_same_frames_and_a_summary():
    from labkit.core.runner import compare
    from labkit.serverless import DynamoDbConfig, run_dynamodb_table

    demand = tuple(demand_spike(2000, 6000, start_s=60, length_s=60, total_s=180))
    base = DynamoDbConfig(demand=demand, mode="provisioned", capacity=3000.0)
    result = run_dynamodb_table(base)
    assert result.records.equals(provisioned_table(demand, 3000.0))
    s = result.summary()
    assert s["served_units"] + s["throttled_units"] == pytest.approx(s["demand_units"])
    table = compare(run_dynamodb_table, base, {
        "provisioned": {}, "on-demand, new": {"mode": "on_demand"},
        "on-demand, peak 3,000": {"mode": "on_demand", "previous_peak": 3000.0}})
    assert table.loc["on-demand, peak 3,000", "throttled_units"] == 0
    assert table.loc["on-demand, new", "throttled_units"] > 0
    with pytest.raises(TypeError, match="demand"):
        DynamoDbConfig(demand=[1.0])
    with pytest.raises(ValueError, match="demand"):
        DynamoDbConfig(demand=(-1.0,))
