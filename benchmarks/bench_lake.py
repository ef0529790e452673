"""Benchmark the data lake: build 1M orders through raw, stage and curated, then compare a
pruned query with a full scan (bytes scanned, files, Athena cost, wall time).

Budget (docs/architecture.md, "Budgets"): build <= 15 s; pruned query <= 1 s and <= 1/10 of the full
scan's bytes. Run: .venv/bin/python benchmarks/bench_lake.py [rows]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

from labkit.lake import Lake


def main(rows: int = 1_000_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        lake = Lake(tmp)
        start, cpu0 = time.perf_counter(), time.process_time()
        report = lake.build(rows=rows, seed=0)
        build_s, cpu_s = time.perf_counter() - start, time.process_time() - cpu0
        load = os.getloadavg()[0]
        print(f"Build of {rows:,} orders through three zones: {build_s:.2f} s wall, "
              f"{cpu_s:.2f} s CPU on {os.cpu_count()} cores (load average {load:.1f}; "
              "budget 15 s wall)")
        for step, seconds in report.steps.itertuples(index=False):
            print(f"  {step:<20} {seconds:7.2f} s")
        print()
        print(report.reconciliation.to_string(index=False))
        print()
        queries = {
            "raw CSV (all bytes)": "SELECT sum(TRY_CAST(amount_usd AS DOUBLE)) FROM raw.orders "
                                   "WHERE region = 'eu' AND order_ts LIKE '2024-03-%'",
            "curated, full scan": "SELECT * FROM orders",
            "curated, pruned + 1 column": "SELECT sum(amount_usd) FROM orders "
                                          "WHERE year = 2024 AND month = 3 AND region = 'eu'",
        }
        results = {}
        print(f"{'query':<28} {'bytes scanned':>15} {'files':>6} {'cost USD':>11} {'time s':>8}")
        for name, sql in queries.items():
            lake.query(sql)                            # warm the file cache once
            r = lake.query(sql)
            results[name] = r
            print(f"{name:<28} {r.bytes_scanned:>15,} {r.files_scanned:>6} "
                  f"{r.cost_usd:>11.7f} {r.elapsed_s:>8.3f}")
        full = results["curated, full scan"].bytes_scanned
        pruned = results["curated, pruned + 1 column"]
        print()
        print(f"Pruned / full bytes: {pruned.bytes_scanned / full:.4f} (budget <= 0.1); "
              f"pruned query {pruned.elapsed_s:.3f} s (budget <= 1 s)")
        ok = build_s <= 15 and pruned.bytes_scanned <= full / 10 and pruned.elapsed_s <= 1
        print("Within budget" if ok else "OVER BUDGET")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
