"""Apache Iceberg tables: snapshot commits, snapshot isolation against a concurrent writer,
optimistic concurrency, time travel, rollback, schema evolution, compaction, expiry, and
partition pruning that still shows in bytes scanned."""

from pathlib import Path

import pyarrow as pa
import pytest

from labkit.lake.iceberg import IcebergTables


@pytest.fixture(scope="module")
def lake(built_lake):
    lake, _ = built_lake
    return lake


def test_every_step_committed_its_table_and_queries_read_the_snapshot(lake):
    ice = lake.iceberg
    assert ice.tables("curated") == ["clickstream", "customers", "orders"]
    assert ice.tables("stage") == ["clickstream", "customers_changes", "orders", "quarantine"]
    for table in ("orders", "stage.orders", "stage.quarantine"):
        files = set(lake.files(table).path)
        assert files == {str(Path(p).relative_to(lake.root)) for p in ice.plan(table).path}
    quarantine = lake.query("SELECT DISTINCT table_name FROM stage.quarantine ORDER BY 1")
    assert quarantine.frame.table_name.tolist() == ["clickstream", "customers_changes",
                                                    "orders"]


def test_curated_orders_committed_with_partitions(lake):
    ice = lake.iceberg
    assert "orders" in ice.tables()
    admin = lake.query("SELECT count(*) AS n FROM orders").frame.n[0]
    assert ice.count("orders") == admin
    pruned = ice.plan("orders", row_filter="region == 'eu' and month == 3 and year == 2024")
    assert len(pruned) == 1 and "region=eu" in pruned.path[0]
    full = ice.query("orders", "SELECT * FROM orders")
    part = ice.query("orders", "SELECT sum(amount_usd) AS s FROM orders",
                     row_filter="region == 'eu' and month == 3 and year == 2024")
    assert part.files_scanned == 1
    assert 0 < part.bytes_scanned <= full.bytes_scanned / 20
    same = lake.query("SELECT sum(amount_usd) AS s FROM orders "
                      "WHERE region = 'eu' AND month = 3 AND year = 2024").frame.s[0]
    assert part.frame.s[0] == pytest.approx(same)


