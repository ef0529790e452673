"""The scale-out path: the curate step as a PySpark job on local Spark gives the same curated
orders as the DuckDB step, and its output is committed to the Iceberg table as one snapshot."""

import shutil

import pytest

pyspark = pytest.importorskip("pyspark", reason="the spark extra is not installed")
if shutil.which("java") is None:                       # pragma: no cover
    pytest.skip("Spark needs a Java runtime (Debian: openjdk-17-jre-headless)",
                allow_module_level=True)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")
def test_spark_curate_matches_duckdb_and_commits_to_iceberg(tmp_path):
    from labkit.lake import Lake
    from labkit.lake.spark import ORDER_COLUMNS, curate_orders_spark, spark_session

    with Lake(tmp_path) as lake:
        lake.build(rows=2_000, seed=11)
        before = int(lake.snapshots("orders").snapshot_id.iloc[-1])   # the DuckDB curate step
        duck = lake.query("SELECT * FROM orders ORDER BY order_id").frame
        spark = spark_session()
        try:
            out = curate_orders_spark(lake, spark=spark)
        finally:
            spark.stop()
        cols = ", ".join(ORDER_COLUMNS)
        ice = lake.query(f"SELECT {cols} FROM orders ORDER BY order_id").frame   # Spark's
        assert out["rows"] == len(duck) == len(ice)
        assert out["snapshot_id"] != before
        assert ice.drop(columns=["order_ts"]).equals(duck[list(ORDER_COLUMNS)]
                                                     .drop(columns=["order_ts"]))
        assert (ice.order_ts.astype("datetime64[us]").to_numpy()
                == duck.order_ts.astype("datetime64[us]").to_numpy()).all()
        files = sorted(p.relative_to(tmp_path / "spark" / "curated" / "orders").parts[:3]
                       for p in (tmp_path / "spark" / "curated" / "orders").rglob("*.parquet"))
        assert {f[2] for f in files} <= {"region=na", "region=eu", "region=apac",
                                        "region=latam"}
        pruned = lake.iceberg.plan("orders", row_filter="year == 2024 and month == 3 and "
                                                        "region == 'eu'")
        assert len(pruned) == 1
