"""Figures for the serverless notebooks (viz layer of this family).

Each function takes the frames the serverless models return and returns a matplotlib Figure with
a title and labelled axes (units in the labels), in the lab's style and palette.

Colours come from the style's colour cycle (``axes.prop_cycle``, set by
:func:`labkit.viz.use_style`) or are named for what they show (warm, cold, provisioned). The
explorers' figures are in :mod:`labkit.serverless.explorers`.

Functions
    plot_cold_starts, plot_simfaas_agreement, plot_provisioned_tradeoff, plot_burst,
    plot_dynamodb, plot_origin_load, plot_iterator_age, plot_backlog, plot_edge_origin_load,
    plot_az_outage, plot_interval_bars
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from labkit.viz.style import PALETTE, new_figure

__all__ = [
    "plot_az_outage",
    "plot_backlog",
    "plot_edge_origin_load",
    "plot_interval_bars",
    "plot_iterator_age",
    "plot_burst",
    "plot_cold_starts",
    "plot_dynamodb",
    "plot_origin_load",
    "plot_provisioned_tradeoff",
    "plot_simfaas_agreement",
]

START_COLOURS = {"warm": PALETTE[0], "cold": PALETTE[3], "provisioned": PALETTE[2],
                 "rejected": "#777777"}
LINE_STYLES = ("-", "--", ":", "-.")


def style_colours() -> Iterator[str]:
    """The colours of the style's cycle (``axes.prop_cycle``), repeating, in order.

    >>> from labkit.viz import use_style
    >>> use_style(); next(style_colours()) == PALETTE[0]
    True
    """
    import itertools

    import matplotlib as mpl

    colours = mpl.rcParams["axes.prop_cycle"].by_key().get("color") or list(PALETTE)
    return itertools.cycle(colours)


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
    colours = style_colours()
    for timeout, g in curve.groupby("idle_timeout_s", sort=True):
        g = g.sort_values("arrival_rate")
        label = (f"idle timeout {timeout / 60:g} min" if timeout >= 60
                 else f"idle timeout {timeout:g} s")
        ax.plot(g.arrival_rate, g.cold_start_prob.clip(lower=1e-5), "-o", ms=3,
                color=next(colours), label=f"model, {label}")
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

    >>> from labkit.serverless.experiments import (SimfaasComparisonConfig,
    ...     load_simfaas_experiments, run_simfaas_comparison)
    >>> c = run_simfaas_comparison(SimfaasComparisonConfig(
    ...     min_requests=200, min_horizon_s=500, experiments=load_simfaas_experiments().tail(2))
    ...     ).records
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

    ``df`` is the records of :func:`labkit.serverless.simulate_lambda_burst`.

    >>> from labkit.serverless import LambdaBurstConfig, simulate_lambda_burst
    >>> df = simulate_lambda_burst(LambdaBurstConfig(segments=((0, 20.0), (1, 500.0), (2, 20.0)),
    ...                                              horizon_s=3, reserved=50)).records
    >>> len(plot_burst(df).axes)
    2
    """
    fig, axes = new_figure(title or "A burst: served requests, throttles and concurrency",
                           "time (s)", "requests per second", ncols=2)
    edges = np.arange(0.0, float(df.arrival_s.max()) + bin_s, bin_s)
    if len(edges) < 2:
        edges = np.array([0.0, bin_s])
    centres = edges[:-1]
    groups = [("served", df.status == 200, PALETTE[2]),
              ("429 from API Gateway", df.layer == "api_gateway", PALETTE[1]),
              (_lambda_refusal_label(df), df.layer == "lambda", PALETTE[3])]
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


def _lambda_refusal_label(df: pd.DataFrame) -> str:
    """Legend label for Lambda throttles: the status the client saw (500 behind API Gateway,
    429 when invoked directly)."""
    codes = sorted({int(c) for c in df.status[df.layer == "lambda"]})
    return "Lambda throttled (" + ", ".join(str(c) for c in codes) + ")" if codes else \
        "Lambda throttled"


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
    for (name, f), colour in zip(frames.items(), style_colours(), strict=False):
        axes[0].plot(f.second, f.served_units, color=colour, lw=1.5, label=f"served: {name}")
        axes[1].plot(f.second, f.throttled_units, color=colour, lw=1.5, label=name)
    axes[1].set_ylabel("throttled units per second")
    axes[0].legend(loc="upper left")
    axes[1].legend(loc="upper left")
    return fig


def plot_origin_load(frame: pd.DataFrame, *, title: str | None = None) -> Any:
    """Origin requests per second against CDN TTL, one line per viewer request rate.

    ``frame`` has ``arrival_rate``, ``ttl_s``, ``origin_rps``.

    >>> f = pd.DataFrame({"arrival_rate": [100, 100], "ttl_s": [1, 10], "origin_rps": [50, 20]})
    >>> plot_origin_load(f).axes[0].get_xscale()
    'log'
    """
    fig, ax = new_figure(title or "A CDN in front: what still reaches the origin",
                         "cache TTL (s)", "origin requests per second")
    for (rate, g), colour in zip(frame.groupby("arrival_rate", sort=True), style_colours(),
                                 strict=False):
        ax.plot(g.ttl_s, g.origin_rps, "-o", ms=3, color=colour,
                label=f"{rate:g} viewer requests/s")
    ax.set_xscale("log")
    ax.legend(loc="upper right")
    return fig


def _line_styles() -> Iterator[str]:
    import itertools

    return itertools.cycle(LINE_STYLES)


