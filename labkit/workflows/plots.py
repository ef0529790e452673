"""Figures for the saga notebook, drawn from executions and the tidy frames of
:mod:`labkit.workflows.experiments`.

- :func:`plot_saga_timeline`: Gantt-style bars of one execution (attempts, retry waits,
  compensation rows shaded).
- :func:`plot_outcomes`: outcomes and invariant violations per approach.
- :func:`plot_style_comparison`: orchestration vs choreography side by side.
- :func:`saga_explorer_figure`: the explorer's figure (fault injection → outcomes, violations).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from labkit.viz.inplace import updates_in_place
from labkit.viz.style import PALETTE, new_figure
from labkit.workflows.asl import Execution
from labkit.workflows.experiments import attempt_spans, run_sagas
from labkit.workflows.faults import FAULT_KINDS, FORWARD_STEPS, FaultPlan

__all__ = ["plot_outcomes", "plot_saga_timeline", "plot_style_comparison",
           "saga_explorer_figure"]

_COMPENSATION_STATES = {"ReleaseInventory", "RefundPayment", "CancelFulfilment", "CancelOrder"}
_OUTCOME_COLOURS = {"completed": PALETTE[2], "compensated": PALETTE[1],
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
    for outcome, colour in _OUTCOME_COLOURS.items():
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


def _saga_explorer_view(failing_step: str, failure_probability: float, fault_kind: str,
                        compensation_failure_probability: float, n_orders: int,
                        seed: int) -> dict[str, Any]:
    """What the saga explorer shows: outcome counts and invariant violations per approach."""
    if failing_step not in FORWARD_STEPS:
        raise ValueError(f"failing_step must be one of {FORWARD_STEPS}, got {failing_step!r}")
    kinds = ({"transient": 0.6, "permanent": 0.3, "timeout": 0.1} if fault_kind == "mixed"
             else {fault_kind: 1.0})
    if fault_kind != "mixed" and fault_kind not in FAULT_KINDS:
        raise ValueError(f"fault_kind must be 'mixed' or one of {FAULT_KINDS}")
    faults = FaultPlan({failing_step: failure_probability}, kinds=kinds,
                       compensation_rate=compensation_failure_probability)
    batches = {label: run_sagas(n_orders, style=style, faults=faults, seed=seed,
                                service_s=0.05, hop_s=0.02)
               for label, style in (("no saga", "no saga"), ("saga", "orchestration"))}
    return {"title": (f"{n_orders} orders, {failing_step} fails {failure_probability:.0%} of "
                      f"calls ({fault_kind})"),
            "labels": list(batches), "n_orders": n_orders,
            "outcomes": {outcome: [int((b.runs["outcome"] == outcome).sum())
                                   for b in batches.values()] for outcome in _OUTCOME_COLOURS},
            "violations": [len(b.violations) for b in batches.values()]}


def _draw_saga_outcomes(ax: Any, view: dict[str, Any]) -> None:
    labels, n_orders = view["labels"], view["n_orders"]
    left = [0] * len(labels)
    for outcome, colour in _OUTCOME_COLOURS.items():
        counts = view["outcomes"][outcome]
        if any(counts):
            ax.barh(labels, counts, left=left, color=colour, label=outcome, height=0.6)
        left = [a + c for a, c in zip(left, counts, strict=True)]
    for i, n in enumerate(view["violations"]):
        ax.text(n_orders * 1.02, i, f"{n} violations", va="center",
                color=PALETTE[3] if n else PALETTE[2], fontweight="bold")
    ax.legend(loc="upper center", bbox_to_anchor=(0.4, -0.3), ncols=4)


def _update_saga_explorer(fig: Any, failing_step: str = "charge",
                          failure_probability: float = 0.3, fault_kind: str = "mixed",
                          compensation_failure_probability: float = 0.0, n_orders: int = 100,
                          seed: int = 0) -> bool:
    """Redraw :func:`saga_explorer_figure` in place: bars, violation counts, legend, title."""
    view = _saga_explorer_view(failing_step, failure_probability, fault_kind,
                               compensation_failure_probability, n_orders, seed)
    ax = fig.axes[0]
    if ax.get_xlim() != (0, n_orders * 1.35):
        return False  # another number of orders: draw afresh
    for artist in [*ax.containers, *ax.texts]:
        artist.remove()  # a bar container takes its bars with it
    ax.relim()
    _draw_saga_outcomes(ax, view)
    ax.set_title(view["title"])
    return True


@updates_in_place(_update_saga_explorer)
def saga_explorer_figure(failing_step: str = "charge", failure_probability: float = 0.3,
                         fault_kind: str = "mixed", compensation_failure_probability: float = 0.0,
                         n_orders: int = 100, seed: int = 0) -> Any:
    """The explorer: inject faults into one step and compare no saga with the saga (an explorer
    redraws it in place).

    >>> len(saga_explorer_figure(n_orders=20).axes)
    1
    """
    view = _saga_explorer_view(failing_step, failure_probability, fault_kind,
                               compensation_failure_probability, n_orders, seed)
    fig, ax = new_figure(view["title"], "orders", "approach", figsize=(7.0, 2.6))
    _draw_saga_outcomes(ax, view)
    ax.set_xlim(0, n_orders * 1.35)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    fig.subplots_adjust(left=0.12, right=0.98, bottom=0.38, top=0.88)
    return fig
