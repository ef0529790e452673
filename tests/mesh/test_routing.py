"""Weighted clusters and the canary controller (Envoy route_components.proto, weighted_clusters)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.mesh.routing import CanaryConfig, CanaryController, WeightedRouter, run_canary


def test_cumulative_intervals_match_envoy_example():
    r = WeightedRouter({"v1": 95, "v2": 5})
    assert {r.pick(v) for v in range(95)} == {"v1"}
    assert {r.pick(v) for v in range(95, 100)} == {"v2"}
    assert r.pick(100) == "v1"          # modulo the total weight


def test_total_need_not_be_100_and_zero_weight_never_picked():
    r = WeightedRouter({"a": 1, "b": 0, "c": 2})
    assert [r.pick(v) for v in range(3)] == ["a", "c", "c"]
    picks = r.route(np.random.default_rng(0), 3000)
    assert "b" not in set(picks)
    assert abs((picks == "c").mean() - 2 / 3) < 0.03


def test_router_checks():
    with pytest.raises(ValueError):
        WeightedRouter({})
    with pytest.raises(ValueError):
        WeightedRouter({"a": 0})
    with pytest.raises(ValueError):
        WeightedRouter({"a": -1})


def test_controller_advances_then_promotes():
    c = CanaryController(steps=(10, 100), min_requests=5)
    assert c.weights() == {"baseline": 90, "canary": 10}
    assert c.observe(baseline=(90, 9), canary=(10, 1)) == "advance"   # equal rates: not worse
    assert c.canary_percent == 100
    assert c.observe(baseline=(0, 0), canary=(100, 10)) == "promote"
    assert c.done and c.state == "promoted"
    with pytest.raises(RuntimeError):
        c.observe(baseline=(1, 0), canary=(1, 0))


def test_rollback_when_canary_error_rate_exceeds_baseline_strictly():
    c = CanaryController(steps=(50, 100), min_requests=1)
    assert c.observe(baseline=(100, 1), canary=(100, 2)) == "rollback"
    assert c.canary_percent == 0 and c.weights() == {"baseline": 100, "canary": 0}


def test_tolerance_and_hold():
    c = CanaryController(steps=(50, 100), tolerance=0.02, min_requests=10)
    assert c.observe(baseline=(100, 1), canary=(5, 0)) == "hold"        # too few canary calls
    assert c.observe(baseline=(100, 1), canary=(100, 3)) == "advance"   # 3/105 <= 1% + 2%
    assert c.history[-1].canary_requests == 100


def test_last_step_compares_with_the_baseline_seen_so_far():
    c = CanaryController(steps=(50, 100), min_requests=1)
    c.observe(baseline=(100, 5), canary=(100, 5))
    assert c.observe(baseline=(0, 0), canary=(100, 4)) == "promote"   # 4% vs baseline's 5%


def test_controller_checks():
    with pytest.raises(ValueError, match="steps"):
        CanaryController(steps=(10, 50))
    with pytest.raises(ValueError, match="steps"):
        CanaryController(steps=(50, 10, 100))
    with pytest.raises(ValueError):
        CanaryController().observe(baseline=(1, 2), canary=(1, 0))


def test_run_canary_bad_version_rolls_back_and_traffic_stops():
    config = CanaryConfig(baseline_error=0.01, canary_error=0.2, tolerance=0.02, seed=3)
    bad = run_canary(config)
    assert bad.state == "rolled_back" and bad.summary()["rolled_back"] == 1
    assert bad.records.canary_percent.max() < 100
    good = run_canary(config.replace(canary_error=0.01))
    assert good.state == "promoted" and good.summary()["promoted"] == 1
    good_df = good.records
    assert set(good_df[good_df.canary_percent == 100].version) == {"canary"}
    assert good.summary()["canary_requests"] > bad.summary()["canary_requests"]
    with pytest.warns(DeprecationWarning, match="CanaryConfig"):
        df, ctl = run_canary(baseline_error=0.01, canary_error=0.2, tolerance=0.02, seed=3)
    assert ctl.state == "rolled_back" and df.equals(bad.records)
    with pytest.raises(ValueError, match="steps"):
        CanaryConfig(steps=(10, 50))


@settings(max_examples=150, deadline=None)
@given(obs=st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50),
                              st.integers(0, 50)), max_size=30),
       tol=st.sampled_from([0.0, 0.01, 0.1]))
def test_controller_properties(obs, tol):
    c = CanaryController(steps=(5, 25, 100), tolerance=tol, min_requests=5)
    last = c.canary_percent
    for b_req, b_err, c_req, c_err in obs:
        if c.done:
            break
        d = c.observe(baseline=(b_req, min(b_err, b_req)), canary=(c_req, min(c_err, c_req)))
        w = c.weights()
        assert w["baseline"] + w["canary"] == 100
        if d == "rollback":
            assert c.canary_percent == 0
        elif d == "advance":
            assert c.canary_percent > last
        elif d == "promote":
            assert last == 100 and c.canary_percent == 100
        else:
            assert c.canary_percent == last
        last = c.canary_percent
