#!/usr/bin/env python3
"""Execute notebooks deterministically and store clean outputs.

Usage: python tools/nbexec.py notebooks/10-circuit-breaker.ipynb [more.ipynb ...]

Runs each notebook top to bottom in a fresh kernel with its own folder as working directory,
without timing metadata, then strips what changes from run to run (saved widget state, widget
model ids, the Python patch version), so executing twice gives byte-identical files.

A stall fails fast: the kernel must be ready within STARTUP_TIMEOUT_S and every cell must finish
within CELL_TIMEOUT_S (the slowest cell of the lab takes a few seconds), otherwise the run stops
with a message naming the notebook and the cell, and nothing is written. Cells slower than
SLOW_CELL_S are listed after the run, so a creeping slowdown shows before it becomes a stall.
"""

from __future__ import annotations

import atexit
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

sys.path.insert(0, str(Path(__file__).resolve().parent))
import kernel_wakeups  # noqa: E402  (tools/ is not a package)

kernel_wakeups.install()  # a missed kernel message costs 0.25 s, not the cell timeout

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
STARTUP_TIMEOUT_S = 60  # a kernel starts in a few seconds, even on a busy 2-core machine
# Cells take seconds; under load a widget cell once waited about 60 s before answering, and
# 300 s hid real stalls.
CELL_TIMEOUT_S = 120
SLOW_CELL_S = 10.0
# A missed wake-up of the client's asyncio socket poll used to look like a stalled cell (see
# tools/kernel_wakeups.py); it now costs at most a quarter of a second.
KNOWN_HANG = "https://github.com/zeromq/pyzmq/issues/2173"


class NotebookStalled(SystemExit):
    """The kernel did not start, or a cell did not finish, within its time limit."""


def _cell_name(nb: nbformat.NotebookNode, index: int | None) -> str:
    if index is None:
        return "before the first cell"
    lines = nb.cells[index].source.strip().splitlines()
    first = lines[0][:60] if lines else ""
    return f"cell {index} ({first!r})"


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


def execute(path: Path, timeout: int = CELL_TIMEOUT_S,
            startup_timeout: int = STARTUP_TIMEOUT_S) -> float:
    """Run ``path`` top to bottom and store its clean outputs; seconds taken.

    Raises :class:`NotebookStalled` (a ``SystemExit`` naming the notebook and cell) when the
    kernel is not ready within ``startup_timeout`` s or a cell runs longer than ``timeout`` s.
    """
    nb = nbformat.read(path, as_version=4)
    started: dict[int, float] = {}
    seconds: dict[int, float] = {}
    current: list[int | None] = [None]

    def on_start(cell: nbformat.NotebookNode, cell_index: int, **_: object) -> None:
        current[0] = cell_index
        started[cell_index] = time.perf_counter()

    def on_done(cell: nbformat.NotebookNode, cell_index: int, **_: object) -> None:
        seconds[cell_index] = time.perf_counter() - started[cell_index]

    start = time.perf_counter()
    client = NotebookClient(nb, timeout=timeout, startup_timeout=startup_timeout,
                            kernel_name="python3", record_timing=False,
                            shutdown_kernel="immediate", on_cell_start=on_start,
                            on_cell_executed=on_done,
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except CellTimeoutError:
        raise NotebookStalled(
            f"{path}: {_cell_name(nb, current[0])} did not finish within {timeout} s; the kernel "
            f"was stopped and nothing was written. Cells here take seconds, so this is a stall: "
            f"run it again, and if the same cell stalls again, look at that cell (a client "
            f"that misses the kernel's answer is a known zmq.asyncio problem, handled by "
            f"tools/kernel_wakeups.py: {KNOWN_HANG})."
        ) from None
    except DeadKernelError as error:
        raise NotebookStalled(
            f"{path}: the kernel died during {_cell_name(nb, current[0])}: {error}") from None
    except RuntimeError as error:
        if current[0] is not None or "respond" not in str(error):
            raise
        # nbclient already stopped the kernel; its exit hook would try again and fail noisily.
        atexit.unregister(client._cleanup_kernel)
        raise NotebookStalled(
            f"{path}: the kernel was not ready within {startup_timeout} s ({error}); nothing "
            f"ran. Check that the python3 kernel of this environment starts "
            f"(`python -m ipykernel_launcher --help`), then run it again.") from None
    elapsed = time.perf_counter() - start
    errors = [c for c in nb.cells if c.cell_type == "code"
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    if errors:
        raise SystemExit(f"{path}: a cell stored an error output; fix it before committing")
    for index, taken in sorted(seconds.items()):
        if taken > SLOW_CELL_S:
            print(f"{path}: slow {_cell_name(nb, index)}: {taken:.1f} s")
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
