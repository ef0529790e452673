"""The lake: raw, stage and curated zones under one root, and the :class:`Lake` that runs them.

Layout under ``root``::

    sources/sales.sqlite                       the OLTP database DMS reads (customers)
    raw/dms/sales/orders/LOAD0000000N.csv      DMS full load of the orders table
    raw/dms/sales/customers/LOAD00000001.csv   DMS full load + CDC files (I/U/D rows)
        .../customers/20241202-0312451230.csv
    raw/firehose/clickstream/YYYY/MM/dd/HH/clickstream-1-...json   Firehose objects
    stage/<table>/part-0.parquet               typed, validated
    stage/quarantine/<table>/part-0.parquet    rejected records with their reason
    curated/orders/year=/month=/region=/part-0.parquet    Hive-partitioned, sorted, compacted
    curated/clickstream/dt=/part-0.parquet
    curated/customers/region=/part-0.parquet   current state folded from CDC
    catalog/catalog.json                       the catalog (Glue stand-in)
    iceberg/catalog.db, iceberg/warehouse/     Apache Iceberg tables (Lake.iceberg)
    .lake.lock, .lake.version                  readers-writer lock and write counter

Writers (ingest, ETL steps, crawl) hold the lake's lock exclusively and queries hold it shared,
across processes, so a query never lists a table between two renames; opening a lake repairs
what a killed writer left (unless a writer is running).

``Lake(root).build(rows, seed)`` generates the sample data, delivers it to raw through the
ingest models, runs the ETL steps and crawls every zone into the catalog. ``query`` runs SQL
as the administrator or, with ``principal=``, in that principal's sandbox behind the gate.
"""

from __future__ import annotations

import os
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from labkit.core.rng import spawn_rngs
from labkit.core.validation import check_int, check_nonnegative, check_positive
from labkit.lake.athena import QueryResult, athena_ddl, run_measured
from labkit.lake.catalog import Catalog, crawl_table, reader_sql, split_table_name
from labkit.lake.etl import (
    PARTITION_TYPES,
    STEPS,
    quote_identifier,
    sql_list,
    sql_literal,
)
from labkit.lake.generate import (
    CLICK_DEFECTS,
    ORDER_DEFECTS,
    REGIONS,
    SEGMENTS,
    generate_clicks,
    generate_customers,
    generate_orders,
    pick_defects,
)
from labkit.lake.governance import (
    Grant,
    Sandbox,
    check_principal,
    check_row_filter,
    check_select,
)
from labkit.lake.ingest import SqliteSource, deliver_firehose, run_dms_cdc
from labkit.lake.storage import LakeLock, list_files, publish_dir, recover_dir, staging_dir

__all__ = ["Lake", "BuildReport", "ZONES", "TABLE_LAYOUT"]

ZONES = ("raw", "stage", "curated")

#: (database, table) -> (location under root, format, partition key types or None)
TABLE_LAYOUT = {
    ("raw", "orders"): ("raw/dms/sales/orders", "csv", None),
    ("raw", "customers"): ("raw/dms/sales/customers", "csv", None),
    ("raw", "clickstream"): ("raw/firehose/clickstream", "json", None),
    ("stage", "orders"): ("stage/orders", "parquet", None),
    ("stage", "customers_changes"): ("stage/customers_changes", "parquet", None),
    ("stage", "clickstream"): ("stage/clickstream", "parquet", None),
    ("stage", "quarantine"): ("stage/quarantine", "parquet", None),
    ("curated", "orders"): ("curated/orders", "parquet", PARTITION_TYPES["orders"]),
    ("curated", "customers"): ("curated/customers", "parquet", PARTITION_TYPES["customers"]),
    ("curated", "clickstream"): ("curated/clickstream", "parquet", PARTITION_TYPES["clickstream"]),
}

_RAW_JSON_COLUMNS = ("event_id", "event_ts", "session_id", "customer_id", "page", "event_type",
                     "device", "region")
