"""Catalog and crawler (Glue), data quality profile (DataBrew), Athena DDL."""

import duckdb
import pytest
import sqlglot

from labkit.lake.catalog import Catalog, crawl_table


def test_crawler_infers_types_and_partitions(built_lake):
    lake, _ = built_lake
    schema = lake.catalog.schema("orders").set_index("column")
    assert schema.loc["order_ts", "type"] == "TIMESTAMP"
    assert schema.loc["amount_usd", "type"] == "DOUBLE"
    assert bool(schema.loc["region", "partition_key"])
    assert lake.catalog.partitions("clickstream").dt.tolist() == ["2024-12-30", "2024-12-31"]
    assert lake.catalog.table("raw.orders").format == "csv"
    with pytest.raises(KeyError, match="not in the catalog"):
        lake.catalog.columns("nope")


def test_schema_change_creates_a_new_table_version(tmp_path):
    folder = tmp_path / "events"
    folder.mkdir()
    con = duckdb.connect()
    con.execute(f"COPY (SELECT 1 AS a) TO '{folder}/part-0.parquet' (FORMAT parquet)")
    cat = Catalog(tmp_path / "catalog.json")
    def crawl():
        return cat.register(crawl_table(con, tmp_path, "raw", "events", "events", "parquet"))

    assert crawl().version == 1
    assert crawl().version == 1
    con.execute(f"COPY (SELECT 1 AS a, 'x' AS b) TO '{folder}/part-0.parquet' (FORMAT parquet)")
    assert crawl().version == 2
    cat.save()
    versions = Catalog(tmp_path / "catalog.json").versions("raw.events")
    assert versions.version.tolist() == [1, 2]
    assert versions.change.tolist() == ["created", "added b VARCHAR"]


def test_quality_profile_and_rules(built_lake):
    lake, _ = built_lake
    prof = lake.profile("clickstream").set_index("column")
    n = prof.loc["event_id", "rows"]
    assert prof.loc["event_id", "distinct"] == n and prof.loc["event_id", "nulls"] == 0
    assert 0.3 < prof.loc["customer_id", "null_pct"] / 100 < 0.5     # ~40% anonymous
    raw = lake.profile("raw.orders").set_index("column")
    assert raw.loc["customer_id", "nulls"] > 0
    rules = lake.check_rules("orders", {"positive amount": "amount_usd > 0",
                                        "amount = qty x price":
                                            "abs(amount_usd - quantity * unit_price_usd) < 0.01"})
    assert rules.passed.all()
    bad = lake.check_rules("raw.orders", {"amount is a number":
                                          "TRY_CAST(amount_usd AS DOUBLE) IS NOT NULL"})
    assert bad.failed_rows[0] > 0


def test_athena_ddl_parses_and_uses_partition_projection(built_lake):
    lake, _ = built_lake
    ddl = lake.athena_ddl("orders", bucket="s3://my-lake")
    assert ddl.startswith("CREATE EXTERNAL TABLE IF NOT EXISTS `curated`.`orders`")
    assert "PARTITIONED BY" in ddl and "STORED AS PARQUET" in ddl
    assert "'projection.month.range'='1,12'" in ddl
    location = lake.catalog.table("orders").location     # the Iceberg table's data folder
    assert location == "iceberg/warehouse/curated/orders/data"
    template = f"s3://my-lake/{location}/year=${{year}}/month=${{month}}/region=${{region}}/"
    assert f"'storage.location.template'='{template}'" in ddl
    tree = sqlglot.parse_one(ddl, read="athena")
    assert tree.find(sqlglot.exp.Create) is not None
    dt = lake.athena_ddl("clickstream")
    assert "'projection.dt.type'='date'" in dt
    with pytest.raises(ValueError, match="s3://"):
        lake.athena_ddl("orders", bucket="my-lake")
