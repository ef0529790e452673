"""figure_png: one draw, cropped to the same tight box savefig finds, deterministic bytes."""

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image, ImageFilter  # noqa: E402

from labkit.viz import figure_png, new_figure, use_style  # noqa: E402
from labkit.viz.render import png_size  # noqa: E402


def savefig_tight(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi, bbox_inches="tight",
                metadata={"Software": None})
    return buffer.getvalue()


def grey(png: bytes) -> np.ndarray:
    """The image in grey levels, blurred over 3 x 3 pixels (anti-aliasing evens out)."""
    image = Image.open(io.BytesIO(png)).convert("L").filter(ImageFilter.BoxBlur(1))
    return np.asarray(image, dtype=float)


def best_shift_difference(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two greyscale images, at the best shift within one pixel."""
    h, w = min(a.shape[0], b.shape[0]) - 2, min(a.shape[1], b.shape[1]) - 2
    return min(float(np.abs(a[1 + dy:1 + dy + h, 1 + dx:1 + dx + w] - b[1:1 + h, 1:1 + w]).mean())
               for dy in (-1, 0, 1) for dx in (-1, 0, 1))


def labelled_figure():
    use_style()
    fig, ax = new_figure("Mean wait in queue against utilisation", "utilisation",
                         "mean wait in queue (s)")
    xs = np.linspace(0.05, 0.95, 50)
    ax.plot(xs, xs / (1 - xs), label="M/M/1")
    ax.legend()
    return fig


def test_tight_png_is_the_savefig_picture_from_one_draw():
    fig = labelled_figure()
    # The x label reaches below the canvas: a plain canvas draw would cut it off.
    assert fig.get_tightbbox(fig.canvas.get_renderer()).y0 < 0
    ours, theirs = figure_png(fig), savefig_tight(fig)
    (w1, h1), (w2, h2) = png_size(ours), png_size(theirs)
    assert abs(w1 - w2) <= 2 and abs(h1 - h2) <= 2  # the crop's pixel edges may differ by one
    # The same picture, up to a shift of at most one pixel (where the crop's edge falls) and
    # anti-aliasing: blurred, they differ by far less than their ink. (A changed title and
    # curve differ by more than half of it.)
    a, b = grey(ours), grey(theirs)
    assert best_shift_difference(a, b) < 0.25 * (255 - b).mean()
    plt.close(fig)


def test_a_changed_figure_is_told_apart():
    fig = labelled_figure()
    before = grey(figure_png(fig))
    fig.axes[0].lines[0].set_ydata(np.linspace(0, 19, 50)[::-1])
    after = grey(figure_png(fig))
    assert best_shift_difference(after, before) > 0.25 * (255 - before).mean()
    plt.close(fig)


def test_png_bytes_are_deterministic_and_fixed_layout_keeps_the_canvas():
    fig = labelled_figure()
    assert figure_png(fig) == figure_png(fig)
    assert png_size(figure_png(fig, tight=False)) == (640, 288)  # 8 x 3.6 in at 80 dpi
    plt.close(fig)


def test_an_artist_far_outside_the_canvas_is_still_shown():
    fig = labelled_figure()
    fig.axes[0].legend(loc="upper left", bbox_to_anchor=(1.5, 1.0))  # well past the margin
    assert figure_png(fig) == savefig_tight(fig)  # savefig grows the canvas to show it
    plt.close(fig)


def test_bad_arguments_are_refused():
    with pytest.raises(TypeError, match="Figure"):
        figure_png("not a figure")
    fig = labelled_figure()
    with pytest.raises(TypeError, match="tight"):
        figure_png(fig, tight="yes")
    with pytest.raises(ValueError, match="24-byte"):
        png_size(b"\x89PNG")
    plt.close(fig)
