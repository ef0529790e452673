"""nbval plugin: compare every stored figure, and compare cells stored without execution counts.

nbval (0.11) drops ``image/png`` and ``image/jpeg`` from its comparison unless it runs with
``--nbdime``, so a notebook whose figures changed still passed. This plugin, loaded from
``tests/notebooks/pytest.ini`` (``-p nbval_figures``), makes the same nbval run also compare the
figures, in the same execution (the notebooks run once):

* a cell must produce as many ``image/png`` / ``image/jpeg`` outputs as it stores, in order;
* two figures are equal when their PNG bytes are identical, or else when both decode to the same
  size and the root-mean-square difference of their pixels (0-255 scale, all channels, as in
  ``matplotlib.testing.compare.calculate_rms``) is at most ``nbval_figure_rms_tolerance``
  (an ini option, default 0: every pixel equal). Decoding first lets a different PNG encoder or
  compression level pass as long as the picture is the same.

On a mismatch the cell fails with the reason, and the expected and new figures are written to
``.cache/figure-failures/`` so they can be compared side by side. A figure that changed on
purpose is accepted by re-executing the notebook (``make notebooks NB=...``).

Notebooks are stored without execution counts (tools/nbexec.py), and nbval treats a cell without
an execution count as never run: it refuses any stored output ("Unrun reference cell has
outputs") and compares nothing. Every notebook here is stored executed, so this plugin gives each
code cell a placeholder count before it runs; nbval then compares every cell, and a cell stored
without outputs that prints something fails as "Unexpected output fields".
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import numpy as np
import pytest
from nbval.plugin import IPyNbCell

FIGURE_TYPES = ("image/png", "image/jpeg")
FAILURES = Path(__file__).resolve().parents[2] / ".cache" / "figure-failures"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("nbval_figure_rms_tolerance",
                  "largest RMS pixel difference (0-255 scale) between a stored and a new figure",
                  default="0")


def pytest_configure(config: pytest.Config) -> None:
    tolerance = float(config.getini("nbval_figure_rms_tolerance"))
    if tolerance < 0:
        raise pytest.UsageError(
            f"nbval_figure_rms_tolerance must be >= 0 (RMS on a 0-255 scale), got {tolerance}")
    config.stash[_TOLERANCE] = tolerance


_TOLERANCE = pytest.StashKey[float]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if isinstance(item, IPyNbCell) and item.cell.get("execution_count") is None:
            item.cell.execution_count = 0   # stored executed; see the module docstring


def figures(outputs: list) -> list[tuple[str, str]]:
    """The ``(mime type, base64 text)`` of each figure in ``outputs``, in order."""
    found = []
    for out in outputs:
        data = out.get("data") or {}
        for mime in FIGURE_TYPES:
            if mime in data:
                text = data[mime]
                text = "".join(text) if isinstance(text, list) else text
                found.append((mime, "".join(text.split())))
    return found


def decode(text: str) -> np.ndarray:
    """Pixels of a base64 PNG/JPEG as a float array (height, width, RGBA) on a 0-255 scale."""
    from PIL import Image

    with Image.open(io.BytesIO(base64.b64decode(text))) as image:
        return np.asarray(image.convert("RGBA"), dtype=float)


def rms(expected: np.ndarray, actual: np.ndarray) -> float:
    """Root-mean-square pixel difference of two images of the same shape."""
    return float(np.sqrt(np.mean((expected - actual) ** 2)))


def compare_figures(expected: list[tuple[str, str]], actual: list[tuple[str, str]],
                    tolerance: float) -> list[tuple[int, str]]:
    """``(figure index, reason)`` for each figure of ``actual`` that differs from ``expected``.

    A different number of figures is reported as index -1.
    """
    if len(expected) != len(actual):
        return [(-1, f"the cell stored {len(expected)} figure(s) and now draws {len(actual)}")]
    problems = []
    pairs = zip(expected, actual, strict=True)
    for index, ((mime_e, text_e), (mime_a, text_a)) in enumerate(pairs):
        if text_e == text_a:
            continue
        if mime_e != mime_a:
            problems.append((index, f"stored as {mime_e}, now {mime_a}"))
            continue
        old, new = decode(text_e), decode(text_a)
        if old.shape != new.shape:
            problems.append((index, f"size changed from {old.shape[1]}x{old.shape[0]} to "
                                    f"{new.shape[1]}x{new.shape[0]} pixels"))
            continue
        difference = rms(old, new)
        if difference > tolerance:
            changed = float(np.mean(np.any(old != new, axis=-1)))
            problems.append((index, f"RMS pixel difference {difference:.3f} > tolerance "
                                    f"{tolerance:g} ({changed:.2%} of pixels changed)"))
    return problems


def _save(item: IPyNbCell, index: int, expected: str, actual: str) -> str:
    FAILURES.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^\w.-]+", "_", f"{Path(str(item.fspath)).stem}-cell{item.cell_num}-{index}")
    for suffix, text in (("expected", expected), ("actual", actual)):
        (FAILURES / f"{stem}-{suffix}.png").write_bytes(base64.b64decode(text))
    return str(FAILURES / f"{stem}-{{expected,actual}}.png")


# nbval's own comparison, kept once even if this module is imported twice (plugin and tests).
_nbval_compare_outputs = getattr(IPyNbCell, "_nbval_compare_outputs", IPyNbCell.compare_outputs)
IPyNbCell._nbval_compare_outputs = _nbval_compare_outputs


def compare_outputs(self: IPyNbCell, test: list, ref: list, skip_compare=None) -> bool:
    """nbval's comparison of everything else, then the figures."""
    if not _nbval_compare_outputs(self, test, ref, skip_compare):
        return False
    expected, actual = figures(ref), figures(test)
    problems = compare_figures(expected, actual, self.config.stash[_TOLERANCE])
    for index, reason in problems:
        line = f"figure {index + 1} of the cell differs: {reason}" if index >= 0 else reason
        if index >= 0:
            saved = _save(self, index, expected[index][1], actual[index][1])
            line += f"; expected and new figure saved as {saved}"
        self.comparison_traceback.append(line)
    if problems:
        self.comparison_traceback.append(
            "If the change is intended, re-execute the notebook (make notebooks NB=<notebook>) "
            "and commit the new figure.")
    return not problems


IPyNbCell.compare_outputs = compare_outputs
