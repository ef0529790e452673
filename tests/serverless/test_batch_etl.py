"""S3-event batch transform queried with DuckDB, and the orchestrated ETL with its failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from labkit.serverless import (
    BatchConfig,
    Bucket,
    EtlConfig,
    EtlFaults,
    etl_definition,
    load_warehouse,
    make_raw_orders,
    query_processed,
    run_batch,
    run_etl,
    run_etl_job,
    warehouse_duplicates,
    warehouse_table,
)
from labkit.workflows import validate_definition


def test_each_raw_file_triggers_one_transform_and_outputs_do_not_retrigger(tmp_path):
    run = run_batch(BatchConfig(root=tmp_path, n_files=4, rows_per_file=200, seed=1))
    assert len(run.invocations) == 4 and run.bucket.events_sent == 4
    assert len(run.bucket.list("processed/")) == 4
    inv = run.invocations
    assert (inv.rows_in == inv.rows_out + inv.rows_rejected).all() and inv.rows_rejected.sum() > 0
    q = query_processed(run.bucket, "SELECT dt, count(*) AS n, min(amount_usd) AS low "
                                    "FROM orders GROUP BY dt ORDER BY dt")
    assert q.n.sum() == inv.rows_out.sum() and (q.low > 0).all()
    assert list(q.dt) == ["2024-01-01", "2024-01-02", "2024-01-03"]


def test_redelivered_event_rewrites_the_same_output(tmp_path):
    run = run_batch(BatchConfig(root=tmp_path, n_files=2, rows_per_file=50, seed=2))
    before = query_processed(run.bucket, "SELECT count(*) AS n FROM orders").n[0]
    key = run.invocations.key[0]
    run.bucket.put_object(key, run.bucket.get_object(key))   # at-least-once delivery
    after = query_processed(run.bucket, "SELECT count(*) AS n FROM orders").n[0]
    assert before == after


def test_bucket_keys_cannot_escape_and_bodies_must_be_bytes(tmp_path):
    b = Bucket(tmp_path)
    with pytest.raises(ValueError, match="key"):
        b.put_object("../evil", b"x")
    with pytest.raises(TypeError, match="bytes"):
        b.put_object("raw/a.csv", "text")
    with pytest.raises(ValueError, match="empty"):
        query_processed(b, "SELECT 1")


def test_etl_definition_is_valid_states_language():
    validate_definition(etl_definition())


def etl(bucket, key, *, warehouse, **fields):
    return run_etl_job(EtlConfig(bucket=bucket, key=key, warehouse=warehouse, **fields))


@pytest.fixture
def day_file(tmp_path):
    b = Bucket(tmp_path)
    b.put_object("raw/2024-03-01.csv", make_raw_orders(300, day="2024-03-01", seed=9))
    return b, "raw/2024-03-01.csv", Path(tmp_path) / "warehouse.duckdb"


def test_etl_loads_the_valid_rows_and_rerun_is_idempotent(day_file):
    b, key, wh = day_file
    first = etl(b, key, warehouse=wh)
    assert first.status == "SUCCEEDED"
    valid = first.execution.output["validation"]["valid_rows"]
    assert first.loaded_rows == valid
    again = etl(b, key, warehouse=wh)
    assert again.loaded_rows == valid and len(warehouse_table(wh)) == 1


def test_transient_transform_errors_are_retried_with_backoff(day_file):
    b, key, wh = day_file
    run = etl(b, key, warehouse=wh, faults=EtlFaults(transform_transient=2))
    h = run.execution.history
    waits = h[(h.state == "Transform") & (h.event == "retry_wait")].duration_s.tolist()
    assert run.status == "SUCCEEDED" and waits == [2.0, 4.0]


def test_exhausted_retries_notify_and_load_nothing(day_file):
    b, key, wh = day_file
    run = etl(b, key, warehouse=wh, faults=EtlFaults(transform_transient=10))
    assert run.status == "FAILED" and run.execution.error == "EtlFailed"
    assert run.loaded_rows == 0 and "TransientError" in run.notifications[0]


def test_verification_stops_a_corrupt_transform_before_load(day_file):
    b, key, wh = day_file
    good = etl(b, key, warehouse=wh)
    bad = etl(b, key, warehouse=wh, faults=EtlFaults(corrupt_transform=True))
    assert bad.status == "FAILED" and "VerificationFailed" in bad.notifications[0]
    assert bad.loaded_rows == good.loaded_rows   # warehouse unchanged


def test_a_slow_transform_times_out(day_file):
    b, key, wh = day_file
    run = etl(b, key, warehouse=wh, faults=EtlFaults(transform_slow_s=400),
                  transform_retries=1)
    h = run.execution.history
    assert "States.Timeout" in set(h.error.dropna()) and run.status == "FAILED"


def test_a_bad_file_is_quarantined(tmp_path):
    b = Bucket(tmp_path)
    b.put_object("raw/bad.csv", make_raw_orders(100, bad_share=0.5, seed=1))
    run = etl(b, "raw/bad.csv", warehouse=tmp_path / "wh.duckdb")
    assert run.execution.error == "ValidationFailed"
    assert b.list("quarantine/") == ["quarantine/bad.csv"] and b.list("raw/") == []
    b.put_object("raw/junk.csv", b"a,b\n1,2\n")
    assert etl(b, "raw/junk.csv", warehouse=tmp_path / "wh.duckdb").execution.error == \
        "ValidationFailed"


def test_a_naive_append_duplicates_a_rerun_and_the_staging_merge_does_not(day_file):
    b, key, wh = day_file
    first = etl(b, key, warehouse=wh, load_mode="append")
    again = etl(b, key, warehouse=wh, load_mode="append")
    valid = first.execution.output["validation"]["valid_rows"]
    assert first.duplicate_rows == 0 and again.duplicate_rows == valid
    assert again.loaded_rows == 2 * valid
    merged = wh.with_name("merged.duckdb")
    for _ in range(3):
        run = etl(b, key, warehouse=merged, load_mode="merge")
    assert run.duplicate_rows == 0 and run.loaded_rows == valid
    assert warehouse_duplicates(merged) == 0
    assert run.summary()["status"] == "SUCCEEDED" and len(run.records) > 0


def test_the_merge_replaces_changed_rows_and_keeps_other_days(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    def staged(name, amounts):
        path = tmp_path / name
        pq.write_table(pa.table({"order_id": ["a", "b"], "customer_id": ["c1", "c2"],
                                 "amount_usd": amounts, "country": ["US", "DE"],
                                 "ordered_at": ["2024-01-01T00:00:00Z"] * 2}), path)
        return path.as_posix()

    wh = tmp_path / "wh.duckdb"
    load_warehouse(wh, staged("v1.parquet", [1.0, 2.0]), "2024-01-01")
    load_warehouse(wh, staged("v2.parquet", [5.0, 7.0]), "2024-01-01")
    table = warehouse_table(wh)
    assert table.orders.tolist() == [2] and table.revenue_usd.tolist() == [12.0]
    with pytest.raises(ValueError, match="mode"):
        load_warehouse(wh, staged("v3.parquet", [1.0, 1.0]), "2024-01-01", mode="upsert")


def test_etl_config_is_checked_and_the_former_name_warns(day_file):
    b, key, wh = day_file
    with pytest.raises(ValueError, match="load_mode"):
        EtlConfig(bucket=b, key=key, warehouse=wh, load_mode="copy")
    with pytest.raises(TypeError, match="bucket"):
        EtlConfig(bucket="s3://x", key=key, warehouse=wh)
    with pytest.warns(DeprecationWarning, match="run_etl_job"):
        assert run_etl(b, key, warehouse=wh).status == "SUCCEEDED"
