"""Ingest models: how records land in the raw zone, in the layouts AWS services write.

- **DMS full load**: CSV files named with a hex counter (:func:`dms_load_name`)
  ``LOAD00000001.csv``, ``LOAD00000002.csv`` ... under ``<schema>/<table>/``, split at a maximum
  size (here: a number of rows; the lake writes them with DuckDB's ``COPY``).
- **DMS change data capture from a real SQLite database** (:class:`SqliteSource`,
  :func:`run_dms_cdc`): triggers on the source table append every insert, update and delete to a
  change log with its commit timestamp (the simulated clock is injected, never read); the DMS
  task writes a full load of the table, then the changes after it as CSV rows that start with the
  op flag ``I``/``U``/``D`` and the commit timestamp, in files named by timestamp
  (``20241202-0312450000.csv``).
- **Firehose** (:func:`deliver_firehose`): records are buffered by size or time
  (:mod:`labkit.lake.firehose`) and each buffer becomes one object under
  ``YYYY/MM/dd/HH/`` (UTC) folders.

Writers put the whole folder in place atomically (:mod:`labkit.lake.storage`).
"""

from __future__ import annotations

import csv
import io
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from labkit.core.validation import check_int
from labkit.lake.firehose import firehose_object_key, plan_firehose_batches
from labkit.lake.storage import atomic_write_text, publish_dir, staging_dir

__all__ = ["SqliteSource", "run_dms_cdc", "deliver_firehose",
           "dms_load_name", "dms_cdc_name", "CDC_COLUMNS"]

#: Columns DMS puts in front of every row: op flag and commit timestamp.
CDC_COLUMNS = ("Op", "commit_ts")


def dms_load_name(k: int) -> str:
    """Name of the ``k``-th (1-based) DMS full-load file: a hex counter.

    >>> dms_load_name(1), dms_load_name(10)
    ('LOAD00000001.csv', 'LOAD0000000A.csv')
    """
    return f"LOAD{check_int('k', k, minimum=1):08X}.csv"


def dms_cdc_name(commit_ts: str) -> str:
    """Name of a DMS CDC file from the commit time of its first change.

    >>> dms_cdc_name("2024-12-02 03:12:45.123")
    '20241202-0312451230.csv'
    """
    ts = pd.Timestamp(commit_ts)
    return f"{ts:%Y%m%d-%H%M%S}{ts.microsecond // 100:04d}.csv"


