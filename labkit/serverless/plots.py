"""Figures for the serverless notebooks (viz layer of this family).

Each function takes the frames the serverless models return and returns a matplotlib Figure with
a title and labelled axes (units in the labels), in the lab's style and palette.

Functions
    plot_cold_starts, plot_simfaas_agreement, plot_provisioned_tradeoff, plot_burst,
    plot_dynamodb, plot_origin_load, cold_start_explorer_figure, plot_iterator_age,
    plot_backlog, stream_explorer_figure
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from labkit.viz.inplace import updates_in_place
from labkit.viz.style import PALETTE, SUPTITLE, new_figure

__all__ = [
    "cold_start_explorer_figure",
    "plot_backlog",
    "plot_iterator_age",
    "stream_explorer_figure",
    "plot_burst",
    "plot_cold_starts",
    "plot_dynamodb",
    "plot_origin_load",
    "plot_provisioned_tradeoff",
    "plot_simfaas_agreement",
]

_START_COLOURS = {"warm": PALETTE[0], "cold": PALETTE[3], "provisioned": PALETTE[2],
                  "rejected": "#777777"}


def plot_cold_starts(curve: pd.DataFrame, experiments: pd.DataFrame | None = None, *,
                     title: str = "Cold-start probability against arrival rate") -> Any:
    """P(cold) against rate (log-log), one line per idle timeout; measured points if given.

    ``curve`` has ``arrival_rate``, ``idle_timeout_s``, ``cold_start_prob``; ``experiments``
    (optional) has ``arrival_rate``, ``cold_start_prob`` and ``cold_start_prob_se``.

    >>> c = pd.DataFrame({"arrival_rate": [0.1, 1], "idle_timeout_s": [600, 600],
    ...                   "cold_start_prob": [0.01, 0.002]})
    >>> plot_cold_starts(c).axes[0].get_xscale()
    'log'
    """
    fig, ax = new_figure(title, "arrival rate (requests/s)", "cold-start probability")
    for k, (timeout, g) in enumerate(curve.groupby("idle_timeout_s", sort=True)):
        g = g.sort_values("arrival_rate")
        label = (f"idle timeout {timeout / 60:g} min" if timeout >= 60
                 else f"idle timeout {timeout:g} s")
        ax.plot(g.arrival_rate, g.cold_start_prob.clip(lower=1e-5), "-o", ms=3,
                color=PALETTE[k % len(PALETTE)], label=f"model, {label}")
    if experiments is not None:
        ax.errorbar(experiments.arrival_rate, experiments.cold_start_prob,
                    yerr=2 * experiments.cold_start_prob_se, fmt="s", ms=4, color="black",
                    mfc="white", capsize=2, label="AWS Lambda 2020 (SimFaaS data, ±2 SE)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.legend(loc="lower left")
    return fig


def plot_simfaas_agreement(comparison: pd.DataFrame) -> Any:
    """Measured (AWS Lambda, SimFaaS data) against model: P(cold) and mean instance count.

    >>> from labkit.serverless.experiments import compare_with_experiments, load_simfaas_experiments
    >>> c = compare_with_experiments(min_requests=200, min_horizon_s=500,
    ...                              experiments=load_simfaas_experiments().tail(2))
    >>> len(plot_simfaas_agreement(c).axes)
    2
    """
    fig, axes = new_figure("Model against the 20 published AWS Lambda experiments",
                           "arrival rate (requests/s)", "cold-start probability", ncols=2)
    c = comparison.sort_values("arrival_rate")
    for ax, metric, label in ((axes[0], "cold_start_prob", "cold-start probability"),
                              (axes[1], "mean_instances", "mean instance count")):
        ax.plot(c.arrival_rate, c[f"{metric}_measured"], "s", color="black", mfc="white", ms=5,
                label="measured (2020)")
        ax.plot(c.arrival_rate, c[f"{metric}_model"], "-o", color=PALETTE[0], ms=3,
                label="labkit model")
        ax.set_xscale("log")
        ax.set_ylabel(label)
        ax.legend(loc="best")
    axes[0].set_yscale("log")
    return fig


def plot_provisioned_tradeoff(frame: pd.DataFrame, *, title: str | None = None) -> Any:
    """Cold-start probability and monthly cost against provisioned concurrency.

    ``frame`` has ``provisioned``, ``cold_start_prob`` and ``monthly_cost_usd``.

    >>> f = pd.DataFrame({"provisioned": [0, 5], "cold_start_prob": [0.01, 0.0],
    ...                   "monthly_cost_usd": [10.0, 40.0]})
    >>> len(plot_provisioned_tradeoff(f).axes)
    2
    """
    fig, axes = new_figure(title or "Provisioned concurrency: fewer cold starts, a fixed bill",
                           "provisioned concurrency (environments)", "cold-start probability",
                           ncols=2)
    axes[0].plot(frame.provisioned, frame.cold_start_prob, "-o", color=PALETTE[3], ms=4)
    axes[1].plot(frame.provisioned, frame.monthly_cost_usd, "-o", color=PALETTE[0], ms=4)
    axes[1].set_ylabel("monthly cost (USD)")
    return fig


def plot_burst(df: pd.DataFrame, *, bin_s: float = 1.0, title: str | None = None) -> Any:
    """A burst through API Gateway and Lambda: outcomes per second and concurrency.

    ``df`` is :func:`labkit.serverless.run_lambda_burst`'s frame.

    >>> from labkit.serverless import run_lambda_burst
    >>> df = run_lambda_burst([(0, 20.0), (1, 500.0), (2, 20.0)], horizon_s=3, reserved=50)
    >>> len(plot_burst(df).axes)
    2
    """
    fig, axes = new_figure(title or "A burst: served requests, 429 throttles and concurrency",
                           "time (s)", "requests per second", ncols=2)
    edges = np.arange(0.0, float(df.arrival_s.max()) + bin_s, bin_s)
    if len(edges) < 2:
        edges = np.array([0.0, bin_s])
    centres = edges[:-1]
    groups = [("served", df.status == 200, PALETTE[2]),
              ("429 from API Gateway", df.layer == "api_gateway", PALETTE[1]),
              ("429 from Lambda", df.layer == "lambda", PALETTE[3])]
    bottom = np.zeros(len(centres))
    for label, mask, colour in groups:
        counts, _ = np.histogram(df.arrival_s[mask], bins=edges)
        rate = counts / bin_s
        axes[0].bar(centres, rate, width=bin_s, bottom=bottom, align="edge", color=colour,
                    label=label)
        bottom += rate
    axes[0].legend(loc="upper left")
    axes[1].plot(df.arrival_s, df.in_flight, color=PALETTE[0], lw=1)
    axes[1].set_ylabel("requests in flight (concurrency)")
    return fig


def plot_dynamodb(frames: dict[str, pd.DataFrame], *, title: str | None = None) -> Any:
    """Demand, and throttled units per second, for several tables (provisioned / on-demand).

    >>> from labkit.serverless import on_demand_table
    >>> len(plot_dynamodb({"on-demand": on_demand_table([100.0, 9000.0])}).axes)
    2
    """
    fig, axes = new_figure(title or "DynamoDB: what each capacity mode serves and throttles",
                           "time (s)", "capacity units per second", ncols=2)
    first = next(iter(frames.values()))
    axes[0].plot(first.second, first.demand_units, color="black", lw=1, label="demand")
    for k, (name, f) in enumerate(frames.items()):
        colour = PALETTE[k % len(PALETTE)]
        axes[0].plot(f.second, f.served_units, color=colour, lw=1.5, label=f"served: {name}")
        axes[1].plot(f.second, f.throttled_units, color=colour, lw=1.5, label=name)
    axes[1].set_ylabel("throttled units per second")
    axes[0].legend(loc="upper left")
    axes[1].legend(loc="upper left")
    return fig


def plot_origin_load(frame: pd.DataFrame, *, title: str | None = None) -> Any:
    """Origin requests per second against CDN TTL, one line per viewer request rate.

    ``frame`` has ``request_rate``, ``ttl_s``, ``origin_rps``.

    >>> f = pd.DataFrame({"request_rate": [100, 100], "ttl_s": [1, 10], "origin_rps": [50, 20]})
    >>> plot_origin_load(f).axes[0].get_xscale()
    'log'
    """
    fig, ax = new_figure(title or "A CDN in front: what still reaches the origin",
                         "cache TTL (s)", "origin requests per second")
    for k, (rate, g) in enumerate(frame.groupby("request_rate", sort=True)):
        ax.plot(g.ttl_s, g.origin_rps, "-o", ms=3, color=PALETTE[k % len(PALETTE)],
                label=f"{rate:g} viewer requests/s")
    ax.set_xscale("log")
    ax.legend(loc="upper right")
    return fig


def _cold_start_view(rate_per_s: float, idle_timeout_min: float, provisioned: int,
                     memory_mb: int, *, n_requests: int, seed: int) -> dict[str, Any]:
    """What the cold-start explorer shows: its title, the response times by start kind and the
    monthly bills."""
    from labkit.serverless.functions import simulate_functions
    from labkit.serverless.pricing import lambda_monthly_cost

    warm_s, cold_s = 0.2, 1.2
    s = simulate_functions(rate_per_s, warm_s, cold_s, idle_timeout_min * 60.0,
                           horizon_s=n_requests / rate_per_s, seed=seed,
                           provisioned=int(provisioned))
    f = s.to_frame()
    share_prov = f.instance < int(provisioned)
    points = []
    for kind, mask in (("warm (on demand)", (f.start == "warm") & ~share_prov),
                       ("warm (provisioned)", (f.start == "warm") & share_prov),
                       ("cold", f.start == "cold")):
        points.append((f"{kind}: {int(mask.sum())}", f.arrival_s[mask], f.response_s[mask]))
    duration = float(f.response_s.mean())
    on_demand = lambda_monthly_cost(rate_per_s, duration_s=duration, memory_mb=memory_mb)
    bills = {"on demand": on_demand.total_usd}
    if provisioned:
        bills[f"{int(provisioned)} provisioned"] = lambda_monthly_cost(
            rate_per_s, duration_s=duration, memory_mb=memory_mb,
            provisioned=int(provisioned)).total_usd
    return {"title": (f"{rate_per_s:g} req/s, idle timeout {idle_timeout_min:g} min, "
                      f"{int(provisioned)} provisioned: P(cold) = {s.cold_start_prob:.2%}"),
            "points": points, "bills": bills, "memory_mb": memory_mb}


def _draw_cold_start_bills(ax: Any, view: dict[str, Any]) -> None:
    bills = view["bills"]
    ax.bar(list(bills), list(bills.values()), color=[PALETTE[0], PALETTE[2]][:len(bills)])
    ax.set_xlabel(f"Lambda, {view['memory_mb']} MB, x86")
    ax.set_ylabel("monthly cost (USD)")


def _update_cold_start_explorer(fig: Any, rate_per_s: float = 2.0,
                                idle_timeout_min: float = 10.0, provisioned: int = 0,
                                memory_mb: int = 512, *, n_requests: int = 800,
                                seed: int = 0) -> bool:
    """Redraw :func:`cold_start_explorer_figure` in place: title, points, legend and bills."""
    view = _cold_start_view(rate_per_s, idle_timeout_min, provisioned, memory_mb,
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


@updates_in_place(_update_cold_start_explorer)
def cold_start_explorer_figure(rate_per_s: float = 2.0, idle_timeout_min: float = 10.0,
                               provisioned: int = 0, memory_mb: int = 512, *,
                               n_requests: int = 800, seed: int = 0) -> Any:
    """Explorer figure: one short run's response times (cold starts marked) and the monthly bill.
    An explorer redraws it in place on each move.

    >>> fig = cold_start_explorer_figure(2.0, 10.0, 0, 512, n_requests=200)
    >>> fig.axes[0].get_xlabel()
    'arrival time (s)'
    """
    view = _cold_start_view(rate_per_s, idle_timeout_min, provisioned, memory_mb,
                            n_requests=n_requests, seed=seed)
    fig, axes = new_figure(view["title"], "arrival time (s)", "response time (s)", ncols=2)
    for label, x, y in view["points"]:
        kind = label.split(":")[0]
        colour = {"cold": _START_COLOURS["cold"],
                  "warm (provisioned)": _START_COLOURS["provisioned"]}.get(kind, PALETTE[0])
        axes[0].plot(x, y, ".", ms=3 if kind != "cold" else 7, color=colour, label=label)
    axes[0].legend(loc="upper right")
    _draw_cold_start_bills(axes[1], view)
    return fig


def _backlog(run: Any, times: np.ndarray) -> np.ndarray:
    rec = run.records
    arrived = np.searchsorted(np.sort(rec.arrival_s.to_numpy()), times, side="right")
    done = np.sort(rec.done_s.dropna().to_numpy())
    finished = np.searchsorted(done, times, side="right")
    return arrived - finished


def plot_iterator_age(runs: dict[str, Any], *, bin_s: float = 10.0,
                      title: str | None = None) -> Any:
    """Maximum IteratorAge per bin for several stream runs (one line each).

    >>> from labkit.serverless import run_stream_processing
    >>> fig = plot_iterator_age({"default": run_stream_processing(horizon_s=60)})
    >>> fig.axes[0].get_ylabel()
    'iterator age, maximum per bin (s)'
    """
    from labkit.serverless.streams import iterator_age_series

    fig, ax = new_figure(title or "Iterator age: how far behind the consumer is",
                         "time (s)", "iterator age, maximum per bin (s)")
    for k, (name, run) in enumerate(runs.items()):
        series = iterator_age_series(run, bin_s=bin_s)
        ax.plot(series.time_s, series.iterator_age_s, ("-", "--", ":", "-.")[k % 4], lw=2.0,
                color=PALETTE[k % len(PALETTE)], label=name)
    ax.legend(loc="upper left")
    return fig


def plot_backlog(runs: dict[str, Any], *, title: str | None = None) -> Any:
    """Records written but not yet processed or discarded, over time, for several runs.

    >>> from labkit.serverless import run_stream_processing
    >>> len(plot_backlog({"default": run_stream_processing(horizon_s=30)}).axes)
    1
    """
    fig, ax = new_figure(title or "Backlog: records waiting in the stream", "time (s)",
                         "records not yet processed")
    for k, (name, run) in enumerate(runs.items()):
        times = np.linspace(0.0, run.horizon_s, 241)
        ax.plot(times, _backlog(run, times), ("-", "--", ":", "-.")[k % 4], lw=2.0,
                color=PALETTE[k % len(PALETTE)], label=name)
    ax.legend(loc="upper left")
    return fig


def _stream_explorer_view(shards: int, batch_size: int, parallelization_factor: int, *,
                          records_per_s: float, horizon_s: float, seed: int) -> dict[str, Any]:
    """What the stream explorer shows for one configuration: its title and two curves."""
    from labkit.serverless.streams import (
        EventSourceMapping,
        iterator_age_series,
        run_stream_processing,
    )

    esm = EventSourceMapping(batch_size=int(batch_size),
                             parallelization_factor=int(parallelization_factor))
    run = run_stream_processing(esm, shards=int(shards), records_per_s=records_per_s,
                                horizon_s=horizon_s, per_record_s=0.01, invoke_overhead_s=0.05,
                                seed=seed)
    s = run.summary()
    series = iterator_age_series(run, bin_s=2.5)
    times = np.linspace(0.0, horizon_s, 91)
    return {
        "title": (f"{int(shards)} shard(s), batch {int(batch_size)}, factor "
                  f"{int(parallelization_factor)}: final iterator age "
                  f"{s['final_iterator_age_s']:.1f} s"),
        "age": (series.time_s.to_numpy(), series.iterator_age_s.to_numpy()),
        "backlog": (times, _backlog(run, times)),
    }


def _update_stream_explorer(fig: Any, shards: int = 1, batch_size: int = 10,
                            parallelization_factor: int = 1, *, records_per_s: float = 100.0,
                            horizon_s: float = 20.0, seed: int = 0) -> bool:
    """Redraw :func:`stream_explorer_figure` in place: new title and curves, rescaled axes."""
    view = _stream_explorer_view(shards, batch_size, parallelization_factor,
                                 records_per_s=records_per_s, horizon_s=horizon_s, seed=seed)
    fig.suptitle(view["title"], **SUPTITLE)
    for ax, key in zip(fig.axes, ("age", "backlog"), strict=True):
        ax.lines[0].set_data(*view[key])
        ax.relim()
        ax.autoscale_view()
    return True


@updates_in_place(_update_stream_explorer)
def stream_explorer_figure(shards: int = 1, batch_size: int = 10,
                           parallelization_factor: int = 1, *, records_per_s: float = 100.0,
                           horizon_s: float = 20.0, seed: int = 0) -> Any:
    """Explorer figure: iterator age and backlog for one stream configuration (10 ms per record
    plus 50 ms per invocation). An explorer redraws it in place on each move.

    >>> stream_explorer_figure(1, 100, 1, horizon_s=10).axes[0].get_xlabel()
    'time (s)'
    """
    view = _stream_explorer_view(shards, batch_size, parallelization_factor,
                                 records_per_s=records_per_s, horizon_s=horizon_s, seed=seed)
    fig, axes = new_figure(view["title"], "time (s)", "iterator age (s)", ncols=2)
    axes[0].plot(*view["age"], color=PALETTE[0], lw=1.8)
    axes[1].plot(*view["backlog"], color=PALETTE[3], lw=1.8)
    axes[1].set_ylabel("records waiting")
    return fig
