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
  rewritten into fewer (**compaction**); expiring snapshots deletes the files only they used.

The lake keeps its ``stage`` and ``curated`` zones here: every ETL step commits its output to
its table (namespace ``stage`` or ``curated``). DuckDB stays the query engine: a scan is planned
against one snapshot (:meth:`IcebergTables.plan`, manifest and partition pruning), and DuckDB
reads exactly the planned files (:meth:`IcebergTables.reader_sql`); pyiceberg lays the data files
out in ``key=value/`` folders, so DuckDB's Hive partition filter still skips whole files and the
bytes scanned and the Athena cost are measured as before.

References: Apache Iceberg table spec (https://iceberg.apache.org/spec/), PyIceberg API
(https://py.iceberg.apache.org/api/), Athena Iceberg tables
(https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg.html).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

__all__ = ["IcebergTables", "NAMESPACE", "NAMESPACES"]

#: The default namespace (a bare table name means ``curated.<name>``).
NAMESPACE = "curated"
#: The namespaces the lake keeps as Iceberg tables.
NAMESPACES = ("stage", "curated")
_DUCKDB_TYPES = {"string": "VARCHAR", "long": "BIGINT", "int": "INTEGER", "double": "DOUBLE",
                 "float": "FLOAT", "boolean": "BOOLEAN", "date": "DATE",
                 "timestamp": "TIMESTAMP"}


def _require_pyiceberg():
    try:
        from pyiceberg.catalog.sql import SqlCatalog
    except ImportError as exc:        # pragma: no cover - the lake extra is missing
        raise ImportError("Iceberg tables need pyiceberg: pip install 'labkit[lake]'") from exc
    return SqlCatalog


def split_identifier(name: str) -> tuple[str, str]:
    """``"stage.orders"`` -> ``("stage", "orders")``; a bare name is in ``curated``.

    >>> split_identifier("orders"), split_identifier("stage.quarantine")
    (('curated', 'orders'), ('stage', 'quarantine'))
    """
    if not isinstance(name, str):
        raise ValueError(f"name must be a table name such as 'orders' or 'stage.orders', got "
                         f"{name!r}")
    parts = name.split(".")
    if len(parts) == 1:
        parts = [NAMESPACE, parts[0]]
    if len(parts) != 2 or not all(p.isidentifier() for p in parts) \
            or parts[0] not in NAMESPACES:
        raise ValueError(f"name must be a table name (letters, digits, _) optionally prefixed "
                         f"by one of {', '.join(NAMESPACES)} and a dot, got {name!r}")
    return parts[0], parts[1]


class IcebergTables:
    """The Iceberg tables of one lake: a SQLite catalog and a warehouse under ``root/iceberg``.

    Table names are ``"<namespace>.<table>"`` (namespaces ``stage`` and ``curated``) or a bare
    ``"<table>"`` for ``curated``.

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
        self.lake_root = Path(root).resolve()
        self.root = self.lake_root / "iceberg"
        (self.root / "warehouse").mkdir(parents=True, exist_ok=True)
        self._db = self.root / "catalog.db"
        self.catalog = SqlCatalog("lake", uri=f"sqlite:///{self._db}",
                                  warehouse=f"file://{self.root / 'warehouse'}")
        existing = set(self.catalog.list_namespaces())
        for namespace in NAMESPACES:
            if (namespace,) not in existing:
                try:
                    self.catalog.create_namespace(namespace)
                except Exception:              # created meanwhile by another process
                    pass

    # -- tables -------------------------------------------------------------------------------
    def tables(self, namespace: str = NAMESPACE) -> list[str]:
        """Table names of ``namespace`` (default ``curated``), sorted."""
        if namespace not in NAMESPACES:
            raise ValueError(f"namespace must be one of {', '.join(NAMESPACES)}, got "
                             f"{namespace!r}")
        return sorted(ident[-1] for ident in self.catalog.list_tables(namespace))

    def exists(self, name: str) -> bool:
        """Whether table ``name`` exists."""
        namespace, table = split_identifier(name)
        return table in self.tables(namespace)

    def table(self, name: str):
        """The pyiceberg ``Table`` (fresh metadata from the catalog)."""
        from pyiceberg.exceptions import NoSuchTableError

        namespace, table = split_identifier(name)
        try:
            return self.catalog.load_table(f"{namespace}.{table}")
        except NoSuchTableError:
            raise KeyError(f"no Iceberg table {namespace}.{table}; tables: "
                           f"{self.tables(namespace)}") from None

    def state(self) -> tuple[tuple[str, str, str], ...]:
        """``(namespace, table, metadata location)`` of every table: changes with every commit
        (one read of the catalog database, cheap enough to check before each query)."""
        import sqlite3

        if not self._db.exists():
            return ()
        with sqlite3.connect(f"file:{self._db}?mode=ro", uri=True) as con:
            try:
                rows = con.execute("SELECT table_namespace, table_name, metadata_location "
                                   "FROM iceberg_tables ORDER BY 1, 2").fetchall()
            except sqlite3.OperationalError:   # no table created yet
                return ()
        return tuple(rows)

    def commit(self, name: str, data, *, partition_by: list[str] | None = None,
               mode: str = "overwrite", overwrite_where: dict[str, str] | None = None) -> int:
        """Commit ``data`` (a pyarrow Table) to table ``name`` as one new snapshot; return its id.

        ``mode="overwrite"`` replaces the rows (one atomic commit: readers see all old or all
        new rows), ``"append"`` adds them. ``overwrite_where={"column": "value"}`` replaces only
        the rows where ``column`` equals ``value`` (e.g. one partition). A missing table is
        created with ``data``'s schema and identity partitions on ``partition_by``.
        """
        import pyarrow as pa

        if mode not in ("overwrite", "append"):
            raise ValueError(f"mode must be 'overwrite' or 'append', got {mode!r}")
        if not isinstance(data, pa.Table):
            raise TypeError(f"data must be a pyarrow.Table, got {type(data).__name__}")
        namespace, table_name = split_identifier(name)
        created = table_name not in self.tables(namespace)
        if created:
            unknown = [k for k in partition_by or () if k not in data.column_names]
            if unknown:
                raise ValueError(f"partition_by {unknown} are not columns of data")
            table = self.catalog.create_table(f"{namespace}.{table_name}", schema=data.schema)
            if partition_by:
                with table.update_spec() as spec:
                    for key in partition_by:
                        spec.add_identity(key)
                table = self.table(name)
        else:
            table = self.table(name)
        if mode == "overwrite" and not created:
            kwargs = {}
            if overwrite_where:
                from pyiceberg.expressions import And, EqualTo

                terms = [EqualTo(k, v) for k, v in overwrite_where.items()]
                kwargs["overwrite_filter"] = terms[0] if len(terms) == 1 else And(*terms)
            import warnings

            with warnings.catch_warnings():   # replacing a partition that has no rows yet
                warnings.filterwarnings("ignore", "Delete operation did not match any records")
                table.overwrite(data, **kwargs)
        else:
            table.append(data)
        return table.current_snapshot().snapshot_id    # the table object follows its commits

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

    def owner(self, snapshot_id: int) -> str:
        """The table (``"namespace.table"``) that has snapshot ``snapshot_id``."""
        for namespace in NAMESPACES:
            for name in self.tables(namespace):
                if self.table(f"{namespace}.{name}").snapshot_by_id(snapshot_id) is not None:
                    return f"{namespace}.{name}"
        raise ValueError(f"snapshot_id {snapshot_id} is not a snapshot of any table")

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
        elif table.current_snapshot() is None:
            return pd.DataFrame({"path": pd.Series(dtype=str),
                                 "size_bytes": pd.Series(dtype="int64"),
                                 "records": pd.Series(dtype="int64")})
        tasks = table.scan(**kwargs).plan_files()
        return pd.DataFrame([(t.file.file_path.removeprefix("file://"),
                              int(t.file.file_size_in_bytes), int(t.file.record_count))
                             for t in tasks], columns=["path", "size_bytes", "records"])

    def data_location(self, name: str) -> Path:
        """The folder holding the table's data files."""
        return Path(self.table(name).location().removeprefix("file://")) / "data"

    def fingerprint(self, name: str, *, snapshot_id: int | None = None) -> list[tuple[str, str]]:
        """The data of one snapshot as ``(partition folder, SHA-256 of the file)`` pairs, sorted:
        equal for two snapshots holding the same rows written the same way (file names carry
        a random UUID, file contents do not)."""
        import hashlib

        base = self.data_location(name)
        return sorted((str(Path(p).parent.relative_to(base)),
                       hashlib.sha256(Path(p).read_bytes()).hexdigest())
                      for p in self.plan(name, snapshot_id=snapshot_id).path)

    def count(self, name: str, *, snapshot_id: int | None = None) -> int:
        """Rows in the table (at ``snapshot_id``, default the current snapshot)."""
        return int(self.plan(name, snapshot_id=snapshot_id)["records"].sum())

    def reader_sql(self, name: str, *, snapshot_id: int | None = None,
                   row_filter: str | None = None, files: list[str] | None = None,
                   partition_types: dict[str, str] | None = None) -> str:
        """A DuckDB ``SELECT`` over the files of one snapshot of ``name`` (default the current
        one), with the table's current columns in order.

        ``partition_types`` (Hive key -> DuckDB type) lets DuckDB skip whole files by their
        ``key=value`` folders, as for a Hive table. A column added after a file was written
        reads as NULL there (Iceberg matches columns by field id, so it would also follow
        renames; this stand-in matches by name). A table with no files reads as no rows.
        """
        from labkit.lake.etl import quote_identifier, sql_list, sql_literal

        fields = self.table(name).schema().fields
        if files is None:
            files = list(self.plan(name, row_filter=row_filter, snapshot_id=snapshot_id).path)
        if not files:
            cols = ", ".join(f"NULL::{_DUCKDB_TYPES.get(str(f.field_type), 'VARCHAR')} AS "
                             f"{quote_identifier(f.name)}" for f in fields)
            return f"SELECT {cols} WHERE false"
        options = ", union_by_name = true"
        if partition_types:
            types = ", ".join(f"{sql_literal(k)}: {sql_literal(v)}"
                              for k, v in partition_types.items())
            options += f", hive_partitioning = true, hive_types = {{{types}}}"
        else:
            options += ", hive_partitioning = false"
        cols = ", ".join(quote_identifier(f.name) for f in fields)
        return f"SELECT {cols} FROM read_parquet({sql_list(files)}{options})"

    def query(self, name: str, sql: str, *, snapshot_id: int | None = None,
              row_filter: str | None = None, timeout_s: float = 30.0):
        """Run ``sql`` (DuckDB dialect, the table called by its bare name) on one snapshot;
        return a :class:`~labkit.lake.athena.QueryResult` with bytes and files scanned."""
        import duckdb

        from labkit.lake.athena import run_measured
        from labkit.lake.etl import quote_identifier

        _, table = split_identifier(name)
        source = self.reader_sql(name, snapshot_id=snapshot_id, row_filter=row_filter)
        con = duckdb.connect()
        try:
            try:
                con.execute(f"CREATE VIEW {quote_identifier(table)} AS {source}")
            except duckdb.BinderException:
                # A column added after these files were written: read it as NULL.
                con.execute(f"CREATE VIEW {quote_identifier(table)} AS "
                            f"{self.widened_sql(name, source)}")
            con.execute("PRAGMA enable_profiling = 'no_output'")
            return run_measured(con, sql, timeout_s=timeout_s)
        finally:
            con.close()

    def widened_sql(self, name: str, source: str) -> str:
        """``source`` (from :meth:`reader_sql`) reading the columns no file has yet as NULL."""
        import duckdb

        from labkit.lake.etl import quote_identifier

        inner = source.split(" FROM ", 1)[1]
        present = {r[0] for r in duckdb.connect().execute(
            f"DESCRIBE SELECT * FROM {inner}").fetchall()}
        cols = ", ".join(
            quote_identifier(f.name) if f.name in present
            else f"NULL::{_DUCKDB_TYPES.get(str(f.field_type), 'VARCHAR')} AS "
                 f"{quote_identifier(f.name)}"
            for f in self.table(name).schema().fields)
        return f"SELECT {cols} FROM {inner}"

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
        (time travel to them ends), delete the data files no remaining snapshot uses, and
        return how many snapshots were expired."""
        from labkit.core.validation import check_int

        keep_last = check_int("keep_last", keep_last, minimum=1)
        table = self.table(name)
        current = table.current_snapshot().snapshot_id
        others = [s.snapshot_id for s in table.snapshots() if s.snapshot_id != current]
        old = others[:max(0, len(others) - (keep_last - 1))]
        if old:
            before = self._files_of_all_snapshots(name)
            table.maintenance.expire_snapshots().by_ids(old).commit()
            after = self._files_of_all_snapshots(name)
            for path in sorted(before - after):
                Path(path).unlink(missing_ok=True)
        return len(old)

    def _files_of_all_snapshots(self, name: str) -> set[str]:
        return {p for s in self.table(name).snapshots()
                for p in self.plan(name, snapshot_id=s.snapshot_id).path}
