"""The saga notebook's explorer: inject faults into one step, compare no saga with the saga.

:func:`saga_explorer_figure` draws the figure for one set of control values;
:func:`update_saga_explorer` redraws it in place (the explorer finds it through the figure
function's ``update`` attribute).
"""

from __future__ import annotations

from typing import Any

from labkit.viz.inplace import updates_in_place
from labkit.viz.style import PALETTE, new_figure
from labkit.workflows.experiments import SagaConfig, simulate_sagas
from labkit.workflows.faults import FAULT_KINDS, FORWARD_STEPS, FaultPlan
from labkit.workflows.plots import OUTCOME_COLOURS

__all__ = ["saga_explorer_figure", "update_saga_explorer"]


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
    config = SagaConfig(n_orders=n_orders, faults=faults, seed=seed, service_s=0.05, hop_s=0.02)
    batches = {label: simulate_sagas(config.replace(style=style))
               for label, style in (("no saga", "no saga"), ("saga", "orchestration"))}
    return {"title": (f"{n_orders} orders, {failing_step} fails {failure_probability:.0%} of "
                      f"calls ({fault_kind})"),
            "labels": list(batches), "n_orders": n_orders,
            "outcomes": {outcome: [int((b.records["outcome"] == outcome).sum())
                                   for b in batches.values()] for outcome in OUTCOME_COLOURS},
            "violations": [len(b.violations) for b in batches.values()]}


def _draw_saga_outcomes(ax: Any, view: dict[str, Any]) -> None:
    labels, n_orders = view["labels"], view["n_orders"]
    left = [0] * len(labels)
    for outcome, colour in OUTCOME_COLOURS.items():
        counts = view["outcomes"][outcome]
        if any(counts):
            ax.barh(labels, counts, left=left, color=colour, label=outcome, height=0.6)
        left = [a + c for a, c in zip(left, counts, strict=True)]
    for i, n in enumerate(view["violations"]):
        ax.text(n_orders * 1.02, i, f"{n} violations", va="center",
                color=PALETTE[3] if n else PALETTE[2], fontweight="bold")
    ax.legend(loc="upper center", bbox_to_anchor=(0.4, -0.3), ncols=4)


def update_saga_explorer(fig: Any, failing_step: str = "charge",
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


@updates_in_place(update_saga_explorer)
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
