"""The explorers of the resilience notebooks: each figure for one set of control values, and its
in-place redraw (the explorer calls it through the figure function's ``update`` attribute).

Circuit breaker (notebook 10)
    :func:`breaker_explorer_figure` / :func:`update_breaker_explorer`: a 120 s run with an
    outage, without and with a breaker of the given settings. The run without a breaker depends
    only on the outage and the seed, so it is simulated once per pair (cached).
Bulkhead (notebook 11)
    :func:`noisy_neighbour_explorer_figure` / :func:`update_noisy_neighbour_explorer`: tenant
    A's success rate under one shared pool and under partitioned pools, with the p99 of A's
    served calls on each bar.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from labkit.core.replication import Interval, mean_ci, paired_difference
from labkit.core.runner import deprecated_alias
from labkit.core.validation import check_int, check_positive
from labkit.resilience.breaker import CircuitBreaker
from labkit.resilience.isolation import (
    NoisyNeighbourConfig,
    NoisyNeighbourResult,
    simulate_noisy_neighbour,
)
from labkit.resilience.outage import OutageConfig, OutageResult, simulate_outage
from labkit.resilience.plots import plot_outage_runs, update_outage_runs
from labkit.viz.inplace import updates_in_place

__all__ = ["breaker_explorer_figure", "explore_noisy_neighbour",
           "noisy_neighbour_explorer_figure", "update_breaker_explorer",
           "update_noisy_neighbour_explorer"]

#: The explorer's run: 120 s at 10 requests per second, the outage starting at t = 30 s.
BREAKER_RUN = OutageConfig(arrival_rate=10.0, horizon_s=120.0, incident_start_s=30.0,
                            incident_end_s=60.0)
MAX_OUTAGE_S = 80.0
#: Seeds besides the one drawn whose counts give the title's interval (kept small so a slider
#: move answers within the explorer's budget; the notebook's own comparison uses 20 seeds).
BREAKER_SPREAD_SEEDS = 4


def _explorer_config(outage_s: float, seed: int) -> OutageConfig:
    outage = check_positive("outage_s", outage_s)
    if outage > MAX_OUTAGE_S:
        raise ValueError(f"outage_s must be in (0, {MAX_OUTAGE_S:g}] for the 120 s run, got "
                         f"{outage!r}")
    start = BREAKER_RUN.incident_start_s
    return BREAKER_RUN.replace(incident_end_s=start + outage, seed=seed)


@lru_cache(maxsize=32)
def _explorer_baseline(outage_s: float, seed: int) -> OutageResult:
    """The run without a breaker depends only on the outage and the seed: computed once each."""
    return simulate_outage(_explorer_config(outage_s, seed))


def _breaker_explorer_runs(failure_rate_threshold: float, window_size: int,
                           wait_in_open_s: float, outage_s: float,
                           seed: int) -> tuple[dict[str, OutageResult], str]:
    size = int(window_size)

    def factory() -> CircuitBreaker:
        return CircuitBreaker(failure_rate_threshold=failure_rate_threshold, window_size=size,
                              minimum_calls=max(1, size // 2), half_open_calls=5,
                              wait_in_open_s=wait_in_open_s)

    config = _explorer_config(outage_s, seed)
    runs = {"no breaker": _explorer_baseline(float(outage_s), seed),
            "breaker": simulate_outage(config.replace(breaker=factory))}
    # The spread: the same count over BREAKER_SPREAD_SEEDS further seeds, from shorter runs
    # (see _spread_config) that give the count the same distribution.
    seeds = range(seed + 1, seed + 1 + BREAKER_SPREAD_SEEDS)
    into = {name: [_calls_into_outage(run)] for name, run in runs.items()}
    into["no breaker"] += list(_baseline_counts(float(outage_s), seed, size))
    short = _spread_config(outage_s, size).replace(breaker=factory)
    into["breaker"] += [_calls_into_outage(simulate_outage(short.replace(seed=s))) for s in seeds]
    saved = paired_difference(into["no breaker"], into["breaker"])
    spread = _spread_line(saved, "calls the breaker spares the dependency", "{:.0f}")
    return runs, (f"Calls into the outage: {into['no breaker'][0]} without, "
                  f"{into['breaker'][0]} with the breaker\n{spread}")


def _spread_line(interval: Interval, what: str, spec: str) -> str:
    """An explorer's one-line spread: ``what`` with the interval, or that no difference is
    shown when the interval holds 0.

    >>> _spread_line(Interval(2.0, 1.0, 3.0, 5), "gain", "{:.0f}")
    'gain: 2 (95% CI 1 to 3, n = 5)'
    >>> _spread_line(Interval(0.5, -1.0, 2.0, 5), "gain", "{:.1f}")
    'gain: no difference shown, 0.5 (95% CI -1.0 to 2.0, n = 5)'
    """
    shown = interval.format(spec)
    return f"{what}: {shown}" if interval.excludes_zero else \
        f"{what}: no difference shown, {shown}"


def _spread_config(outage_s: float, window_size: int) -> OutageConfig:
    """A shorter run whose count of calls into the outage has the same distribution as the
    explorer's: it ends when the outage ends (later calls do not count) and starts the outage
    once the healthy dependency has had time to fill the breaker's window with successes (twice
    the window at the arrival rate, 30 s at most), which is the state the 120 s run's breaker
    is in when its outage starts."""
    full = _explorer_config(outage_s, 0)
    lead = min(full.incident_start_s, 2.0 * window_size / full.arrival_rate + 1.0)
    return full.replace(incident_start_s=lead, incident_end_s=lead + float(outage_s),
                        horizon_s=lead + float(outage_s))


@lru_cache(maxsize=32)
def _baseline_counts(outage_s: float, seed: int, window_size: int) -> tuple[int, ...]:
    """Calls into the outage without a breaker for the spread's seeds (computed once each)."""
    short = _spread_config(outage_s, window_size)
    return tuple(_calls_into_outage(simulate_outage(short.replace(seed=s)))
                 for s in range(seed + 1, seed + 1 + BREAKER_SPREAD_SEEDS))


