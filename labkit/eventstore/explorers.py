"""Explorer callbacks of the event-sourcing family (notebook 04), one naming scheme for the lab.

``<thing>_explorer_figure(...)`` draws the figure for one set of control values;
``update_<thing>_explorer(fig, ...)`` redraws such a figure in place (``False`` when it cannot).
"""

from __future__ import annotations

from typing import Any

from labkit.eventstore.cqrs import CqrsConfig, CqrsResult, simulate_cqrs
from labkit.eventstore.plots import plot_propagation, update_propagation
from labkit.viz import updates_in_place

__all__ = ["cqrs_explorer_figure", "update_cqrs_explorer"]

#: The workload behind the CQRS explorer (smaller than the notebook's, to stay interactive).
EXPLORER_CQRS = CqrsConfig(n_orders=50)


def _cqrs_run(read_after_s: float, poll_interval_s: float, processing_lag_s: float,
              seed: int) -> tuple[CqrsResult, str]:
    run = simulate_cqrs(EXPLORER_CQRS.replace(read_after_s=read_after_s,
                                              poll_interval_s=poll_interval_s,
                                              processing_lag_s=processing_lag_s, seed=seed))
    s = run.summary()
    return run, (f"{s['stale_reads']} of {s['writes']} reads were stale; "
                 f"p99 propagation {s['p99_propagation_s']:.2f} s")


def update_cqrs_explorer(fig: Any, read_after_s: float = 0.5, poll_interval_s: float = 1.0,
                         processing_lag_s: float = 0.2, seed: int = 3) -> bool:
    """Redraw a :func:`cqrs_explorer_figure` in place for new control values."""
    run, title = _cqrs_run(read_after_s, poll_interval_s, processing_lag_s, seed)
    return update_propagation(fig, run, read_after_s=read_after_s, title=title)


@updates_in_place(update_cqrs_explorer)
def cqrs_explorer_figure(read_after_s: float = 0.5, poll_interval_s: float = 1.0,
                         processing_lag_s: float = 0.2, seed: int = 3) -> Any:
    """Explorer: the propagation histogram and stale share at these settings (an explorer
    redraws it in place).

    >>> fig = cqrs_explorer_figure(read_after_s=5.0)
    >>> fig.axes[0].get_title().startswith("0 of 150 reads were stale")
    True
    """
    run, title = _cqrs_run(read_after_s, poll_interval_s, processing_lag_s, seed)
    return plot_propagation(run, read_after_s=read_after_s, title=title)
