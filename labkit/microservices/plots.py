"""Figures for the microservices notebook (viz layer of this family).

Each function takes the frames the models return and returns a matplotlib Figure with a title
and labelled axes (units in the labels), in the lab's style and palette.

Functions
    plot_service_latency, plot_littles_law, plot_outage, plot_end_to_end, plot_fanout,
    plot_query_designs, plot_cost_curve, cost_explorer_figure
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from labkit.microservices.cost import (
    AppRunnerOption,
    EC2Option,
    FargateOption,
    LambdaOption,
    PriceTable,
    break_even_table,
    cost_curve,
    load_prices,
)
from labkit.microservices.handoff import OutageRun
from labkit.viz.inplace import updates_in_place
from labkit.viz.style import PALETTE, new_figure

__all__ = [
    "cost_explorer_figure",
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

    >>> from labkit.microservices.gateway import run_gateway
    >>> fig = plot_service_latency(run_gateway(rate_per_s=20, horizon_s=5, seed=0).requests)
    >>> fig.axes[0].get_xlabel()
    'latency (ms)'
    """
    fig, ax = new_figure("Latency per service behind the gateway", "latency (ms)",
                         "share of requests at or below")
    for k, (service, g) in enumerate(requests.groupby("service", sort=True)):
        x, y = _ecdf(g.latency_s.to_numpy() * 1000)
        store = g["store"].iloc[0] if "store" in g else ""
        ax.plot(x, y, color=PALETTE[k % len(PALETTE)], label=f"{service} ({store})")
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


def plot_outage(sync: OutageRun, asyn: OutageRun, *, bin_s: float = 2.0) -> Any:
    """Left: what clients got each second (accepted / failed). Right: the order backlog.

    >>> from labkit.microservices.handoff import compare_designs
    >>> _, s, a = compare_designs(rate_per_s=5, horizon_s=30, outage_start_s=5,
    ...                           outage_end_s=10, drain_s=10, seed=0)
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

    def per_second(run: OutageRun, mask: pd.Series) -> np.ndarray:
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


def plot_end_to_end(sync: OutageRun, asyn: OutageRun) -> Any:
    """Distribution of checkout-to-order-stored delay for completed orders (log scale).

    >>> from labkit.microservices.handoff import compare_designs
    >>> _, s, a = compare_designs(rate_per_s=5, horizon_s=30, outage_start_s=5,
    ...                           outage_end_s=10, drain_s=10, seed=0)
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

    >>> from labkit.microservices.fanout import run_fanout
    >>> len(plot_fanout(run_fanout((1, 10), n_requests=500)).axes)
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

    >>> from labkit.microservices.composition import run_query_designs
    >>> len(plot_query_designs(run_query_designs(n_queries=500).queries).axes)
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
                    rate_per_s: float | None = None, title: str | None = None) -> Any:
    """Monthly cost against request rate per compute option (log-log), with break-even points.

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
    if rate_per_s is not None:
        ax.axvline(rate_per_s, color="#555555", ls="--", lw=1, label=f"{rate_per_s:g} req/s")
    ax.set_xscale("log")
    ax.set_yscale("log")
    # plain tick labels (no mathtext) and no minor ticks keep the explorer's redraw fast
    ax.minorticks_off()
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.yaxis.set_major_formatter(
        FuncFormatter(lambda v, _pos: f"${v:,.0f}" if v >= 1 else f"${v:g}"))
    ax.legend(loc="upper left", ncol=2)
    return fig


def _cost_explorer_view(memory_mb: int, duration_ms: int, rate_per_s: float,
                        prices: PriceTable | None,
                        rates: Sequence[float] | None) -> dict[str, Any]:
    """What the cost explorer shows: the curves, break-even points and title at these values."""
    prices = prices if prices is not None else load_prices()
    duration_s = duration_ms / 1000.0
    grid = list(rates) if rates is not None else list(np.logspace(-2, 3, 121))
    options = (LambdaOption(), FargateOption(), EC2Option(), AppRunnerOption())
    curve = cost_curve(grid, duration_s=duration_s, memory_mb=memory_mb, options=options,
                       prices=prices)
    evens = break_even_table(duration_s=duration_s, memory_mb=memory_mb, options=options[1:],
                             prices=prices)
    at = cost_curve([rate_per_s], duration_s=duration_s, memory_mb=memory_mb, options=options,
                    prices=prices)
    cheapest = at.loc[at.monthly_cost_usd.idxmin()]
    return {"curve": curve, "evens": evens,
            "title": (f"{memory_mb} MB, {duration_ms} ms: cheapest at {rate_per_s:g} req/s is "
                      f"{cheapest.option} (${cheapest.monthly_cost_usd:,.2f}/month)")}


def _update_cost_explorer(fig: Any, memory_mb: int = 512, duration_ms: int = 100,
                          rate_per_s: float = 5.0, *, prices: PriceTable | None = None,
                          rates: Sequence[float] | None = None) -> bool:
    """Redraw :func:`cost_explorer_figure` in place: curves, break-even points, chosen rate."""
    view = _cost_explorer_view(memory_mb, duration_ms, rate_per_s, prices, rates)
    ax = fig.axes[0]
    positive = view["curve"][view["curve"].rate_per_s > 0]
    curves = [g for _option, g in positive.groupby("option", sort=False)]
    evens = [row for row in view["evens"].itertuples(index=False)
             if np.isfinite(row.break_even_rate_per_s)]
    if len(ax.lines) != len(curves) + len(evens) + 1:
        return False  # another number of break-even points: draw afresh
    lines = iter(ax.lines)
    for g in curves:
        next(lines).set_data(g.rate_per_s, g.monthly_cost_usd.clip(lower=1e-2))
    for row in evens:
        next(lines).set_data([row.break_even_rate_per_s], [row.monthly_cost_usd])
    chosen = next(lines)
    chosen.set_xdata([rate_per_s, rate_per_s])
    chosen.set_label(f"{rate_per_s:g} req/s")
    ax.relim()
    ax.autoscale_view()
    ax.legend(loc="upper left", ncol=2)
    ax.set_title(view["title"])
    return True


def _prices_version() -> tuple[tuple[int, int], ...]:
    """Changes when a facts table (where the prices live) is edited: sizes and modification
    times."""
    from labkit.core.facts import fact_tables

    return tuple((p.stat().st_size, p.stat().st_mtime_ns) for p in fact_tables())


@updates_in_place(_update_cost_explorer)
def cost_explorer_figure(memory_mb: int = 512, duration_ms: int = 100, rate_per_s: float = 5.0,
                         *, prices: PriceTable | None = None,
                         rates: Sequence[float] | None = None) -> Any:
    """The cost explorer's figure: cost curves, break-even points (circles) and the chosen rate.

    Prices are read from the facts tables on every call unless ``prices`` is given, so an
    edited price shows up on the next redraw (an explorer's cached answers are keyed by the
    tables' version too). An explorer redraws the figure in place.

    >>> fig = cost_explorer_figure(512, 100, 5.0)
    >>> fig.axes[0].get_xlabel()
    'request rate (req/s)'
    """
    view = _cost_explorer_view(memory_mb, duration_ms, rate_per_s, prices, rates)
    return plot_cost_curve(view["curve"], view["evens"], rate_per_s=rate_per_s,
                           title=view["title"])


cost_explorer_figure.cache_token = _prices_version
