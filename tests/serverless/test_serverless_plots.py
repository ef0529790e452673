"""The serverless figures: titles, labelled axes, and explorers that react to their controls."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from labkit.serverless import (  # noqa: E402
    LambdaBurstConfig,
    StreamConfig,
    simulate_lambda_burst,
    simulate_stream,
)
from labkit.serverless.explorers import (  # noqa: E402
    cold_start_explorer_figure,
    stream_explorer_figure,
)
from labkit.serverless.plots import plot_backlog, plot_burst, plot_iterator_age  # noqa: E402


def _labelled(fig):
    for ax in fig.axes:
        assert ax.get_xlabel() and ax.get_ylabel()
    assert fig.axes[0].get_title() or fig.get_suptitle()


def test_figures_have_titles_and_labels():
    run = simulate_stream(StreamConfig(horizon_s=30, poison_at_s=5, seed=1))
    burst = simulate_lambda_burst(LambdaBurstConfig(segments=((0, 50.0), (1, 800.0), (2, 50.0)),
                                                    horizon_s=3, reserved=50)).records
    for fig in (plot_iterator_age({"x": run}), plot_backlog({"x": run}), plot_burst(burst),
                cold_start_explorer_figure(n_requests=200), stream_explorer_figure(horizon_s=5)):
        _labelled(fig)
        plt.close(fig)


def test_explorer_titles_follow_the_controls():
    a = stream_explorer_figure(1, 10, 1, horizon_s=10).get_suptitle()
    b = stream_explorer_figure(1, 10, 4, horizon_s=10).get_suptitle()
    assert a != b and "factor 4" in b
    c = cold_start_explorer_figure(2.0, 10.0, 0, n_requests=200).get_suptitle()
    d = cold_start_explorer_figure(2.0, 10.0, 3, n_requests=200).get_suptitle()
    assert "0 provisioned" in c and "3 provisioned" in d
    plt.close("all")
