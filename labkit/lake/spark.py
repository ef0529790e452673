"""The scale-out path: the curate step as a Glue-style PySpark job, committed to Iceberg.

When the data outgrows one machine, the same table and the same job move to a distributed
engine: AWS Glue (Spark) or EMR. :func:`curate_orders_spark` is :func:`labkit.lake.etl.
curate_orders` written for Spark: it reads the staged orders, adds ``year`` and ``month``,
sorts within ``year/month/region`` partitions and writes Hive-partitioned Parquet. The files are
then committed to the lake's Iceberg ``orders`` table as one snapshot, so readers switch from
the DuckDB-curated rows to the Spark-curated rows atomically.

Runs on local Spark (``local[2]``) with the optional ``spark`` extra and a Java 17 runtime; on
Glue the same body runs inside a Glue job (``GlueContext.spark_session``). Spark writes Parquet
rather than Iceberg directly because Iceberg's Spark runtime jar is not on PyPI (it would be
downloaded at run time); Glue 4.0+ ships it (``--datalake-formats iceberg``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

__all__ = ["spark_session", "curate_orders_spark", "ORDER_COLUMNS"]

#: Column order of the curated orders (data columns, then the partition keys).
ORDER_COLUMNS = ("order_id", "customer_id", "order_ts", "product_category", "quantity",
                 "unit_price_usd", "amount_usd", "status", "year", "month", "region")


def spark_session(master: str = "local[2]"):
    """A local SparkSession for the lab: no UI, UTC, microsecond timestamps, 2 shuffle
    partitions (the lab's data is small)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:          # pragma: no cover - the spark extra is missing
        raise ImportError("the Spark job needs pyspark and Java 17: "
                          "pip install 'labkit[spark]'") from exc
    if not isinstance(master, str) or not master:
        raise ValueError(f"master must be a Spark master URL such as 'local[2]', got {master!r}")
    return (SparkSession.builder.master(master).appName("labkit-curate")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
            .getOrCreate())


def curate_orders_spark(lake, *, spark=None, commit: bool = True) -> dict[str, int]:
    """Run the curate-orders job on Spark for ``lake`` (a built :class:`~labkit.lake.Lake`).

    Writes ``<root>/spark/curated/orders/year=/month=/region=/part-*.parquet`` and, with
    ``commit``, commits those rows to the lake's Iceberg ``orders`` table as one snapshot.
    Returns ``{"rows", "files", "snapshot_id"}`` (``snapshot_id`` 0 without ``commit``).
    """
    import pyarrow.dataset as ds

    spark = spark or spark_session()
    from pyspark.sql import functions as F

    if not lake.iceberg.exists("stage.orders"):
        raise RuntimeError("the lake has no staged orders: run lake.build() first")
    stage = [str(Path(lake.root) / p) for p in lake.files("stage.orders").path]
    target = Path(lake.root) / "spark" / "curated" / "orders"
    staging = target.parent / f".staging-{target.name}"
    shutil.rmtree(staging, ignore_errors=True)
    orders = spark.read.parquet(*stage)
    curated = (orders
               .withColumn("year", F.year("order_ts").cast("long"))
               .withColumn("month", F.month("order_ts").cast("long"))
               .repartition("year", "month", "region")
               .sortWithinPartitions("year", "month", "region", "order_ts", "order_id"))
    curated.write.mode("overwrite").partitionBy("year", "month", "region").parquet(str(staging))
    if target.exists():
        shutil.rmtree(target)
    os.rename(staging, target)
    files = sorted(str(p) for p in target.rglob("*.parquet"))
    dataset = ds.dataset(files, format="parquet", partitioning="hive",
                         partition_base_dir=str(target))
    import pyarrow as pa

    data = dataset.to_table()
    fields = []
    for name in ORDER_COLUMNS:
        column = data.column(name)
        if name in ("year", "month"):
            column = column.cast(pa.int64())
        elif name == "region":
            column = column.cast(pa.string())
        fields.append((name, column))
    data = pa.table(dict(fields)).sort_by([("year", "ascending"), ("month", "ascending"),
                                           ("region", "ascending"), ("order_ts", "ascending"),
                                           ("order_id", "ascending")])
    snapshot = lake.iceberg.commit("orders", data, partition_by=["year", "month", "region"]) \
        if commit else 0
    return {"rows": data.num_rows, "files": len(files), "snapshot_id": snapshot}
