"""The bulkhead notebook's explorer: its figure for one set of control values, redrawn in place.

:func:`noisy_neighbour_explorer_figure` draws tenant A's success rate under one shared pool and
under partitioned pools, with the p99 of A's served calls on each bar;
:func:`update_noisy_neighbour_explorer` redraws an existing figure in place (the explorer calls it
through the figure function's ``update`` attribute).
"""

from __future__ import annotations

from typing import Any

from labkit.core.runner import deprecated_alias
from labkit.resilience.isolation import NoisyNeighbourConfig, simulate_noisy_neighbour
from labkit.viz.inplace import updates_in_place

__all__ = ["explore_noisy_neighbour", "noisy_neighbour_explorer_figure",
           "update_noisy_neighbour_explorer"]

#: The explorer's run: 1.5 s of the notebook's workload with 20 permits (fast to redraw; the
#: notebook's headline numbers come from longer runs over many seeds).
EXPLORER_RUN = NoisyNeighbourConfig(permits=20, horizon_s=1.5)


def _noisy_neighbour_bars(overload_b: float, permits_a: int, max_wait_ms: int, seed: int,
                          horizon_s: float) -> list[tuple[float, str]]:
    """Per design (shared, partitioned): A's success rate (%) and the text on its bar."""
    base = EXPLORER_RUN.replace(overload_b=overload_b, permits_a=permits_a,
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
