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

from labkit.core.runner import deprecated_alias
from labkit.core.validation import check_positive
from labkit.resilience.breaker import CircuitBreaker
from labkit.resilience.isolation import NoisyNeighbourConfig, simulate_noisy_neighbour
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
    into = {name: _calls_into_outage(run) for name, run in runs.items()}
    return runs, (f"Calls into the outage: {into['no breaker']} without, "
                  f"{into['breaker']} with the breaker")


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


#: The explorer's run: 1.5 s of the notebook's workload with 20 permits (fast to redraw; the
#: notebook's headline numbers come from longer runs over many seeds).
NOISY_NEIGHBOUR_RUN = NoisyNeighbourConfig(permits=20, horizon_s=1.5)


def _noisy_neighbour_bars(overload_b: float, permits_a: int, max_wait_ms: int, seed: int,
                          horizon_s: float) -> list[tuple[float, str]]:
    """Per design (shared, partitioned): A's success rate (%) and the text on its bar."""
    base = NOISY_NEIGHBOUR_RUN.replace(overload_b=overload_b, permits_a=permits_a,
                                max_wait_s=max_wait_ms / 1000.0, horizon_s=horizon_s,
                                seed=seed)
    bars = []
    for design in ("shared", "partitioned"):
        s = simulate_noisy_neighbour(base.replace(design=design)).summary()
        success = 100.0 * s["a_success_rate"]
        bars.append((success, f"{success:.1f}% served\np99 {1000 * s['a_p99_ok_s']:.0f} ms"))
    return bars


def _noisy_neighbour_title(overload_b: float) -> str:
    return f"Tenant A when B sends {overload_b:g}x its normal load"


def update_noisy_neighbour_explorer(fig: Any, overload_b: float = 5.0, permits_a: int = 10,
                                    max_wait_ms: int = 50, seed: int = 0,
                                    horizon_s: float = 1.5) -> bool:
    """Redraw :func:`noisy_neighbour_explorer_figure` in place: bar heights, texts, title."""
    ax = fig.axes[0]
    bars = _noisy_neighbour_bars(overload_b, permits_a, max_wait_ms, seed, horizon_s)
    patches = [patch for container in ax.containers for patch in container]
    if len(patches) != len(bars) or len(ax.texts) != len(bars):
        return False
    for x, (patch, note, (success, text)) in enumerate(zip(patches, ax.texts, bars,
                                                           strict=True)):
        patch.set_height(success)
        note.xy = note.xyann = (x, success)  # the text sits at the point it annotates
        note.set_text(text)
    ax.set_title(_noisy_neighbour_title(overload_b))
    return True


@updates_in_place(update_noisy_neighbour_explorer)
def noisy_neighbour_explorer_figure(overload_b: float = 5.0, permits_a: int = 10,
                                    max_wait_ms: int = 50, seed: int = 0,
                                    horizon_s: float = 1.5) -> Any:
    """Tenant A's success rate under shared vs partitioned pools (one axes, fast to redraw);
    the p99 of A's served calls is written on each bar.

    >>> fig = noisy_neighbour_explorer_figure(overload_b=1.0)
    >>> [round(p.get_height()) for p in fig.axes[0].patches]
    [100, 100]
    """
    from labkit.viz import cycle_colours, new_figure

    fig, ax = new_figure(_noisy_neighbour_title(overload_b), "design", "A's success rate (%)",
                         figsize=(6.0, 3.4))
    bars = _noisy_neighbour_bars(overload_b, permits_a, max_wait_ms, seed, horizon_s)
    designs = ("shared", "partitioned")
    for x, (design, colour, (success, text)) in enumerate(zip(designs, cycle_colours(2), bars,
                                                              strict=True)):
        ax.bar([design], [success], color=colour)
        ax.annotate(text, (x, success), ha="center", va="bottom", fontsize=9)
    ax.set_ylim(0, 125)
    return fig


#: The former name of :func:`noisy_neighbour_explorer_figure` (warns).
explore_noisy_neighbour = deprecated_alias(noisy_neighbour_explorer_figure,
                                           "explore_noisy_neighbour")
