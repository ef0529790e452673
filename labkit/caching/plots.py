"""Figures for the caching notebook, drawn from the frames and runs of :mod:`labkit.caching`.

- :func:`plot_hit_ratio_curves`: hit ratio against cache size, one line per workload.
- :func:`plot_read_latency_cdf`: the distribution of read latency, one line per run.
- :func:`plot_strategy_comparison`: read latency, database load and stale reads per strategy.
- :func:`plot_unflushed_writes`: write-behind's acknowledged-but-unflushed writes, and a crash.
- :func:`plot_ttl_staleness`: hit ratio and stale reads against the TTL.
- :func:`plot_stampede_load`: database queries per second around synchronized expiries.
- :func:`plot_write_fraction_sweep`: where cache-aside stops paying as writes grow.
- :func:`plot_cache_layers`: the AWS cache layers as a latency stack.

The explorer's figure is in :mod:`labkit.caching.explorers`.

Every function returns a matplotlib Figure (matplotlib is imported inside the functions).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from labkit.caching.staleness import StalenessConfig, simulate_ttl_staleness, ttl_staleness
from labkit.caching.stampede import StampedeResult
from labkit.caching.strategies import StrategyResult
from labkit.core.validation import check_positive
from labkit.viz.style import cycle_colours, new_figure

__all__ = [
    "plot_cache_layers",
    "plot_hit_ratio_curves",
    "plot_read_latency_cdf",
    "plot_stampede_load",
    "plot_strategy_comparison",
    "plot_ttl_staleness",
    "plot_unflushed_writes",
    "plot_write_fraction_sweep",
]

_STRATEGY_LABELS = {
    "no_cache": "no cache",
    "cache_aside": "cache-aside",
    "read_through": "read-through",
    "write_through": "write-through",
    "write_behind": "write-behind",
}


def _plain_log(axis: Any) -> None:
    """A logarithmic axis with plain-number decade labels (1, 10, 100) and no minor ticks:
    easier to read than 10^k, and much faster to draw (no mathtext)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    axis.set_major_locator(LogLocator(base=10))
    axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))


def _need_mapping(name: str, value: Mapping) -> None:
    if not isinstance(value, Mapping) or not value:
        raise ValueError(f"{name} must be a non-empty mapping of label -> result")


def plot_hit_ratio_curves(curves: Mapping[str, pd.Series], *,
                          title: str = "LRU hit ratio against cache size",
                          marks: Mapping[str, int] | None = None) -> Any:
    """One line per labelled curve (index = cache size in entries, values = hit ratio), on a
    logarithmic size axis; ``marks`` adds a dot at a chosen size on the curve with that label.

    >>> from labkit.caching import lru_hit_ratios, zipf_trace
    >>> curve = lru_hit_ratios(zipf_trace(2_000, 200, 1.0), [1, 10, 100])
    >>> fig = plot_hit_ratio_curves({"skew 1.0": curve}, marks={"skew 1.0": 10})
    >>> fig.axes[0].get_xscale()
    'log'
    """
    _need_mapping("curves", curves)
    fig, ax = new_figure(title, "cache size (entries, log scale)", "hit ratio")
    for colour, (label, curve) in zip(cycle_colours(len(curves)), curves.items(), strict=True):
        ax.plot(curve.index, curve.to_numpy(), color=colour, label=label, lw=2)
        if marks and label in marks:
            size = marks[label]
            ax.plot([size], [float(np.interp(size, curve.index, curve.to_numpy()))], "o",
                    color=colour, ms=7)
    ax.set_xscale("log")
    _plain_log(ax.xaxis)
    ax.set_ylim(0, 1)
    ax.legend(loc="upper left")
    return fig


def plot_read_latency_cdf(
        runs: Mapping[str, StrategyResult], *,
        title: str = "Read latency: what fraction of reads finish within x") -> Any:
    """Empirical CDF of read latency (ms, log scale), one line per labelled run.

    >>> from labkit.caching.strategies import simulate_strategy
    >>> from labkit.caching.strategies import StrategyConfig
    >>> r = simulate_strategy(StrategyConfig("no_cache", n_requests=200, n_keys=20))
    >>> plot_read_latency_cdf({"no cache": r}).axes[0].get_ylabel()
    'fraction of reads'
    """
    _need_mapping("runs", runs)
    fig, ax = new_figure(title, "read latency (ms, log scale)", "fraction of reads")
    for colour, (label, run) in zip(cycle_colours(len(runs)), runs.items(), strict=True):
        reads = run.records[run.records.op == "read"]
        values = np.sort(reads.latency_s.to_numpy() * 1000)
        ax.step(values, np.arange(1, len(values) + 1) / len(values), where="post", lw=1.8,
                color=colour, label=label)
    ax.set_xscale("log")
    _plain_log(ax.xaxis)
    ax.set_ylim(0, 1.01)
    ax.legend(loc="upper left")
    return fig


