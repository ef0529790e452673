"""A figure as PNG bytes with one layout pass: what an explorer sends on every change.

``savefig(bbox_inches="tight")`` lays the whole figure out twice: a first pass draws every artist
with drawing switched off, only to find the tight bounding box, then the real draw. Text layout is
most of a small figure's drawing time, so that first pass costs nearly as much as the draw.
:func:`figure_png` asks the figure for the same box directly (``Figure.get_tightbbox`` on the
canvas renderer, padded by ``savefig.pad_inches``) and hands it to ``savefig``, which then draws
once. The PNG is byte-for-byte the one ``bbox_inches="tight"`` gives (the tests check it).

No timestamp or software stamp is written, so the same figure always gives the same bytes.
"""

from __future__ import annotations

import io
from typing import Any

__all__ = ["figure_png", "png_size"]


def figure_png(fig: Any, *, tight: bool = True) -> bytes:
    """Render ``fig`` to PNG at its own size and DPI, cropped to its tight bounding box.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, drawn as it stands (its size and ``dpi`` are what the notebook shows).
    tight : bool
        Crop (or grow) the canvas to the artists plus ``savefig.pad_inches``, as the notebook's
        inline backend does with ``bbox_inches="tight"``; ``False`` keeps the canvas as it is,
        for figures that lay themselves out.

    Examples
    --------
    >>> import matplotlib.figure
    >>> fig = matplotlib.figure.Figure(figsize=(4, 3), dpi=50)
    >>> _ = fig.add_subplot().set_title("latency")
    >>> png = figure_png(fig, tight=False)
    >>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n", png_size(png)
    (True, (200, 150))
    >>> width, height = png_size(figure_png(fig))
    >>> width < 200 and height < 150
    True
    """
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    if not isinstance(tight, bool):
        raise TypeError("tight must be True or False")
    box = None
    if tight:
        canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
        box = fig.get_tightbbox(canvas.get_renderer()).padded(mpl.rcParams["savefig.pad_inches"])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi, bbox_inches=box, metadata={"Software": None})
    return buffer.getvalue()


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels, read from a PNG's header.

    >>> png_size(bytes(16) + (640).to_bytes(4, "big") + (288).to_bytes(4, "big"))
    (640, 288)
    """
    if len(png) < 24:
        raise ValueError(f"png must hold at least the 24-byte PNG header, got {len(png)} bytes")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
