"""ETL steps between the zones (the Glue jobs of this lake), written as DuckDB SQL.

raw -> stage
    Read the raw text (CSV from DMS, JSON lines from Firehose) as strings, type every field with
    ``TRY_CAST``/``TRY_STRPTIME``, and give each record either a typed row in ``stage/<table>``
    or a row in ``stage/quarantine/<table>`` with the **reason** and the raw record. Nothing is
    dropped: raw records = staged + quarantined.
stage -> curated
    Partitioned Iceberg tables (identity partitions ``year``/``month``/``region`` for orders,
    ``dt`` for clickstream, ``region`` for customers; the files sit in ``key=value/`` folders),
    sorted inside each partition so row-group statistics are selective, one file per partition
    (compacted). Customers are folded from the CDC change rows into their current state (latest
    change per key by commit time; deletes removed).

Every step commits its output to its Apache Iceberg table (:mod:`labkit.lake.iceberg`) as one
snapshot: a step killed part way leaves the previous snapshot current (its new files are
written but never referenced), and re-running it gives the same rows in the same files' bytes.
"""

from __future__ import annotations

from pathlib import Path

from labkit.lake.generate import CATEGORIES, EVENT_TYPES, REGIONS
from labkit.lake.storage import list_files

__all__ = ["STEPS", "sql_list", "sql_literal", "quote_identifier", "stage_orders",
           "stage_clickstream", "stage_customers", "curate_orders", "curate_clickstream",
           "curate_customers", "PARTITION_TYPES"]

#: Types of the Hive partition keys, pinned so DuckDB does not guess them (DuckDB docs, "Hive
#: Partitioning", hive_types: https://duckdb.org/docs/stable/data/partitioning/hive_partitioning).
PARTITION_TYPES = {
    "orders": {"year": "BIGINT", "month": "BIGINT", "region": "VARCHAR"},
    "clickstream": {"dt": "DATE"},
    "customers": {"region": "VARCHAR"},
}


def quote_identifier(name: str) -> str:
    """Quote an SQL identifier by doubling embedded double quotes.

    >>> quote_identifier('a"b')
    '"a""b"'
    """
    return '"' + str(name).replace('"', '""') + '"'


def sql_literal(text: str) -> str:
    """Quote an SQL string literal by doubling embedded single quotes.

    >>> sql_literal("it's")
    "'it''s'"
    """
    return "'" + str(text).replace("'", "''") + "'"


def sql_list(paths) -> str:
    """A DuckDB list literal of file paths.

    >>> sql_list(["/a.csv", "/b.csv"])
    "['/a.csv', '/b.csv']"
    """
    return "[" + ", ".join(sql_literal(str(p)) for p in paths) + "]"


def _in_list(values) -> str:
    return "(" + ", ".join(sql_literal(v) for v in values) + ")"


def _commit(con, ice, name: str, select_sql: str, *,
            partition_by: tuple[str, ...] = (), overwrite_where: dict | None = None) -> int:
    """Run ``select_sql`` and commit its rows to Iceberg table ``name`` as one snapshot."""
    data = con.sql(select_sql).to_arrow_table()
    return ice.commit(name, data, partition_by=list(partition_by),
                      overwrite_where=overwrite_where)


def _stage(con, root: Path, ice, table: str, checked_sql: str, typed_columns: str,
           order_by: str | None, record_sql: str) -> dict[str, int]:
    """Materialise the checked records (typed values, reason, and the raw record only for the
    rejected ones), then write the staged and the quarantined parts.

    Without ``order_by`` the staged rows keep the raw files' order (DuckDB preserves insertion
    order), which is already sorted for the DMS exports.
    """
    con.execute(f"""CREATE OR REPLACE TEMP TABLE checked AS
        SELECT {typed_columns}, reason AS _reason, source_file AS _source_file,
               CASE WHEN reason IS NOT NULL THEN {record_sql} END AS _record
        FROM ({checked_sql})""")
    order = f" ORDER BY {order_by}" if order_by else ""
    _commit(con, ice, f"stage.{table}", "SELECT * EXCLUDE (_reason, _source_file, _record) "
            f"FROM checked WHERE _reason IS NULL{order}")
    _commit(con, ice, "stage.quarantine",
            f"SELECT {sql_literal(table)} AS table_name, _source_file AS source_file, "
            "_reason AS reason, _record AS record FROM checked "
            "WHERE _reason IS NOT NULL ORDER BY source_file, record",
            partition_by=("table_name",), overwrite_where={"table_name": table})
    raw, bad = con.execute("SELECT count(*), count(_reason) FROM checked").fetchall()[0]
    con.execute("DROP TABLE checked")
    return {"raw_records": int(raw), "quarantined": int(bad), "staged": int(raw - bad)}