def _data(n, start=0):
    return pa.table({"id": pa.array(range(start, start + n), pa.int64()),
                     "region": pa.array(["eu", "na"] * (n // 2))})


def test_reader_keeps_its_snapshot_while_a_writer_commits(tmp_path):
    ice = IcebergTables(tmp_path)
    first = ice.commit("t", _data(100), partition_by=["region"])
    planned = ice.plan("t")                      # a reader plans its scan on snapshot 1
    ice.commit("t", _data(40, start=1000))       # a writer replaces every row
    import duckdb

    rows = duckdb.sql(f"SELECT count(*) FROM read_parquet({list(planned.path)})").fetchall()
    assert rows[0][0] == 100                     # the planned files are snapshot 1, complete
    assert ice.count("t") == 40 and ice.count("t", snapshot_id=first) == 100


def test_concurrent_commits_conflict_and_are_retried(tmp_path):
    ice = IcebergTables(tmp_path)
    ice.commit("t", _data(10), partition_by=["region"])
    a, b = ice.table("t"), ice.table("t")        # two writers on the same base snapshot
    a.append(_data(4, start=100))
    b.append(_data(6, start=200))                # its base moved: CommitFailed, refresh, retry
    assert ice.count("t") == 20
    ops = ice.snapshots("t").operation.tolist()
    assert ops == ["append", "append", "append"]


def test_time_travel_rollback_schema_compaction_expiry(tmp_path):
    ice = IcebergTables(tmp_path)
    s1 = ice.commit("t", _data(10), partition_by=["region"])
    for k in range(3):
        ice.commit("t", _data(2, start=100 + 2 * k), mode="append")
    assert ice.count("t") == 16 and ice.count("t", snapshot_id=s1) == 10
    files_before = len(ice.plan("t"))
    ice.compact("t")
    assert len(ice.plan("t")) == 2 < files_before and ice.count("t") == 16
    ice.add_column("t", "channel")
    r = ice.query("t", "SELECT count(*) AS n, count(channel) AS c FROM t")
    assert (r.frame.n[0], r.frame.c[0]) == (16, 0)    # old files read the new column as NULL
    ice.rollback("t", s1)
    assert ice.count("t") == 10
    expired = ice.expire("t", keep_last=1)
    assert expired >= 4 and len(ice.snapshots("t")) == 1
    with pytest.raises(ValueError, match="snapshot_id"):
        ice.count("t", snapshot_id=123)
    with pytest.raises(ValueError, match="mode"):
        ice.commit("t", _data(2), mode="upsert")


@pytest.mark.slow
def test_concurrent_processes_see_whole_snapshots(tmp_path, run_writer_and_reader):
    ice = IcebergTables(tmp_path)
    ice.commit("t", pa.table({"id": pa.array(range(1000), pa.int64()),
                              "region": pa.array(["eu", "na"] * 500)}), partition_by=["region"])
    (w_done, w_failed), (r_done, r_failed, counts) = run_writer_and_reader(
        tmp_path, setup=("import pyarrow as pa\nfrom labkit.lake.iceberg import IcebergTables\n"
                         "ice = IcebergTables(root)\n"
                         "data = pa.table({'id': pa.array(range(1000), pa.int64()),\n"
                         "                 'region': pa.array(['eu', 'na'] * 500)})"),
        write='ice.commit("t", data)',
        read='ice.query("t", "SELECT count(*) AS n FROM t").frame.n[0]')
    assert w_failed == 0 and r_failed == 0
    assert w_done >= 3 and r_done >= 3
    assert counts == "[1000]"                     # never a partial or doubled snapshot


def test_lake_time_travel_rollback_compaction_and_expiry(tmp_path):
    from labkit.lake import Lake

    lake = Lake(tmp_path / "lake")
    lake.build(rows=1_000, seed=2)
    first = lake.snapshots("orders").snapshot_id.iloc[-1]
    n = lake.query("SELECT count(*) AS n FROM orders").frame.n[0]
    lake.iceberg.commit("orders", lake.iceberg.table("orders").scan(
        row_filter="region == 'eu'").to_arrow())            # a bad job keeps only 'eu'
    assert lake.query("SELECT count(*) AS n FROM orders").frame.n[0] < n
    as_of = lake.query("SELECT count(*) AS n FROM orders", snapshot_id=int(first))
    assert as_of.frame.n[0] == n                               # time travel
    lake.rollback("orders", int(first))
    assert lake.query("SELECT count(*) AS n FROM orders").frame.n[0] == n
    lake.run_step("curate_orders")
    files = len(lake.snapshots("orders"))
    assert lake.expire_snapshots("orders", keep_last=1) == files - 1
    assert len(lake.snapshots("orders")) == 1
    on_disk = {str(p.relative_to(lake.root)) for p in
               (lake.root / "iceberg/warehouse/curated/orders/data").rglob("*.parquet")}
    assert on_disk == set(lake.files("orders").path)           # expired files deleted
    with pytest.raises(ValueError, match="snapshot_id"):
        lake.query("SELECT 1", snapshot_id=int(first))
    with pytest.raises(ValueError, match="stage or curated"):
        lake.rollback("raw.orders", 1)


def test_former_names_warn_and_still_work(lake):
    from labkit.lake import plots

    current = int(lake.snapshots("orders").query("current").snapshot_id.iloc[0])
    with pytest.warns(DeprecationWarning, match="snapshots"):
        assert lake.commit_to_iceberg("orders") == current
    with pytest.warns(DeprecationWarning, match="labkit.lake.explorers.scan_query"):
        assert "curated.orders" in plots.scan_query("partitioned Parquet", 1, "eu", "needed")
