"""The circuit-breaker notebook's explorer: its figure and the in-place redraw.

:func:`breaker_explorer_figure` draws the figure for one set of control values;
:func:`update_breaker_explorer` redraws an existing one in place (the explorer calls it through
the figure function's ``update`` attribute). The run without a breaker depends only on the
outage and the seed, so it is simulated once per pair (cached).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from labkit.core.validation import check_positive
from labkit.resilience.breaker import CircuitBreaker
from labkit.resilience.outage import OutageConfig, OutageResult, simulate_outage
from labkit.resilience.plots import plot_outage_runs, update_outage_runs

__all__ = ["breaker_explorer_figure", "update_breaker_explorer"]

#: The explorer's run: 120 s at 10 requests per second, the outage starting at t = 30 s.
EXPLORER_RUN = OutageConfig(arrival_rate=10.0, horizon_s=120.0, incident_start_s=30.0,
                            incident_end_s=60.0)
MAX_OUTAGE_S = 80.0


def _explorer_config(outage_s: float, seed: int) -> OutageConfig:
    outage = check_positive("outage_s", outage_s)
    if outage > MAX_OUTAGE_S:
        raise ValueError(f"outage_s must be in (0, {MAX_OUTAGE_S:g}] for the 120 s run, got "
                         f"{outage!r}")
    start = EXPLORER_RUN.incident_start_s
    return EXPLORER_RUN.replace(incident_end_s=start + outage, seed=seed)


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