def _relative(root: Path) -> str:
    return f"replace(filename, {sql_literal(str(root) + '/')}, '')"


def stage_orders(con, root: Path, ice) -> dict[str, int]:
    """raw/dms/sales/orders/*.csv -> stage.orders + stage.quarantine (table_name 'orders')."""
    files = list_files(root / "raw" / "dms" / "sales" / "orders", ".csv")
    checked = f"""
        WITH src AS (
            SELECT * FROM read_csv({sql_list(files)}, header = true, all_varchar = true,
                                   filename = true, auto_detect = true)
        ), typed AS (
            SELECT *,
                   TRY_CAST(order_id AS BIGINT) AS _order_id,
                   TRY_CAST(customer_id AS BIGINT) AS _customer_id,
                   TRY_STRPTIME(order_ts, '%Y-%m-%d %H:%M:%S') AS _order_ts,
                   TRY_CAST(quantity AS BIGINT) AS _quantity,
                   TRY_CAST(unit_price_usd AS DOUBLE) AS _unit_price_usd,
                   TRY_CAST(amount_usd AS DOUBLE) AS _amount_usd
            FROM src
        )
        SELECT *, {_relative(root)} AS source_file,
               CASE
                 WHEN _order_id IS NULL THEN 'bad_order_id'
                 WHEN _customer_id IS NULL THEN 'missing_customer_id'
                 WHEN _order_ts IS NULL THEN 'bad_timestamp'
                 WHEN _amount_usd IS NULL OR _amount_usd < 0 OR _unit_price_usd IS NULL
                   THEN 'bad_amount'
                 WHEN _quantity IS NULL OR _quantity <= 0 THEN 'bad_quantity'
                 WHEN region IS NULL OR region NOT IN {_in_list(REGIONS)} THEN 'unknown_region'
                 WHEN product_category IS NULL OR product_category NOT IN {_in_list(CATEGORIES)}
                   THEN 'unknown_category'
               END AS reason
        FROM typed"""
    columns = ("_order_id AS order_id, _customer_id AS customer_id, _order_ts AS order_ts, "
               "region, product_category, _quantity AS quantity, "
               "_unit_price_usd AS unit_price_usd, _amount_usd AS amount_usd, status")
    record = ("to_json({'order_id': order_id, 'customer_id': customer_id, 'order_ts': order_ts, "
              "'region': region, 'product_category': product_category, 'quantity': quantity, "
              "'unit_price_usd': unit_price_usd, 'amount_usd': amount_usd, "
              "'status': status})::VARCHAR")
    return _stage(con, root, ice, "orders", checked, columns, None, record)


_JSON_PATHS = ("['$.event_id', '$.event_ts', '$.session_id', '$.customer_id', '$.page', "
               "'$.event_type', '$.device', '$.region']")


def stage_clickstream(con, root: Path, ice) -> dict[str, int]:
    """raw/firehose/clickstream/YYYY/MM/dd/HH/*.json -> stage.clickstream + quarantine."""
    files = list_files(root / "raw" / "firehose" / "clickstream", ".json")
    checked = f"""
        WITH src AS (
            SELECT line, filename FROM read_csv({sql_list(files)}, columns = {{'line': 'VARCHAR'}},
                   header = false, delim = '\\t', quote = '', escape = '', auto_detect = false,
                   filename = true, strict_mode = false)
        ), parsed AS (
            SELECT *, json_valid(line) AS _ok,
                   CASE WHEN json_valid(line) THEN json_extract_string(line, {_JSON_PATHS}) END
                     AS _f
            FROM src
        ), typed AS (
            SELECT *,
                   _f[1] AS _event_id,
                   TRY_STRPTIME(_f[2], '%Y-%m-%dT%H:%M:%S.%gZ') AS _event_ts,
                   _f[3] AS _session_id,
                   TRY_CAST(_f[4] AS BIGINT) AS _customer_id,
                   _f[5] AS _page, _f[6] AS _event_type, _f[7] AS _device, _f[8] AS _region
            FROM parsed
        )
        SELECT *, {_relative(root)} AS source_file,
               CASE
                 WHEN NOT _ok THEN 'invalid_json'
                 WHEN _event_id IS NULL THEN 'missing_event_id'
                 WHEN _event_ts IS NULL THEN 'missing_event_ts'
                 WHEN _event_type IS NULL OR _event_type NOT IN {_in_list(EVENT_TYPES)}
                   THEN 'unknown_event_type'
                 WHEN _region IS NULL OR _region NOT IN {_in_list(REGIONS)} THEN 'unknown_region'
               END AS reason
        FROM typed"""
    columns = ("_event_id AS event_id, _event_ts AS event_ts, _session_id AS session_id, "
               "_customer_id AS customer_id, _page AS page, _event_type AS event_type, "
               "_device AS device, _region AS region")
    return _stage(con, root, ice, "clickstream", checked, columns, "event_ts, event_id", "line")


