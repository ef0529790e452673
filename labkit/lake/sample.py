"""The sample data of the lake and its delivery to the raw zone, in the layouts AWS writes.

- orders: generated rows (with a few deliberate defects) written as a DMS full load
  (``raw/dms/sales/orders/LOAD0000000N.csv``);
- clickstream: JSON lines buffered by Firehose into ``raw/firehose/clickstream/YYYY/MM/dd/HH/``;
- customers: a real SQLite source (``sources/sales.sqlite``) changed by inserts, updates and
  deletes, captured by the DMS model as a full load plus CDC files.

The same ``rows`` and ``seed`` give byte-identical files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from labkit.core.rng import spawn_rngs
from labkit.core.validation import check_int, check_nonnegative, check_positive
from labkit.lake.etl import sql_literal
from labkit.lake.generate import (
    CLICK_DEFECTS,
    ORDER_DEFECTS,
    REGIONS,
    SEGMENTS,
    generate_clicks,
    generate_customers,
    generate_orders,
    pick_defects,
)
from labkit.lake.ingest import SqliteSource, deliver_firehose, run_dms_cdc
from labkit.lake.storage import publish_dir, staging_dir

__all__ = ["deliver_sample", "source_customers", "LOAD_TS"]

#: The moment of the DMS full load (the simulated clock of the source database).
LOAD_TS = "2024-12-01 00:00:00.000"


def deliver_sample(root: Path, rows: int, seed: int, *, firehose_buffer_mib: float = 5.0,
                   firehose_interval_s: float = 300.0,
                   max_rows_per_file: int = 250_000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate ``rows`` orders (plus customers and clickstream) with their defects and
    deliver them to the raw zone under ``root``: DMS full-load CSV for orders, Firehose objects
    for clickstream, and a SQLite source with DMS full load + CDC for customers.

    Returns ``(firehose_objects, firehose_records)``: one row per Firehose object, and one row
    per record sent to Firehose (``arrival_s``, ``size_bytes``).
    """
    import duckdb

    check_positive("firehose_buffer_mib", firehose_buffer_mib)
    check_nonnegative("firehose_interval_s", firehose_interval_s)
    per_file = check_int("max_rows_per_file", max_rows_per_file, minimum=1)
    rc, ro, re_, rd, rf, rx, rq = spawn_rngs(check_int("seed", seed, minimum=0), 7)
    customers = generate_customers(max(rows // 50, 20), rc)
    orders = generate_orders(rows, customers, ro)
    clicks = generate_clicks(max(rows // 4, 100), customers, re_)
    order_defects = pick_defects(len(orders), ORDER_DEFECTS, rx)
    click_defects = pick_defects(len(clicks), CLICK_DEFECTS, rq)
    orders["defect"] = _defect_column(len(orders), order_defects, ORDER_DEFECTS)
    clicks["defect"] = _defect_column(len(clicks), click_defects, CLICK_DEFECTS)
    clicks["seq"] = np.arange(len(clicks))

    con = duckdb.connect()
    try:
        con.register("orders_src", orders)
        con.register("clicks_src", clicks)
        _write_orders(root, con, len(orders), per_file)
        lines = [r[0] for r in con.execute(_CLICK_LINES_SQL).fetchall()]
    finally:
        con.close()
    firehose_records = pd.DataFrame({
        "arrival_s": clicks["arrival_s"].to_numpy(),
        "size_bytes": [len(line.encode("utf-8")) + 1 for line in lines]})
    firehose_objects = deliver_firehose(
        lines, clicks["arrival_s"].to_numpy(), root / "raw" / "firehose" / "clickstream",
        stream="clickstream", buffer_size_mib=firehose_buffer_mib,
        buffer_interval_s=firehose_interval_s, rng=rf)
    _run_cdc(root, customers, rd)
    return firehose_objects, firehose_records

def _write_orders(root: Path, con, n: int, per_file: int) -> None:
    from labkit.lake.ingest import dms_load_name

    target = root / "raw" / "dms" / "sales" / "orders"
    tmp = staging_dir(target)
    for k, start in enumerate(range(0, n, per_file), start=1):
        out = sql_literal(str(tmp / dms_load_name(k)))
        con.execute(f"COPY ({_ORDER_TEXT_SQL} WHERE order_id > {start} "
                    f"AND order_id <= {start + per_file} ORDER BY order_id) "
                    f"TO {out} (FORMAT csv, HEADER true)")
    publish_dir(tmp, target)

def _run_cdc(root: Path, customers: pd.DataFrame, rng: np.random.Generator) -> None:
    from labkit.lake.ingest import building_path, replace_source

    final = root / "sources" / "sales.sqlite"
    source = SqliteSource(building_path(final), "customers", {
        "customer_id": "INTEGER PRIMARY KEY", "name": "TEXT", "email": "TEXT",
        "phone": "TEXT", "region": "TEXT", "segment": "TEXT", "signup_date": "TEXT"})
    try:
        source.set_clock(LOAD_TS)
        source.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?)",
                           customers.itertuples(index=False, name=None))
        n = max(10, len(customers) // 10)
        offsets = np.sort(rng.choice(30 * 86_400_000, size=n, replace=False))
        base = pd.Timestamp(LOAD_TS)
        live = customers["customer_id"].tolist()
        next_id = int(customers["customer_id"].max()) + 1
        changes = []
        for k in range(n):
            ts = (base + pd.Timedelta(milliseconds=int(offsets[k]) + 1)).strftime(
                "%Y-%m-%d %H:%M:%S.%f")[:-3]
            u = rng.random()
            if u < 0.6 and live:
                cid = live[int(rng.integers(len(live)))]
                field = int(rng.integers(3))
                if field == 0:
                    changes.append((ts, "UPDATE customers SET email = ? WHERE customer_id = ?",
                                    (f"customer{cid}.{k}@example.net", cid)))
                elif field == 1:
                    seg = SEGMENTS[int(rng.integers(len(SEGMENTS)))]
                    changes.append((ts, "UPDATE customers SET segment = ? WHERE "
                                        "customer_id = ?", (seg, cid)))
                else:
                    reg = REGIONS[int(rng.integers(len(REGIONS)))]
                    changes.append((ts, "UPDATE customers SET region = ? WHERE "
                                        "customer_id = ?", (reg, cid)))
            elif u < 0.85 or not live:
                cid, next_id = next_id, next_id + 1
                live.append(cid)
                changes.append((ts, "INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?)",
                                (cid, f"Customer {cid}", f"customer{cid}@example.com",
                                 f"+1-555-{int(rng.integers(10**7)):07d}",
                                 REGIONS[int(rng.integers(len(REGIONS)))], "consumer",
                                 ts[:10])))
            else:
                cid = live.pop(int(rng.integers(len(live))))
                changes.append((ts, "DELETE FROM customers WHERE customer_id = ?", (cid,)))
        run_dms_cdc(source, root / "raw" / "dms" / "sales" / "customers",
                    load_ts=LOAD_TS, changes=changes, bad_rows=2, rng=rng)
    finally:
        source.close()
    replace_source(final)

def source_customers(root: Path) -> pd.DataFrame:
    """Current rows of the customers table in the SQLite source (the ground truth)."""
    import sqlite3

    path = root / "sources" / "sales.sqlite"
    if not path.exists():
        raise RuntimeError("the lake has not been built: call lake.build() first")
    with sqlite3.connect(path) as con:
        return pd.read_sql_query("SELECT * FROM customers ORDER BY customer_id", con)



def _defect_column(n: int, defects: dict[int, str], kinds: tuple[str, ...]) -> pd.Categorical:
    """A categorical column: the defect kind of each record, missing for clean records."""
    codes = np.full(n, -1, dtype=np.int8)
    for i, kind in defects.items():
        codes[i] = kinds.index(kind)
    return pd.Categorical.from_codes(codes, categories=list(kinds))


_ORDER_TEXT_SQL = """
    SELECT order_id::VARCHAR AS order_id,
           CASE WHEN defect = 'missing_customer_id' THEN NULL
                ELSE customer_id::VARCHAR END AS customer_id,
           CASE WHEN defect = 'bad_timestamp' THEN strftime(order_ts, '%Y-%m-%d 25:%M:%S')
                ELSE strftime(order_ts, '%Y-%m-%d %H:%M:%S') END AS order_ts,
           CASE WHEN defect = 'unknown_region' THEN 'mars' ELSE region END AS region,
           product_category,
           CASE WHEN defect = 'bad_quantity' THEN (-quantity)::VARCHAR
                ELSE quantity::VARCHAR END AS quantity,
           unit_price_usd::VARCHAR AS unit_price_usd,
           CASE WHEN defect = 'bad_amount' THEN 'N/A' ELSE amount_usd::VARCHAR END AS amount_usd,
           status
    FROM orders_src"""

_CLICK_LINES_SQL = """
    WITH j AS (
        SELECT seq, defect, json_object(
            'event_id', event_id,
            'event_ts', CASE WHEN defect = 'missing_event_ts' THEN NULL
                             ELSE strftime(event_ts, '%Y-%m-%dT%H:%M:%S.%gZ') END,
            'session_id', session_id, 'customer_id', customer_id, 'page', page,
            'event_type', CASE WHEN defect = 'unknown_event_type' THEN 'clck'
                               ELSE event_type END,
            'device', device, 'region', region)::VARCHAR AS line
        FROM clicks_src)
    SELECT CASE WHEN defect = 'invalid_json' THEN left(line, length(line) // 2) ELSE line END
    FROM j ORDER BY seq"""