def _calls_into_outage(run: OutageResult) -> int:
    """The summary's ``calls_during_incident``, without computing the whole summary."""
    r = run.records
    return int((r.reached_dependency.to_numpy() & r.during_incident.to_numpy()).sum())


def breaker_explorer_figure(failure_rate_threshold: float = 50.0, window_size: int = 20,
                            wait_in_open_s: float = 10.0, outage_s: float = 30.0,
                            seed: int = 0) -> Any:
    """The explorer's figure: a 120 s run at 10 req/s with an outage from t = 30 s lasting
    ``outage_s``, without and with a breaker of the given settings (minimum calls = half the
    window, 5 half-open trial calls, 1 s caller timeout).

    >>> fig = breaker_explorer_figure(outage_s=20)
    >>> len(fig.axes)
    2
    >>> update_breaker_explorer(fig, outage_s=40)
    True
    """
    runs, title = _breaker_explorer_runs(failure_rate_threshold, window_size, wait_in_open_s,
                                         outage_s, seed)
    return plot_outage_runs(runs, panels=("calls", "errors"), title=title)


def update_breaker_explorer(fig: Any, failure_rate_threshold: float = 50.0,
                            window_size: int = 20, wait_in_open_s: float = 10.0,
                            outage_s: float = 30.0, seed: int = 0) -> bool:
    """Redraw a :func:`breaker_explorer_figure` in place; ``False`` when it cannot be."""
    runs, title = _breaker_explorer_runs(failure_rate_threshold, window_size, wait_in_open_s,
                                         outage_s, seed)
    return update_outage_runs(fig, runs, panels=("calls", "errors"), title=title)


breaker_explorer_figure.update = update_breaker_explorer  # an explorer redraws it in place
# It lays itself out, so the explorer can skip the tight bounding box.
breaker_explorer_figure.fixed_layout = True


#: The explorer's run: the notebook's workload with 20 permits, as 5 replications of 0.6 s
#: (independent seeds), so a slider move answers within the explorer's budget and still shows
#: the spread; the notebook's headline numbers come from longer runs over 20 seeds.
NOISY_NEIGHBOUR_RUN = NoisyNeighbourConfig(permits=20, horizon_s=0.6)
NOISY_NEIGHBOUR_REPLICATIONS = 5
_DESIGNS = ("shared", "partitioned")


def _noisy_neighbour_view(overload_b: float, permits_a: int, max_wait_ms: int, seed: int,
                          horizon_s: float, replications: int) -> dict[str, Any]:
    """Per design (shared, partitioned): A's mean success rate (%) over the replications, its
    95% interval and the text on its bar; and the title with the paired difference."""
    base = NOISY_NEIGHBOUR_RUN.replace(overload_b=overload_b, permits_a=permits_a,
                                       max_wait_s=max_wait_ms / 1000.0, horizon_s=horizon_s,
                                       seed=seed)
    seeds = range(seed, seed + check_int("replications", replications, minimum=2, maximum=20))
    measured = {design: np.array([_tenant_a(simulate_noisy_neighbour(
        base.replace(design=design, seed=s))) for s in seeds]) for design in _DESIGNS}
    success = {design: 100.0 * measured[design][:, 0] for design in _DESIGNS}
    bars = []
    for design in _DESIGNS:
        interval = mean_ci(success[design])
        low, high = max(interval.low, 0.0), min(interval.high, 100.0)  # a rate's range
        p99 = 1000 * float(np.nanmean(measured[design][:, 1]))
        bars.append((interval.mean, low, high, f"{interval.mean:.1f}% served\n(95% CI "
                     f"{low:.1f} to {high:.1f})\np99 {p99:.0f} ms"))
    gain = paired_difference(success["partitioned"], success["shared"])
    verdict = _spread_line(gain, "partitioned - shared", "{:+.1f}")  # points of %
    title = (f"Tenant A when B sends {overload_b:g}x its normal load "
             f"({replications} runs of {horizon_s:g} s)\n{verdict}")
    return {"bars": bars, "title": title}