def stage_customers(con, root: Path, ice) -> dict[str, int]:
    """raw/dms/sales/customers/*.csv (full load + CDC) -> stage.customers_changes + quarantine."""
    files = list_files(root / "raw" / "dms" / "sales" / "customers", ".csv")
    checked = f"""
        WITH src AS (
            SELECT * FROM read_csv({sql_list(files)}, header = true, all_varchar = true,
                                   filename = true)
        ), typed AS (
            SELECT *,
                   TRY_STRPTIME(commit_ts, '%Y-%m-%d %H:%M:%S.%g') AS _commit_ts,
                   TRY_CAST(customer_id AS BIGINT) AS _customer_id,
                   TRY_CAST(signup_date AS DATE) AS _signup_date
            FROM src
        )
        SELECT *, {_relative(root)} AS source_file,
               CASE
                 WHEN Op IS NULL OR Op NOT IN ('I', 'U', 'D') THEN 'unknown_op'
                 WHEN _commit_ts IS NULL THEN 'bad_commit_ts'
                 WHEN _customer_id IS NULL THEN 'missing_customer_id'
                 WHEN Op <> 'D' AND (region IS NULL OR region NOT IN {_in_list(REGIONS)})
                   THEN 'unknown_region'
               END AS reason
        FROM typed"""
    columns = ("Op AS op, _commit_ts AS commit_ts, source_file, _customer_id AS customer_id, "
               "name, email, phone, region, segment, _signup_date AS signup_date")
    record = ("to_json({'Op': Op, 'commit_ts': commit_ts, 'customer_id': customer_id, "
              "'name': name, 'email': email, 'phone': phone, 'region': region, "
              "'segment': segment, 'signup_date': signup_date})::VARCHAR")
    return _stage(con, root, ice, "customers_changes", checked, columns,
                  "commit_ts, source_file, customer_id", record)


def _stage_parquet(ice, table: str) -> str:
    return f"({ice.reader_sql(f'stage.{table}')})"


def curate_orders(con, root: Path, ice) -> dict[str, int]:
    """stage.orders -> curated.orders (partitions year, month, region), sorted by time."""
    select = (f"SELECT *, year(order_ts) AS year, month(order_ts) AS month "
              f"FROM {_stage_parquet(ice, 'orders')} ORDER BY year, month, region, order_ts, "
              "order_id")
    _commit(con, ice, "curated.orders", select, partition_by=("year", "month", "region"))
    return _count(ice, "orders")


def curate_clickstream(con, root: Path, ice) -> dict[str, int]:
    """stage.clickstream -> curated.clickstream (partition dt, a date; compacted)."""
    select = (f"SELECT *, CAST(event_ts AS DATE) AS dt FROM {_stage_parquet(ice, 'clickstream')} "
              "ORDER BY dt, event_ts, event_id")
    _commit(con, ice, "curated.clickstream", select, partition_by=("dt",))
    return _count(ice, "clickstream")


def curate_customers(con, root: Path, ice) -> dict[str, int]:
    """Fold the CDC change rows into the current state: curated.customers (partition region).

    Latest change per ``customer_id`` by commit time (then file order); keys whose latest change
    is a delete disappear.
    """
    select = f"""
        SELECT customer_id, name, email, phone, segment, signup_date, commit_ts AS updated_ts,
               region
        FROM (SELECT *, row_number() OVER (PARTITION BY customer_id
                                           ORDER BY commit_ts DESC, source_file DESC) AS rn
              FROM {_stage_parquet(ice, 'customers_changes')})
        WHERE rn = 1 AND op <> 'D'
        ORDER BY region, customer_id"""
    _commit(con, ice, "curated.customers", select, partition_by=("region",))
    return _count(ice, "customers")


def _count(ice, table: str) -> dict[str, int]:
    plan = ice.plan(f"curated.{table}")
    return {"curated": int(plan["records"].sum()), "curated_files": len(plan)}


#: The ETL steps in the order :meth:`labkit.lake.Lake.build` runs them.
STEPS = {
    "stage_orders": stage_orders,
    "stage_clickstream": stage_clickstream,
    "stage_customers": stage_customers,
    "curate_orders": curate_orders,
    "curate_clickstream": curate_clickstream,
    "curate_customers": curate_customers,
}
