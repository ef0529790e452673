"""Figures for the service-mesh notebook: retry amplification, backoff strategies, outlier
detection, canary rollouts and trace waterfalls. Each takes the frames labkit.mesh (or
labkit.resilience.contention) returns and gives back a matplotlib Figure.

matplotlib is imported inside the functions. The notebook's explorer callbacks are in
:mod:`labkit.mesh.explorers`.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import cycle

import numpy as np
import pandas as pd

__all__ = [
    "plot_amplification",
    "plot_backoff_strategies",
    "plot_canary_rollout",
    "plot_outlier_run",
    "plot_trace_waterfall",
    "update_outlier_run",
]


def plot_amplification(results: Mapping[str, object], *, worst_case: float | None = None):
    """Backend calls per user request for each run (a :class:`~labkit.mesh.storm.StormResult`)."""
    import matplotlib as mpl

    from labkit.viz import new_figure

    fig, ax = new_figure("Retry amplification at the backend", "retry policy",
                         "backend calls per user request")
    names = list(results)
    values = [results[n].amplification for n in names]  # type: ignore[attr-defined]
    colours = cycle(mpl.rcParams["axes.prop_cycle"].by_key()["color"])
    ax.bar(names, values, color=[next(colours) for _ in names])
    for x, v in enumerate(values):
        ax.annotate(f"{v:.2f}x", (x, v), ha="center", va="bottom", fontsize=9)
    if worst_case is not None:
        ax.axhline(worst_case, color="#999999", ls="--", lw=1, label=f"worst case {worst_case:g}x")
        ax.legend()
    return fig


def plot_backoff_strategies(frame: pd.DataFrame):
    """Two panels: mean server calls and mean completion time vs clients, per strategy."""
    from labkit.viz import new_figure

    fig, axes = new_figure("Backoff strategies under contention", "clients",
                           "server calls (work)", ncols=2)
    for strategy, g in frame.groupby("strategy", sort=False):  # both panels cycle alike
        axes[0].plot(g["clients"], g["calls"], marker="o", label=strategy)
        axes[1].plot(g["clients"], g["completion_s"], marker="o", label=strategy)
    axes[0].set_title("work")
    axes[1].set_title("completion time")
    axes[1].set_ylabel("time until the last client succeeds (s)")
    axes[1].set_yscale("log")
    axes[0].legend()
    fig.tight_layout()
    return fig


def _outlier_series(requests: pd.DataFrame, bin_s: float) -> tuple[pd.Series, list[tuple]]:
    """Binned success rate (%), and the periods when host ``h0`` is ejected."""
    bins = np.floor(requests["time_s"].to_numpy() / bin_s) * bin_s
    rate = 100.0 * requests.groupby(bins)["ok"].mean()
    ejected = requests["h0_ejected"].to_numpy()
    times = requests["time_s"].to_numpy()
    starts = np.flatnonzero(ejected & ~np.r_[False, ejected[:-1]])
    ends = np.flatnonzero(ejected & ~np.r_[ejected[1:], False])
    return rate, [(times[s], times[e]) for s, e in zip(starts, ends, strict=True)]


def _draw_outlier_marks(ax, spans: list[tuple], bad_from_s: float | None) -> None:
    from labkit.viz import PALETTE

    for k, (start, end) in enumerate(spans):
        ax.axvspan(start, end, color=PALETTE[2], alpha=0.15,
                   label="h0 ejected" if k == 0 else None)
    if bad_from_s is not None:
        ax.axvline(bad_from_s, color=PALETTE[3], ls="--", lw=1, label="h0 starts failing")


def plot_outlier_run(requests: pd.DataFrame, *, bin_s: float = 2.0, title: str | None = None,
                     bad_from_s: float | None = None):
    """Cluster success rate over time, with the periods when host ``h0`` is ejected shaded."""
    from labkit.viz import PALETTE, new_figure

    fig, ax = new_figure(title or "Success rate seen by clients", "time (s)", "success rate (%)")
    rate, spans = _outlier_series(requests, bin_s)
    ax.plot(rate.index, rate.to_numpy(), color=PALETTE[0], marker="o", ms=3,
            label="all requests")
    _draw_outlier_marks(ax, spans, bad_from_s)
    ax.set_ylim(0, 105)
    ax.legend(loc="lower left")
    return fig


def update_outlier_run(fig, requests: pd.DataFrame, *, bin_s: float = 2.0, title: str,
                       bad_from_s: float | None = None) -> bool:
    """Redraw a :func:`plot_outlier_run` figure in place: the success-rate line, the ejection
    periods (drawn again, in the same order), the title."""
    ax = fig.axes[0]
    rate, spans = _outlier_series(requests, bin_s)
    for artist in [*ax.lines[1:], *ax.patches]:  # the marks, drawn afresh after the line
        artist.remove()
    ax.lines[0].set_data(rate.index, rate.to_numpy())
    _draw_outlier_marks(ax, spans, bad_from_s)
    ax.relim()
    ax.autoscale_view()
    ax.legend(loc="lower left")
    ax.set_title(title)
    return True


def plot_canary_rollout(steps: pd.DataFrame, *, title: str = "Canary rollout"):
    """Per judged step: the canary's weight (bars) and both error rates (lines)."""
    from labkit.viz import PALETTE, new_figure

    fig, ax = new_figure(title, "step", "canary traffic (%)")
    x = steps["step"].to_numpy()
    ax.bar(x, steps["canary_percent"], color=PALETTE[5], alpha=0.6, label="canary weight")
    for xi, decision in zip(x, steps["decision"], strict=True):
        ax.annotate(decision, (xi, 106), ha="center", va="bottom", fontsize=8)
    ax.set_ylim(0, 118)
    ax2 = ax.twinx()
    ax2.plot(x, 100 * steps["baseline_error_rate"], color=PALETTE[0], marker="o",
             label="baseline error rate")
    ax2.plot(x, 100 * steps["canary_error_rate"], color=PALETTE[3], marker="s",
             label="canary error rate")
    ax2.set_ylabel("error rate (%)")
    ax2.set_ylim(bottom=0)
    ax2.grid(False)
    handles = ax.get_legend_handles_labels()
    handles2 = ax2.get_legend_handles_labels()
    ax.legend(handles[0] + handles2[0], handles[1] + handles2[1], loc="upper left")
    ax.set_xticks(x)
    return fig