def _tenant_a(run: NoisyNeighbourResult) -> tuple[float, float]:
    """Tenant A's success rate and the p99 latency (s) of its served calls, as the run's
    ``summary()`` gives them (``a_success_rate``, ``a_p99_ok_s``), without the rest."""
    r = run.during_overload()
    a = r["tenant"].to_numpy() == "A"
    ok = r["ok"].to_numpy()[a]
    served = r["latency_s"].to_numpy()[a][ok]
    return float(ok.mean()), float(np.percentile(served, 99)) if served.size else float("nan")


def update_noisy_neighbour_explorer(fig: Any, overload_b: float = 5.0, permits_a: int = 10,
                                    max_wait_ms: int = 50, seed: int = 0,
                                    horizon_s: float = NOISY_NEIGHBOUR_RUN.horizon_s,
                                    replications: int = NOISY_NEIGHBOUR_REPLICATIONS) -> bool:
    """Redraw :func:`noisy_neighbour_explorer_figure` in place: bar heights, intervals, texts,
    title."""
    ax = fig.axes[0]
    view = _noisy_neighbour_view(overload_b, permits_a, max_wait_ms, seed, horizon_s,
                                 replications)
    patches = [patch for container in ax.containers for patch in container]
    bars = view["bars"]
    if len(patches) != len(bars) or len(ax.texts) != len(bars) or len(ax.lines) != len(bars):
        return False
    for x, (patch, whisker, note, (mean, low, high, text)) in enumerate(
            zip(patches, ax.lines, ax.texts, bars, strict=True)):
        patch.set_height(mean)
        whisker.set_data([x, x], [low, high])
        note.xy = note.xyann = (x, max(high, mean))  # the text sits above the interval
        note.set_text(text)
    ax.title.set_text(view["title"])  # keeps the figure's title size
    return True


@updates_in_place(update_noisy_neighbour_explorer)
def noisy_neighbour_explorer_figure(overload_b: float = 5.0, permits_a: int = 10,
                                    max_wait_ms: int = 50, seed: int = 0,
                                    horizon_s: float = NOISY_NEIGHBOUR_RUN.horizon_s,
                                    replications: int = NOISY_NEIGHBOUR_REPLICATIONS) -> Any:
    """Tenant A's success rate under shared vs partitioned pools, as the mean over
    ``replications`` runs (seeds ``seed``, ``seed + 1``, ...) with its 95% confidence interval
    drawn as a whisker (cut to 0-100%); the title gives the paired difference with its
    interval, and each bar the mean p99 of A's served calls.

    >>> fig = noisy_neighbour_explorer_figure(overload_b=1.0)
    >>> [round(p.get_height()) for p in fig.axes[0].patches]
    [100, 100]
    """
    from labkit.viz import cycle_colours, new_figure

    view = _noisy_neighbour_view(overload_b, permits_a, max_wait_ms, seed, horizon_s,
                                 replications)
    fig, ax = new_figure(view["title"], "design", "A's success rate (%)", figsize=(7.0, 3.6))
    ax.title.set_fontsize(10)
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.14, top=0.85)  # room for two title lines
    for x, (design, colour, (mean, low, high, text)) in enumerate(
            zip(_DESIGNS, cycle_colours(2), view["bars"], strict=True)):
        ax.bar([design], [mean], color=colour)
        ax.plot([x, x], [low, high], color="#222222", lw=1.4, marker="_", markersize=14)
        ax.annotate(text, (x, max(high, mean)), ha="center", va="bottom", fontsize=8.5)
    ax.set_ylim(0, 135)
    return fig


# It lays itself out, so the explorer can skip the tight bounding box.
noisy_neighbour_explorer_figure.fixed_layout = True

#: The former name of :func:`noisy_neighbour_explorer_figure` (warns).
explore_noisy_neighbour = deprecated_alias(noisy_neighbour_explorer_figure,
                                           "explore_noisy_neighbour")
