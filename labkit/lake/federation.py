"""Federated reads: one query over the lake and an operational database, each side counted.

Athena Federated Query reads sources other than S3 through **data source connectors** (Lambda
functions, or Glue connections): Athena asks the connector which data to read, pushes filter
predicates down to it, and the connector returns the rows as Apache Arrow. Redshift Spectrum is
the same idea from the warehouse side: a Redshift query reads external tables whose files stay in
S3, next to the tables Redshift stores.

Here :class:`SqliteConnector` is the connector for the lake's operational SQLite database: it
runs the pushed-down projection and filter in SQLite and hands Arrow rows to DuckDB, which joins
them with the lake's files. :func:`federated_query` reports what each side read: bytes scanned in
the lake (as for any lake query) and rows and Arrow bytes the connector returned.

Source (checked 2026-12-03): Athena "Use Amazon Athena Federated Query"
(https://docs.aws.amazon.com/athena/latest/ug/federated-queries.html).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from labkit.core.runner import Result

__all__ = ["SqliteConnector", "ConnectorScan", "FederatedResult", "federated_query"]

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class ConnectorScan:
    """What one connector scan returned: the Arrow rows and the SQL it ran in the source."""

    rows: object                    # pyarrow.Table
    source_sql: str

    @property
    def n_rows(self) -> int:
        return int(self.rows.num_rows)

    @property
    def arrow_bytes(self) -> int:
        return int(self.rows.nbytes)


class SqliteConnector:
    """A data source connector for one SQLite database (catalog name ``catalog``).

    >>> import tempfile, pathlib, sqlite3
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "s.sqlite"
    >>> with sqlite3.connect(db) as c:
    ...     _ = c.execute("CREATE TABLE t (id INTEGER, region TEXT)")
    ...     _ = c.executemany("INSERT INTO t VALUES (?, ?)", [(1, "eu"), (2, "na")])
    >>> scan = SqliteConnector(db).scan("t", ["id"], where="region = 'eu'")
    >>> scan.n_rows, scan.source_sql
    (1, "SELECT id FROM t WHERE region = 'eu'")
    """

    def __init__(self, path: str | Path, catalog: str = "sales") -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(f"no SQLite database at {self.path}")
        if not _IDENT.match(catalog):
            raise ValueError(f"catalog must be an identifier, got {catalog!r}")
        self.catalog = catalog

    def columns(self, table: str) -> list[str]:
        """The columns of ``table`` in the source."""
        if not isinstance(table, str) or not _IDENT.match(table):
            raise ValueError(f"table must be an identifier, got {table!r}")
        with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True) as con:
            cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
        if not cols:
            raise KeyError(f"no table {table!r} in {self.path.name}")
        return cols

    def scan(self, table: str, columns: list[str], where: str | None = None) -> ConnectorScan:
        """Read ``columns`` of ``table`` where ``where`` holds (both pushed down to SQLite)."""
        import pyarrow as pa

        known = self.columns(table)
        if isinstance(columns, str) or not columns:
            raise ValueError("columns must be a non-empty list of column names")
        unknown = [c for c in columns if c not in known]
        if unknown:
            raise ValueError(f"columns {unknown} are not in {table}; columns: {', '.join(known)}")
        if where is not None and (not isinstance(where, str) or ";" in where):
            raise ValueError(f"where must be one SQL condition, got {where!r}")
        sql = f"SELECT {', '.join(columns)} FROM {table}" + (f" WHERE {where}" if where else "")
        with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True) as con:
            frame = pd.read_sql_query(sql, con)
        return ConnectorScan(pa.Table.from_pandas(frame, preserve_index=False), sql)


@dataclass(frozen=True)
class FederatedResult(Result):
    """One federated query: the answer and what each side read."""

    frame: pd.DataFrame
    lake_bytes_scanned: int
    lake_files_scanned: int
    source_rows: int
    source_arrow_bytes: int
    source_sql: str

    @property
    def records(self) -> pd.DataFrame:
        return self.frame

    def summary(self) -> dict:
        return {"lake_bytes_scanned": self.lake_bytes_scanned,
                "lake_files_scanned": self.lake_files_scanned,
                "source_rows": self.source_rows, "source_arrow_bytes": self.source_arrow_bytes}


def federated_query(lake, sql: str, connector: SqliteConnector, *, lake_sql: str, table: str,
                    columns: list[str], where: str | None = None) -> FederatedResult:
    """Join what the lake returns for ``lake_sql`` (a query over the lake's tables, measured as
    any administrator query) with ``<catalog>.<table>`` read through ``connector`` (only
    ``columns`` where ``where`` holds: the pushdown), by ``sql`` over ``lake_rows`` and
    ``<catalog>.<table>``. Each side is one scan, as the engine plans it."""
    import duckdb

    lake_side = lake.query(lake_sql)
    scan = connector.scan(table, columns, where)
    con = duckdb.connect()
    try:
        con.register("lake_rows", lake_side.frame)
        con.register("_source_rows", scan.rows)
        con.execute(f"CREATE SCHEMA {connector.catalog}")
        con.execute(f"CREATE VIEW {connector.catalog}.{table} AS SELECT * FROM _source_rows")
        frame = con.sql(sql).df()
    finally:
        con.close()
    return FederatedResult(frame, lake_side.bytes_scanned, lake_side.files_scanned,
                           scan.n_rows, scan.arrow_bytes, scan.source_sql)
