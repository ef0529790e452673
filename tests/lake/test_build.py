"""The lake build: nothing lost, answers equal pandas over the raw files, pruning, determinism."""

import hashlib
import json

import pandas as pd
import pytest

from labkit.lake import Lake
from labkit.lake.generate import CLICK_DEFECTS, ORDER_DEFECTS
from labkit.lake.storage import list_files


def test_catalog_lists_curated_tables_and_columns(built_lake):
    lake, _ = built_lake
    assert lake.catalog.tables() == ["clickstream", "customers", "orders"]
    cols = lake.catalog.columns("orders")
    assert cols[:2] == ["order_id", "customer_id"] and cols[-3:] == ["year", "month", "region"]
    assert "email" in lake.catalog.columns("customers")
    assert lake.catalog.databases() == ["curated", "raw", "stage"]
    assert set(lake.catalog.tables("raw")) == {"orders", "customers", "clickstream"}
    parts = lake.catalog.partitions("orders")
    assert len(parts) == 12 * 4 and list(parts.columns) == ["year", "month", "region"]


def test_nothing_is_lost_between_raw_curated_and_quarantine(built_lake):
    lake, report = built_lake
    rec = report.reconciliation.set_index("table")
    assert (rec["unaccounted"] == 0).all()
    for t in ("orders", "clickstream"):
        assert rec.loc[t, "raw_records"] == rec.loc[t, "curated_rows"] + rec.loc[t, "quarantined"]
    assert rec.loc["orders", "raw_records"] == report.rows
    # raw counted independently of the lake: lines in the raw files
    raw_orders = sum(len(pd.read_csv(f)) for f in list_files(lake.root / "raw/dms/sales/orders"))
    assert raw_orders == report.rows


def test_quarantine_holds_every_defect_with_its_reason(built_lake):
    lake, _ = built_lake
    q = lake.query("SELECT table_name, reason, count(*) AS n FROM stage.quarantine "
                   "GROUP BY ALL ORDER BY ALL").frame
    orders = q[q.table_name == "orders"].set_index("reason")["n"]
    clicks = q[q.table_name == "clickstream"].set_index("reason")["n"]
    assert set(orders.index) == set(ORDER_DEFECTS)
    assert set(clicks.index) == set(CLICK_DEFECTS)
    assert q[q.table_name == "customers_changes"].reason.tolist() == ["unknown_op"]
    assert lake.query("SELECT count(*) AS n FROM stage.quarantine WHERE reason IS NULL "
                      "OR record IS NULL OR source_file IS NULL").frame.n[0] == 0


def _pandas_orders(lake):
    """The raw CSV files cleaned with pandas alone (independent of the SQL stage step)."""
    frames = [pd.read_csv(f, dtype=str, keep_default_na=False)
              for f in list_files(lake.root / "raw/dms/sales/orders", ".csv")]
    df = pd.concat(frames, ignore_index=True)
    df["ts"] = pd.to_datetime(df.order_ts, format="%Y-%m-%d %H:%M:%S", errors="coerce")
    df["amount"] = pd.to_numeric(df.amount_usd, errors="coerce")
    df["qty"] = pd.to_numeric(df.quantity, errors="coerce")
    ok = (df.customer_id != "") & df.ts.notna() & df.amount.notna() & (df.qty > 0) \
        & df.region.isin(["na", "eu", "apac", "latam"])
    return df[ok]


def test_query_answers_equal_pandas_over_the_raw_files(built_lake):
    lake, _ = built_lake
    df = _pandas_orders(lake)
    sel = df[(df.region == "eu") & (df.ts.dt.month == 3)]
    expected = sel.groupby("product_category").amount.sum().sort_index()
    r = lake.query("SELECT product_category, sum(amount_usd) AS revenue FROM orders "
                   "WHERE year = 2024 AND month = 3 AND region = 'eu' GROUP BY 1 ORDER BY 1")
    got = r.frame.set_index("product_category").revenue
    pd.testing.assert_series_equal(got, expected, check_names=False, rtol=1e-9)
    per_month = df.groupby(df.ts.dt.month).size()
    r2 = lake.query("SELECT month, count(*) AS n FROM orders GROUP BY 1 ORDER BY 1").frame
    assert r2.n.tolist() == per_month.tolist()


