"""Figures for notebook 04 (the viz layer of the event-sourcing family).

Each function takes the tidy frames of :mod:`labkit.eventstore.cqrs` and returns a Figure with a
title and labelled axes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from labkit.eventstore.cqrs import CqrsResult
from labkit.viz import PALETTE, new_figure

__all__ = ["plot_contention", "plot_propagation", "plot_read_scaling", "plot_replay_cost",
           "plot_stale_reads", "update_propagation"]


def plot_replay_cost(frame: pd.DataFrame, *,
                     title: str = "Events replayed to load one order") -> Any:
    """Events replayed per stream length, full replay vs snapshots (log scale)."""
    fig, ax = new_figure(title, "events in the order's stream", "events replayed (log scale)")
    modes = list(dict.fromkeys(frame["mode"]))
    sizes = sorted(frame.events_in_stream.unique())
    width = 0.8 / len(modes)
    for k, mode in enumerate(modes):
        sub = frame[frame["mode"] == mode].set_index("events_in_stream").reindex(sizes)
        xs = np.arange(len(sizes)) + (k - (len(modes) - 1) / 2) * width
        values = sub.events_replayed.clip(lower=0.8)  # keep zero visible on a log axis
        bars = ax.bar(xs, values, width=width, label=mode)  # colours: the style's cycle
        ax.bar_label(bars, labels=[str(int(v)) for v in sub.events_replayed], fontsize=8)
    ax.set_yscale("log")
    ax.set_xticks(range(len(sizes)), [f"{s:,}" for s in sizes])
    ax.legend(loc="upper left")
    return fig


def _draw_propagation(ax: Any, run: CqrsResult, read_after_s: float | None) -> None:
    r = run.records
    delay = (r.applied_s - r.write_s).to_numpy()
    ax.hist(delay, bins=30, color=PALETTE[0], histtype="stepfilled")
    if read_after_s is None:
        read_after_s = float((r.read_s - r.write_s).iloc[0])
    ax.axvline(read_after_s, color=PALETTE[3], linestyle="--",
               label=f"client reads {read_after_s:.1f} s after writing: "
                     f"{r.stale.mean():.0%} stale")
    ax.legend(loc="upper right")


def plot_propagation(run: CqrsResult, *, read_after_s: float | None = None,
                     title: str = "From commit to read model: propagation delay") -> Any:
    """Histogram of write-to-read-model delays; the read delay marks what counts as stale."""
    fig, ax = new_figure(title, "delay from commit to read model (s)", "writes")
    _draw_propagation(ax, run, read_after_s)
    return fig


def update_propagation(fig: Any, run: CqrsResult, *, read_after_s: float | None = None,
                       title: str) -> bool:
    """Redraw a :func:`plot_propagation` figure in place: the histogram and the read delay are
    drawn again on the same axes (no new figure, axes or ticks), with the new title."""
    ax = fig.axes[0]
    for artist in [*ax.patches, *ax.lines]:
        artist.remove()
    ax.relim()  # forget the old extent: drawing then rescales the axes as on a fresh one (where
    _draw_propagation(ax, run, read_after_s)  # a read line left of the histogram keeps its view)
    ax.set_title(title)
    return True


def plot_stale_reads(sweep: pd.DataFrame, *,
                     title: str = "Read-your-writes violations against read delay") -> Any:
    """Share of stale reads against the read delay, one line per projection lag."""
    fig, ax = new_figure(title, "time between a write and the client's read (s)",
                         "stale reads (share of reads)")
    for lag, g in sweep.groupby("processing_lag_s"):
        ax.plot(g.read_after_s, g.stale_read_share, marker="o",  # colours: the style's cycle
                label=f"mean projection lag {lag:.1f} s")
    ax.set_ylim(-0.02, 1.02)
    ax.legend()
    return fig


def plot_read_scaling(frame: pd.DataFrame, *,
                      title: str = "Scaling the read side by adding replicas") -> Any:
    """Served read throughput and p99 latency against the number of read replicas."""
    fig, axes = new_figure(title, "read replicas", "reads served per second", ncols=2)
    axes[0].plot(frame.replicas, frame.served_reads_per_s, marker="o", color=PALETTE[0],
                 label="served")
    axes[0].plot(frame.replicas, frame.offered_reads_per_s, linestyle="--", color=PALETTE[7],
                 label="offered")
    axes[0].legend()
    axes[1].plot(frame.replicas, frame.p99_latency_s * 1000, marker="o", color=PALETTE[3])
    axes[1].set_yscale("log")
    axes[1].set_ylabel("p99 read latency (ms, log scale)")
    for a in axes:
        a.set_xticks(frame.replicas)
    return fig


def plot_contention(frame: pd.DataFrame, *,
                    title: str = "Concurrent writers on 5 hot orders") -> Any:
    """Lost updates (CRUD) and rejected-then-retried appends (event store) against writers."""
    fig, ax = new_figure(title, "concurrent writers", "commands")
    crud = frame[frame["mode"] == "crud"]
    es = frame[frame["mode"] == "event_store"]
    ax.plot(crud.writers, crud.lost_updates, marker="o", color=PALETTE[3],
            label="CRUD, last writer wins: updates lost")
    ax.plot(es.writers, es.conflicts, marker="s", color=PALETTE[0],
            label="event store: conflicts detected and retried")
    ax.plot(es.writers, es.lost_updates, marker="^", color=PALETTE[2],
            label="event store: updates lost")
    ax.set_xticks(sorted(frame.writers.unique()))
    ax.legend(loc="upper left")
    return fig