def backlog(run: Any, times: np.ndarray) -> np.ndarray:
    """Records written but not yet processed or discarded at each of ``times`` (a stream run)."""
    rec = run.records
    arrived = np.searchsorted(np.sort(rec.arrival_s.to_numpy()), times, side="right")
    done = np.sort(rec.done_s.dropna().to_numpy())
    finished = np.searchsorted(done, times, side="right")
    return arrived - finished


def plot_iterator_age(runs: dict[str, Any], *, bin_s: float = 10.0,
                      title: str | None = None) -> Any:
    """Maximum IteratorAge per bin for several stream runs (one line each).

    >>> from labkit.serverless import StreamConfig, simulate_stream
    >>> fig = plot_iterator_age({"default": simulate_stream(StreamConfig(horizon_s=60))})
    >>> fig.axes[0].get_ylabel()
    'iterator age, maximum per bin (s)'
    """
    from labkit.serverless.streams import iterator_age_series

    fig, ax = new_figure(title or "Iterator age: how far behind the consumer is",
                         "time (s)", "iterator age, maximum per bin (s)")
    for (name, run), colour, line in zip(runs.items(), style_colours(), _line_styles(),
                                         strict=False):
        series = iterator_age_series(run, bin_s=bin_s)
        ax.plot(series.time_s, series.iterator_age_s, line, lw=2.0, color=colour, label=name)
    ax.legend(loc="upper left")
    return fig


def plot_backlog(runs: dict[str, Any], *, title: str | None = None) -> Any:
    """Records written but not yet processed or discarded, over time, for several runs.

    >>> from labkit.serverless import StreamConfig, simulate_stream
    >>> len(plot_backlog({"default": simulate_stream(StreamConfig(horizon_s=30))}).axes)
    1
    """
    fig, ax = new_figure(title or "Backlog: records waiting in the stream", "time (s)",
                         "records not yet processed")
    for (name, run), colour, line in zip(runs.items(), style_colours(), _line_styles(),
                                         strict=False):
        times = np.linspace(0.0, run.horizon_s, 241)
        ax.plot(times, backlog(run, times), line, lw=2.0, color=colour, label=name)
    ax.legend(loc="upper left")
    return fig




def plot_edge_origin_load(series: dict[str, pd.DataFrame], *, invalidation_s: float | None = None,
                          title: str | None = None) -> Any:
    """Origin requests per second over time for several edge set-ups (one line each).

    ``series`` maps a name to a frame with ``time_s`` and ``origin_rps``.

    >>> s = pd.DataFrame({"time_s": [0.0, 1.0], "origin_rps": [10.0, 5.0]})
    >>> plot_edge_origin_load({"TTL 60 s": s}, invalidation_s=0.5).axes[0].get_ylabel()
    'origin requests per second'
    """
    fig, ax = new_figure(title or "What reaches the origin behind CloudFront", "time (s)",
                         "origin requests per second")
    for (name, frame), colour in zip(series.items(), style_colours(), strict=False):
        ax.plot(frame.time_s, frame.origin_rps, color=colour, lw=1.5, label=name)
    if invalidation_s is not None:
        ax.axvline(invalidation_s, color="#555555", ls="--", lw=1, label="invalidation /*")
    ax.legend(loc="upper right")
    return fig


def plot_az_outage(results: dict[str, Any], *, bin_s: float = 10.0,
                   title: str | None = None) -> Any:
    """Failed requests per second through one zone outage, one line per deployment.

    ``results`` maps a name to a :class:`labkit.serverless.AzOutageResult`.

    >>> from labkit.serverless import AzOutageConfig, run_az_outage
    >>> r = run_az_outage(AzOutageConfig(horizon_s=1200, outage_length_s=300))
    >>> plot_az_outage({"3 zones": r}).axes[0].get_xlabel()
    'time (s)'
    """
    fig, ax = new_figure(title or "An Availability Zone outage: failed requests",
                         "time (s)", "failed requests per second")
    start = None
    for (name, result), colour in zip(results.items(), style_colours(), strict=False):
        r = result.records
        edges = np.arange(0.0, result.config.horizon_s + bin_s / 2, bin_s)
        counts, _ = np.histogram(r.arrival_s[~r.ok], bins=edges)
        ax.step(edges[:-1], counts / bin_s, where="post", color=colour, lw=1.5, label=name)
        start = result.outage_start_s
    if start is not None:
        ax.axvline(start, color="#555555", ls="--", lw=1, label="zone fails")
    ax.legend(loc="upper right")
    return fig


def plot_interval_bars(intervals: dict[str, Any], *, xlabel: str,
                       title: str) -> Any:
    """Means with their 95% confidence intervals, one horizontal bar each
    (``labkit.core.replication.Interval`` values).

    >>> from labkit.core.replication import mean_ci
    >>> fig = plot_interval_bars({"a": mean_ci([1, 2, 3]), "b": mean_ci([2, 3, 4])},
    ...                          xlabel="P(cold)", title="Cold starts")
    >>> fig.axes[0].get_xlabel()
    'P(cold)'
    """
    fig, ax = new_figure(title, xlabel, "configuration")
    names = list(intervals)
    means = [intervals[n].mean for n in names]
    errors = np.array([[intervals[n].mean - intervals[n].low for n in names],
                       [intervals[n].high - intervals[n].mean for n in names]])
    ax.barh(names, means, xerr=errors, color=PALETTE[0], alpha=0.8, capsize=4)
    ax.invert_yaxis()
    return fig
