"""Figures for the circuit-breaker notebook, drawn from outage-scenario results."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from labkit.core.validation import check_positive
from labkit.resilience.outage import OutageResult
from labkit.viz.style import PALETTE, STATE_COLOURS
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
    for i, (name, series) in enumerate(_outage_series(runs, panels, width).items()):
        colour = PALETTE[i % len(PALETTE)]
        for ax, (x, y) in zip(axes, series, strict=True):
            ax.step(x, y, where="mid", color=colour, label=name)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.955),
               ncol=min(4, len(labels)))
    fig.subplots_adjust(top=1.0 - 0.75 / fig.get_figheight())
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


def _explorer_run(outage_s: float, seed: int) -> dict[str, Any]:
    return {"arrival_rate": 10.0, "horizon_s": 120.0, "incident": (30.0, 30.0 + outage_s),
            "seed": seed}


@lru_cache(maxsize=32)
def _explorer_baseline(outage_s: float, seed: int) -> OutageResult:
    """The run without a breaker depends only on the outage and the seed: computed once each."""
    from labkit.resilience.outage import run_outage_scenario

    return run_outage_scenario(None, **_explorer_run(outage_s, seed))


def breaker_explorer_figure(failure_rate_threshold: float = 50.0, window_size: int = 20,
                            wait_in_open_s: float = 10.0, outage_s: float = 30.0,
                            seed: int = 0) -> Any:
    """The explorer's figure: a 120 s run at 10 req/s with an outage from t = 30 s lasting
    ``outage_s``, without and with a breaker of the given settings (minimum calls = half the
    window, 5 half-open trial calls, 1 s caller timeout).

    >>> fig = breaker_explorer_figure(outage_s=20)
    >>> len(fig.axes)
    2
    """
    runs, title = _breaker_explorer_runs(failure_rate_threshold, window_size, wait_in_open_s,
                                         outage_s, seed)
    return plot_outage_runs(runs, panels=("calls", "errors"), title=title)


def _breaker_explorer_runs(failure_rate_threshold: float, window_size: int,
                           wait_in_open_s: float, outage_s: float,
                           seed: int) -> tuple[dict[str, OutageResult], str]:
    from labkit.resilience.breaker import CircuitBreaker
    from labkit.resilience.outage import run_outage_scenario

    outage = check_positive("outage_s", outage_s)
    if outage > 80:
        raise ValueError(f"outage_s must be in (0, 80] for the 120 s run, got {outage!r}")
    size = int(window_size)

    def factory() -> CircuitBreaker:
        return CircuitBreaker(failure_rate_threshold=failure_rate_threshold, window_size=size,
                              minimum_calls=max(1, size // 2), half_open_calls=5,
                              wait_in_open_s=wait_in_open_s)

    runs = {"no breaker": _explorer_baseline(outage, seed),
            "breaker": run_outage_scenario(factory, **_explorer_run(outage, seed))}
    s = runs["breaker"].summary()
    n = runs["no breaker"].summary()
    return runs, (f"Calls into the outage: {n['calls_during_incident']} without, "
                  f"{s['calls_during_incident']} with the breaker")


def _update_breaker_explorer(fig: Any, failure_rate_threshold: float = 50.0,
                             window_size: int = 20, wait_in_open_s: float = 10.0,
                             outage_s: float = 30.0, seed: int = 0) -> bool:
    runs, title = _breaker_explorer_runs(failure_rate_threshold, window_size, wait_in_open_s,
                                         outage_s, seed)
    return update_outage_runs(fig, runs, panels=("calls", "errors"), title=title)


breaker_explorer_figure.update = _update_breaker_explorer  # an explorer redraws it in place
# It lays itself out, so the explorer can skip the tight bounding box.
breaker_explorer_figure.fixed_layout = True
