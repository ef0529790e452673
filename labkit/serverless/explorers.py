"""The serverless explorers: each figure an explorer draws, and its redraw in place.

The one naming scheme of the lab: ``<thing>_explorer_figure(...)`` draws the explorer's figure
for one set of control values, ``update_<thing>_explorer(fig, ...)`` redraws it in place (declared
with :func:`labkit.viz.inplace.updates_in_place`).

Functions
    cold_start_explorer_figure, update_cold_start_explorer (notebook 06),
    stream_explorer_figure, update_stream_explorer (notebook 07)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from labkit.serverless.functions import FunctionsConfig, run_functions
from labkit.serverless.plots import PALETTE, START_COLOURS, backlog
from labkit.serverless.pricing import lambda_monthly_cost
from labkit.serverless.streams import (
    EventSourceMapping,
    StreamConfig,
    iterator_age_series,
    simulate_stream,
)
from labkit.viz.inplace import updates_in_place
from labkit.viz.style import SUPTITLE, new_figure

__all__ = ["cold_start_explorer_figure", "stream_explorer_figure", "update_cold_start_explorer",
           "update_stream_explorer"]


def _cold_start_view(arrival_rate: float, idle_timeout_min: float, provisioned: int,
                     memory_mb: int, *, n_requests: int, seed: int) -> dict[str, Any]:
    """What the cold-start explorer shows: its title, the response times by start kind and the
    monthly bills."""
    warm_s, cold_s = 0.2, 1.2
    s = run_functions(FunctionsConfig(arrival_rate=arrival_rate, warm_service_s=warm_s,
                                      cold_service_s=cold_s,
                                      idle_timeout_s=idle_timeout_min * 60.0,
                                      horizon_s=n_requests / arrival_rate, seed=seed,
                                      provisioned=int(provisioned)))
    f = s.to_frame()
    share_prov = f.instance < int(provisioned)
    points = []
    for kind, mask in (("warm (on demand)", (f.start == "warm") & ~share_prov),
                       ("warm (provisioned)", (f.start == "warm") & share_prov),
                       ("cold", f.start == "cold")):
        points.append((f"{kind}: {int(mask.sum())}", f.arrival_s[mask], f.response_s[mask]))
    duration = float(f.response_s.mean())
    on_demand = lambda_monthly_cost(arrival_rate, duration_s=duration, memory_mb=memory_mb)
    bills = {"on demand": on_demand.total_usd}
    if provisioned:
        bills[f"{int(provisioned)} provisioned"] = lambda_monthly_cost(
            arrival_rate, duration_s=duration, memory_mb=memory_mb,
            provisioned=int(provisioned)).total_usd
    return {"title": (f"{arrival_rate:g} req/s, idle timeout {idle_timeout_min:g} min, "
                      f"{int(provisioned)} provisioned: P(cold) = {s.cold_start_prob:.2%}"),
            "points": points, "bills": bills, "memory_mb": memory_mb}


def _draw_cold_start_bills(ax: Any, view: dict[str, Any]) -> None:
    bills = view["bills"]
    ax.bar(list(bills), list(bills.values()), color=[PALETTE[0], PALETTE[2]][:len(bills)])
    ax.set_xlabel(f"Lambda, {view['memory_mb']} MB, x86")
    ax.set_ylabel("monthly cost (USD)")


def update_cold_start_explorer(fig: Any, arrival_rate: float = 2.0,
                                idle_timeout_min: float = 10.0, provisioned: int = 0,
                                memory_mb: int = 512, *, n_requests: int = 800,
                                seed: int = 0) -> bool:
    """Redraw :func:`cold_start_explorer_figure` in place: title, points, legend and bills."""
    view = _cold_start_view(arrival_rate, idle_timeout_min, provisioned, memory_mb,
                            n_requests=n_requests, seed=seed)
    left, right = fig.axes
    fig.suptitle(view["title"], **SUPTITLE)
    for line, (label, x, y) in zip(left.lines, view["points"], strict=True):
        line.set_data(x, y)
        line.set_label(label)
    left.relim()
    left.autoscale_view()
    left.legend(loc="upper right")
    right.cla()  # the bars are categories whose names change: draw them afresh
    _draw_cold_start_bills(right, view)
    return True


@updates_in_place(update_cold_start_explorer)
def cold_start_explorer_figure(arrival_rate: float = 2.0, idle_timeout_min: float = 10.0,
                               provisioned: int = 0, memory_mb: int = 512, *,
                               n_requests: int = 800, seed: int = 0) -> Any:
    """Explorer figure: one short run's response times (cold starts marked) and the monthly bill.
    An explorer redraws it in place on each move.

    >>> fig = cold_start_explorer_figure(2.0, 10.0, 0, 512, n_requests=200)
    >>> fig.axes[0].get_xlabel()
    'arrival time (s)'
    """
    view = _cold_start_view(arrival_rate, idle_timeout_min, provisioned, memory_mb,
                            n_requests=n_requests, seed=seed)
    fig, axes = new_figure(view["title"], "arrival time (s)", "response time (s)", ncols=2)
    for label, x, y in view["points"]:
        kind = label.split(":")[0]
        colour = {"cold": START_COLOURS["cold"],
                  "warm (provisioned)": START_COLOURS["provisioned"]}.get(kind, PALETTE[0])
        axes[0].plot(x, y, ".", ms=3 if kind != "cold" else 7, color=colour, label=label)
    axes[0].legend(loc="upper right")
    _draw_cold_start_bills(axes[1], view)
    return fig


def _stream_explorer_view(shards: int, batch_size: int, parallelization_factor: int, *,
                          arrival_rate: float, horizon_s: float, seed: int) -> dict[str, Any]:
    """What the stream explorer shows for one configuration: its title and two curves."""
    esm = EventSourceMapping(batch_size=int(batch_size),
                             parallelization_factor=int(parallelization_factor))
    run = simulate_stream(StreamConfig(mapping=esm, shards=int(shards), arrival_rate=arrival_rate,
                                       horizon_s=horizon_s, per_record_s=0.01,
                                       invoke_overhead_s=0.05, seed=seed))
    s = run.summary()
    series = iterator_age_series(run, bin_s=2.5)
    times = np.linspace(0.0, horizon_s, 91)
    return {
        "title": (f"{int(shards)} shard(s), batch {int(batch_size)}, factor "
                  f"{int(parallelization_factor)}: final iterator age "
                  f"{s['final_iterator_age_s']:.1f} s"),
        "age": (series.time_s.to_numpy(), series.iterator_age_s.to_numpy()),
        "backlog": (times, backlog(run, times)),
    }


def update_stream_explorer(fig: Any, shards: int = 1, batch_size: int = 10,
                            parallelization_factor: int = 1, *, arrival_rate: float = 100.0,
                            horizon_s: float = 20.0, seed: int = 0) -> bool:
    """Redraw :func:`stream_explorer_figure` in place: new title and curves, rescaled axes."""
    view = _stream_explorer_view(shards, batch_size, parallelization_factor,
                                 arrival_rate=arrival_rate, horizon_s=horizon_s, seed=seed)
    fig.suptitle(view["title"], **SUPTITLE)
    for ax, key in zip(fig.axes, ("age", "backlog"), strict=True):
        ax.lines[0].set_data(*view[key])
        ax.relim()
        ax.autoscale_view()
    return True


@updates_in_place(update_stream_explorer)
def stream_explorer_figure(shards: int = 1, batch_size: int = 10,
                           parallelization_factor: int = 1, *, arrival_rate: float = 100.0,
                           horizon_s: float = 20.0, seed: int = 0) -> Any:
    """Explorer figure: iterator age and backlog for one stream configuration (10 ms per record
    plus 50 ms per invocation). An explorer redraws it in place on each move.

    >>> stream_explorer_figure(1, 100, 1, horizon_s=10).axes[0].get_xlabel()
    'time (s)'
    """
    view = _stream_explorer_view(shards, batch_size, parallelization_factor,
                                 arrival_rate=arrival_rate, horizon_s=horizon_s, seed=seed)
    fig, axes = new_figure(view["title"], "time (s)", "iterator age (s)", ncols=2)
    axes[0].plot(*view["age"], color=PALETTE[0], lw=1.8)
    axes[1].plot(*view["backlog"], color=PALETTE[3], lw=1.8)
    axes[1].set_ylabel("records waiting")
    return fig
