"""Confidence intervals over replications, and the runner convention's compare/replicate."""

import numpy as np
import pytest
from scipy import stats

from labkit.core.replication import Interval, difference_statement, mean_ci, paired_difference
from labkit.core.runner import Config, compare, replicate
from labkit.core.service import QueueConfig, simulate_queue


def test_mean_ci_matches_scipy_one_sample_t_interval():
    x = np.random.default_rng(7).normal(3.0, 2.0, size=25)
    ours = mean_ci(x)
    theirs = stats.ttest_1samp(x, 0.0).confidence_interval(0.95)
    assert ours.low == pytest.approx(theirs.low, rel=1e-12)
    assert ours.high == pytest.approx(theirs.high, rel=1e-12)


def test_paired_difference_matches_scipy_paired_t_interval():
    rng = np.random.default_rng(8)
    a = rng.normal(10, 1, 30)
    b = a - rng.normal(0.4, 0.3, 30)
    ours = paired_difference(a, b, confidence=0.9)
    theirs = stats.ttest_rel(a, b).confidence_interval(0.9)
    assert (ours.low, ours.high) == pytest.approx((theirs.low, theirs.high), rel=1e-12)


def test_ninety_five_percent_intervals_cover_the_true_mean_about_95_percent_of_the_time():
    rng = np.random.default_rng(11)
    covered = sum(iv.low <= 5.0 <= iv.high
                  for iv in (mean_ci(rng.exponential(5.0, 20)) for _ in range(2_000)))
    assert 0.92 <= covered / 2_000 <= 0.97   # exponential data: t-intervals run a bit short


def test_statement_refuses_a_difference_whose_interval_includes_zero():
    text = difference_statement(Interval(0.2, -0.1, 0.5, 20), larger="A", smaller="B",
                                what="p99")
    assert "no difference" in text
    text = difference_statement(Interval(-2.0, -3.0, -1.0, 20), larger="A", smaller="B",
                                what="p99")
    assert text.startswith("p99 is higher with B than with A by 2")


@pytest.mark.parametrize("bad", [[1.0], [1.0, float("nan")], [[1.0, 2.0]]])
def test_bad_replications_are_refused(bad):
    with pytest.raises(ValueError, match="values"):
        mean_ci(bad)


def test_unequal_pairs_are_refused():
    with pytest.raises(ValueError, match="paired"):
        paired_difference([1, 2, 3], [1, 2])


def test_compare_runs_each_variant_and_replicate_each_seed():
    config = QueueConfig(arrival_rate=9, service_rate=10, n_requests=3_000, seed=5)
    table = compare(simulate_queue, config, {"c=1": {}, "c=2": {"servers": 2}})
    assert table.loc["c=2", "mean_wait_s"] < table.loc["c=1", "mean_wait_s"] / 5
    runs = replicate(simulate_queue, config, replications=20)
    assert list(runs["seed"]) == list(range(5, 25))
    assert runs["mean_wait_s"].nunique() == 20
    # M/M/1 at rho = 0.9: mean wait 0.9 s; the interval over 20 replications holds it
    iv = mean_ci(runs["mean_wait_s"])
    assert iv.low < 0.9 < iv.high


def test_config_is_validated_on_construction_and_on_replace():
    with pytest.raises(ValueError, match="arrival_rate"):
        QueueConfig(arrival_rate=0)
    with pytest.raises(ValueError, match="n_requests"):
        QueueConfig().replace(n_requests=10**9)
    with pytest.raises(TypeError, match="no field 'rate'"):
        QueueConfig().replace(rate=1)
    with pytest.raises(TypeError, match="Config"):
        compare(simulate_queue, {"arrival_rate": 1}, {"a": {}})
    assert isinstance(QueueConfig(), Config)