def plot_strategy_comparison(table: pd.DataFrame, *,
                             title: str = "Caching strategies on the same request mix") -> Any:
    """Three panels from :func:`~labkit.caching.strategies.compare_strategies`: mean read
    latency, database operations per request and the fraction of stale reads.

    >>> from labkit.caching.strategies import StrategyConfig, compare_strategies
    >>> t = compare_strategies(StrategyConfig(n_requests=300, n_keys=50),
    ...                        ["no_cache", "cache_aside"])
    >>> len(plot_strategy_comparison(t).axes)
    3
    """
    need = ("read_latency_mean_s", "db_ops_per_request", "stale_read_fraction")
    missing = [c for c in need if c not in table.columns]
    if missing:
        raise ValueError(f"table lacks column(s) {missing}; use compare_strategies")
    fig, axes = new_figure(title, "strategy", "mean read latency (ms)", ncols=3,
                           figsize=(11.0, 3.6))
    labels = [_STRATEGY_LABELS.get(s, s) for s in table.index]
    colours = cycle_colours(len(table))
    panels = [(table.read_latency_mean_s * 1000, "mean read latency (ms)", "{:.1f}"),
              (table.db_ops_per_request, "database operations per request", "{:.2f}"),
              (table.stale_read_fraction, "fraction of reads that are stale", "{:.2f}")]
    for ax, (values, ylabel, fmt) in zip(axes, panels, strict=True):
        bars = ax.bar(labels, values.to_numpy(), color=colours)
        ax.set_ylabel(ylabel)
        ax.set_xlabel("strategy")
        ax.tick_params(axis="x", rotation=35)
        for bar, v in zip(bars, values.to_numpy(), strict=True):
            ax.annotate(fmt.format(v), (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                        ha="center", va="bottom", fontsize=8)
    fig.tight_layout()
    return fig


def plot_unflushed_writes(runs: Mapping[str, StrategyResult], *, crash_at_s: float | None = None,
                          step_s: float = 0.05,
                          title: str = "Write-behind: acknowledged writes not yet in the database"
                          ) -> Any:
    """The write-behind loss window over time, one line per labelled run; a dashed line marks
    the crash and the legend gives each run's lost writes.

    >>> from labkit.caching.strategies import simulate_strategy
    >>> from labkit.caching.strategies import StrategyConfig
    >>> r = simulate_strategy(StrategyConfig("write_behind", n_requests=400, n_keys=40,
    ...                                      arrival_rate=200.0, crash_at_s=1.1))
    >>> fig = plot_unflushed_writes({"flush every 1 s": r}, crash_at_s=1.1)
    >>> fig.axes[0].get_ylabel()
    'acknowledged, unflushed writes'
    """
    _need_mapping("runs", runs)
    fig, ax = new_figure(title, "time (s)", "acknowledged, unflushed writes")
    for colour, (label, run) in zip(cycle_colours(len(runs)), runs.items(), strict=True):
        line = run.unflushed_timeline(step_s)
        ax.step(line.time_s, line.unflushed_writes, where="post", color=colour,
                label=f"{label}: {run.writes_lost} lost", lw=1.6)
    if crash_at_s is not None:
        ax.axvline(crash_at_s, color="black", ls="--", lw=1)
        ax.annotate("cache node crashes", (crash_at_s, ax.get_ylim()[1] * 0.92),
                    xytext=(4, 0), textcoords="offset points", fontsize=9)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=min(3, len(runs)))
    return fig


def plot_ttl_staleness(read_rate: float, update_rate: float, ttls: Sequence[float], *,
                       measured_ttls: Sequence[float] = (), n_reads: int = 20_000,
                       seed: int = 0) -> Any:
    """Hit ratio and stale-read fraction of one key against the TTL (closed form as lines;
    a replay through a TTLCache as dots at ``measured_ttls``).

    >>> fig = plot_ttl_staleness(5.0, 0.1, [1, 10, 100], measured_ttls=[10], n_reads=2_000)
    >>> fig.axes[0].get_xscale()
    'log'
    """
    values = [check_positive("ttls", t) for t in ttls]
    if not values:
        raise ValueError("ttls must hold at least one TTL")
    exact = [ttl_staleness(read_rate, update_rate, t) for t in values]
    hit_colour, stale_colour = cycle_colours(2)
    fig, ax = new_figure(
        f"TTL against staleness: {read_rate:g} reads/s, {update_rate:g} updates/s per key",
        "TTL (s, log scale)", "fraction of reads")
    ax.plot(values, [e.hit_ratio for e in exact], color=hit_colour, lw=2, label="hit ratio")
    ax.plot(values, [e.stale_read_fraction for e in exact], color=stale_colour, lw=2,
            label="stale reads")
    for t in measured_ttls:
        m = simulate_ttl_staleness(StalenessConfig(read_rate, update_rate, t, n_reads=n_reads,
                                                   seed=seed))
        ax.plot([t], [m.hit_ratio], "o", color=hit_colour, ms=6)
        ax.plot([t], [m.stale_read_fraction], "o", color=stale_colour, ms=6)
    if measured_ttls:
        ax.plot([], [], "o", color="grey", label="replay through TTLCache")
    ax.set_xscale("log")
    _plain_log(ax.xaxis)
    ax.set_ylim(0, 1.02)
    ax.legend(loc="center left")
    return fig


