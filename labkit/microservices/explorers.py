"""The microservices notebook's explorer callbacks.

``cost_explorer_figure(...)`` draws the compute-cost explorer for one set of control values;
``update_cost_explorer(fig, ...)`` redraws it in place (an explorer calls it on every change).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

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
from labkit.microservices.plots import plot_cost_curve
from labkit.viz.inplace import updates_in_place

__all__ = ["cost_explorer_figure", "update_cost_explorer"]


def _cost_explorer_view(memory_mb: int, duration_ms: int, arrival_rate: float,
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
    at = cost_curve([arrival_rate], duration_s=duration_s, memory_mb=memory_mb,
                    options=options, prices=prices)
    cheapest = at.loc[at.monthly_cost_usd.idxmin()]
    return {"curve": curve, "evens": evens,
            "title": (f"{memory_mb} MB, {duration_ms} ms: cheapest at {arrival_rate:g} req/s is "
                      f"{cheapest.option} (${cheapest.monthly_cost_usd:,.2f}/month)")}


def update_cost_explorer(fig: Any, memory_mb: int = 512, duration_ms: int = 100,
                         arrival_rate: float = 5.0, *, prices: PriceTable | None = None,
                         rates: Sequence[float] | None = None) -> bool:
    """Redraw :func:`cost_explorer_figure` in place: curves, break-even points, chosen rate."""
    view = _cost_explorer_view(memory_mb, duration_ms, arrival_rate, prices, rates)
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
    chosen.set_xdata([arrival_rate, arrival_rate])
    chosen.set_label(f"{arrival_rate:g} req/s")
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


@updates_in_place(update_cost_explorer)
def cost_explorer_figure(memory_mb: int = 512, duration_ms: int = 100, arrival_rate: float = 5.0,
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
    view = _cost_explorer_view(memory_mb, duration_ms, arrival_rate, prices, rates)
    return plot_cost_curve(view["curve"], view["evens"], arrival_rate=arrival_rate,
                           title=view["title"])


cost_explorer_figure.cache_token = _prices_version
