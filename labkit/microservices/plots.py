"""Figures for the microservices notebook (viz layer of this family).

Each function takes the frames the models return and returns a matplotlib Figure with a title
and labelled axes (units in the labels), in the lab's style and palette.

Functions
    plot_service_latency, plot_littles_law, plot_outage, plot_end_to_end, plot_fanout,
    plot_query_designs, plot_cost_curve (the explorer's callbacks are in
    :mod:`labkit.microservices.explorers`)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from labkit.microservices.handoff import HandoffResult
from labkit.viz.style import PALETTE, new_figure

__all__ = [
    "plot_cost_curve",
    "plot_end_to_end",
    "plot_fanout",
    "plot_littles_law",
    "plot_outage",
    "plot_query_designs",
    "plot_service_latency",
]

_OPTION_COLOURS = {"Lambda": PALETTE[1], "Fargate": PALETTE[0], "EC2": PALETTE[3],
                   "App Runner": PALETTE[2]}
_DESIGN_COLOURS = {"sync": PALETTE[3], "async": PALETTE[0]}


def _ecdf(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.sort(np.asarray(values, dtype=float))
    return x, np.arange(1, len(x) + 1) / max(len(x), 1)


def plot_service_latency(requests: pd.DataFrame) -> Any:
    """Latency distribution (CDF) per service behind the gateway.

    >>> from labkit.microservices.gateway import GatewayConfig, run_gateway
    >>> config = GatewayConfig(arrival_rate=20, horizon_s=5, seed=0)
    >>> fig = plot_service_latency(run_gateway(config).records)
    >>> fig.axes[0].get_xlabel()
    'latency (ms)'
    """
    fig, ax = new_figure("Latency per service behind the gateway", "latency (ms)",
                         "share of requests at or below")
    for service, g in requests.groupby("service", sort=True):
        x, y = _ecdf(g.latency_s.to_numpy() * 1000)
        store = g["store"].iloc[0] if "store" in g else ""
        ax.plot(x, y, label=f"{service} ({store})")  # colours from the style's cycle
    ax.legend(loc="lower right")
    return fig


def plot_littles_law(table: pd.DataFrame) -> Any:
    """Requests inside each service: measured by the monitor vs lambda x W.

    >>> t = pd.DataFrame({"service": ["a"], "predicted_in_system": [1.0],
    ...                   "measured_in_system": [1.1]})
    >>> plot_littles_law(t).axes[0].get_ylabel()
    'requests inside the service'
    """
    fig, ax = new_figure("Little's law per service: L measured vs lambda x W", "service",
                         "requests inside the service")
    x = np.arange(len(table))
    ax.bar(x - 0.2, table.measured_in_system, width=0.4, color=PALETTE[0],
           label="L measured (monitor)")
    ax.bar(x + 0.2, table.predicted_in_system, width=0.4, color=PALETTE[1],
           label="lambda x W (arrivals x mean time inside)")
    ax.set_xticks(x, list(table.service))
    ax.legend(loc="upper left")
    return fig


def plot_outage(sync: HandoffResult, asyn: HandoffResult, *, bin_s: float = 2.0) -> Any:
    """Left: what clients got each second (accepted / failed). Right: the order backlog.

    >>> from labkit.microservices.handoff import HandoffConfig, compare_handoff_designs
    >>> runs = compare_handoff_designs(HandoffConfig(arrival_rate=5, horizon_s=30,
    ...                                outage_start_s=5, outage_end_s=10, drain_s=10, seed=0))
    >>> s, a = runs["sync"], runs["async"]
    >>> len(plot_outage(s, a).axes)
    2
    """
    fig, (left, right) = new_figure(
        "Order service down: synchronous chain vs queue hand-off", "time (s)",
        "checkouts per second (by arrival)", ncols=2, figsize=(10.0, 4.0))
    right.set_ylabel("orders accepted, not yet stored")
    for ax in (left, right):
        ax.axvspan(sync.outage_start_s, sync.outage_end_s, color="#bbbbbb", alpha=0.35,
                   zorder=0, label="order service down")
    edges = np.arange(0.0, sync.stop_s + bin_s, bin_s)

    def per_second(run: HandoffResult, mask: pd.Series) -> np.ndarray:
        counts, _ = np.histogram(run.requests.arrival_s[mask], edges)
        return counts / bin_s

    a, s = asyn.requests, sync.requests
    left.step(edges[:-1], per_second(asyn, a.accepted), where="post", lw=4, alpha=0.45,
              color=_DESIGN_COLOURS["async"], label="async: accepted (202)")
    left.step(edges[:-1], per_second(sync, s.accepted), where="post", lw=1.5,
              color=_DESIGN_COLOURS["sync"], label="sync: accepted (200)")
    left.step(edges[:-1], per_second(sync, ~s.accepted), where="post", lw=1.5, ls=":",
              color=PALETTE[7], label="sync: failed (503)")
    for run in (sync, asyn):
        right.plot(run.backlog.time_s, run.backlog.backlog, color=_DESIGN_COLOURS[run.design],
                   ls="-" if run.design == "sync" else "--", label=run.design)
    horizon = float(s.arrival_s.max()) if len(s) else sync.stop_s
    for ax in (left, right):
        ax.set_xlim(0, max(horizon, sync.outage_end_s) + 10)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=8)
    return fig


def plot_end_to_end(sync: HandoffResult, asyn: HandoffResult) -> Any:
    """Distribution of checkout-to-order-stored delay for completed orders (log scale).

    >>> from labkit.microservices.handoff import HandoffConfig, compare_handoff_designs
    >>> runs = compare_handoff_designs(HandoffConfig(arrival_rate=5, horizon_s=30,
    ...                                outage_start_s=5, outage_end_s=10, drain_s=10, seed=0))
    >>> s, a = runs["sync"], runs["async"]
    >>> plot_end_to_end(s, a).axes[0].get_xscale()
    'log'
    """
    fig, ax = new_figure("End-to-end delay of completed orders", "checkout to order stored (s)",
                         "share of completed orders at or below")
    for run in (sync, asyn):
        done = run.requests.loc[run.requests.outcome == "completed", "end_to_end_s"]
        x, y = _ecdf(done.to_numpy())
        ax.plot(x, y, color=_DESIGN_COLOURS[run.design],
                label=f"{run.design} ({len(done)} completed)")
    ax.set_xscale("log")
    ax.legend(loc="lower right")
    return fig


def plot_fanout(df: pd.DataFrame) -> Any:
    """Left: p99 against fan-out (measured, closed form, hedged). Right: share of slow requests.

    >>> from labkit.microservices.fanout import FanoutConfig, run_fanout
    >>> table = run_fanout(FanoutConfig(fanouts=(1, 10), n_requests=500)).table()
    >>> len(plot_fanout(table).axes)
    2
    """
    fig, (left, right) = new_figure("Fan-out: a request waits for its slowest call",
                                    "services called per request (n)", "p99 latency (ms)",
                                    ncols=2, figsize=(10.0, 3.8))
    right.set_ylabel("share of requests slower than one call's p99")
    n = df.fanout
    left.plot(n, df.p99_s * 1000, "o-", color=PALETTE[3], label="measured p99")
    left.plot(n, df.predicted_p99_s * 1000, "k:", label="closed form: call quantile 0.99^(1/n)")
    left.plot(n, df.hedged_p99_s * 1000, "s-", color=PALETTE[0], label="measured p99, hedged")
    right.plot(n, df.slow_fraction, "o-", color=PALETTE[3], label="measured")
    right.plot(n, df.predicted_slow_fraction, "k:", label="closed form 1 - (1 - p)^n")
    right.plot(n, df.hedged_slow_fraction, "s-", color=PALETTE[0], label="measured, hedged")
    for ax in (left, right):
        ax.set_xscale("log")
        ax.legend(loc="upper left", fontsize=8)
    left.set_title("p99 latency")
    right.set_title("Slow requests")
    fig.tight_layout()
    return fig


def plot_query_designs(queries: pd.DataFrame) -> Any:
    """Left: latency CDF of both designs. Right: share of inconsistent answers.

    >>> from labkit.microservices.composition import QueryConfig, run_query_designs
    >>> len(plot_query_designs(run_query_designs(QueryConfig(n_queries=500)).records).axes)
    2
    """
    fig, (left, right) = new_figure("Order history page: API composition vs local join",
                                    "latency (ms)", "share of queries at or below", ncols=2,
                                    figsize=(10.0, 3.8))
    colours = {"api_composition": PALETTE[1], "local_join": PALETTE[2]}
    names, shares = [], []
    for design, g in queries.groupby("design", sort=False):
        x, y = _ecdf(g.latency_s.to_numpy() * 1000)
        left.plot(x, y, color=colours.get(design, PALETTE[0]), label=design)
        names.append(design)
        shares.append(float(g.inconsistent.mean()) * 100)
    right.bar(names, shares, color=[colours.get(d, PALETTE[0]) for d in names])
    right.set_xlabel("design")
    right.set_ylabel("inconsistent answers (%)")
    left.set_title("Latency")
    right.set_title("Torn (composition) or stale (join) answers")
    left.legend(loc="lower right")
    fig.tight_layout()
    return fig


def plot_cost_curve(curve: pd.DataFrame, break_evens: pd.DataFrame | None = None, *,
                    arrival_rate: float | None = None, title: str | None = None) -> Any:
    """Monthly cost against request rate per compute option (log-log), with break-even points.

    >>> from labkit.microservices.cost import cost_curve
    >>> c = cost_curve([0.1, 1, 10], duration_s=0.1, memory_mb=512)
    >>> plot_cost_curve(c).axes[0].get_yscale()
    'log'
    """
    from matplotlib.ticker import FuncFormatter

    fig, ax = new_figure(title or "Monthly cost against request rate", "request rate (req/s)",
                         "monthly cost (USD)")
    positive = curve[curve.rate_per_s > 0]
    for option, g in positive.groupby("option", sort=False):
        ax.plot(g.rate_per_s, g.monthly_cost_usd.clip(lower=1e-2),
                color=_OPTION_COLOURS.get(option, PALETTE[4]), label=option,
                drawstyle="steps-post" if option != "Lambda" else "default")
    if break_evens is not None:
        for row in break_evens.itertuples(index=False):
            if np.isfinite(row.break_even_rate_per_s):
                ax.plot(row.break_even_rate_per_s, row.monthly_cost_usd, "o", mfc="white",
                        color=_OPTION_COLOURS.get(row.option, PALETTE[4]), ms=7)
    if arrival_rate is not None:
        ax.axvline(arrival_rate, color="#555555", ls="--", lw=1,
                   label=f"{arrival_rate:g} req/s")
    ax.set_xscale("log")
    ax.set_yscale("log")
    # plain tick labels (no mathtext) and no minor ticks keep the explorer's redraw fast
    ax.minorticks_off()
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.yaxis.set_major_formatter(
        FuncFormatter(lambda v, _pos: f"${v:,.0f}" if v >= 1 else f"${v:g}"))
    ax.legend(loc="upper left", ncol=2)
    return fig


def __getattr__(name: str) -> Any:
    """The explorer's callbacks moved to :mod:`labkit.microservices.explorers`."""
    if name in ("cost_explorer_figure", "update_cost_explorer"):
        from labkit.microservices import explorers

        return getattr(explorers, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
