"""Mesh figures are labelled and built from the model frames."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from labkit.mesh.explorers import outlier_explorer_figure  # noqa: E402
from labkit.mesh.outlier import OutlierConfig, run_outlier_detection  # noqa: E402
from labkit.mesh.plots import (  # noqa: E402
    plot_amplification,
    plot_backoff_strategies,
    plot_canary_rollout,
    plot_outlier_run,
    plot_trace_waterfall,
)
from labkit.mesh.routing import CanaryConfig, run_canary  # noqa: E402
from labkit.mesh.storm import StormConfig, run_retry_storm  # noqa: E402
from labkit.mesh.tracing import TraceConfig, simulate_trace  # noqa: E402
from labkit.resilience.contention import compare_backoff_strategies  # noqa: E402


def test_every_mesh_figure_has_title_and_axis_labels():
    storms = {p: run_retry_storm(StormConfig(policy=p, arrival_rate=10, horizon_s=1))
              for p in ("none", "budget")}
    req = run_outlier_detection(OutlierConfig(horizon_s=30, max_ejection_percent=20)).records
    ctl = run_canary(CanaryConfig(canary_error=0.2, seed=0)).controller
    figs = [plot_amplification(storms, worst_case=27),
            plot_backoff_strategies(compare_backoff_strategies(clients=(3, 5), runs=1)),
            plot_outlier_run(req, bad_from_s=20),
            outlier_explorer_figure(hosts=4),
            plot_canary_rollout(ctl.to_frame()),
            plot_trace_waterfall(simulate_trace(TraceConfig(seed=0)).records)]
    for fig in figs:
        ax = fig.axes[0]
        assert ax.get_xlabel() and ax.get_ylabel()
        assert ax.get_title() or fig.get_suptitle()


def test_the_former_explorer_name_warns_and_draws_the_same_figure():
    from labkit.mesh import plots

    with pytest.warns(DeprecationWarning, match="outlier_explorer_figure"):
        fig = plots.explore_outlier_detection(hosts=4)
    assert fig.axes[0].get_title() == outlier_explorer_figure(hosts=4).axes[0].get_title()
