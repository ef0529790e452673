"""The figure comparison that tests/notebooks/nbval_figures.py adds to nbval."""

from __future__ import annotations

import base64
import importlib.util
import io
from pathlib import Path

import pytest
from PIL import Image

_SPEC = importlib.util.spec_from_file_location(
    "nbval_figures", Path(__file__).with_name("nbval_figures.py"))
figures_plugin = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(figures_plugin)


def png(size=(40, 30), dots=(), compress_level=6) -> str:
    image = Image.new("RGBA", size, (255, 255, 255, 255))
    for xy in dots:
        image.putpixel(xy, (255, 0, 0, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=compress_level)
    return base64.b64encode(buffer.getvalue()).decode()


def display(*pngs: str) -> list[dict]:
    return [{"output_type": "display_data", "data": {"image/png": p + "\n", "text/plain": "x"}}
            for p in pngs]


def test_figures_are_read_in_order_without_line_breaks():
    a, b = png(), png(dots=[(1, 1)])
    assert figures_plugin.figures(display(a, b)) == [("image/png", a), ("image/png", b)]
    assert figures_plugin.figures([{"output_type": "stream", "text": "hi"}]) == []


def test_same_pixels_pass_even_when_the_png_bytes_differ():
    fast, small = png(compress_level=1), png(compress_level=9)
    assert fast != small
    assert figures_plugin.compare_figures([("image/png", fast)], [("image/png", small)], 0) == []


def test_one_changed_pixel_fails_at_zero_tolerance_and_passes_above_its_rms():
    old, new = png(), png(dots=[(5, 5)])
    [(index, reason)] = figures_plugin.compare_figures(
        [("image/png", old)], [("image/png", new)], 0)
    assert index == 0 and "RMS pixel difference" in reason
    # One pixel of 1200 changed in two of four channels by 255: RMS = 255 * sqrt(2 / 4800).
    rms = 255 * (2 / 4800) ** 0.5
    assert f"{rms:.3f}" in reason
    assert figures_plugin.compare_figures([("image/png", old)], [("image/png", new)],
                                          rms + 0.01) == []


def test_a_different_size_or_number_of_figures_fails():
    [(index, reason)] = figures_plugin.compare_figures(
        [("image/png", png((40, 30)))], [("image/png", png((41, 30)))], 100)
    assert index == 0 and "40x30 to 41x30" in reason
    [(index, reason)] = figures_plugin.compare_figures([("image/png", png())], [], 0)
    assert index == -1 and "stored 1 figure(s) and now draws 0" in reason


@pytest.mark.parametrize("tolerance", [-1.0])
def test_a_negative_tolerance_is_refused(tolerance):
    class Config:
        stash: dict = {}

        @staticmethod
        def getini(name):
            return str(tolerance)

    with pytest.raises(pytest.UsageError, match="nbval_figure_rms_tolerance must be >= 0"):
        figures_plugin.pytest_configure(Config())
