"""Benchmark the data lake: build 1M orders through raw, stage and curated (stage and curated are
Apache Iceberg tables: every step commits a snapshot), then compare a pruned query with a full
scan (bytes scanned, files, Athena cost, wall time), the same planned by Iceberg's manifests,
and a principal's query through its sandbox. Compare CPU times across versions: wall time on a
shared machine includes waiting for a CPU.

Budget: build <= 1.5 x 7.9 s (the build time before the lake's safety work) = 11.85 s wall;
pruned query <= 1 s and <= 1/20 of the full scan's bytes (Hive-style and Iceberg).
Run: .venv/bin/python benchmarks/bench_lake.py [rows]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

from labkit.lake import Lake

BUILD_BUDGET_S = round(1.5 * 7.9, 2)      # 11.85 s


def main(rows: int = 1_000_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        lake = Lake(tmp)
        start, cpu0 = time.perf_counter(), time.process_time()
        report = lake.build(rows=rows, seed=0)
        build_s, cpu_s = time.perf_counter() - start, time.process_time() - cpu0
        load = os.getloadavg()[0]
        print(f"Build of {rows:,} orders through three zones: {build_s:.2f} s wall, "
              f"{cpu_s:.2f} s CPU on {os.cpu_count()} cores (load average {load:.1f}; "
              f"budget {BUILD_BUDGET_S} s wall)")
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
        print(f"Pruned / full bytes: {pruned.bytes_scanned / full:.4f} (budget <= 0.05); "
              f"pruned query {pruned.elapsed_s:.3f} s (budget <= 1 s)")
        ok = (build_s <= BUILD_BUDGET_S and pruned.bytes_scanned <= full / 20
              and pruned.elapsed_s <= 1)

        ice = lake.iceberg                  # the curated orders are an Iceberg table
        snapshots = len(lake.snapshots("orders"))
        ice_full = ice.query("orders", "SELECT * FROM orders")
        ice_pruned = ice.query("orders", "SELECT sum(amount_usd) FROM orders",
                               row_filter="year == 2024 and month == 3 and region == 'eu'")
        print(f"Iceberg (manifest pruning, {snapshots} snapshot(s) of curated.orders): full scan "
              f"{ice_full.bytes_scanned:,} bytes in {ice_full.files_scanned} files, pruned "
              f"{ice_pruned.bytes_scanned:,} bytes in {ice_pruned.files_scanned} file "
              f"({ice_pruned.bytes_scanned / ice_full.bytes_scanned:.4f}; budget <= 0.05), "
              f"{ice_pruned.elapsed_s:.3f} s")
        ok = ok and ice_pruned.bytes_scanned <= ice_full.bytes_scanned / 20

        lake.grant("analyst", "orders", columns=["order_id", "amount_usd", "region"],
                   row_filter="region = 'eu'")
        start = time.perf_counter()
        lake.query("SELECT sum(amount_usd) FROM orders", principal="analyst")
        first_s = time.perf_counter() - start
        again = lake.query("SELECT sum(amount_usd) FROM orders", principal="analyst")
        print(f"Principal query: {first_s:.2f} s the first time (builds the sandbox: copies the "
              f"granted rows and columns), {again.elapsed_s:.3f} s after")
        lake.close()
        print("Within budget" if ok else "OVER BUDGET")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