LOAD_TS = "2024-12-01 00:00:00.000"

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
        self._version = self._lock.version()
        self._grants: dict[tuple[str, str], Grant] = {}
        self._admin = None
        self._sandboxes: OrderedDict[str, Sandbox] = OrderedDict()
        self.firehose_objects = pd.DataFrame()
        self.firehose_records = pd.DataFrame(columns=["arrival_s", "size_bytes"])
        #: Every SQL text :meth:`query` answered, in order (e.g. to check them all for Athena).
        self.query_log: list[str] = []

    def recover(self) -> None:
        """Finish what a killed writer left: restore tables left between two renames and drop
        stale staging folders (call with the lake's lock held)."""
        from labkit.lake.ingest import recover_source

        for location, _, _ in TABLE_LAYOUT.values():
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
        """Hold the lake shared while reading; rebuild views if another writer committed."""
        self._lock.acquire(shared=True)
        try:
            version = self._lock.version()
            if version != self._version:
                self._invalidate()
                self.catalog = Catalog(self.root / "catalog" / "catalog.json")
                self._version = version
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
    def path(self, zone: str) -> Path:
        """Folder of ``zone`` (``raw``, ``stage`` or ``curated``)."""
        if zone not in ZONES:
            raise ValueError(f"zone must be one of {', '.join(ZONES)}; got {zone!r}")
        return self.root / zone

    def files(self, table: str) -> pd.DataFrame:
        """Files of a table (``"db.table"``): ``path`` (relative to root) and ``size_bytes``."""
        db, name = split_table_name(table)
        location, fmt, _ = self._layout(db, name)
        suffix = {"csv": ".csv", "json": ".json", "parquet": ".parquet"}[fmt]
        files = list_files(self.root / location, suffix)
        return pd.DataFrame({"path": [str(f.relative_to(self.root)) for f in files],
                             "size_bytes": [f.stat().st_size for f in files]})

    @staticmethod
    def _layout(db: str, name: str):
        if (db, name) not in TABLE_LAYOUT:
            known = ", ".join(f"{d}.{t}" for d, t in TABLE_LAYOUT)
            raise KeyError(f"unknown table {db}.{name}; known tables: {known}")
        return TABLE_LAYOUT[(db, name)]

    # -- build -------------------------------------------------------------------------------
    def build(self, rows: int = 20_000, seed: int = 0, *, firehose_buffer_mib: float = 5.0,
              firehose_interval_s: float = 300.0,
              max_rows_per_file: int = 250_000) -> BuildReport:
        """Generate ``rows`` orders (plus customers and clickstream), deliver them to raw and run
        ingest -> stage -> curate, then crawl every zone into the catalog.

        Customers: ``max(rows // 50, 20)``; clickstream events: ``max(rows // 4, 100)``. The same
        ``rows`` and ``seed`` give byte-identical files.
        """
        rows = check_int("rows", rows, minimum=100, maximum=MAX_ROWS)
        seed = check_int("seed", seed, minimum=0)
        with self._writing():
            return self._build(rows, seed, firehose_buffer_mib, firehose_interval_s,
                               max_rows_per_file)

    def _build(self, rows, seed, firehose_buffer_mib, firehose_interval_s, max_rows_per_file):
        timings = []
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
            self._ingest(rows, seed, firehose_buffer_mib, firehose_interval_s, max_rows_per_file)

    def _ingest(self, rows, seed, firehose_buffer_mib, firehose_interval_s, max_rows_per_file):
        import duckdb

        check_positive("firehose_buffer_mib", firehose_buffer_mib)
        check_nonnegative("firehose_interval_s", firehose_interval_s)
        per_file = check_int("max_rows_per_file", max_rows_per_file, minimum=1)
        rc, ro, re_, rd, rf, rx, rq = spawn_rngs(check_int("seed", seed, minimum=0), 7)
        customers = generate_customers(max(rows // 50, 20), rc)
        orders = generate_orders(rows, customers, ro)
        clicks = generate_clicks(max(rows // 4, 100), customers, re_)
        order_defects = pick_defects(len(orders), ORDER_DEFECTS, rx)
        click_defects = pick_defects(len(clicks), CLICK_DEFECTS, rq)
        orders["defect"] = _defect_column(len(orders), order_defects, ORDER_DEFECTS)
        clicks["defect"] = _defect_column(len(clicks), click_defects, CLICK_DEFECTS)
        clicks["seq"] = np.arange(len(clicks))

        con = duckdb.connect()
        try:
            con.register("orders_src", orders)
            con.register("clicks_src", clicks)
            self._write_orders(con, len(orders), per_file)
            lines = [r[0] for r in con.execute(_CLICK_LINES_SQL).fetchall()]
        finally:
            con.close()
        self.firehose_records = pd.DataFrame({
            "arrival_s": clicks["arrival_s"].to_numpy(),
            "size_bytes": [len(line.encode("utf-8")) + 1 for line in lines]})
        self.firehose_objects = deliver_firehose(
            lines, clicks["arrival_s"].to_numpy(), self.root / "raw" / "firehose" / "clickstream",
            stream="clickstream", buffer_size_mib=firehose_buffer_mib,
            buffer_interval_s=firehose_interval_s, rng=rf)
        self._run_cdc(customers, rd)

    def _write_orders(self, con, n: int, per_file: int) -> None:
        from labkit.lake.ingest import dms_load_name

        target = self.root / "raw" / "dms" / "sales" / "orders"
        tmp = staging_dir(target)
        for k, start in enumerate(range(0, n, per_file), start=1):
            out = sql_literal(str(tmp / dms_load_name(k)))
            con.execute(f"COPY ({_ORDER_TEXT_SQL} WHERE order_id > {start} "
                        f"AND order_id <= {start + per_file} ORDER BY order_id) "
                        f"TO {out} (FORMAT csv, HEADER true)")
        publish_dir(tmp, target)

    def _run_cdc(self, customers: pd.DataFrame, rng: np.random.Generator) -> None:
        from labkit.lake.ingest import building_path, replace_source

        final = self.root / "sources" / "sales.sqlite"
        source = SqliteSource(building_path(final), "customers", {
            "customer_id": "INTEGER PRIMARY KEY", "name": "TEXT", "email": "TEXT",
            "phone": "TEXT", "region": "TEXT", "segment": "TEXT", "signup_date": "TEXT"})
        try:
            source.set_clock(LOAD_TS)
            source.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?)",
                               customers.itertuples(index=False, name=None))
            n = max(10, len(customers) // 10)
            offsets = np.sort(rng.choice(30 * 86_400_000, size=n, replace=False))
            base = pd.Timestamp(LOAD_TS)
            live = customers["customer_id"].tolist()
            next_id = int(customers["customer_id"].max()) + 1
            changes = []
            for k in range(n):
                ts = (base + pd.Timedelta(milliseconds=int(offsets[k]) + 1)).strftime(
                    "%Y-%m-%d %H:%M:%S.%f")[:-3]
                u = rng.random()
                if u < 0.6 and live:
                    cid = live[int(rng.integers(len(live)))]
                    field = int(rng.integers(3))
                    if field == 0:
                        changes.append((ts, "UPDATE customers SET email = ? WHERE customer_id = ?",
                                        (f"customer{cid}.{k}@example.net", cid)))
                    elif field == 1:
                        seg = SEGMENTS[int(rng.integers(len(SEGMENTS)))]
                        changes.append((ts, "UPDATE customers SET segment = ? WHERE "
                                            "customer_id = ?", (seg, cid)))
                    else:
                        reg = REGIONS[int(rng.integers(len(REGIONS)))]
                        changes.append((ts, "UPDATE customers SET region = ? WHERE "
                                            "customer_id = ?", (reg, cid)))
                elif u < 0.85 or not live:
                    cid, next_id = next_id, next_id + 1
                    live.append(cid)
                    changes.append((ts, "INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?)",
                                    (cid, f"Customer {cid}", f"customer{cid}@example.com",
                                     f"+1-555-{int(rng.integers(10**7)):07d}",
                                     REGIONS[int(rng.integers(len(REGIONS)))], "consumer",
                                     ts[:10])))
                else:
                    cid = live.pop(int(rng.integers(len(live))))
                    changes.append((ts, "DELETE FROM customers WHERE customer_id = ?", (cid,)))
            run_dms_cdc(source, self.root / "raw" / "dms" / "sales" / "customers",
                        load_ts=LOAD_TS, changes=changes, bad_rows=2, rng=rng)
        finally:
            source.close()
        replace_source(final)

    def source_customers(self) -> pd.DataFrame:
        """Current rows of the customers table in the SQLite source (the ground truth)."""
        import sqlite3

        path = self.root / "sources" / "sales.sqlite"
        if not path.exists():
            raise RuntimeError("the lake has not been built: call lake.build() first")
        with sqlite3.connect(path) as con:
            return pd.read_sql_query("SELECT * FROM customers ORDER BY customer_id", con)

    def run_step(self, step: str) -> dict[str, int]:
        """Run one ETL step (see :data:`labkit.lake.etl.STEPS`) and return its counts."""
        import duckdb

        if step not in STEPS:
            raise ValueError(f"step must be one of {', '.join(STEPS)}; got {step!r}")
        with self._writing():
            con = duckdb.connect()
            try:
                counts = STEPS[step](con, self.root)
            finally:
                con.close()
        return counts

    def crawl(self) -> pd.DataFrame:
        """Crawl every zone into the catalog (new schema -> new table version); save it."""
        import duckdb

        with self._writing():
            con = duckdb.connect()
            try:
                for (db, name), (location, fmt, types) in TABLE_LAYOUT.items():
                    if list_files(self.root / location):
                        self.catalog.register(crawl_table(con, self.root, db, name, location,
                                                          fmt, partition_types=types))
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
            return self._reconcile()

    def _reconcile(self) -> pd.DataFrame:
        con = self._connection()
        out = []
        for table, stage_table in (("orders", "orders"), ("clickstream", "clickstream"),
                                   ("customers", "customers_changes")):
            if table == "clickstream":
                raw = sum(f.read_bytes().count(b"\n") for f in
                          list_files(self.root / "raw/firehose/clickstream", ".json"))
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

    # -- queries -----------------------------------------------------------------------------
    def _invalidate(self) -> None:
        if self._admin is not None:
            self._admin.close()
        for sandbox in self._sandboxes.values():
            sandbox.close()
        self._admin = None
        self._sandboxes = OrderedDict()

    def _require_built(self) -> None:
        if not self.catalog.tables():
            raise RuntimeError("the lake has not been built: call lake.build() first")

    def _view_sql(self, db: str, name: str, columns: str = "*", where: str | None = None,
                  absolute: bool = True) -> str:
        location, fmt, types = TABLE_LAYOUT[(db, name)]
        suffix = {"csv": ".csv", "json": ".json", "parquet": ".parquet"}[fmt]
        files = [str(f) for f in list_files(self.root / location, suffix)]
        if fmt == "json":
            cols = "{" + ", ".join(f"{sql_literal(c)}: 'VARCHAR'" for c in _RAW_JSON_COLUMNS) + "}"
            source = (f"read_json({sql_list(files)}, format = 'newline_delimited', "
                      f"ignore_errors = true, columns = {cols})")
        else:
            source = reader_sql(fmt, files, types)
        sql = f"SELECT {columns} FROM {source}"
        return sql + (f" WHERE {where}" if where else "")

    def _connection(self):
        """The administrator's connection: every zone as a schema, curated also unqualified."""
        if self._admin is None:
            import duckdb

            self._require_built()
            con = duckdb.connect(config={"threads": self.threads,
                                         "memory_limit": self.memory_limit})
            for db in ZONES:
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {db}")
            for (db, name), (location, _, _) in TABLE_LAYOUT.items():
                if list_files(self.root / location):
                    con.execute(f"CREATE VIEW {db}.{name} AS {self._view_sql(db, name)}")
                    if db == "curated":
                        con.execute(f"CREATE VIEW main.{name} AS SELECT * FROM curated.{name}")
            con.execute("PRAGMA enable_profiling = 'no_output'")
            self._admin = con
        return self._admin

    def query(self, sql: str, *, principal: str | None = None) -> QueryResult:
        """Run one query and return its answer, bytes and files scanned, cost and Athena SQL.

        Without ``principal`` it runs as the administrator: the curated tables by name, the
        zones as ``raw.*``, ``stage.*``, ``curated.*``. With ``principal`` it passes the gate
        and runs in that principal's sandbox: only its grants are visible, and anything else
        raises :class:`PermissionError`; a query that fails for another reason raises
        :class:`ValueError`. Administrator queries raise DuckDB's own errors. Both stop at the
        statement timeout (:class:`~labkit.lake.athena.QueryLimitExceeded`).
        """
        if not isinstance(sql, str) or not sql.strip():
            raise ValueError("sql must be a non-empty SQL string")
        if principal is None:
            with self._reading():
                result = run_measured(self._connection(), sql, timeout_s=self.query_timeout_s)
            self.query_log.append(sql)
            return result
        import duckdb

        principal = check_principal(principal)
        with self._reading():
            self._require_built()
            granted = {t: self._granted_columns(g) for (p, t), g in self._grants.items()
                       if p == principal}
            if not granted:
                raise PermissionError(f"query refused: principal {principal!r} has no grants")
            all_columns = {t: self.catalog.columns(t) for t in self.catalog.tables()}
            check_select(sql, granted, all_columns)
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

    def explain(self, sql: str) -> str:
        """DuckDB's physical plan for ``sql`` (administrator): shows file filters and
        ``Scanning Files: k/n`` without reading data."""
        with self._reading():
            rows = self._connection().execute("EXPLAIN " + sql).fetchall()
        return "\n".join(r[1] for r in rows)

    # -- governance --------------------------------------------------------------------------
    def _granted_columns(self, g: Grant) -> tuple[str, ...]:
        return g.columns if g.columns is not None else tuple(self.catalog.columns(g.table))

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
        all_cols = self.catalog.columns(name)
        cols = None
        if columns is not None:
            if isinstance(columns, str) or not columns:
                raise ValueError("columns must be a non-empty list of column names or None")
            lower = {c.lower(): c for c in all_cols}
            unknown = [c for c in columns if str(c).lower() not in lower]
            if unknown:
                raise ValueError(f"columns {unknown} are not in {name}; columns: "
                                 f"{', '.join(all_cols)}")
            wanted = {str(c).lower() for c in columns}
            cols = tuple(c for c in all_cols if c.lower() in wanted)
        rf = check_row_filter(row_filter, all_cols) if row_filter is not None else None
        g = Grant(principal, name, cols, rf)
        self._grants[(principal, name)] = g
        self._drop_sandbox(principal)
        return g

    def revoke(self, principal: str, table: str | None = None) -> None:
        """Remove ``principal``'s grant on ``table`` (or all its grants)."""
        principal = check_principal(principal)
        for key in [k for k in self._grants if k[0] == principal
                    and (table is None or k[1] == split_table_name(table)[1])]:
            del self._grants[key]
        self._drop_sandbox(principal)

    def grants(self) -> pd.DataFrame:
        """All grants: principal, table, columns (``*`` for all), row_filter, kind."""
        rows = [(g.principal, g.table, "*" if g.columns is None else ", ".join(g.columns),
                 g.row_filter or "", g.kind) for _, g in sorted(self._grants.items())]
        return pd.DataFrame(rows, columns=["principal", "table", "columns", "row_filter", "kind"])

    def _drop_sandbox(self, principal: str) -> None:
        sandbox = self._sandboxes.pop(principal, None)
        if sandbox is not None:
            sandbox.close()

    def sandbox(self, principal: str) -> Sandbox:
        """The principal's sandbox (:class:`~labkit.lake.governance.Sandbox`): its
        ``connection`` is the engine its queries run in, holding only its grants."""
        principal = check_principal(principal)
        with self._reading():
            self._require_built()
            if not any(p == principal for p, _ in self._grants):
                raise PermissionError(f"principal {principal!r} has no grants")
            return self._sandbox(principal)

    def _sandbox(self, principal: str) -> Sandbox:
        """The principal's sandbox (built on first use; at most ``max_sandboxes`` stay open)."""
        if principal in self._sandboxes:
            self._sandboxes.move_to_end(principal)
            return self._sandboxes[principal]
        tables = {}
        for (p, name), g in sorted(self._grants.items()):
            if p != principal:
                continue
            columns = list(self._granted_columns(g))
            select = self._view_sql("curated", name, ", ".join(map(quote_identifier, columns)),
                                    g.row_filter)
            keys = {k: t for k, t in (PARTITION_TYPES.get(name) or {}).items() if k in columns}
            tables[name] = (select, columns, keys)
        sandbox = Sandbox(principal, tables, threads=1, memory_limit="256MB",
                          timeout_s=self.query_timeout_s)
        self._sandboxes[principal] = sandbox
        while len(self._sandboxes) > self.max_sandboxes:
            _, oldest = self._sandboxes.popitem(last=False)
            oldest.close()
        return sandbox

    # -- Iceberg -----------------------------------------------------------------------------
    @property
    def iceberg(self):
        """The lake's Apache Iceberg tables (:class:`~labkit.lake.iceberg.IcebergTables`)."""
        if getattr(self, "_iceberg", None) is None:
            from labkit.lake.iceberg import IcebergTables

            self._iceberg = IcebergTables(self.root)
        return self._iceberg

    def commit_to_iceberg(self, table: str) -> int:
        """Commit the current rows of a curated ``table`` to its Iceberg table as one snapshot
        (identity partitions on the same keys); return the snapshot id."""
        db, name = split_table_name(table)
        if db != "curated" or name not in self.catalog.tables():
            raise ValueError(f"table must be a curated table ({', '.join(self.catalog.tables())})"
                             f"; got {table!r}")
        keys = list(PARTITION_TYPES.get(name) or {})
        with self._reading():
            order = ", ".join(keys) if keys else "1"
            data = self._connection().sql(
                f"SELECT * FROM curated.{name} ORDER BY {order}").to_arrow_table()
        return self.iceberg.commit(name, data, partition_by=keys)

    # -- quality and AWS ---------------------------------------------------------------------
    def profile(self, table: str) -> pd.DataFrame:
        """Data quality profile of a table (``"orders"`` or ``"stage.orders"``)."""
        from labkit.lake.quality import profile_table

        db, name = split_table_name(table)
        self._layout(db, name)
        with self._reading():
            return profile_table(self._connection(), f"{db}.{name}")

    def check_rules(self, table: str, rules: dict[str, str]) -> pd.DataFrame:
        """Rows of a table that break each rule (``name -> SQL condition``)."""
        from labkit.lake.quality import check_rules

        db, name = split_table_name(table)
        self._layout(db, name)
        with self._reading():
            return check_rules(self._connection(), f"{db}.{name}", rules)

    def athena_ddl(self, table: str, *, bucket: str = "s3://example-lake") -> str:
        """``CREATE EXTERNAL TABLE`` (with partition projection) for a curated table."""
        return athena_ddl(self.catalog.table(table), bucket=bucket)


def _defect_column(n: int, defects: dict[int, str], kinds: tuple[str, ...]) -> pd.Categorical:
    """A categorical column: the defect kind of each record, missing for clean records."""
    codes = np.full(n, -1, dtype=np.int8)
    for i, kind in defects.items():
        codes[i] = kinds.index(kind)
    return pd.Categorical.from_codes(codes, categories=list(kinds))


_ORDER_TEXT_SQL = """
    SELECT order_id::VARCHAR AS order_id,
           CASE WHEN defect = 'missing_customer_id' THEN NULL
                ELSE customer_id::VARCHAR END AS customer_id,
           CASE WHEN defect = 'bad_timestamp' THEN strftime(order_ts, '%Y-%m-%d 25:%M:%S')
                ELSE strftime(order_ts, '%Y-%m-%d %H:%M:%S') END AS order_ts,
           CASE WHEN defect = 'unknown_region' THEN 'mars' ELSE region END AS region,
           product_category,
           CASE WHEN defect = 'bad_quantity' THEN (-quantity)::VARCHAR
                ELSE quantity::VARCHAR END AS quantity,
           unit_price_usd::VARCHAR AS unit_price_usd,
           CASE WHEN defect = 'bad_amount' THEN 'N/A' ELSE amount_usd::VARCHAR END AS amount_usd,
           status
    FROM orders_src"""

_CLICK_LINES_SQL = """
    WITH j AS (
        SELECT seq, defect, json_object(
            'event_id', event_id,
            'event_ts', CASE WHEN defect = 'missing_event_ts' THEN NULL
                             ELSE strftime(event_ts, '%Y-%m-%dT%H:%M:%S.%gZ') END,
            'session_id', session_id, 'customer_id', customer_id, 'page', page,
            'event_type', CASE WHEN defect = 'unknown_event_type' THEN 'clck'
                               ELSE event_type END,
            'device', device, 'region', region)::VARCHAR AS line
        FROM clicks_src)
    SELECT CASE WHEN defect = 'invalid_json' THEN left(line, length(line) // 2) ELSE line END
    FROM j ORDER BY seq"""