def plot_stampede_load(runs: Mapping[str, StampedeResult], *,
                       title: str = "Database queries when hot keys expire together") -> Any:
    """Database queries per second over time, one line per cure.

    >>> from labkit.caching.stampede import StampedeConfig, simulate_stampede
    >>> fig = plot_stampede_load({"none": simulate_stampede(StampedeConfig(horizon_s=4.0))})
    >>> fig.axes[0].get_xlabel()
    'time (s)'
    """
    _need_mapping("runs", runs)
    fig, ax = new_figure(title, "time (s)", "database queries per second")
    for colour, (label, run) in zip(cycle_colours(len(runs)), runs.items(), strict=True):
        line = run.load_timeline()
        ax.step(line.time_s, line.db_queries_per_s, where="post", lw=1.6, color=colour,
                label=label)
    ax.legend(loc="upper right")
    return fig


def plot_write_fraction_sweep(sweep: pd.DataFrame, *, break_even: float | None = None,
                              title: str = "Cache-aside as the write fraction grows") -> Any:
    """Two panels from :func:`~labkit.caching.strategies.write_fraction_sweep`: mean request
    latency with and without the cache, and database operations per request.

    >>> from labkit.caching.strategies import StrategyConfig, write_fraction_sweep
    >>> s = write_fraction_sweep(StrategyConfig(n_requests=300, n_keys=50), [0.0, 0.5])
    >>> len(plot_write_fraction_sweep(s).axes)
    2
    """
    fig, axes = new_figure(title, "fraction of requests that are writes", "mean latency (ms)",
                           ncols=2, figsize=(10.0, 3.6))
    x = sweep.write_fraction
    cached, plain = cycle_colours(2)
    axes[0].plot(x, sweep.latency_mean_no_cache_s * 1000, "o-", color=plain, label="no cache")
    axes[0].plot(x, sweep.latency_mean_s * 1000, "o-", color=cached, label="cache-aside")
    axes[1].plot(x, sweep.db_ops_per_request_no_cache, "o-", color=plain, label="no cache")
    axes[1].plot(x, sweep.db_ops_per_request, "o-", color=cached, label="cache-aside")
    axes[1].set_ylabel("database operations per request")
    axes[1].set_ylim(0, 1.05)
    for ax in axes:
        if break_even is not None and np.isfinite(break_even):
            ax.axvline(break_even, color="black", ls="--", lw=1)
        ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def plot_cache_layers(layers: pd.DataFrame, *,
                      title: str = "Where a read is answered: the AWS cache layers") -> Any:
    """Horizontal bars: the latency of a read answered at each layer (``layer``,
    ``answered_latency_s``, and ``service`` if present for the labels), on a logarithmic axis.

    >>> df = pd.DataFrame({"layer": ["edge", "database"], "answered_latency_s": [0.01, 0.08]})
    >>> fig = plot_cache_layers(df)
    >>> fig.axes[0].get_xscale()
    'log'
    """
    for column in ("layer", "answered_latency_s"):
        if column not in layers.columns:
            raise ValueError(f"layers lacks column {column!r}")
    fig, ax = new_figure(title, "latency of a read answered there (ms, log scale)", "layer")
    values = layers.answered_latency_s.to_numpy(dtype=float) * 1000
    y = np.arange(len(layers))[::-1]
    ax.barh(y, values, color=cycle_colours(len(layers)))
    if "service" in layers.columns:
        names = [f"{svc.removeprefix('Amazon ')} [{layer}]"
                 for svc, layer in zip(layers.service, layers.layer, strict=True)]
    else:
        names = layers.layer.tolist()
    ax.set_yticks(y, names)
    for yi, v in zip(y, values, strict=True):
        ax.annotate(f"{v:.1f} ms", (v, yi), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=9)
    ax.set_xscale("log")
    _plain_log(ax.xaxis)
    ax.set_xlim(values.min() / 2, values.max() * 4)
    ax.grid(axis="y", visible=False)
    return fig
