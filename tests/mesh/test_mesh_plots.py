"""Mesh figures are labelled and built from the model frames."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from labkit.mesh.outlier import run_outlier_detection  # noqa: E402
from labkit.mesh.plots import (  # noqa: E402
    explore_outlier_detection,
    plot_amplification,
    plot_backoff_strategies,
    plot_canary_rollout,
    plot_outlier_run,
    plot_trace_waterfall,
)
from labkit.mesh.routing import run_canary  # noqa: E402
from labkit.mesh.storm import run_retry_storm  # noqa: E402
from labkit.mesh.tracing import simulate_trace  # noqa: E402
from labkit.resilience.contention import compare_backoff_strategies  # noqa: E402


def test_every_mesh_figure_has_title_and_axis_labels():
    storms = {p: run_retry_storm(policy=p, rate=10, horizon_s=1) for p in ("none", "budget")}
    req, _ = run_outlier_detection(horizon_s=30, max_ejection_percent=20, seed=0)
    _, ctl = run_canary(canary_error=0.2, seed=0)
    figs = [plot_amplification(storms, worst_case=27),
            plot_backoff_strategies(compare_backoff_strategies(clients=(3, 5), runs=1)),
            plot_outlier_run(req, bad_from_s=20),
            explore_outlier_detection(hosts=4),
            plot_canary_rollout(ctl.to_frame()),
            plot_trace_waterfall(simulate_trace(seed=0))]
    for fig in figs:
        ax = fig.axes[0]
        assert ax.get_xlabel() and ax.get_ylabel()
        assert ax.get_title() or fig.get_suptitle()
