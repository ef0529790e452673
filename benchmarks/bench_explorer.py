"""How long does an explorer take to answer a slider move?

Each explorer callback re-simulates and redraws (``labkit.ui.Explorer.time_callback`` times
exactly that: build the figure, render it to PNG as the notebook shows it, close it; the
explorer's answer cache is bypassed, so every sample does a first visit's work). Budget
(docs/architecture.md, "Budgets"), per explorer over all its samples, in wall time:
median <= 100 ms, p95 <= 150 ms, worst <= 500 ms on the 2-core machine. CPU (process) time is
reported beside it: on a shared machine wall time includes waiting for a CPU, CPU time does not.

The explorers are the ones the notebooks build. This script runs each notebook's code cells in
this process (matplotlib's Agg backend, the notebook folder as working directory; the widget
cells themselves are skipped), picks up every ``Explorer`` the notebook defines, and times its
callback at the defaults and at every control's minimum, middle and maximum (a slider's ends and
middle step, a dropdown's first, middle and last option, a checkbox's two states; other controls
at their defaults). It also times an answer from the cache (a slider moved back). Notebooks not
written yet are listed as missing.

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
MEDIAN_BUDGET_MS = 100.0
P95_BUDGET_MS = 150.0
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
    """Defaults, then each control at its minimum, middle and maximum (dropdowns: first, middle
    and last option; checkboxes: both states)."""
    points: list[tuple[str, dict[str, object]]] = [("defaults", {})]
    for name, control in explorer.controls.items():
        if control.options is not None:
            options = control.options
            picks = [("first", options[0]), ("middle", options[len(options) // 2]),
                     ("last", options[-1])]
            seen: list[object] = []
            for label, value in picks:
                if value not in seen:
                    seen.append(value)
                    points.append((f"{name}={value} ({label})", {name: value}))
            continue
        if isinstance(control.default, bool):
            points += [(f"{name}={value}", {name: value}) for value in (False, True)]
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


def summary(samples: list[float]) -> tuple[float, float, float]:
    """Median, 95th percentile (linear interpolation) and worst."""
    import numpy as np

    return (statistics.median(samples), float(np.percentile(samples, 95)), max(samples))


def within_budget(samples: list[float]) -> bool:
    median, p95, worst = summary(samples)
    return median <= MEDIAN_BUDGET_MS and p95 <= P95_BUDGET_MS and worst <= WORST_BUDGET_MS


def cached_answer_ms(explorer: Explorer, repeats: int) -> float:
    """Median wall milliseconds of an answer the explorer has given before (a slider moved
    back): the PNG comes from its cache."""
    explorer.png()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        explorer.png()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


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
    artists), rendering it to PNG (as the notebook shows it) and closing it: where a slow
    callback spends its time."""
    import matplotlib.pyplot as plt

    build, render, close = [], [], []
    for _ in range(repeats):
        cpu0 = time.process_time()
        fig = explorer.figure()
        cpu1 = time.process_time()
        explorer._png(fig)
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
    print(f"Explorer callback latency (re-simulate + draw + render PNG, answer cache bypassed); "
          f"budget per explorer, wall: median <= {MEDIAN_BUDGET_MS:.0f} ms, p95 <= "
          f"{P95_BUDGET_MS:.0f} ms, worst <= {WORST_BUDGET_MS:.0f} ms. {args.repeats} callbacks "
          f"per point; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    ok, found = True, 0
    table = []
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
            pad = " " * (len(var) + 1)
            print(f"  {var}: {'point':<44} {'median ms':>10} {'worst ms':>9} {'CPU med ms':>11}")
            for label, walls, cpus in rows:
                print(f"  {pad} {label:<44} {statistics.median(walls):10.1f} "
                      f"{max(walls):9.1f} {statistics.median(cpus):11.1f}")
            walls = [w for _, ws, _ in rows for w in ws]
            cpus = [c for _, _, cs in rows for c in cs]
            passed = within_budget(walls)
            ok &= passed
            wall_stats, cpu_stats = summary(walls), summary(cpus)
            print(f"  {pad} all {len(walls)} samples: wall median/p95/worst "
                  f"{wall_stats[0]:.1f}/{wall_stats[1]:.1f}/{wall_stats[2]:.1f} ms "
                  f"{'PASS' if passed else 'FAIL'}; CPU {cpu_stats[0]:.1f}/{cpu_stats[1]:.1f}/"
                  f"{cpu_stats[2]:.1f} ms {'PASS' if within_budget(cpus) else 'FAIL'}")
            build, render, close = breakdown(explorer, args.repeats)
            cached = (cached_answer_ms(explorer, args.repeats) if hasattr(explorer, "png")
                      else float("nan"))  # an Explorer without an answer cache
            print(f"  {pad} at the defaults, CPU: build the figure (simulate + draw) {build:.1f} "
                  f"ms, render PNG {render:.1f} ms, close {close:.1f} ms; an answer from the "
                  f"cache {cached:.2f} ms")
            table.append((f"{name[:2]} {var}", wall_stats, cpu_stats, passed))
    if table:
        print(f"\n{'explorer':<24} {'wall median':>11} {'p95':>7} {'worst':>7}   "
              f"{'CPU median':>10} {'p95':>7} {'worst':>7}  budget")
        for label, wall_stats, cpu_stats, passed in table:
            print(f"{label:<24} {wall_stats[0]:11.1f} {wall_stats[1]:7.1f} {wall_stats[2]:7.1f}"
                  f"   {cpu_stats[0]:10.1f} {cpu_stats[1]:7.1f} {cpu_stats[2]:7.1f}  "
                  f"{'PASS' if passed else 'FAIL'}")
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
