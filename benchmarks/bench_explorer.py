"""How long does an explorer take to answer a slider move?

Each explorer callback re-simulates and redraws (``labkit.ui.Explorer.time_callback`` times
exactly that: build the figure, render it to PNG as the inline backend does, close it). Budget
(docs/architecture.md, "Budgets"): median <= 150 ms, worst <= 500 ms on the 2-core machine.

The explorers are the ones the notebooks build. This script runs each notebook's code cells in
this process (matplotlib's Agg backend, the notebook folder as working directory; the widget
cells themselves are skipped), picks up every ``Explorer`` the notebook defines, and times its
callback at the defaults and at each slider's minimum, middle and maximum (other controls at
their defaults). Notebooks not written yet are listed as missing.

Run: ``make benchmarks`` or ``.venv/bin/python benchmarks/bench_explorer.py [--repeats N]
[--all | NN-name.ipynb ...]`` (default: every notebook).
Exits with status 1 if a budget is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from labkit.ui import Explorer  # noqa: E402  (after choosing the backend)

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS: list[str] = []  # empty: every notebook
MEDIAN_BUDGET_MS = 150.0
WORST_BUDGET_MS = 500.0


def notebook_explorers(path: Path) -> dict[str, Explorer]:
    """Run the notebook's code cells here and return the explorers it defines, by variable name.

    Cells that show a live widget (``.widget()``) are skipped, and so are IPython magics and
    shell lines; printed output and displayed figures are discarded.
    """
    cells = json.loads(path.read_text())["cells"]
    from IPython.display import display  # notebooks may call it as an IPython builtin

    namespace: dict[str, object] = {"__name__": "__notebook__", "display": display}
    cwd = Path.cwd()
    os.chdir(path.parent)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            for index, cell in enumerate(cells):
                if cell["cell_type"] != "code":
                    continue
                source = "".join(cell["source"])
                if ".widget()" in source:
                    continue
                lines = [line for line in source.splitlines()
                         if not line.lstrip().startswith(("%", "!"))]
                exec(compile("\n".join(lines), f"{path.name} cell {index}", "exec"), namespace)
    finally:
        os.chdir(cwd)
        import matplotlib.pyplot as plt

        plt.close("all")
    return {name: value for name, value in namespace.items() if isinstance(value, Explorer)}


def control_points(explorer: Explorer) -> list[tuple[str, dict[str, object]]]:
    """Defaults, then each slider at its minimum, middle and maximum."""
    points: list[tuple[str, dict[str, object]]] = [("defaults", {})]
    for name, control in explorer.controls.items():
        if control.minimum is None or control.maximum is None:
            continue
        lo, hi, step = control.minimum, control.maximum, control.step
        middle = lo + round((hi - lo) / 2 / step) * step
        if control.is_int:
            middle = int(middle)
        else:
            middle = round(middle, 10)
        for label, value in (("min", lo), ("mid", middle), ("max", hi)):
            points.append((f"{name}={value} ({label})", {name: value}))
    return points


def time_explorer(explorer: Explorer, repeats: int) -> list[tuple[str, list[float], list[float]]]:
    """Per control point: wall and CPU milliseconds of ``repeats`` callbacks."""
    explorer.time_callback(repeats=1)  # warm-up: first figure, font cache
    rows = []
    for label, values in control_points(explorer):
        walls, cpus = [], []
        for _ in range(repeats):
            cpu0 = time.process_time()
            walls.append(explorer.time_callback(repeats=1, **values)[0] * 1000)
            cpus.append((time.process_time() - cpu0) * 1000)
        rows.append((label, walls, cpus))
    return rows


def breakdown(explorer: Explorer, repeats: int) -> tuple[float, float, float]:
    """Median CPU milliseconds, at the defaults, of building the figure (simulate + draw the
    artists), rendering it to PNG (a tight bounding box costs an extra draw) and closing it:
    where a slow callback spends its time."""
    import matplotlib.pyplot as plt

    build, render, close = [], [], []
    for _ in range(repeats):
        cpu0 = time.process_time()
        fig = explorer.figure()
        cpu1 = time.process_time()
        explorer._png(fig)  # as the notebook shows it (tight bounding box unless fixed layout)
        cpu2 = time.process_time()
        plt.close(fig)
        build.append((cpu1 - cpu0) * 1000)
        render.append((cpu2 - cpu1) * 1000)
        close.append((time.process_time() - cpu2) * 1000)
    return statistics.median(build), statistics.median(render), statistics.median(close)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="callbacks per control point")
    parser.add_argument("--all", action="store_true", help="every notebook (the default)")
    parser.add_argument("notebooks", nargs="*", default=NOTEBOOKS,
                        help="notebook file names (default: every notebook in notebooks/)")
    args = parser.parse_args(argv)
    if args.all or not args.notebooks:
        args.notebooks = sorted(p.name for p in (REPO / "notebooks").glob("[0-9]*.ipynb"))
    print(f"Explorer callback latency (re-simulate + draw + render PNG); budget median <= "
          f"{MEDIAN_BUDGET_MS:.0f} ms, worst <= {WORST_BUDGET_MS:.0f} ms. {args.repeats} "
          f"callbacks per point; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    ok, found = True, 0
    for name in args.notebooks:
        path = REPO / "notebooks" / name
        print()
        if not path.exists():
            print(f"{name}: not in notebooks/ yet, nothing to time")
            continue
        t0 = time.perf_counter()
        explorers = notebook_explorers(path)
        print(f"{name}: {len(explorers)} explorer(s); notebook code ran in "
              f"{time.perf_counter() - t0:.1f} s")
        for var, explorer in explorers.items():
            found += 1
            rows = time_explorer(explorer, args.repeats)
            header = f"  {var}: {'point':<40} {'median ms':>10} {'worst ms':>9} {'CPU med ms':>11}"
            print(header)
            for label, walls, cpus in rows:
                print(f"  {'':<{len(var) + 1}} {label:<40} {statistics.median(walls):10.1f} "
                      f"{max(walls):9.1f} {statistics.median(cpus):11.1f}")
            walls = [w for _, ws, _ in rows for w in ws]
            cpus = [c for _, _, cs in rows for c in cs]
            median, worst = statistics.median(walls), max(walls)
            passed = median <= MEDIAN_BUDGET_MS and worst <= WORST_BUDGET_MS
            cpu_passed = (statistics.median(cpus) <= MEDIAN_BUDGET_MS
                          and max(cpus) <= WORST_BUDGET_MS)
            ok &= passed
            print(f"  {'':<{len(var) + 1}} {'all points':<40} {median:10.1f} {worst:9.1f} "
                  f"{statistics.median(cpus):11.1f}   wall {'PASS' if passed else 'FAIL'}, "
                  f"CPU {'PASS' if cpu_passed else 'FAIL'} (CPU worst {max(cpus):.1f} ms)")
            build, render, close = breakdown(explorer, args.repeats)
            print(f"  {'':<{len(var) + 1}} at the defaults, CPU: build the figure "
                  f"(simulate + draw) {build:.1f} ms, render PNG {render:.1f} ms, "
                  f"close {close:.1f} ms")
    print()
    if os.getloadavg()[0] > (os.cpu_count() or 1):
        print("The machine was busy (load average above the CPU count): wall times include waiting "
              "for a CPU;\nthe CPU column estimates the callback time on an idle machine.")
    if not found:
        print("no explorers found")
        return 1
    print("all budgets met" if ok else "BUDGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
