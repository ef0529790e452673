"""Figures for the bulkhead notebook, drawn from the frames :mod:`labkit.resilience.isolation`
returns: pool comparisons, latency over time, queue waits by priority, Lambda throttles, and
the fleets of :mod:`labkit.resilience.fleets` (one Auto Scaling group per workload or shared).

matplotlib is imported inside the functions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from labkit.resilience.isolation import pool_summary

__all__ = [
    "plot_fleet_isolation",
    "plot_lambda_throttles",
    "plot_latency_over_time",
    "plot_pool_comparison",
    "plot_priority_waits",
]


def plot_latency_over_time(frame: pd.DataFrame, *, title: str,
                           window: tuple[float, float] | None = None):
    """Each request as a dot: arrival time vs latency, by tenant; rejections as crosses."""
    from labkit.viz import cycle_colours, new_figure

    fig, ax = new_figure(title, "arrival time (s)", "latency (s)")
    groups = list(frame.groupby("tenant", sort=True))
    for colour, (tenant, g) in zip(cycle_colours(len(groups)), groups, strict=True):
        ok = g[g["ok"]]
        bad = g[~g["ok"]]
        ax.scatter(ok["arrival_s"], ok["latency_s"], s=4, color=colour, alpha=0.5,
                   label=f"{tenant} served")
        if len(bad):
            ax.scatter(bad["arrival_s"], bad["latency_s"], s=10, marker="x", color=colour,
                       alpha=0.6, label=f"{tenant} rejected")
    if window is not None:
        ax.axvspan(*window, color="#999999", alpha=0.15, label="B overloaded")
    ax.legend(loc="upper right", ncol=3)
    return fig


def plot_pool_comparison(frames: dict[str, pd.DataFrame], *, tenant: str = "A",
                         title: str | None = None):
    """Two panels for one tenant across designs: success rate (%) and p99 latency (ms)."""
    from labkit.viz import cycle_colours, new_figure

    title = title or f"Tenant {tenant} with a noisy neighbour"
    fig, axes = new_figure(title, "design", "success rate (%)", ncols=2)
    names = list(frames)
    rows = [pool_summary(f).set_index("tenant").loc[tenant] for f in frames.values()]
    success = [100.0 * r["success_rate"] for r in rows]
    p99 = [1000.0 * r["p99_ok_s"] for r in rows]
    colours = cycle_colours(len(names))
    axes[0].bar(names, success, color=colours)
    axes[0].set_ylim(0, 105)
    axes[0].set_title("success rate")
    axes[1].bar(names, p99, color=colours)
    axes[1].set_ylabel("p99 latency of served calls (ms)")
    axes[1].set_title("p99 latency")
    for ax, values, fmt in ((axes[0], success, "{:.1f}%"), (axes[1], p99, "{:.0f} ms")):
        for x, v in enumerate(values):
            ax.annotate(fmt.format(v), (x, v), ha="center", va="bottom", fontsize=9)
    fig.tight_layout()
    return fig


def plot_priority_waits(frames: dict[str, pd.DataFrame], *, bin_s: float = 2.0,
                        flood_window: tuple[float, float] | None = None):
    """p99 queue wait of high-priority messages over time, one line per design (each with its
    own line style and marker, so designs that both stay near zero remain visible)."""
    from labkit.viz import cycle_colours, new_figure

    fig, ax = new_figure("High-priority messages: p99 time in the queue", "send time (s)",
                         "p99 wait (s)")
    styles = [("-", "o"), ("--", "s"), (":", "^")]
    for k, (colour, (name, frame)) in enumerate(zip(cycle_colours(len(frames)), frames.items(),
                                                    strict=True)):
        high = frame[frame["priority"] == "high"]
        bins = np.floor(high["sent_s"] / bin_s) * bin_s
        p99 = high.groupby(bins)["wait_s"].quantile(0.99)
        linestyle, marker = styles[k % len(styles)]
        ax.plot(p99.index, p99.to_numpy(), linestyle=linestyle, marker=marker, ms=4,
                color=colour, label=name)
    if flood_window is not None:
        ax.axvspan(*flood_window, color="#999999", alpha=0.15, label="low-priority flood")
    ax.legend()
    return fig


def plot_lambda_throttles(frames: dict[str, pd.DataFrame], *, function: str,
                          bin_s: float = 1.0):
    """Throttled share (%) of ``function``'s invocations per second, one line per scenario."""
    from labkit.viz import cycle_colours, new_figure

    fig, ax = new_figure(f"Throttles (HTTP 429) of '{function}'", "time (s)",
                         "throttled invocations (%)")
    for colour, (name, frame) in zip(cycle_colours(len(frames)), frames.items(), strict=True):
        g = frame[frame["function"] == function]
        bins = np.floor(g["arrival_s"] / bin_s) * bin_s
        share = 100.0 * g.groupby(bins)["throttled"].mean()
        ax.plot(share.index, share.to_numpy(), color=colour, label=name)
    ax.set_ylim(-2, 102)
    ax.legend()
    return fig


def plot_fleet_isolation(runs: dict, *, workload: str = "A", bin_s: float = 10.0):
    """Two panels over time, one line per design: the share of ``workload``'s requests that
    timed out (per ``bin_s``) and the instances in service (all groups together); the grey band
    is the overload window. ``runs`` maps a label to a
    :class:`~labkit.resilience.fleets.FleetIsolationResult`.

    >>> from labkit.resilience.fleets import FleetIsolationConfig, simulate_fleet_isolation
    >>> run = simulate_fleet_isolation(FleetIsolationConfig(horizon_s=300.0,
    ...                                                     overload_window=(60.0, 240.0)))
    >>> fig = plot_fleet_isolation({"shared": run})
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['requests of A timed out (%)', 'instances in service']
    """
    from labkit.viz import cycle_colours, new_figure

    if not isinstance(runs, dict) or not runs:
        raise ValueError("runs must be a non-empty dict of label -> FleetIsolationResult")
    fig, axes = new_figure(f"Workload {workload} while the other workload surges",
                           "time (s)", f"requests of {workload} timed out (%)", ncols=2,
                           figsize=(10.0, 3.6))
    for colour, (label, run) in zip(cycle_colours(len(runs)), runs.items(), strict=True):
        r = run.records
        mine = r[r.workload == workload]
        bins = np.floor(mine.time_s / bin_s) * bin_s
        grouped = mine.groupby(bins)[["dropped", "arrivals"]].sum()
        share = 100.0 * grouped.dropped / grouped.arrivals.where(grouped.arrivals > 0)
        axes[0].plot(share.index, share.to_numpy(), color=colour, label=label)
        instances = r.drop_duplicates(["time_s", "group"]).groupby("time_s").instances.sum()
        axes[1].step(instances.index, instances.to_numpy(), where="post", color=colour,
                     label=label)
    window = next(iter(runs.values())).config.overload_window
    for ax in axes:
        ax.axvspan(*window, color="#999999", alpha=0.15)
        ax.legend(loc="upper right")
    axes[1].set_ylabel("instances in service")
    axes[0].set_ylim(bottom=0)
    fig.tight_layout()
    return fig
