"""Apache Iceberg tables: the open table format behind Athena Iceberg tables, S3 Tables, Glue,
EMR and Redshift, here through pyiceberg with its SQLite catalog.

A folder of Parquet files is not a table: a reader listing it while a writer swaps files sees a
mix, two writers overwrite each other, and "yesterday's version" is gone. Iceberg keeps a
**metadata tree** (table metadata -> snapshot -> manifest list -> manifests -> data files) and
changes the table by one atomic swap of the catalog's pointer to a new metadata file. So:

- every write is a **snapshot commit** with optimistic concurrency (a writer whose base moved
  gets ``CommitFailedException``; pyiceberg refreshes and retries appends and overwrites);
- a reader plans its scan against **one snapshot** and reads exactly those files, whatever
  commits meanwhile (snapshot isolation);
- old snapshots stay readable (**time travel**) until expired, and the current pointer can be
  moved back (**rollback**); columns are added by id (**schema evolution**); small files are
  rewritten into fewer (**compaction**).

:class:`IcebergTables` keeps DuckDB as the query engine: a scan is planned by pyiceberg (manifest
and partition pruning), and DuckDB reads only the planned files, so bytes scanned and the Athena
cost are measured as for the Hive-style tables.

References: Apache Iceberg table spec (https://iceberg.apache.org/spec/), PyIceberg API
(https://py.iceberg.apache.org/api/), Athena Iceberg tables
(https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg.html).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

__all__ = ["IcebergTables", "NAMESPACE"]

NAMESPACE = "curated"
_DUCKDB_TYPES = {"string": "VARCHAR", "long": "BIGINT", "int": "INTEGER", "double": "DOUBLE",
                 "float": "FLOAT", "boolean": "BOOLEAN", "date": "DATE",
                 "timestamp": "TIMESTAMP"}


def _require_pyiceberg():
    try:
        from pyiceberg.catalog.sql import SqlCatalog
    except ImportError as exc:        # pragma: no cover - the lake extra is missing
        raise ImportError("Iceberg tables need pyiceberg: pip install 'labkit[lake]'") from exc
    return SqlCatalog


class IcebergTables:
    """The Iceberg tables of one lake: a SQLite catalog and a warehouse under ``root/iceberg``.

    Examples
    --------
    >>> import tempfile, pyarrow as pa
    >>> ice = IcebergTables(tempfile.mkdtemp())
    >>> data = pa.table({"id": pa.array([1, 2, 3], pa.int64()), "region": ["eu", "na", "eu"]})
    >>> first = ice.commit("t", data, partition_by=["region"])
    >>> second = ice.commit("t", data.slice(0, 1))
    >>> ice.count("t"), ice.count("t", snapshot_id=first)
    (1, 3)
    >>> ice.query("t", "SELECT count(*) AS n FROM t WHERE region = 'eu'",
    ...           snapshot_id=first).frame.n[0]
    np.int64(2)
    """

    def __init__(self, root: str | os.PathLike) -> None:
        if not isinstance(root, str | os.PathLike):
            raise TypeError(f"root must be a path, got {type(root).__name__}")
        SqlCatalog = _require_pyiceberg()
        self.root = Path(root).resolve() / "iceberg"
        (self.root / "warehouse").mkdir(parents=True, exist_ok=True)
        self.catalog = SqlCatalog("lake", uri=f"sqlite:///{self.root / 'catalog.db'}",
                                  warehouse=f"file://{self.root / 'warehouse'}")
        if (NAMESPACE,) not in self.catalog.list_namespaces():
            try:
                self.catalog.create_namespace(NAMESPACE)
            except Exception:                  # created meanwhile by another process
                pass

    # -- tables -------------------------------------------------------------------------------
    def tables(self) -> list[str]:
        """Iceberg table names, sorted."""
        return sorted(ident[-1] for ident in self.catalog.list_tables(NAMESPACE))

    def table(self, name: str):
        """The pyiceberg ``Table`` (fresh metadata from the catalog)."""
        from pyiceberg.exceptions import NoSuchTableError

        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"name must be a table name (letters, digits, _), got {name!r}")
        try:
            return self.catalog.load_table(f"{NAMESPACE}.{name}")
        except NoSuchTableError:
            raise KeyError(f"no Iceberg table {name!r}; tables: {self.tables()}") from None

    def commit(self, name: str, data, *, partition_by: list[str] | None = None,
               mode: str = "overwrite") -> int:
        """Commit ``data`` (a pyarrow Table) to table ``name`` as one new snapshot; return its id.

        ``mode="overwrite"`` replaces the rows (one atomic snapshot: readers see all old or all
        new rows), ``"append"`` adds them. A missing table is created with ``data``'s schema and
        identity partitions on ``partition_by``.
        """
        import pyarrow as pa

        if mode not in ("overwrite", "append"):
            raise ValueError(f"mode must be 'overwrite' or 'append', got {mode!r}")
        if not isinstance(data, pa.Table):
            raise TypeError(f"data must be a pyarrow.Table, got {type(data).__name__}")
        created = name not in self.tables()
        if created:
            table = self.catalog.create_table(f"{NAMESPACE}.{name}", schema=data.schema)
            if partition_by:
                unknown = [k for k in partition_by if k not in data.column_names]
                if unknown:
                    raise ValueError(f"partition_by {unknown} are not columns of data")
                with table.update_spec() as spec:
                    for key in partition_by:
                        spec.add_identity(key)
        table = self.table(name)
        if mode == "overwrite" and not created:
            table.overwrite(data)
        else:
            table.append(data)
        return self.table(name).current_snapshot().snapshot_id

    def snapshots(self, name: str) -> pd.DataFrame:
        """One row per snapshot, oldest first: ``snapshot_id``, ``parent_id``, ``operation``,
        ``records`` (total rows), ``data_files`` (total), ``current``."""
        table = self.table(name)
        current = table.current_snapshot()
        rows = []
        for s in table.snapshots():
            summary = s.summary
            rows.append((s.snapshot_id, s.parent_snapshot_id, summary.operation.value,
                         int(summary.get("total-records", 0)),
                         int(summary.get("total-data-files", 0)),
                         current is not None and s.snapshot_id == current.snapshot_id))
        return pd.DataFrame(rows, columns=["snapshot_id", "parent_id", "operation", "records",
                                           "data_files", "current"])

    # -- reading ------------------------------------------------------------------------------
    def plan(self, name: str, *, row_filter: str | None = None,
             snapshot_id: int | None = None) -> pd.DataFrame:
        """Data files a scan reads after manifest and partition pruning: ``path``,
        ``size_bytes``, ``records``. ``row_filter`` is pyiceberg's syntax (``"region == 'eu'"``)."""
        table = self.table(name)
        kwargs = {"row_filter": row_filter} if row_filter else {}
        if snapshot_id is not None:
            if table.snapshot_by_id(snapshot_id) is None:
                raise ValueError(f"snapshot_id {snapshot_id} is not a snapshot of {name}")
            kwargs["snapshot_id"] = snapshot_id
        tasks = table.scan(**kwargs).plan_files()
        return pd.DataFrame([(t.file.file_path.removeprefix("file://"),
                              int(t.file.file_size_in_bytes), int(t.file.record_count))
                             for t in tasks], columns=["path", "size_bytes", "records"])

    def count(self, name: str, *, snapshot_id: int | None = None) -> int:
        """Rows in the table (at ``snapshot_id``, default the current snapshot)."""
        return int(self.plan(name, snapshot_id=snapshot_id)["records"].sum())

    def query(self, name: str, sql: str, *, snapshot_id: int | None = None,
              row_filter: str | None = None, timeout_s: float = 30.0):
        """Run ``sql`` (DuckDB dialect, the table called ``name``) on one snapshot; return a
        :class:`~labkit.lake.athena.QueryResult` with bytes and files scanned."""
        import duckdb

        from labkit.lake.athena import run_measured
        from labkit.lake.etl import quote_identifier, sql_list

        plan = self.plan(name, row_filter=row_filter, snapshot_id=snapshot_id)
        con = duckdb.connect()
        try:
            if len(plan):
                # Columns by name, in the table's current schema; a column added after a file
                # was written reads as NULL there (Iceberg matches by field id, so it would
                # also follow renames; this stand-in does not).
                source = f"read_parquet({sql_list(plan.path)}, union_by_name = true)"
                present = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {source}")
                           .fetchall()}
                cols = ", ".join(
                    quote_identifier(f.name) if f.name in present
                    else f"NULL::{_DUCKDB_TYPES.get(str(f.field_type), 'VARCHAR')} AS "
                         f"{quote_identifier(f.name)}"
                    for f in self.table(name).schema().fields)
                con.execute(f"CREATE VIEW {quote_identifier(name)} AS SELECT {cols} "
                            f"FROM {source}")
            else:
                arrow = self.table(name).schema().as_arrow()   # an empty table, same columns
                con.register("empty_rows", arrow.empty_table())
                con.execute(f"CREATE VIEW {quote_identifier(name)} AS SELECT * FROM empty_rows")
            con.execute("PRAGMA enable_profiling = 'no_output'")
            return run_measured(con, sql, timeout_s=timeout_s)
        finally:
            con.close()

    # -- maintenance --------------------------------------------------------------------------
    def rollback(self, name: str, snapshot_id: int) -> None:
        """Make ``snapshot_id`` (an ancestor of the current snapshot) current again."""
        table = self.table(name)
        if table.snapshot_by_id(snapshot_id) is None:
            raise ValueError(f"snapshot_id {snapshot_id} is not a snapshot of {name}")
        table.manage_snapshots().rollback_to_snapshot(snapshot_id).commit()

    def add_column(self, name: str, column: str, type_name: str = "string") -> None:
        """Schema evolution: add an optional column (``string``, ``long``, ``double``,
        ``boolean``); old files read it as NULL, no file is rewritten."""
        from pyiceberg import types

        kinds = {"string": types.StringType(), "long": types.LongType(),
                 "double": types.DoubleType(), "boolean": types.BooleanType()}
        if type_name not in kinds:
            raise ValueError(f"type_name must be one of {sorted(kinds)}, got {type_name!r}")
        with self.table(name).update_schema() as update:
            update.add_column(column, kinds[type_name])

    def compact(self, name: str) -> int:
        """Rewrite the current rows into as few files as the partitioning allows (one snapshot,
        operation ``overwrite``); return the new snapshot id."""
        table = self.table(name)
        table.overwrite(table.scan().to_arrow())
        return self.table(name).current_snapshot().snapshot_id

    def expire(self, name: str, *, keep_last: int = 1) -> int:
        """Expire every snapshot except the current one and the ``keep_last - 1`` newest others
        (time travel to them ends); return how many were expired."""
        from labkit.core.validation import check_int

        keep_last = check_int("keep_last", keep_last, minimum=1)
        table = self.table(name)
        current = table.current_snapshot().snapshot_id
        others = [s.snapshot_id for s in table.snapshots() if s.snapshot_id != current]
        old = others[:max(0, len(others) - (keep_last - 1))]
        if old:
            table.maintenance.expire_snapshots().by_ids(old).commit()
        return len(old)
