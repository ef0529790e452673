"""A figure as PNG bytes with one layout pass: what an explorer sends on every change.

``savefig(bbox_inches="tight")`` lays the whole figure out twice: a first pass draws every artist
with drawing switched off, only to find the tight bounding box, then the real draw on a canvas of
the new size (whose renderer starts with no text metrics cached). :func:`figure_png` asks the
figure for the same box directly (``Figure.get_tightbbox`` on the figure's own Agg renderer,
padded by ``savefig.pad_inches``). When every artist lies on the canvas, it draws the canvas
once and crops the pixels to the box (padding past the edge takes the figure's face colour, as
``savefig`` does); a figure kept and redrawn by an explorer then reuses its renderer and text
metrics from one move to the next. When some artist reaches past the canvas, it hands the box to
``savefig``, which grows the canvas to show it, and draws once.

No timestamp or software stamp is written, so the same figure always gives the same bytes.
"""

from __future__ import annotations

import io
import math
from typing import Any

__all__ = ["MARGIN_IN", "figure_png", "png_size"]

#: Inches drawn around the figure before cropping to its tight box.
MARGIN_IN = 0.5


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
    >>> width, height = png_size(figure_png(fig))  # cropped to the artists, plus 0.1 in
    >>> width < 190, abs(height - 150) <= 2
    (True, True)
    """
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.transforms import Bbox

    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    if not isinstance(tight, bool):
        raise TypeError("tight must be True or False")
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    if not tight:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=fig.dpi, metadata={"Software": None})
        return buffer.getvalue()
    # Draw once onto the figure plus a margin: tick labels and axis labels often reach a few
    # pixels past the figure's edge. The canvas has the same size on every call, so it keeps its
    # renderer, and matplotlib's text metrics cached with it.
    width, height = fig.get_size_inches()
    area = Bbox([[-MARGIN_IN, -MARGIN_IN], [width + MARGIN_IN, height + MARGIN_IN]])
    raw = io.BytesIO()
    fig.savefig(raw, format="rgba", dpi=fig.dpi, bbox_inches=area)
    drawn = fig.get_tightbbox(canvas.renderer)  # the renderer that just drew, metrics cached
    box = drawn.padded(mpl.rcParams["savefig.pad_inches"])
    if not area.contains(drawn.x0, drawn.y0) or not area.contains(drawn.x1, drawn.y1):
        buffer = io.BytesIO()  # something reaches past the margin: let savefig size the canvas
        fig.savefig(buffer, format="png", dpi=fig.dpi, bbox_inches=box,
                    metadata={"Software": None})
        return buffer.getvalue()
    return _encode(_crop(raw.getbuffer(), area, box, fig))


def _crop(pixels: Any, area: Any, inches: Any, fig: Any) -> Any:
    """The pixels of ``area`` (drawn as RGBA) that lie inside ``inches``; both are boxes in
    inches from the figure's bottom left, and ``inches`` lies within ``area``."""
    from PIL import Image

    dpi = fig.dpi
    width, height = int(area.width * dpi), int(area.height * dpi)  # as the Agg canvas sizes it
    image = Image.frombuffer("RGBA", (width, height), pixels, "raw", "RGBA", 0, 1)
    # Pixel rows count down from the top; the boxes count up from the bottom.
    left = math.floor((inches.x0 - area.x0) * dpi)
    right = math.ceil((inches.x1 - area.x0) * dpi)
    top = height - math.ceil((inches.y1 - area.y0) * dpi)
    bottom = height - math.floor((inches.y0 - area.y0) * dpi)
    return image.crop((max(left, 0), max(top, 0), min(right, width), min(bottom, height)))


def _encode(image: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="png")
    return buffer.getvalue()


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels, read from a PNG's header.

    >>> png_size(bytes(16) + (640).to_bytes(4, "big") + (288).to_bytes(4, "big"))
    (640, 288)
    """
    if len(png) < 24:
        raise ValueError(f"png must hold at least the 24-byte PNG header, got {len(png)} bytes")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