def plot_trace_waterfall(spans: pd.DataFrame, *, title: str = "Trace waterfall"):
    """One bar per span (waterfall order), indented by depth; failed spans in vermillion."""
    from labkit.viz import PALETTE, new_figure

    fig, ax = new_figure(title, "time since the request started (ms)", "span",
                         figsize=(8.0, 0.45 * len(spans) + 1.2))
    y = np.arange(len(spans))[::-1]
    for yi, (_, s) in zip(y, spans.iterrows(), strict=True):
        colour = PALETTE[0] if s["status"] == "ok" else PALETTE[3]
        ax.barh(yi, 1000 * s["duration_s"], left=1000 * s["start_s"], color=colour, height=0.6)
        ax.annotate(f"{1000 * s['duration_s']:.1f} ms", (1000 * s["end_s"], yi),
                    xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    labels = ["  " * int(d) + f"{svc}: {op}" for d, svc, op in
              zip(spans["depth"], spans["service"], spans["operation"], strict=True)]
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=8, family="monospace")
    ax.set_xlim(0, 1000 * spans["end_s"].max() * 1.15)
    return fig


def __getattr__(name: str):
    """The explorer's callbacks moved to :mod:`labkit.mesh.explorers`."""
    if name == "explore_outlier_detection":
        from labkit.mesh import explorers

        return explorers.explore_outlier_detection
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
