"""Figures an explorer redraws in place instead of drawing afresh.

Most of an explorer's answer is matplotlib building and drawing a new figure: its axes, their
ticks (created on the first draw) and text. A plot function that declares an ``update`` lets the
explorer keep one figure and change only its data, titles and limits on each move.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["updates_in_place"]


def updates_in_place(update: Callable[..., bool]) -> Callable[[Callable[..., Any]], Any]:
    """Declare how an explorer's figure is redrawn in place.

    ``update(fig, **values) -> bool`` changes the artists of ``fig`` (a figure the plot function
    drew earlier) to show ``values`` and returns ``True``, or returns ``False`` when the figure
    must be drawn afresh (say, a control changes how many axes there are). The figure it leaves
    must look as the plot function would draw it at ``values``; the tests compare the two.

    >>> def update(fig, rate):
    ...     fig.axes[0].set_title(f"rate {rate}")
    ...     return True
    >>> @updates_in_place(update)
    ... def plot(rate):
    ...     import matplotlib.figure
    ...     fig = matplotlib.figure.Figure()
    ...     fig.add_subplot().set_title(f"rate {rate}")
    ...     return fig
    >>> plot.update is update
    True
    """
    if not callable(update):
        raise TypeError("update must be callable: update(fig, **values) -> bool")

    def declare(plot: Callable[..., Any]) -> Any:
        plot.update = update  # type: ignore[attr-defined]
        return plot

    return declare
