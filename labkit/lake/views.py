"""What the query engine sees: every zone's tables as DuckDB views over their files.

- raw tables are the files the ingest models wrote (CSV from DMS, JSON lines from Firehose);
- stage and curated tables are Apache Iceberg tables: a view reads exactly the data files of
  one snapshot (the current one, or a pinned one for time travel), with the partition keys read
  from the ``key=value/`` folders so DuckDB skips whole files on a partition filter.

:class:`ZoneViews` resolves each table to the SQL that reads it (planned once per Iceberg
state) and opens the administrator's engine with one schema per zone.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from labkit.lake.catalog import reader_sql
from labkit.lake.etl import PARTITION_TYPES, sql_list, sql_literal
from labkit.lake.storage import list_files

__all__ = ["ZONES", "TABLE_LAYOUT", "ZoneViews", "RAW_JSON_COLUMNS"]

ZONES = ("raw", "stage", "curated")

#: (database, table) -> (folder under root for raw files, or ``"iceberg"``; format; partition
#: key types or None)
TABLE_LAYOUT = {
    ("raw", "orders"): ("raw/dms/sales/orders", "csv", None),
    ("raw", "customers"): ("raw/dms/sales/customers", "csv", None),
    ("raw", "clickstream"): ("raw/firehose/clickstream", "json", None),
    ("stage", "orders"): ("iceberg", "parquet", None),
    ("stage", "customers_changes"): ("iceberg", "parquet", None),
    ("stage", "clickstream"): ("iceberg", "parquet", None),
    ("stage", "quarantine"): ("iceberg", "parquet", {"table_name": "VARCHAR"}),
    ("curated", "orders"): ("iceberg", "parquet", PARTITION_TYPES["orders"]),
    ("curated", "customers"): ("iceberg", "parquet", PARTITION_TYPES["customers"]),
    ("curated", "clickstream"): ("iceberg", "parquet", PARTITION_TYPES["clickstream"]),
}

RAW_JSON_COLUMNS = ("event_id", "event_ts", "session_id", "customer_id", "page", "event_type",
                    "device", "region")
_SUFFIX = {"csv": ".csv", "json": ".json", "parquet": ".parquet"}


def layout(db: str, name: str) -> tuple[str, str, dict | None]:
    """The layout entry of ``db.name`` (``KeyError`` naming the known tables)."""
    if (db, name) not in TABLE_LAYOUT:
        known = ", ".join(f"{d}.{t}" for d, t in TABLE_LAYOUT)
        raise KeyError(f"unknown table {db}.{name}; known tables: {known}")
    return TABLE_LAYOUT[(db, name)]


class ZoneViews:
    """The SQL that reads each table of a lake, for one Iceberg state.

    ``pinned`` maps ``(db, table)`` to a snapshot id read instead of the current snapshot.
    """

    def __init__(self, root: Path, iceberg, *, pinned: dict | None = None) -> None:
        self.root = Path(root)
        self.iceberg = iceberg
        self.pinned = dict(pinned or {})
        self.state = iceberg.state()
        self._sources: dict[tuple[str, str], str | None] = {}

    def exists(self, db: str, name: str) -> bool:
        """Whether the table has data to read (files, or an Iceberg table)."""
        return self.source(db, name) is not None

    def files(self, db: str, name: str) -> list[Path]:
        """The files a full scan of the table reads (an Iceberg table: its snapshot's files)."""
        location, fmt, _ = layout(db, name)
        if location != "iceberg":
            return list_files(self.root / location, _SUFFIX[fmt])
        if not self.iceberg.exists(f"{db}.{name}"):
            return []
        plan = self.iceberg.plan(f"{db}.{name}", snapshot_id=self.pinned.get((db, name)))
        return [Path(p) for p in plan.path]

    def source(self, db: str, name: str) -> str | None:
        """A ``SELECT`` reading every column of the table, or None if it holds nothing yet."""
        if (db, name) not in self._sources:
            self._sources[(db, name)] = self._resolve(db, name)
        return self._sources[(db, name)]

    def _resolve(self, db: str, name: str) -> str | None:
        import duckdb

        location, fmt, types = layout(db, name)
        if location != "iceberg":
            files = list_files(self.root / location, _SUFFIX[fmt])
            if not files:
                return None
            if fmt == "json":
                cols = "{" + ", ".join(f"{sql_literal(c)}: 'VARCHAR'"
                                       for c in RAW_JSON_COLUMNS) + "}"
                return (f"SELECT * FROM read_json({sql_list(files)}, format = "
                        f"'newline_delimited', ignore_errors = true, columns = {cols})")
            return f"SELECT * FROM {reader_sql(fmt, files, types)}"
        ident = f"{db}.{name}"
        if not self.iceberg.exists(ident):
            return None
        source = self.iceberg.reader_sql(ident, snapshot_id=self.pinned.get((db, name)),
                                         partition_types=types)
        if len(self.iceberg.table(ident).metadata.schemas) > 1:   # the schema has evolved
            try:
                duckdb.connect().execute(f"DESCRIBE {source}")
            except duckdb.BinderException:    # a column added after these files were written
                source = self.iceberg.widened_sql(ident, source)
        return source

    def select(self, db: str, name: str, columns: str = "*", where: str | None = None) -> str:
        """``SELECT columns FROM <table> [WHERE where]`` over the table's files."""
        sql = f"SELECT {columns} FROM ({self.source(db, name)}) AS t"
        return sql + (f" WHERE {where}" if where else "")

    def connect(self, *, threads: int, memory_limit: str):
        """The administrator's engine: every zone as a schema, curated also unqualified."""
        import duckdb

        con = duckdb.connect(config={"threads": threads, "memory_limit": memory_limit})
        for db in ZONES:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {db}")
        for db, name in TABLE_LAYOUT:
            if self.exists(db, name):
                con.execute(f"CREATE VIEW {db}.{name} AS {self.source(db, name)}")
                if db == "curated":
                    con.execute(f"CREATE VIEW main.{name} AS SELECT * FROM curated.{name}")
        con.execute("PRAGMA enable_profiling = 'no_output'")
        return con


def reconcile(con, root: Path) -> pd.DataFrame:
    """Count every raw record: staged or quarantined (with a reason), and what reached curated.

    ``con`` is the administrator's engine (:meth:`ZoneViews.connect`).
    """
    out = []
    for table, stage_table in (("orders", "orders"), ("clickstream", "clickstream"),
                               ("customers", "customers_changes")):
        if table == "clickstream":
            raw = sum(f.read_bytes().count(b"\n") for f in
                      list_files(Path(root) / "raw/firehose/clickstream", ".json"))
        else:
            raw = con.execute(f"SELECT count(*) FROM raw.{table}").fetchall()[0][0]
        bad = con.execute("SELECT count(*) FROM stage.quarantine WHERE table_name = ?",
                          [stage_table]).fetchall()[0][0]
        staged = con.execute(f"SELECT count(*) FROM stage.{stage_table}").fetchall()[0][0]
        curated = con.execute(f"SELECT count(*) FROM curated.{table}").fetchall()[0][0]
        landed = staged if table == "customers" else curated
        out.append((table, int(raw), int(bad), int(staged), int(curated),
                    int(raw - bad - landed)))
    return pd.DataFrame(out, columns=["table", "raw_records", "quarantined", "staged",
                                      "curated_rows", "unaccounted"])
