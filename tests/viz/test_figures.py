"""The shared figures: labelled axes, one line per run, the incident shaded, bad input refused."""

import matplotlib

matplotlib.use("Agg")
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from labkit.viz import (  # noqa: E402
    new_figure,
    plot_latency_percentiles,
    plot_state_timeline,
    plot_throughput,
)

RUN = pd.DataFrame({"arrival_s": [0.5, 1.5, 6.0, 7.0], "end_s": [0.6, 1.9, 6.2, 9.0],
                    "latency_s": [0.1, 0.4, 0.2, 2.0]})


def test_throughput_and_percentiles_draw_one_line_per_run():
    fig = plot_throughput({"a": RUN, "b": RUN.iloc[:2]}, bin_s=5.0, shade=(5.0, 8.0))
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 2 and ax.get_ylabel() == "requests per second"
    assert ax.get_lines()[0].get_ydata().tolist() == [0.4, 0.4]  # 2 events per 5 s bin
    fig = plot_latency_percentiles({"a": RUN}, bin_s=5.0, q=50)
    assert fig.axes[0].get_lines()[0].get_ydata().tolist() == [0.25, 1.1]


def test_state_timeline_spans_cover_the_run():
    fig = plot_state_timeline([(10.0, "closed", "open"), (20.0, "open", "half_open"),
                               (21.0, "half_open", "closed")], 30.0)
    widths = [bar.get_width() for bar in fig.axes[0].patches]
    assert widths == [10.0, 10.0, 1.0, 9.0]


def test_bad_input():
    with pytest.raises(ValueError, match="bin_s"):
        plot_throughput({"a": RUN}, bin_s=0)
    with pytest.raises(ValueError, match="percentile"):
        plot_latency_percentiles({"a": RUN}, q=101)
    with pytest.raises(ValueError, match="horizon_s"):
        plot_state_timeline([], -1)
    with pytest.raises(ValueError, match="non-empty"):
        new_figure("", "x", "y")
