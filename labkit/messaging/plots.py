"""Figures for notebook 03 (the viz layer of the messaging family).

Each function takes the tidy results of :mod:`labkit.messaging.scenarios` and returns a matplotlib
Figure with a title and labelled axes.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from labkit.messaging.scenarios import ConsumerResult
from labkit.viz import PALETTE, new_figure

__all__ = ["plot_delivery_timeline", "plot_effects_per_order", "plot_poison_message",
           "update_effects_per_order"]

OUTCOME_COLOURS = {
    "processed": PALETTE[0],
    "processed_late": PALETTE[1],
    "crashed_before_delete": PALETTE[3],
    "duplicate_skipped": PALETTE[2],
    "failed": PALETTE[4],
}


def plot_delivery_timeline(run: ConsumerResult, *, title: str = "Every delivery of every order",
                           orders: int = 60) -> Any:
    """Deliveries of the first ``orders`` orders over time; repeated orders stand out."""
    d = run.records.copy()
    d["n"] = d.order_id.str.slice(6).astype(int)
    d = d[d.n < orders]
    fig, ax = new_figure(title, "time the message was received (s)", "order number")
    for outcome, group in d.groupby("outcome", sort=False):
        ax.scatter(group.received_s, group.n, s=14, label=outcome.replace("_", " "),
                   color=OUTCOME_COLOURS.get(outcome, PALETTE[7]))
    repeated = d[d.receive_count > 1]
    ax.scatter(repeated.received_s, repeated.n, s=80, facecolors="none", edgecolors=PALETTE[3],
               label="redelivery")
    ax.legend(loc="upper left", ncols=2)
    return fig


def _effect_counts(runs: dict[str, ConsumerResult]) -> dict[str, list[int]]:
    """Per run: orders whose side effect ran 0, 1, 2 and 3+ times."""
    out = {}
    for name, run in runs.items():
        eff = run.records[run.records.effect_applied].groupby("order_id").size()
        counts = eff.clip(upper=3).value_counts().reindex([1, 2, 3], fill_value=0)
        out[name] = [run.sent - int(eff.size), *counts.tolist()]
    return out


def update_effects_per_order(fig: Any, runs: dict[str, ConsumerResult], *, title: str) -> bool:
    """Redraw a :func:`plot_effects_per_order` figure in place for new runs of the same names:
    bar heights, their labels, the title; ``False`` when the figure does not match."""
    ax = fig.axes[0]
    counts = _effect_counts(runs)
    bars = [list(container) for container in ax.containers]
    if len(bars) != len(counts) or len(ax.texts) != 4 * len(counts):
        return False
    labels = iter(ax.texts)
    for group, values in zip(bars, counts.values(), strict=True):
        for bar, value in zip(group, values, strict=True):
            bar.set_height(value)
            label = next(labels)  # bar_label's annotation: "%g" of the value at the bar's top
            label.xy = (bar.get_x() + bar.get_width() / 2, value)
            label.set_text(f"{value:g}")
    ax.relim()
    ax.autoscale_view()
    ax.title.set_text(title)
    return True


def plot_effects_per_order(runs: dict[str, ConsumerResult], *,
                           title: str = "How many times each order's card was charged") -> Any:
    """For each run, how many orders had their side effect applied 0, 1, 2, 3+ times."""
    fig, ax = new_figure(title, "times the side effect ran for one order", "orders")
    width = 0.8 / max(1, len(runs))
    for k, (name, values) in enumerate(_effect_counts(runs).items()):
        xs = [x + (k - (len(runs) - 1) / 2) * width for x in range(4)]
        bars = ax.bar(xs, values, width=width, label=name)  # colours: the style's cycle
        ax.bar_label(bars, fontsize=8)
    ax.set_xticks(range(4), ["0", "1 (exactly once)", "2", "3+"])
    ax.legend()
    return fig


def plot_poison_message(run: ConsumerResult, order_id: str, *,
                        title: str = "A poison message: received, failed, moved to the DLQ") -> Any:
    """Each receive of one order's message, with its receive count."""
    d = run.records[run.records.order_id == order_id]
    fig, ax = new_figure(title, "time (s)", "receive count")
    ax.step(pd.concat([d.received_s, d.finished_s.tail(1)]),
            pd.concat([d.receive_count, d.receive_count.tail(1)]), where="post",
            color=PALETTE[4])
    ax.scatter(d.received_s, d.receive_count, color=PALETTE[3], zorder=3, label="receive, then "
               "processing fails")
    ax.set_yticks(range(0, int(d.receive_count.max()) + 2))
    ax.legend(loc="upper left")
    return fig
