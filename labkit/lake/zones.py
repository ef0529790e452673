"""The lake: raw, stage and curated zones under one root, and the :class:`Lake` facade.

Layout under ``root``::

    sources/sales.sqlite                       the OLTP database DMS reads (customers)
    raw/dms/sales/orders/LOAD0000000N.csv      DMS full load of the orders table
    raw/dms/sales/customers/LOAD00000001.csv   DMS full load + CDC files (I/U/D rows)
        .../customers/20241202-0312451230.csv
    raw/firehose/clickstream/YYYY/MM/dd/HH/clickstream-1-...json   Firehose objects
    iceberg/catalog.db                         the Apache Iceberg catalog (SQLite)
    iceberg/warehouse/stage/<table>/           stage tables (typed, validated) and
        stage/quarantine/                      the rejected records with their reason
    iceberg/warehouse/curated/orders/data/year=/month=/region=/...parquet   curated tables,
    iceberg/warehouse/curated/clickstream/data/dt=/...                        partitioned
    iceberg/warehouse/curated/customers/data/region=/...   current state folded from CDC
    catalog/catalog.json                       the catalog (Glue stand-in)
    .lake.lock, .lake.version                  readers-writer lock and write counter

The raw zone is what the ingest models deliver (files, replaced by a rename swap). The stage and
curated zones are Iceberg tables: every ETL step commits a snapshot, a query reads the files of
one snapshot (the current one, or the one ``snapshot_id=`` names), and :meth:`Lake.snapshots`,
:meth:`Lake.rollback`, :meth:`Lake.compact` and :meth:`Lake.expire_snapshots` maintain them.
Writers hold the lake's lock exclusively (one writer at a time, across processes); queries hold
it shared while they plan and read, and rebuild their views when a commit changed a table.

The pieces, one concept each: :mod:`~labkit.lake.sample` (sample data delivered to raw),
:mod:`~labkit.lake.etl` (the steps), :mod:`~labkit.lake.iceberg` (tables),
:mod:`~labkit.lake.views` (what the engine reads), :mod:`~labkit.lake.catalog` (crawler),
:mod:`~labkit.lake.access` (grants and sandboxes), :mod:`~labkit.lake.athena` (measured queries).
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from labkit.core.validation import check_int, check_positive
from labkit.lake.access import Grants, check_grant
from labkit.lake.athena import QueryResult, athena_ddl, run_measured
from labkit.lake.catalog import Catalog, crawl_table, split_table_name
from labkit.lake.etl import STEPS
from labkit.lake.governance import Grant, Sandbox, check_principal, check_select
from labkit.lake.keys import ZoneKeys
from labkit.lake.sample import deliver_sample, source_customers
from labkit.lake.sharing import Share, Shares, consumer_principal
from labkit.lake.storage import LakeLock, recover_dir
from labkit.lake.views import TABLE_LAYOUT, ZONES, ZoneViews, layout, reconcile

__all__ = ["Lake", "BuildReport", "ZONES", "TABLE_LAYOUT", "MAX_ROWS"]

#: Largest ``rows`` :meth:`Lake.build` accepts on this lab (a 1M-row build takes seconds and
#: about 100 MB of disk; 10M rows is the most a 2-core Binder machine finishes in minutes).
MAX_ROWS = 10_000_000


@dataclass(frozen=True)
class BuildReport:
    """What :meth:`Lake.build` did: per-step timings, the reconciliation and the deliveries."""

    rows: int
    seed: int
    steps: pd.DataFrame
    reconciliation: pd.DataFrame
    firehose_objects: pd.DataFrame
    #: One row per record sent to Firehose: ``arrival_s`` and ``size_bytes`` (the JSON line and
    #: its newline), the input :func:`~labkit.lake.firehose.plan_firehose_batches` replays.
    firehose_records: pd.DataFrame | None = None

    @property
    def seconds(self) -> float:
        """Total build time (machine-dependent)."""
        return float(self.steps["seconds"].sum())

    def to_frame(self) -> pd.DataFrame:
        """The reconciliation table (one row per table)."""
        return self.reconciliation


class Lake:
    """A data lake under ``root``: zones, catalog, queries with bytes and cost, grants.

    Parameters
    ----------
    root : str or path-like
        Folder holding the zones (created if missing). An existing built lake is reopened, and
        a swap that a killed step left half done is repaired (unless another process is
        writing the lake right now: writers hold the lake's lock, and readers wait for it).
    query_timeout_s : float
        Statement timeout of every query (administrator and principals), default 30 s.
    memory_limit : str
        DuckDB memory limit of each engine (administrator and each principal's sandbox).
    threads : int
        Threads of each engine.
    max_sandboxes : int
        Principal sandboxes kept open at once; the least recently used is closed beyond that.

    Use it as a context manager (``with Lake(root) as lake:``) or call :meth:`close`, which
    closes every engine and deletes the sandboxes' private copies.

    Examples
    --------
    >>> import tempfile
    >>> lake = Lake(tempfile.mkdtemp())
    >>> _ = lake.build(rows=2_000, seed=0)
    >>> lake.catalog.tables()
    ['clickstream', 'customers', 'orders']
    >>> r = lake.query("SELECT count(*) AS n FROM orders WHERE year = 2024 AND month = 3")
    >>> r.files_scanned, r.cost_usd == lake.query("SELECT 1").cost_usd
    (4, True)
    """

    def __init__(self, root: str | os.PathLike, *, query_timeout_s: float = 30.0,
                 memory_limit: str = "1GB", threads: int = 2, max_sandboxes: int = 4) -> None:
        if isinstance(root, str) and "://" in root and not root.startswith("file://"):
            raise NotImplementedError(
                "Lake(root) needs a local folder: DuckDB writes partitioned Parquet with COPY, "
                "and reaching s3:// needs its httpfs extension, which is downloaded at run time. "
                "Build locally, then labkit.lake.remote.publish(lake, url) uploads it to any "
                "fsspec URL and RemoteLake(url) queries it there.")
        if not isinstance(root, str | os.PathLike):
            raise TypeError(f"root must be a path, got {type(root).__name__}")
        self.root = Path(str(root).removeprefix("file://")).resolve()
        check_positive("query_timeout_s", query_timeout_s)
        if not isinstance(memory_limit, str) or not memory_limit.strip():
            raise ValueError(f"memory_limit must be a DuckDB size such as '1GB', got "
                             f"{memory_limit!r}")
        self.query_timeout_s = float(query_timeout_s)
        self.memory_limit = memory_limit
        self.threads = check_int("threads", threads, minimum=1, maximum=64)
        self.max_sandboxes = check_int("max_sandboxes", max_sandboxes, minimum=1, maximum=64)
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = LakeLock(self.root)
        if self._lock.acquire(shared=False, blocking=False):   # no writer is running
            try:
                self.recover()
            finally:
                self._lock.release()
        self.catalog = Catalog(self.root / "catalog" / "catalog.json")
        self._iceberg = None
        self._token = None
        self._views: ZoneViews | None = None
        self._admin = None
        self.access = Grants(max_sandboxes=self.max_sandboxes, timeout_s=self.query_timeout_s)
        #: SSE-KMS per zone: who may decrypt each zone (:class:`~labkit.lake.keys.ZoneKeys`).
        self.keys = ZoneKeys()
        #: Tables shared with other accounts (:class:`~labkit.lake.sharing.Shares`).
        self.shares = Shares(self.keys.account, self.keys.region)
        self.firehose_objects = pd.DataFrame()
        self.firehose_records = pd.DataFrame(columns=["arrival_s", "size_bytes"])
        #: Every SQL text :meth:`query` answered, in order (e.g. to check them all for Athena).
        self.query_log: list[str] = []

    def recover(self) -> None:
        """Finish what a killed writer left in the raw zone and the source database: restore
        folders left between two renames and drop stale staging folders and half-written files
        (call with the lake's lock held). Iceberg tables need nothing: a commit that did not
        happen left the previous snapshot current."""
        from labkit.lake.ingest import recover_source

        for location, _, _ in TABLE_LAYOUT.values():
            if location != "iceberg":
                recover_dir(self.root / location)
        targets, partial = set(), []
        for folder, dirnames, filenames in os.walk(self.root):
            targets |= {Path(folder) / d.removeprefix(prefix)   # swaps inside a table folder
                        for d in dirnames for prefix in (".old-", ".staging-")
                        if d.startswith(prefix)}
            partial += [Path(folder) / f for f in filenames if f.startswith(".tmp-")]
        for target in sorted(targets):
            recover_dir(target)
        for f in partial:                                       # half-written single files
            f.unlink(missing_ok=True)
        recover_source(self.root / "sources" / "sales.sqlite")

    @contextmanager
    def _writing(self):
        """Hold the lake exclusively while writing; count the write when it completes."""
        self._lock.acquire(shared=False)
        try:
            if self._lock._depth == 1:
                self.recover()
            yield
            self._lock.bump()
        finally:
            self._lock.release()
            self._invalidate()

    @contextmanager
    def _reading(self):
        """Hold the lake shared while reading; rebuild the views if a write or an Iceberg
        commit changed the lake since they were built."""
        self._lock.acquire(shared=True)
        try:
            token = (self._lock.version(), self.iceberg.state())
            if token != self._token:
                self._invalidate()
                self.catalog = Catalog(self.root / "catalog" / "catalog.json")
                self._token = token
            yield
        finally:
            self._lock.release()

    def close(self) -> None:
        """Close the administrator engine and every sandbox (deleting their private copies)."""
        self._invalidate()

    def __enter__(self) -> Lake:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Lake(tables={self.catalog.tables()})"

    # -- zones -------------------------------------------------------------------------------
    @property
    def iceberg(self):
        """The lake's Apache Iceberg tables (:class:`~labkit.lake.iceberg.IcebergTables`):
        ``stage.*`` and ``curated.*``."""
        if self._iceberg is None:
            from labkit.lake.iceberg import IcebergTables

            self._iceberg = IcebergTables(self.root)
        return self._iceberg

    def path(self, zone: str) -> Path:
        """Folder of ``zone``: ``raw`` (its files), ``stage`` or ``curated`` (their Iceberg
        tables' folders in the warehouse)."""
        if zone not in ZONES:
            raise ValueError(f"zone must be one of {', '.join(ZONES)}; got {zone!r}")
        return self.root / zone if zone == "raw" else self.root / "iceberg" / "warehouse" / zone

    def files(self, table: str, *, snapshot_id: int | None = None) -> pd.DataFrame:
        """Files a full scan of a table (``"db.table"``) reads: ``path`` (relative to root) and
        ``size_bytes``; for a stage or curated table the files of its current snapshot (or of
        ``snapshot_id``)."""
        db, name = split_table_name(table)
        layout(db, name)
        pinned = {(db, name): snapshot_id} if snapshot_id is not None else None
        files = ZoneViews(self.root, self.iceberg, pinned=pinned).files(db, name)
        return pd.DataFrame({"path": [str(f.relative_to(self.root)) for f in files],
                             "size_bytes": [f.stat().st_size for f in files]})

    # -- build -------------------------------------------------------------------------------
    def build(self, rows: int = 20_000, seed: int = 0, *, firehose_buffer_mib: float = 5.0,
              firehose_interval_s: float = 300.0,
              max_rows_per_file: int = 250_000) -> BuildReport:
        """Generate ``rows`` orders (plus customers and clickstream), deliver them to raw and run
        ingest -> stage -> curate, then crawl every zone into the catalog.

        Customers: ``max(rows // 50, 20)``; clickstream events: ``max(rows // 4, 100)``. The same
        ``rows`` and ``seed`` give byte-identical raw files and the same rows in every table.
        """
        rows = check_int("rows", rows, minimum=100, maximum=MAX_ROWS)
        seed = check_int("seed", seed, minimum=0)
        timings = []
        with self._writing():
            t0 = time.perf_counter()
            self.ingest(rows, seed, firehose_buffer_mib=firehose_buffer_mib,
                        firehose_interval_s=firehose_interval_s,
                        max_rows_per_file=max_rows_per_file)
            timings.append(("ingest", time.perf_counter() - t0))
            for step in STEPS:
                t0 = time.perf_counter()
                self.run_step(step)
                timings.append((step, time.perf_counter() - t0))
            t0 = time.perf_counter()
            self.crawl()
            timings.append(("crawl", time.perf_counter() - t0))
        return BuildReport(rows, seed, pd.DataFrame(timings, columns=["step", "seconds"]),
                           self.reconcile(), self.firehose_objects, self.firehose_records)

    def ingest(self, rows: int, seed: int, *, firehose_buffer_mib: float = 5.0,
               firehose_interval_s: float = 300.0, max_rows_per_file: int = 250_000) -> None:
        """Generate the sample data and deliver it to the raw zone (DMS and Firehose layouts)."""
        rows = check_int("rows", rows, minimum=100, maximum=MAX_ROWS)
        with self._writing():
            self.firehose_objects, self.firehose_records = deliver_sample(
                self.root, rows, seed, firehose_buffer_mib=firehose_buffer_mib,
                firehose_interval_s=firehose_interval_s, max_rows_per_file=max_rows_per_file)

    def source_customers(self) -> pd.DataFrame:
        """Current rows of the customers table in the SQLite source (the ground truth)."""
        return source_customers(self.root)

    def run_step(self, step: str) -> dict[str, int]:
        """Run one ETL step (see :data:`labkit.lake.etl.STEPS`): it commits its output to its
        Iceberg table(s) as one snapshot each; return its counts."""
        import duckdb

        if step not in STEPS:
            raise ValueError(f"step must be one of {', '.join(STEPS)}; got {step!r}")
        with self._writing():
            con = duckdb.connect()
            try:
                counts = STEPS[step](con, self.root, self.iceberg)
            finally:
                con.close()
        return counts

    def crawl(self) -> pd.DataFrame:
        """Crawl every zone into the catalog (new schema -> new table version); save it.

        Raw tables are crawled from their folders, Iceberg tables from the files of their
        current snapshot."""
        import duckdb

        with self._writing():
            views = ZoneViews(self.root, self.iceberg)
            con = duckdb.connect()
            try:
                for (db, name), (location, fmt, types) in TABLE_LAYOUT.items():
                    files = views.files(db, name)
                    if not files:
                        continue
                    if location == "iceberg":
                        location = str(self.iceberg.data_location(f"{db}.{name}")
                                       .relative_to(self.root))
                    self.catalog.register(crawl_table(con, self.root, db, name, location, fmt,
                                                      partition_types=types, files=files))
            finally:
                con.close()
            self.catalog.save()
        return self.catalog.to_frame()

    def reconcile(self) -> pd.DataFrame:
        """Count every raw record: staged or quarantined (with a reason), and what reached curated.

        Columns: ``table``, ``raw_records``, ``quarantined``, ``staged``, ``curated_rows``,
        ``unaccounted`` (raw - quarantined - curated for orders and clickstream; raw -
        quarantined - staged change rows for customers, whose curated table is the folded state).
        """
        with self._reading():
            return reconcile(self._connection(), self.root)

    # -- Iceberg maintenance -----------------------------------------------------------------
    def snapshots(self, table: str) -> pd.DataFrame:
        """The snapshots of a stage or curated table, oldest first (see
        :meth:`~labkit.lake.iceberg.IcebergTables.snapshots`)."""
        return self.iceberg.snapshots(self._iceberg_name(table))

    def rollback(self, table: str, snapshot_id: int) -> None:
        """Make ``snapshot_id`` the current snapshot of ``table`` again (one commit)."""
        with self._writing():
            self.iceberg.rollback(self._iceberg_name(table), snapshot_id)

    def compact(self, table: str) -> int:
        """Rewrite ``table``'s current rows into one file per partition; return the snapshot."""
        with self._writing():
            return self.iceberg.compact(self._iceberg_name(table))

    def expire_snapshots(self, table: str, *, keep_last: int = 1) -> int:
        """Expire old snapshots of ``table`` and delete the files only they used; return how
        many snapshots were expired (time travel to them ends)."""
        with self._writing():
            return self.iceberg.expire(self._iceberg_name(table), keep_last=keep_last)

    def commit_to_iceberg(self, table: str) -> int:
        """Deprecated: the curated tables are Iceberg tables and every ETL step commits to them;
        returns the current snapshot id of ``table`` (use :meth:`snapshots`)."""
        import warnings

        warnings.warn("Lake.commit_to_iceberg is deprecated since labkit 0.2 and will be removed "
                      "in the next release: curated tables are Iceberg tables already; use "
                      "Lake.snapshots(table)", DeprecationWarning, stacklevel=2)
        return int(self.snapshots(table).query("current").snapshot_id.iloc[0])

    def _iceberg_name(self, table: str) -> str:
        db, name = split_table_name(table)
        if layout(db, name)[0] != "iceberg":
            raise ValueError(f"table must be a stage or curated table (an Iceberg table); got "
                             f"{table!r}")
        return f"{db}.{name}"

    # -- queries -----------------------------------------------------------------------------
    def _invalidate(self) -> None:
        if self._admin is not None:
            self._admin.close()
        self.access.close_sandboxes()
        self._admin = None
        self._views = None

    def _require_built(self) -> None:
        if not self.catalog.tables():
            raise RuntimeError("the lake has not been built: call lake.build() first")

    def _zone_views(self) -> ZoneViews:
        if self._views is None:
            self._views = ZoneViews(self.root, self.iceberg)
        return self._views

    def _connection(self):
        """The administrator's engine: every zone as a schema, curated also unqualified."""
        if self._admin is None:
            self._require_built()
            self._admin = self._zone_views().connect(threads=self.threads,
                                                     memory_limit=self.memory_limit)
        return self._admin

    def query(self, sql: str, *, principal: str | None = None,
              snapshot_id: int | None = None) -> QueryResult:
        """Run one query and return its answer, bytes and files scanned, cost and Athena SQL.

        Without ``principal`` it runs as the administrator: the curated tables by name, the
        zones as ``raw.*``, ``stage.*``, ``curated.*``; ``snapshot_id`` (administrator only)
        reads the table that has that snapshot as of it (time travel). With ``principal`` it
        passes the gate and runs in that principal's sandbox: only its grants are visible, and
        anything else raises :class:`PermissionError`; a query that fails for another reason
        raises :class:`ValueError`. Administrator queries raise DuckDB's own errors. Both stop
        at the statement timeout (:class:`~labkit.lake.athena.QueryLimitExceeded`).
        """
        if not isinstance(sql, str) or not sql.strip():
            raise ValueError("sql must be a non-empty SQL string")
        if principal is None:
            with self._reading():
                if snapshot_id is None:
                    result = run_measured(self._connection(), sql,
                                          timeout_s=self.query_timeout_s)
                else:
                    result = self._query_as_of(sql, snapshot_id)
            self.query_log.append(sql)
            return result
        if snapshot_id is not None:
            raise ValueError("snapshot_id is for administrator queries; a principal reads the "
                             "current snapshot of its grants")
        return self._query_as(principal, sql)

    def _query_as_of(self, sql: str, snapshot_id: int) -> QueryResult:
        self._require_built()
        if isinstance(snapshot_id, bool) or not isinstance(snapshot_id, int):
            raise TypeError(f"snapshot_id must be an int, got {type(snapshot_id).__name__}")
        db, name = self.iceberg.owner(snapshot_id).split(".")
        views = ZoneViews(self.root, self.iceberg, pinned={(db, name): snapshot_id})
        con = views.connect(threads=self.threads, memory_limit=self.memory_limit)
        try:
            return run_measured(con, sql, timeout_s=self.query_timeout_s)
        finally:
            con.close()

    def _query_as(self, principal: str, sql: str) -> QueryResult:
        import duckdb

        principal = check_principal(principal)
        with self._reading():
            self._require_built()
            granted = self.access.granted_columns(principal, self.catalog.columns)
            if not granted:
                raise PermissionError(f"query refused: principal {principal!r} has no grants")
            all_columns = {t: self.catalog.columns(t) for t in self.catalog.tables()}
            check_select(sql, granted, all_columns)
            self.keys.check_read(principal, "curated")    # SSE-KMS: can its reader decrypt?
            sandbox = self._sandbox(principal)
        try:
            result = sandbox.query(sql)
            self.query_log.append(sql)
            return result
        except (duckdb.PermissionException, duckdb.BinderException, duckdb.CatalogException,
                duckdb.ParserException) as exc:
            raise PermissionError(f"query refused: {str(exc).splitlines()[0]} (principal "
                                  f"{principal!r} sees only its granted tables and columns)"
                                  ) from exc
        except duckdb.Error as exc:         # e.g. a conversion or division error in the SQL
            raise ValueError(f"query failed: {str(exc).splitlines()[0]}") from exc

    def federated_query(self, sql: str, *, lake_sql: str, table: str = "customers",
                        columns: list[str], where: str | None = None):
        """Join ``lake_sql``'s rows (``lake_rows``) with ``sales.<table>`` of the operational
        SQLite source, read through a connector that pushes ``columns`` and ``where`` down to
        SQLite, by ``sql``; return a :class:`~labkit.lake.federation.FederatedResult` counting
        what each side read."""
        from labkit.lake.federation import SqliteConnector, federated_query

        self._require_built()
        connector = SqliteConnector(self.root / "sources" / "sales.sqlite", catalog="sales")
        return federated_query(self, sql, connector, lake_sql=lake_sql, table=table,
                               columns=columns, where=where)

    def explain(self, sql: str) -> str:
        """DuckDB's physical plan for ``sql`` (administrator): shows file filters and
        ``Scanning Files: k/n`` without reading data."""
        with self._reading():
            rows = self._connection().execute("EXPLAIN " + sql).fetchall()
        return "\n".join(r[1] for r in rows)

    # -- governance --------------------------------------------------------------------------
    def grant(self, principal: str, table: str, *, columns: list[str] | None = None,
              row_filter: str | None = None) -> Grant:
        """Grant SELECT on a curated ``table`` to ``principal`` (Lake Formation style).

        ``columns`` limits the visible columns; ``row_filter`` (a condition over the table's
        columns, e.g. ``"region = 'eu'"``) limits the rows. A new grant on the same table
        replaces the previous one.
        """
        principal = check_principal(principal)
        self._require_built()
        db, name = split_table_name(table)
        if db != "curated" or name not in self.catalog.tables():
            raise ValueError(f"table must be a curated table ({', '.join(self.catalog.tables())})"
                             f"; got {table!r}")
        return self.access.add(principal, name, self.catalog.columns(name), columns=columns,
                               row_filter=row_filter)

    def _curated_table(self, table: str) -> str:
        db, name = split_table_name(table)
        if db != "curated" or name not in self.catalog.tables():
            raise ValueError(f"table must be a curated table ({', '.join(self.catalog.tables())})"
                             f"; got {table!r}")
        return name

    def share(self, table: str, account: str, *, columns: list[str] | None = None,
              row_filter: str | None = None) -> Share:
        """Share a curated ``table`` with another AWS ``account`` (Lake Formation grant to an
        external account, with the grant option, through an AWS RAM resource share)."""
        self._require_built()
        name = self._curated_table(table)
        all_cols = self.catalog.columns(name)
        cols, rf = check_grant(name, all_cols, columns, row_filter)
        return self.shares.share(name, account, cols, rf)

    def accept_share(self, account: str, table: str) -> Share:
        """The consumer ``account`` accepts the RAM invitation for ``table``."""
        return self.shares.accept(account, self._curated_table(table))

    def grant_in_account(self, account: str, role: str, table: str, *,
                         columns: list[str] | None = None,
                         row_filter: str | None = None) -> Grant:
        """The consumer account's data lake administrator grants a shared ``table`` to its
        ``role``: the role sees the columns both grants allow and the rows both filters keep
        (queried as ``principal=consumer_principal(account, role)``)."""
        self._require_built()
        name = self._curated_table(table)
        all_cols = self.catalog.columns(name)
        cols, rf = self.shares.narrow(account, name, all_cols, columns, row_filter)
        return self.access.add(consumer_principal(account, role), name, all_cols,
                               columns=None if cols is None else list(cols), row_filter=rf)

    def revoke(self, principal: str, table: str | None = None) -> None:
        """Remove ``principal``'s grant on ``table`` (or all its grants)."""
        self.access.revoke(principal, None if table is None else split_table_name(table)[1])

    def grants(self) -> pd.DataFrame:
        """All grants: principal, table, columns (``*`` for all), row_filter, kind."""
        return self.access.frame()

    def sandbox(self, principal: str) -> Sandbox:
        """The principal's sandbox (:class:`~labkit.lake.governance.Sandbox`): its
        ``connection`` is the engine its queries run in, holding only its grants."""
        principal = check_principal(principal)
        with self._reading():
            self._require_built()
            if not self.access.has_grants(principal):
                raise PermissionError(f"principal {principal!r} has no grants")
            return self._sandbox(principal)

    def _sandbox(self, principal: str) -> Sandbox:
        views = self._zone_views()
        return self.access.sandbox(
            principal, self.catalog.columns,
            lambda name, columns, where: views.select("curated", name, columns, where))

    @property
    def _sandboxes(self):
        return self.access._sandboxes

    # -- quality and AWS ---------------------------------------------------------------------
    def profile(self, table: str) -> pd.DataFrame:
        """Data quality profile of a table (``"orders"`` or ``"stage.orders"``)."""
        from labkit.lake.quality import profile_table

        db, name = split_table_name(table)
        layout(db, name)
        with self._reading():
            return profile_table(self._connection(), f"{db}.{name}")

    def check_rules(self, table: str, rules: dict[str, str]) -> pd.DataFrame:
        """Rows of a table that break each rule (``name -> SQL condition``)."""
        from labkit.lake.quality import check_rules

        db, name = split_table_name(table)
        layout(db, name)
        with self._reading():
            return check_rules(self._connection(), f"{db}.{name}", rules)

    def athena_ddl(self, table: str, *, bucket: str = "s3://example-lake") -> str:
        """``CREATE EXTERNAL TABLE`` (with partition projection) for a curated table."""
        return athena_ddl(self.catalog.table(table), bucket=bucket)

