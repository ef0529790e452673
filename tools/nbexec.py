#!/usr/bin/env python3
"""Execute notebooks deterministically and store clean outputs.

Usage: python tools/nbexec.py notebooks/10-circuit-breaker.ipynb [more.ipynb ...]

Runs each notebook top to bottom in a fresh kernel with its own folder as working directory,
without timing metadata, then strips what changes from run to run (saved widget state, widget
model ids, the Python patch version), so executing twice gives byte-identical files.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def merge_streams(outputs: list) -> list:
    """Join consecutive stdout (or stderr) outputs: how a print is split depends on timing."""
    merged: list = []
    for out in outputs:
        if (out.get("output_type") == "stream" and merged
                and merged[-1].get("output_type") == "stream"
                and merged[-1].get("name") == out.get("name")):
            merged[-1]["text"] += out["text"]
        else:
            merged.append(out)
    return merged


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop volatile metadata and widget-view outputs (their text/plain fallback stays)."""
    nb.metadata.pop("widgets", None)
    nb.metadata.get("language_info", {}).pop("version", None)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                 "name": "python3"}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        # Execution counts shift whenever a cell is added above; they are not stored, so two
        # changes to different cells of one notebook merge without conflicts.
        cell.execution_count = None
        cell.outputs = merge_streams(cell.get("outputs", []))
        for out in cell.outputs:
            if "execution_count" in out:
                out["execution_count"] = None
            data = out.get("data")
            if data and WIDGET_VIEW in data:
                del data[WIDGET_VIEW]
    return nb


def execute(path: Path, timeout: int = 300) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    elapsed = time.perf_counter() - start
    errors = [c for c in nb.cells if c.cell_type == "code"
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    if errors:
        raise SystemExit(f"{path}: a cell stored an error output; fix it before committing")
    nbformat.write(clean(nb), path)
    return elapsed


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    for name in argv:
        path = Path(name)
        seconds = execute(path)
        print(f"{path}: executed in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
