"""The resilience explorers' shortcuts agree with the models they stand in for."""

import pytest


@pytest.mark.parametrize("design", ["shared", "partitioned"])
def test_the_bulkhead_explorers_shortcut_measures_what_the_summary_measures(design):
    """The explorer reads A's success rate and served p99 straight from the records; they must
    be the run's own summary values."""
    from labkit.resilience.explorers import NOISY_NEIGHBOUR_RUN, _tenant_a
    from labkit.resilience.isolation import simulate_noisy_neighbour

    for seed in range(3):
        run = simulate_noisy_neighbour(NOISY_NEIGHBOUR_RUN.replace(design=design, seed=seed))
        summary = run.summary()
        assert _tenant_a(run) == pytest.approx((summary["a_success_rate"],
                                                summary["a_p99_ok_s"]), rel=1e-12)