def _csv_text(frame: pd.DataFrame) -> str:
    buf = io.StringIO()
    frame.to_csv(buf, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    return buf.getvalue()


class SqliteSource:
    """An OLTP table in a real SQLite database, with triggers that capture every change.

    The triggers copy each inserted, updated or deleted row into ``dms_change_log`` with the op
    flag and the time from the ``dms_clock`` table, which :meth:`set_clock` sets (the clock is
    injected, so runs are reproducible).

    >>> import tempfile, pathlib
    >>> db = SqliteSource(pathlib.Path(tempfile.mkdtemp()) / "s.sqlite", "customers",
    ...                   {"customer_id": "INTEGER PRIMARY KEY", "name": "TEXT"})
    >>> db.set_clock("2024-12-01 00:00:00.000")
    >>> db.execute("INSERT INTO customers VALUES (1, 'Ann')")
    >>> db.set_clock("2024-12-01 00:00:01.000")
    >>> db.execute("UPDATE customers SET name = 'Anne' WHERE customer_id = 1")
    >>> [tuple(r) for r in db.changes()]
    [('I', '2024-12-01 00:00:00.000', 1, 'Ann'), ('U', '2024-12-01 00:00:01.000', 1, 'Anne')]
    """

    def __init__(self, path: str | Path, table: str, columns: dict[str, str]) -> None:
        self.path = Path(path)
        self.table = table
        self.columns = list(columns)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            self.path.unlink()
        self.con = sqlite3.connect(self.path, isolation_level=None)
        # A simulated source: commits need not wait for the disk.
        self.con.execute("PRAGMA synchronous = OFF")
        self.con.execute("PRAGMA journal_mode = MEMORY")
        cols = ", ".join(f"{c} {t}" for c, t in columns.items())
        plain = ", ".join(self.columns)
        new = ", ".join("NEW." + c for c in self.columns)
        old = ", ".join("OLD." + c for c in self.columns)
        self.con.executescript(f"""
            CREATE TABLE {table} ({cols});
            CREATE TABLE dms_clock (now TEXT NOT NULL);
            INSERT INTO dms_clock VALUES ('1970-01-01 00:00:00.000');
            CREATE TABLE dms_change_log (seq INTEGER PRIMARY KEY AUTOINCREMENT,
                                         Op TEXT, commit_ts TEXT, {plain});
            CREATE TRIGGER {table}_ins AFTER INSERT ON {table} BEGIN
              INSERT INTO dms_change_log (Op, commit_ts, {plain})
              VALUES ('I', (SELECT now FROM dms_clock), {new});
            END;
            CREATE TRIGGER {table}_upd AFTER UPDATE ON {table} BEGIN
              INSERT INTO dms_change_log (Op, commit_ts, {plain})
              VALUES ('U', (SELECT now FROM dms_clock), {new});
            END;
            CREATE TRIGGER {table}_del AFTER DELETE ON {table} BEGIN
              INSERT INTO dms_change_log (Op, commit_ts, {plain})
              VALUES ('D', (SELECT now FROM dms_clock), {old});
            END;
        """)

    def set_clock(self, now: str) -> None:
        """Set the commit time the triggers stamp on the next changes."""
        self.con.execute("UPDATE dms_clock SET now = ?", (now,))

    def execute(self, sql: str, params=()) -> None:
        """Run one statement in its own transaction (autocommit)."""
        self.con.execute(sql, params)

    def executemany(self, sql: str, rows) -> None:
        """Run one statement for many rows in one transaction."""
        self.con.execute("BEGIN")
        self.con.executemany(sql, rows)
        self.con.execute("COMMIT")

    def changes(self, after_seq: int = 0) -> list[sqlite3.Row]:
        """Change-log rows after ``after_seq``: (Op, commit_ts, *columns)."""
        cur = self.con.execute(
            f"SELECT Op, commit_ts, {', '.join(self.columns)} FROM dms_change_log "
            "WHERE seq > ? ORDER BY seq", (after_seq,))
        return cur.fetchall()

    def last_seq(self) -> int:
        """Sequence number of the newest change-log row (0 if none)."""
        return int(self.con.execute("SELECT coalesce(max(seq), 0) FROM dms_change_log")
                   .fetchone()[0])

    def snapshot(self) -> pd.DataFrame:
        """The table's current rows, ordered by its first column."""
        cols = ", ".join(self.columns)
        cur = self.con.execute(f"SELECT {cols} FROM {self.table} ORDER BY {self.columns[0]}")
        return pd.DataFrame(cur.fetchall(), columns=self.columns)

    def close(self) -> None:
        self.con.close()


def building_path(path: str | Path) -> Path:
    """Where a new copy of the source database is built before it replaces ``path``."""
    path = Path(path)
    return path.parent / f".building-{path.name}"


def replace_source(path: str | Path) -> Path:
    """Swap the finished copy at :func:`building_path` in as ``path`` (one rename), so a run
    killed while the source is rebuilt leaves the previous database whole."""
    path = Path(path)
    os.replace(building_path(path), path)
    return path


def recover_source(path: str | Path) -> None:
    """Drop a half-built copy of the source database that a killed run left."""
    building_path(path).unlink(missing_ok=True)


@dataclass(frozen=True)
class CdcFeed:
    """What :func:`run_dms_cdc` wrote: file names, change rows and injected bad rows."""

    load_files: list[str]
    cdc_files: list[str]
    full_load_rows: int
    change_rows: int
    bad_rows: int


def run_dms_cdc(source: SqliteSource, folder: str | Path, *, load_ts: str,
                changes: list[tuple[str, str, tuple]], bad_rows: int = 2,
                rng: np.random.Generator | None = None) -> CdcFeed:
    """Full-load ``source`` at ``load_ts``, apply ``changes``, and write what DMS would deliver.

    ``changes`` is a list of ``(commit_ts, sql, params)`` applied in order, each in its own
    transaction at its commit time. The DMS output (``IncludeOpForFullLoad=true``,
    ``TimestampColumnName=commit_ts``, ``AddColumnName=true``) goes to ``folder``: the load file,
    then one CDC file per day of changes. ``bad_rows`` extra rows with an unknown op flag are
    mixed in, as a corrupt delivery would, for the stage step to quarantine.
    """
    folder = Path(folder)
    tmp = staging_dir(folder)
    header = list(CDC_COLUMNS) + source.columns
    snap = source.snapshot()
    snap.insert(0, "commit_ts", load_ts)
    snap.insert(0, "Op", "I")
    load_name = dms_load_name(1)
    (tmp / load_name).write_text(_csv_text(snap[header].astype(str)))
    watermark = source.last_seq()
    for commit_ts, sql, params in changes:
        source.set_clock(commit_ts)
        source.execute(sql, params)
    rows = pd.DataFrame([tuple(r) for r in source.changes(watermark)], columns=header)
    n_changes = len(rows)
    if bad_rows and len(rows):
        r = rng if rng is not None else np.random.default_rng(0)
        picks = np.sort(r.choice(len(rows), size=min(bad_rows, len(rows)), replace=False))
        bad = rows.iloc[picks].copy()
        bad["Op"] = "X"
        rows = pd.concat([rows, bad]).sort_values("commit_ts", kind="stable")
    cdc_files = []
    if len(rows):
        day = rows["commit_ts"].str.slice(0, 10)
        for _, part in rows.groupby(day, sort=True):
            name = dms_cdc_name(part["commit_ts"].iloc[0])
            (tmp / name).write_text(_csv_text(part.astype(str).replace({"None": ""})))
            cdc_files.append(name)
    publish_dir(tmp, folder)
    return CdcFeed([load_name], cdc_files, len(snap), n_changes, len(rows) - n_changes)


def deliver_firehose(lines: list[str], arrival_s: np.ndarray, folder: str | Path, *,
                     stream: str, buffer_size_mib: float = 5.0, buffer_interval_s: float = 300.0,
                     rng: np.random.Generator) -> pd.DataFrame:
    """Deliver newline-delimited JSON ``lines`` through a Firehose stream into ``folder``.

    Returns one row per S3 object: ``key``, ``records``, ``size_bytes``, ``first_arrival_s``,
    ``flush_s`` and ``flush_reason`` (``size`` or ``interval``). The object ids are drawn from
    ``rng`` so keys are reproducible.
    """
    folder = Path(folder)
    sizes = np.fromiter((len(s.encode("utf-8")) + 1 for s in lines), dtype=np.int64,
                        count=len(lines))
    plan = plan_firehose_batches(arrival_s, sizes, buffer_size_mib=buffer_size_mib,
                                 buffer_interval_s=buffer_interval_s)
    tmp = staging_dir(folder)
    bounds = np.searchsorted(plan.batch, np.arange(plan.n_objects + 1))
    rows = []
    for b in range(plan.n_objects):
        object_id = "-".join(rng.bytes(16).hex()[i:j] for i, j in
                             ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32)))
        key = firehose_object_key("", stream, plan.first_arrival_s[b], object_id,
                                  extension=".json")
        lo, hi = bounds[b], bounds[b + 1]
        target = tmp / key
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("".join(s + "\n" for s in lines[lo:hi]))
        rows.append((key, int(hi - lo), int(plan.size_bytes[b]), float(plan.first_arrival_s[b]),
                     float(plan.flush_s[b]), plan.reason[b]))
    publish_dir(tmp, folder)
    manifest = pd.DataFrame(rows, columns=["key", "records", "size_bytes", "first_arrival_s",
                                           "flush_s", "flush_reason"])
    atomic_write_text(folder.parent / f"{folder.name}.manifest.csv", _csv_text(manifest))
    return manifest