def test_clickstream_counts_equal_python_json_parsing(built_lake):
    lake, _ = built_lake
    counts: dict[str, int] = {}
    for f in list_files(lake.root / "raw/firehose/clickstream", ".json"):
        for line in f.read_text().splitlines():
            try:
                e = json.loads(line)
            except json.JSONDecodeError:
                continue
            if e.get("event_ts") and e.get("event_type") in ("view", "click", "add_to_cart",
                                                              "purchase"):
                counts[e["event_type"]] = counts.get(e["event_type"], 0) + 1
    r = lake.query("SELECT event_type, count(*) AS n FROM clickstream GROUP BY 1").frame
    assert dict(zip(r.event_type, r.n, strict=True)) == counts


def test_cdc_current_state_equals_the_sqlite_source(built_lake):
    lake, _ = built_lake
    truth = lake.source_customers()
    cur = lake.query("SELECT customer_id, name, email, phone, region, segment, "
                     "strftime(signup_date, '%Y-%m-%d') AS signup_date FROM customers "
                     "ORDER BY customer_id").frame
    pd.testing.assert_frame_equal(cur.reset_index(drop=True), truth, check_dtype=False)
    ops = lake.query("SELECT op, count(*) AS n FROM stage.customers_changes GROUP BY 1").frame
    assert set(ops.op) == {"I", "U", "D"}


def test_pruned_query_scans_at_most_a_tenth_of_the_full_scan(built_lake):
    lake, _ = built_lake
    full = lake.query("SELECT * FROM orders")
    pruned = lake.query("SELECT sum(amount_usd) AS s FROM orders "
                        "WHERE year = 2024 AND month = 3 AND region = 'eu'")
    assert pruned.bytes_scanned > 0
    assert pruned.bytes_scanned <= full.bytes_scanned / 10
    assert pruned.files_scanned == 1 and full.files_scanned == 48


def test_bytes_scanned_equal_the_column_chunks_read(built_lake):
    lake, _ = built_lake
    r = lake.query("SELECT sum(amount_usd) AS s FROM orders WHERE month = 5 AND region = 'na'")
    f = [p for p in lake.files("orders").path if "month=5/" in p and "region=na" in p]
    meta = lake.query(f"SELECT sum(total_compressed_size) AS b FROM "
                      f"parquet_metadata('{lake.root / f[0]}') "
                      "WHERE path_in_schema = 'amount_usd'").frame.b[0]
    assert r.bytes_scanned == int(meta)


def test_raw_csv_is_billed_for_every_byte(built_lake):
    lake, _ = built_lake
    r = lake.query("SELECT count(*) AS n FROM raw.orders WHERE region = 'eu'")
    assert r.bytes_scanned == int(lake.files("raw.orders").size_bytes.sum())
    assert r.files_scanned == len(lake.files("raw.orders"))


def test_query_result_carries_cost_and_athena_sql(built_lake):
    lake, _ = built_lake
    r = lake.query("SELECT approx_count_distinct(customer_id) AS c FROM orders")
    assert r.cost_usd == pytest.approx(10 * 1024**2 / 1024**4 * 5)
    assert "APPROX_DISTINCT" in r.athena_sql
    assert "Scanning Files: 1/48" in lake.explain(
        "SELECT * FROM orders WHERE month = 2 AND region = 'eu'")


def _hashes(root):
    """Raw files and the catalog by content, Iceberg tables by their current snapshot's data."""
    from labkit.lake.iceberg import IcebergTables
    from labkit.lake.zones import TABLE_LAYOUT

    out = {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
           for zone in ("raw", "catalog") for p in list_files(root / zone)}
    ice = IcebergTables(root)
    out.update({f"{db}.{t}": ice.fingerprint(f"{db}.{t}") for db, t in TABLE_LAYOUT
                if db != "raw"})
    return out


def test_same_seed_gives_identical_files_and_rerun_of_a_step_too(tmp_path):
    a = Lake(tmp_path / "a")
    a.build(rows=1_500, seed=11)
    b = Lake(tmp_path / "b")
    b.build(rows=1_500, seed=11)
    ha = _hashes(a.root)
    assert ha == _hashes(b.root)
    a.run_step("curate_orders")
    a.run_step("stage_clickstream")
    assert _hashes(a.root) == ha


def test_bad_arguments_are_refused(tmp_path):
    lake = Lake(tmp_path)
    with pytest.raises(RuntimeError, match="build"):
        lake.query("SELECT 1")
    with pytest.raises(ValueError, match="rows"):
        lake.build(rows=10)
    with pytest.raises(ValueError, match="step"):
        lake.run_step("nope")
    with pytest.raises(NotImplementedError, match="local folder"):
        Lake("s3://bucket/lake")
