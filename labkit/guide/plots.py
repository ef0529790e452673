"""Figures for notebook 13: coverage of example systems, and pattern scores for a choice of
requirements. Each function returns a matplotlib Figure (labkit.viz style)."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["plot_coverage", "plot_scores"]


def _style_colours() -> list[str]:
    """The colours of the style's cycle (``axes.prop_cycle``, set by ``use_style``)."""
    import matplotlib as mpl

    return list(mpl.rcParams["axes.prop_cycle"].by_key()["color"])


def plot_coverage(frame, *, title: str = "Requirements covered: habit vs chosen from requirements"):
    """Grouped bars per example system (the frame from ``compare_with_habit``)."""
    import numpy as np

    from labkit.viz import new_figure

    fig, ax = new_figure(title=title, xlabel="example system",
                         ylabel="requirements covered (%)")
    x = np.arange(len(frame))
    habit, chosen = _style_colours()[1:3]
    ax.bar(x - 0.2, 100 * frame.habit_coverage, width=0.4, color=habit,
           label="habit: queue + circuit breaker")
    ax.bar(x + 0.2, 100 * frame.recommended_coverage, width=0.4, color=chosen,
           label="recommender's top picks")
    ax.set_xticks(x, frame.system, rotation=20, ha="right")
    ax.set_ylim(0, 110)
    ax.legend(loc="lower right")
    return fig


def plot_scores(recs: Sequence, *, title: str | None = None):
    """Horizontal bars of the ranked patterns' scores (top first)."""
    from labkit.viz import new_figure

    colours = _style_colours()
    fig, ax = new_figure(title=title or "Patterns ranked for the chosen requirements",
                         xlabel="score (weight of requirements answered − conflicts)",
                         ylabel="pattern")
    names = [r.pattern.name for r in recs][::-1]
    scores = [r.score for r in recs][::-1]
    ax.barh(names, scores, color=[colours[2] if s > 0 else colours[5] for s in scores])
    ax.axvline(0, color="black", linewidth=0.8)
    return fig
