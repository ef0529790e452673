#!/usr/bin/env python3
"""Copy a few figures from the notebooks' stored outputs into docs/img/ for the README.

Usage: python tools/export_figures.py [--check]

Nothing is re-executed: each figure is the PNG stored in the output of the first code cell whose
source contains the given text, so the README shows exactly what the committed notebook shows.
``--check`` reports figures whose PNG in docs/img/ differs from the notebook's (exit 1).
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
FIGURES = [
    # (output file, notebook, text in the cell's source)
    ("circuit-breaker-outage.png", "10-circuit-breaker.ipynb", "plot_outage_runs(runs)"),
    ("retry-storm.png", "02-service-mesh.ipynb", "plot_amplification(storms"),
    ("pattern-selection-coverage.png", "13-pattern-selection.ipynb", "plot_coverage(comparison)"),
]


def stored_png(notebook: str, needle: str) -> bytes:
    nb = nbformat.read(ROOT / "notebooks" / notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and needle in cell.source:
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                if "image/png" in data:
                    return base64.b64decode(data["image/png"])
            raise SystemExit(f"{notebook}: the cell with {needle!r} has no stored PNG "
                             "(run `make notebooks`)")
    raise SystemExit(f"{notebook}: no code cell contains {needle!r}")


def main(argv: list[str]) -> int:
    check = "--check" in argv
    out_dir = ROOT / "docs" / "img"
    stale = []
    for name, notebook, needle in FIGURES:
        png = stored_png(notebook, needle)
        target = out_dir / name
        if check:
            if not target.exists() or target.read_bytes() != png:
                stale.append(name)
            continue
        out_dir.mkdir(parents=True, exist_ok=True)
        target.write_bytes(png)
        print(f"wrote docs/img/{name} ({len(png) / 1024:.0f} KiB) from {notebook}")
    if stale:
        print(f"figures out of date: {stale} (run python tools/export_figures.py)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
