"""Figures for the saga notebook, drawn from executions and the tidy frames of
:mod:`labkit.workflows.experiments`.

- :func:`plot_saga_timeline`: Gantt-style bars of one execution (attempts, retry waits,
  compensation rows shaded).
- :func:`plot_outcomes`: outcomes and invariant violations per approach.
- :func:`plot_style_comparison`: orchestration vs choreography side by side.

The explorer's figure and its in-place redraw are in :mod:`labkit.workflows.explorers`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from labkit.viz.style import PALETTE, new_figure
from labkit.workflows.asl import Execution
from labkit.workflows.experiments import attempt_spans

__all__ = ["OUTCOME_COLOURS", "plot_outcomes", "plot_saga_timeline", "plot_style_comparison"]

_COMPENSATION_STATES = {"ReleaseInventory", "RefundPayment", "CancelFulfilment", "CancelOrder"}
OUTCOME_COLOURS = {"completed": PALETTE[2], "compensated": PALETTE[1],
                    "abandoned": PALETTE[4], "stuck": PALETTE[3]}


def plot_saga_timeline(execution: Execution, *, title: str = "One saga execution") -> Any:
    """Gantt chart of one execution: a row per Task state, bars for attempts and retry waits.

    >>> from labkit.workflows.saga import run_orchestrated
    >>> from labkit.workflows.services import Order, Shop
    >>> _, ex = run_orchestrated(Shop.create(), Order("o1", "customer-0", "sku-0", 1, 9))
    >>> plot_saga_timeline(ex).axes[0].get_xlabel()
    'simulated time (s)'
    """
    from matplotlib.patches import Patch

    spans = attempt_spans(execution)
    states = list(dict.fromkeys(spans.sort_values("order")["state"]))
    rows = {s: i for i, s in enumerate(states)}
    fig, ax = new_figure(title, "simulated time (s)", "state",
                         figsize=(8.0, 0.9 + 0.42 * max(len(states), 1)))
    end = max(float(spans["end_s"].max()) if len(spans) else 0.0, execution.duration_s, 1e-9)
    for s in states:
        if s in _COMPENSATION_STATES:
            ax.axhspan(rows[s] - 0.45, rows[s] + 0.45, color=PALETTE[1], alpha=0.12, lw=0)
    colours = {"succeeded": PALETTE[2], "failed": PALETTE[3], "waiting": "#BBBBBB"}
    min_width = end * 0.004
    for span in spans.itertuples(index=False):
        width = max(span.end_s - span.start_s, min_width)
        ax.barh(rows[span.state], width, left=span.start_s, height=0.6,
                color=colours[span.outcome], hatch="//" if span.kind == "retry_wait" else None,
                edgecolor="white" if span.kind == "attempt" else "#777777", linewidth=0.5)
        if span.outcome == "failed" and span.error:
            ax.annotate(span.error, (span.start_s + width, rows[span.state] - 0.3),
                        xytext=(2, 0), textcoords="offset points", va="bottom", fontsize=8,
                        color=PALETTE[3])
    ax.set_yticks(range(len(states)), states)
    ax.invert_yaxis()
    ax.set_xlim(0, end * 1.18)
    ax.grid(axis="y", visible=False)
    handles = [Patch(color=colours["succeeded"], label="attempt succeeded"),
               Patch(color=colours["failed"], label="attempt failed"),
               Patch(facecolor=colours["waiting"], hatch="//", edgecolor="#777777",
                     label="retry wait"),
               Patch(color=PALETTE[1], alpha=0.25, label="compensation")]
    ax.legend(handles=handles, loc="upper right", ncols=2)
    fig.tight_layout()
    return fig


def plot_outcomes(runs: dict[str, pd.DataFrame], violations: dict[str, int], *,
                  title: str = "Order outcomes and broken invariants") -> Any:
    """Left: orders completed / compensated / stuck per approach; right: violations found.

    >>> import pandas as pd
    >>> r = pd.DataFrame({"outcome": ["completed", "compensated"]})
    >>> len(plot_outcomes({"saga": r}, {"saga": 0}).axes)
    2
    """
    if set(runs) != set(violations):
        raise ValueError("runs and violations must have the same labels")
    fig, (left, right) = new_figure(title, "approach", "orders", ncols=2, figsize=(9.0, 4.0))
    labels = list(runs)
    bottom = [0] * len(labels)
    for outcome, colour in OUTCOME_COLOURS.items():
        counts = [int((runs[k]["outcome"] == outcome).sum()) for k in labels]
        left.bar(labels, counts, bottom=bottom, color=colour, label=outcome)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    left.set_title("outcome of each order")
    left.legend(loc="upper center", bbox_to_anchor=(1.1, -0.2), ncols=4)
    values = [violations[k] for k in labels]
    bars = right.bar(labels, values, color=[PALETTE[3] if v else PALETTE[2] for v in values])
    right.bar_label(bars, labels=[f"{v:,}" for v in values])
    right.set_title("invariant violations")
    right.set_ylabel("violations")
    right.set_ylim(0, max(max(values), 1) * 1.2)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.28, top=0.8, wspace=0.3)
    return fig


def plot_style_comparison(table: pd.DataFrame, *,
                          title: str = "Orchestration vs choreography, same orders and faults"
                          ) -> Any:
    """Three panels from :func:`~labkit.workflows.experiments.compare_styles`: messages per
    order, latency (p50 and p99) and logs to read per order."""
    fig, axes = new_figure(title, "style", "messages per order", ncols=3, figsize=(10.0, 3.4))
    styles = list(table.index)
    colours = [PALETTE[0], PALETTE[4]][: len(styles)]
    bars = axes[0].bar(styles, table["messages_per_order"], color=colours)
    axes[0].bar_label(bars, fmt="%.1f")
    axes[0].set_title("messages")
    x = range(len(styles))
    axes[1].bar([i - 0.2 for i in x], table["latency_p50_s"], width=0.4, color=colours,
                label="p50")
    axes[1].bar([i + 0.2 for i in x], table["latency_p99_s"], width=0.4, color=colours,
                alpha=0.5, hatch="//", label="p99")
    axes[1].set_xticks(list(x), styles)
    axes[1].set_yscale("log")
    axes[1].set_ylabel("latency (s, log scale)")
    axes[1].set_title("order latency: p50, p99 (hatched)")
    bars = axes[2].bar(styles, table["logs_to_read"], color=colours)
    axes[2].bar_label(bars, fmt="%.1f")
    axes[2].set_ylabel("logs to read per order")
    axes[2].set_title("visibility")
    fig.tight_layout()
    return fig
