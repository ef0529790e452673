"""Figures for the circuit-breaker notebook, drawn from outage-scenario results.

The explorer's callbacks are in :mod:`labkit.resilience.explorers`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from labkit.core.validation import check_positive
from labkit.resilience.outage import OutageResult
from labkit.viz.style import STATE_COLOURS
from labkit.viz.timeline import plot_state_timeline

__all__ = ["plot_outage_runs", "plot_breaker_states", "update_outage_runs"]


def _per_bin(frame: pd.DataFrame, values: pd.Series, width: float, how: str) -> pd.Series:
    bins = np.floor(frame.arrival_s.to_numpy(dtype=float) / width) * width
    grouped = values.groupby(bins)
    if how == "rate":
        return grouped.sum() / width
    if how == "p99":
        return grouped.quantile(0.99)
    return grouped.mean()


_PANELS = {
    "calls": ("calls reaching the\ndependency (per s)", "rate"),
    "p99": ("caller p99\nlatency (s)", "p99"),
    "errors": ("caller error rate\n(no answer)", "mean"),
}


def _outage_series(runs: dict[str, OutageResult], panels: tuple[str, ...],
                   width: float) -> dict[str, list[tuple[Any, np.ndarray]]]:
    """Per run, per panel: the bin centres and the binned values that panel plots."""
    out = {}
    for name, run in runs.items():
        r = run.requests
        values = {"calls": r.reached_dependency.astype(float), "p99": r.latency_s,
                  "errors": (~r.ok).astype(float)}
        out[name] = []
        for panel in panels:
            s = _per_bin(r, values[panel], width, _PANELS[panel][1])
            out[name].append((s.index + width / 2, s.to_numpy()))
    return out


def update_outage_runs(fig: Any, runs: dict[str, OutageResult], *, bin_s: float = 5.0,
                       title: str = "The same outage, with and without a circuit breaker",
                       panels: tuple[str, ...] = ("calls", "p99", "errors")) -> bool:
    """Redraw a :func:`plot_outage_runs` figure in place for new runs with the same names and
    panels; ``False`` (nothing changed) when the figure cannot be updated so.

    >>> from labkit.resilience.outage import run_outage_scenario
    >>> fig = plot_outage_runs({"a": run_outage_scenario(arrival_rate=5, horizon_s=60,
    ...                                                  incident=(20, 30), seed=0)})
    >>> update_outage_runs(fig, {"a": run_outage_scenario(arrival_rate=5, horizon_s=60,
    ...                                                   incident=(20, 40), seed=0)})
    True
    >>> fig.axes[0].patches[0].get_width()
    20.0
    """
    from matplotlib.patches import Rectangle

    width = check_positive("bin_s", bin_s)
    axes = fig.axes
    if len(axes) != len(panels) or not runs or any(
            len(ax.lines) != len(runs) or len(ax.patches) != 1
            or not isinstance(ax.patches[0], Rectangle) for ax in axes):
        return False
    if fig.get_suptitle().count("\n") != title.count("\n"):
        return False  # the layout was made for another number of title lines
    first = next(iter(runs.values()))
    start, end = first.incident
    for ax in axes:
        ax.patches[0].set_x(start)
        ax.patches[0].set_width(end - start)
    for i, series in enumerate(_outage_series(runs, panels, width).values()):
        for ax, (x, y) in zip(axes, series, strict=True):
            ax.lines[i].set_data(x, y)
    for ax in axes:
        ax.relim()
        ax.autoscale_view()
    fig.suptitle(title, fontweight="bold")
    return True


#: The height (inches) of one more line of a figure title.
_TITLE_LINE_IN = 0.22


def plot_outage_runs(runs: dict[str, OutageResult], *, bin_s: float = 5.0,
                     title: str = "The same outage, with and without a circuit breaker",
                     panels: tuple[str, ...] = ("calls", "p99", "errors")) -> Any:
    """Panels over time: calls reaching the dependency, caller p99 latency, caller errors.

    >>> from labkit.resilience.outage import run_outage_scenario
    >>> r = run_outage_scenario(arrival_rate=5, horizon_s=60, incident=(20, 30), seed=0)
    >>> len(plot_outage_runs({"no breaker": r}).axes)
    3
    >>> len(plot_outage_runs({"no breaker": r}, panels=("calls",)).axes)
    1
    """
    import matplotlib.pyplot as plt

    width = check_positive("bin_s", bin_s)
    if not runs:
        raise ValueError("runs must hold at least one labelled OutageResult")
    unknown = [p for p in panels if p not in _PANELS]
    if unknown or not panels:
        raise ValueError(f"panels must be a non-empty tuple of {list(_PANELS)}, got {panels!r}")
    fig, axes = plt.subplots(len(panels), 1, figsize=(8.0, 0.6 + 2.1 * len(panels)),
                             sharex=True, squeeze=False)
    axes = axes[:, 0]
    fig.suptitle(title, fontweight="bold")
    first = next(iter(runs.values()))
    for ax, panel in zip(axes, panels, strict=True):
        label, _how = _PANELS[panel]
        ax.axvspan(*first.incident, color="#bbbbbb", alpha=0.35, zorder=0,
                   label=f"dependency {first.kind}")
        ax.set_ylabel(label)
    colours = plt.rcParams["axes.prop_cycle"]()  # the style's colour cycle
    for name, series in _outage_series(runs, panels, width).items():
        colour = next(colours)["color"]
        for ax, (x, y) in zip(axes, series, strict=True):
            ax.step(x, y, where="mid", color=colour, label=name)
    handles, labels = axes[0].get_legend_handles_labels()
    extra = _TITLE_LINE_IN * title.count("\n")  # a longer title pushes the legend down
    height = fig.get_figheight()
    fig.legend(handles, labels, loc="upper center",
               bbox_to_anchor=(0.5, 1.0 - (0.216 + extra) / height), ncol=min(4, len(labels)))
    fig.subplots_adjust(top=1.0 - (0.75 + extra) / height)
    if "errors" in panels:
        axes[panels.index("errors")].set_ylim(-0.02, 1.02)
    axes[-1].set_xlabel("time (s)")
    fig.align_ylabels(axes)
    return fig


def plot_breaker_states(runs: dict[str, OutageResult], *,
                        title: str = "Breaker state over time") -> Any:
    """One state strip per labelled run (instance 0 of each), with the incident shaded.

    >>> from labkit.resilience.breaker import CircuitBreaker
    >>> from labkit.resilience.outage import run_outage_scenario
    >>> r = run_outage_scenario(lambda: CircuitBreaker(window_size=10, minimum_calls=5),
    ...                         arrival_rate=5, horizon_s=60, incident=(20, 30), seed=0)
    >>> len(plot_breaker_states({"breaker": r}).axes)
    1
    """
    import matplotlib.pyplot as plt

    if not runs:
        raise ValueError("runs must hold at least one labelled OutageResult")
    fig, axes = plt.subplots(len(runs), 1, figsize=(8.0, 0.9 + 0.7 * len(runs)), sharex=True,
                             squeeze=False)
    fig.suptitle(title, fontweight="bold")
    for ax, (name, run) in zip(axes[:, 0], runs.items(), strict=True):
        t = run.transitions
        t0 = t[t.instance == 0][["time_s", "from_state", "to_state"]]
        plot_state_timeline(t0, run.horizon_s, ax=ax, label=name, shade=run.incident)
        ax.get_legend().remove()
        ax.set_xlabel("")
    axes[-1, 0].set_xlabel("time (s)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in STATE_COLOURS.values()]
    handles.append(plt.Rectangle((0, 0), 1, 1, color="#bbbbbb", alpha=0.35))
    fig.legend(handles, [s.replace("_", "-") for s in STATE_COLOURS] + ["incident"],
               loc="lower center", ncol=6, bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    return fig
