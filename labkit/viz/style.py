"""The lab's matplotlib style: colour-blind-safe colours (Okabe-Ito), readable sizes, labelled axes.

Importing labkit changes no settings; a notebook calls :func:`use_style` once in its Imports cell.
"""

from __future__ import annotations

from typing import Any

__all__ = ["PALETTE", "STATE_COLOURS", "SUPTITLE", "cycle_colours", "new_figure", "use_style"]

#: Okabe & Ito (2008) colour-blind-safe palette, in the order plots use it.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")

#: Colours for circuit-breaker states (and any closed/open/half-open style state machine).
STATE_COLOURS = {
    "closed": "#009E73",
    "open": "#D55E00",
    "half_open": "#E69F00",
    "forced_open": "#CC79A7",
    "disabled": "#999999",
}

#: How :func:`new_figure` sets a figure's title (pass it again when changing the title in place).
SUPTITLE = {"fontweight": "bold"}

_RC = {
    "figure.figsize": (8.0, 3.6),
    "figure.dpi": 80,
    "savefig.dpi": 80,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "font.size": 10,
    "svg.hashsalt": "architecture-patterns-lab",
}


def use_style() -> None:
    """Apply the lab's plotting style to matplotlib (and the inline backend's PNG settings).

    Figures are PNG without the version stamp, so re-executing a notebook stores the same bytes.

    >>> use_style()
    >>> import matplotlib
    >>> matplotlib.rcParams["axes.spines.top"]
    False
    """
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(_RC)
    mpl.rcParams["axes.prop_cycle"] = cycler(color=list(PALETTE))
    try:  # inside IPython: stable PNG bytes (no "Software" stamp), tight bounding boxes
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            shell.run_line_magic(
                "config",
                "InlineBackend.print_figure_kwargs = "
                "{'bbox_inches': 'tight', 'metadata': {'Software': None}}")
    except ImportError:  # pragma: no cover - IPython is always installed with the lab
        pass


def new_figure(title: str, xlabel: str, ylabel: str, *, ncols: int = 1,
               figsize: tuple[float, float] | None = None, sharey: bool = False) -> tuple[Any, Any]:
    """A figure with ``ncols`` axes; the first (or only) axes gets the labels.

    Returns ``(fig, ax)`` for one column, ``(fig, axes)`` for several. Every figure has a title and
    labelled axes (with units in the label, e.g. ``"latency (s)"``).

    >>> fig, ax = new_figure("Latency", "time (s)", "latency (s)")
    >>> ax.get_title(), ax.get_xlabel()
    ('Latency', 'time (s)')
    """
    import matplotlib.pyplot as plt

    if not title or not xlabel or not ylabel:
        raise ValueError("title, xlabel and ylabel must all be non-empty (units in the labels)")
    if figsize is None:
        figsize = (4.2 * ncols if ncols > 1 else 8.0, 3.6)
    fig, axes = plt.subplots(1, ncols, figsize=figsize, sharey=sharey, squeeze=False)
    axes = axes[0]
    if ncols == 1:
        ax = axes[0]
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        return fig, ax
    fig.suptitle(title, **SUPTITLE)
    for a in axes:
        a.set_xlabel(xlabel)
    axes[0].set_ylabel(ylabel)
    return fig, axes


def cycle_colours(n: int) -> list[str]:
    """The first ``n`` colours of the style's colour cycle (``axes.prop_cycle``), repeating.

    For artists that take one colour each (bars, markers that must match a line): the colours
    follow whatever :func:`use_style` (or the reader) set, instead of indexing the palette.

    >>> use_style()
    >>> cycle_colours(2) == list(PALETTE[:2])
    True
    >>> len(cycle_colours(10))
    10
    """
    import itertools

    import matplotlib as mpl

    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be an integer >= 0, got {n!r}")
    colours = mpl.rcParams["axes.prop_cycle"].by_key().get("color") or list(PALETTE)
    return list(itertools.islice(itertools.cycle(colours), n))
