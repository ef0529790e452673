"""Explorer callbacks of the messaging family (notebook 03), one naming scheme for the lab.

``<thing>_explorer_figure(...)`` draws the figure for one set of control values;
``update_<thing>_explorer(fig, ...)`` redraws such a figure in place (``False`` when it cannot).
"""

from __future__ import annotations

from typing import Any

from labkit.messaging.plots import plot_effects_per_order, update_effects_per_order
from labkit.messaging.scenarios import ConsumerConfig, ConsumerResult, simulate_consumers
from labkit.viz import updates_in_place

__all__ = ["consumer_explorer_figure", "update_consumer_explorer"]

#: The workload behind the consumer explorer (smaller than the notebook's, to stay interactive).
EXPLORER_CONSUMERS = ConsumerConfig(n_messages=120, arrival_rate=4.0)


def _consumer_runs(visibility_timeout_s: float, median_processing_s: float,
                   crash_probability: float, consumers: int,
                   seed: int) -> tuple[dict[str, ConsumerResult], str]:
    config = EXPLORER_CONSUMERS.replace(
        consumers=consumers, visibility_timeout_s=visibility_timeout_s,
        processing_median_s=median_processing_s, crash_probability=crash_probability, seed=seed)
    runs = {"naive consumer": simulate_consumers(config),
            "idempotent consumer": simulate_consumers(config.replace(idempotent=True))}
    s = runs["naive consumer"].summary()
    title = (f"{s['deliveries']} deliveries for {s['messages_sent']} messages: "
             f"{s['duplicate_effects']} duplicate charges without idempotency, "
             f"{runs['idempotent consumer'].summary()['duplicate_effects']} with")
    return runs, title


def update_consumer_explorer(fig: Any, visibility_timeout_s: float = 4.0,
                             median_processing_s: float = 2.0, crash_probability: float = 0.02,
                             consumers: int = 3, seed: int = 7) -> bool:
    """Redraw a :func:`consumer_explorer_figure` in place for new control values."""
    runs, title = _consumer_runs(visibility_timeout_s, median_processing_s, crash_probability,
                                 consumers, seed)
    return update_effects_per_order(fig, runs, title=title)


@updates_in_place(update_consumer_explorer)
def consumer_explorer_figure(visibility_timeout_s: float = 4.0, median_processing_s: float = 2.0,
                             crash_probability: float = 0.02, consumers: int = 3,
                             seed: int = 7) -> Any:
    """Explorer: the same messages, naive vs idempotent consumer, at these settings (an explorer
    redraws it in place).

    >>> fig = consumer_explorer_figure(visibility_timeout_s=30.0)
    >>> fig.axes[0].get_title().endswith("without idempotency, 0 with")
    True
    >>> update_consumer_explorer(fig, visibility_timeout_s=2.0)
    True
    """
    runs, title = _consumer_runs(visibility_timeout_s, median_processing_s, crash_probability,
                                 consumers, seed)
    fig = plot_effects_per_order(runs, title=title)
    fig.axes[0].title.set_fontsize(10)
    return fig
