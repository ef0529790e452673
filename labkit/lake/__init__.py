"""The data lake on DuckDB and Parquet, standing in for S3 + Glue + Athena + Lake Formation.

Lake
    Lake, BuildReport, ZONES
Query (Athena)
    QueryResult, athena_cost_usd, athena_billed_bytes, to_athena_sql, athena_ddl,
    athena_sql_problems
Catalog (Glue Data Catalog)
    Catalog, crawl_table
Governance (Lake Formation)
    Grant, check_select, check_row_filter
Ingest (Firehose, DMS)
    plan_firehose_batches, firehose_object_key, FirehoseBatches, SqliteSource, run_dms_cdc
Data quality (DataBrew)
    profile_table, check_rules
Tables (Apache Iceberg)
    labkit.lake.iceberg.IcebergTables (needs the ``lake`` extra); ``Lake.iceberg``
Storage
    atomic_write_bytes, publish_dir, recover_dir, publish (to an fsspec URL), RemoteLake
"""

from labkit.lake.athena import QueryResult, athena_ddl, athena_sql_problems, to_athena_sql
from labkit.lake.catalog import Catalog, crawl_table
from labkit.lake.firehose import FirehoseBatches, firehose_object_key, plan_firehose_batches
from labkit.lake.governance import Grant, check_row_filter, check_select
from labkit.lake.ingest import SqliteSource, run_dms_cdc
from labkit.lake.pricing import athena_billed_bytes, athena_cost_usd
from labkit.lake.quality import check_rules, profile_table
from labkit.lake.remote import RemoteLake, publish
from labkit.lake.storage import atomic_write_bytes, publish_dir, recover_dir
from labkit.lake.zones import ZONES, BuildReport, Lake

__all__ = [
    # Lake
    "Lake", "BuildReport", "ZONES",
    # Query (Athena)
    "QueryResult", "athena_cost_usd", "athena_billed_bytes", "to_athena_sql", "athena_ddl",
    "athena_sql_problems",
    # Catalog (Glue)
    "Catalog", "crawl_table",
    # Governance (Lake Formation)
    "Grant", "check_select", "check_row_filter",
    # Ingest (Firehose, DMS)
    "plan_firehose_batches", "firehose_object_key", "FirehoseBatches", "SqliteSource",
    "run_dms_cdc",
    # Data quality (DataBrew)
    "profile_table", "check_rules",
    # Storage
    "atomic_write_bytes", "publish_dir", "recover_dir", "publish", "RemoteLake",
]
