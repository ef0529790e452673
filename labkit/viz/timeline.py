"""Shared figures: a state timeline strip, latency percentiles over time, throughput over time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from labkit.core.validation import check_positive
from labkit.viz.style import PALETTE, STATE_COLOURS, new_figure

__all__ = ["plot_latency_percentiles", "plot_state_timeline", "plot_throughput"]


def _state_spans(transitions: pd.DataFrame | Sequence[tuple[float, str, str]],
                 horizon_s: float, initial: str = "closed") -> list[tuple[float, float, str]]:
    rows = (transitions.itertuples(index=False, name=None)
            if isinstance(transitions, pd.DataFrame) else transitions)
    spans, t0, state = [], 0.0, initial
    for t, _from, to in rows:
        if t > t0:
            spans.append((t0, float(t), state))
        t0, state = float(t), to
    if horizon_s > t0:
        spans.append((t0, horizon_s, state))
    return spans


def _binned_steps(ax: Any, frames: dict[str, pd.DataFrame], width: float, time: str,
                  shade: tuple[float, float] | None,
                  reduce: Callable[[pd.DataFrame, np.ndarray], pd.Series]) -> None:
    """One step line per labelled frame: ``reduce(frame, bins)`` per time bin of ``width`` s."""
    if shade is not None:
        ax.axvspan(shade[0], shade[1], color="#bbbbbb", alpha=0.35, zorder=0, label="incident")
    for i, (name, frame) in enumerate(frames.items()):
        if frame.empty:
            continue
        bins = np.floor(frame[time].to_numpy(dtype=float) / width) * width
        series = reduce(frame, bins)
        ax.step(series.index + width / 2, series.to_numpy(), where="mid",
                color=PALETTE[i % len(PALETTE)], label=name)
    ax.legend()


def plot_state_timeline(transitions: pd.DataFrame | Sequence[tuple[float, str, str]],
                        horizon_s: float, *, ax: Any = None, label: str = "breaker",
                        title: str = "Breaker state over time", initial: str = "closed",
                        shade: tuple[float, float] | None = None) -> Any:
    """Draw a horizontal strip coloured by state (closed/open/half_open/...).

    ``transitions`` holds ``(time_s, from_state, to_state)`` rows; ``shade`` marks an incident
    window (e.g. the outage) behind the strip. Returns the figure.

    >>> fig = plot_state_timeline([(10.0, "closed", "open"), (70.0, "open", "half_open")], 100)
    >>> fig.axes[0].get_xlabel()
    'time (s)'
    """
    horizon = check_positive("horizon_s", horizon_s)
    if ax is None:
        fig, ax = new_figure(title, "time (s)", "state", figsize=(8.0, 1.6))
    else:
        fig = ax.figure
        ax.set_xlabel("time (s)")
    if shade is not None:
        ax.axvspan(shade[0], shade[1], color="#bbbbbb", alpha=0.35, zorder=0, label="incident")
    seen = set()
    for a, b, state in _state_spans(transitions, horizon, initial):
        ax.barh(0, b - a, left=a, height=0.6, color=STATE_COLOURS.get(state, "#777777"),
                label=None if state in seen else state.replace("_", "-"))
        seen.add(state)
    ax.set_yticks([0], [label])
    ax.set_xlim(0, horizon)
    ax.grid(False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.45), ncol=5)
    return fig


def plot_latency_percentiles(frames: dict[str, pd.DataFrame], *, bin_s: float = 5.0,
                             q: float = 99.0, time: str = "arrival_s", latency: str = "latency_s",
                             ax: Any = None, title: str | None = None,
                             shade: tuple[float, float] | None = None) -> Any:
    """Percentile ``q`` of latency per time bin, one line per labelled run. Returns the figure.

    >>> df = pd.DataFrame({"arrival_s": [0.5, 1.5, 6.0], "latency_s": [0.1, 0.2, 0.3]})
    >>> fig = plot_latency_percentiles({"run": df}, bin_s=5)
    >>> fig.axes[0].get_ylabel()
    'p99 latency (s)'
    """
    width = check_positive("bin_s", bin_s)
    if not 0 <= q <= 100:
        raise ValueError(f"q must be a percentile in [0, 100], got {q!r}")
    if ax is None:
        fig, ax = new_figure(title or f"p{q:g} latency over time", "time (s)",
                             f"p{q:g} latency (s)")
    else:
        fig = ax.figure
    _binned_steps(ax, frames, width, time, shade,
                  lambda frame, bins: frame[latency].groupby(bins).quantile(q / 100.0))
    return fig


def plot_throughput(frames: dict[str, pd.DataFrame], *, bin_s: float = 5.0, time: str = "end_s",
                    ax: Any = None, title: str = "Throughput over time",
                    ylabel: str = "requests per second",
                    shade: tuple[float, float] | None = None) -> Any:
    """Events per second per time bin, one line per labelled frame. Returns the figure.

    >>> df = pd.DataFrame({"end_s": [0.5, 1.5, 6.0]})
    >>> plot_throughput({"done": df}).axes[0].get_title()
    'Throughput over time'
    """
    width = check_positive("bin_s", bin_s)
    if ax is None:
        fig, ax = new_figure(title, "time (s)", ylabel)
    else:
        fig = ax.figure
    _binned_steps(ax, frames, width, time, shade,
                  lambda frame, bins: pd.Series(1, index=bins).groupby(level=0).sum() / width)
    return fig
