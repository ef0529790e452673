"""Serverless batch processing: an S3 event triggers a function that turns raw files into Parquet.

A local directory stands in for an S3 bucket. Writing an object under a key sends an **S3 event
notification** (the ``Records`` message Lambda receives, ``eventName`` ``ObjectCreated:Put``)
to every handler whose notification filter (key **prefix** and **suffix**) matches — the filter
is what keeps a function that writes into the same bucket from triggering itself.

The transform handler reads a raw CSV of orders with pyarrow, drops invalid rows (counted),
adds a ``dt`` day column and writes one Parquet file per raw file under
``processed/dt=<day>/`` — atomically (temporary name, then rename), and under a name derived from
the raw key, so re-delivering the same event rewrites the same file (S3 notifications are
delivered at least once). Writes go through the data lake's
:func:`labkit.lake.storage.atomic_write_bytes`. DuckDB then queries the processed zone like
Athena would.

Classes
    Bucket
Functions
    s3_event, make_raw_orders, transform_orders_handler, query_processed, run_batch
    (configuration BatchConfig)
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from labkit.core.rng import spawn_rngs
from labkit.core.runner import Config, Result, deprecated_alias
from labkit.core.validation import check_int

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["BatchConfig", "BatchRun", "Bucket", "make_raw_orders", "query_processed",
           "run_batch", "run_batch_demo", "s3_event", "transform_orders_handler"]

RAW_COLUMNS = ("order_id", "customer_id", "amount_usd", "country", "ordered_at")
_COUNTRIES = ("US", "DE", "FR", "JP", "BR", "IN")


def s3_event(bucket: str, key: str, size: int, event_time: str) -> dict[str, Any]:
    """The notification message S3 sends for one new object (the fields Lambda code reads).

    >>> e = s3_event("lab-bucket", "raw/a.csv", 10, "2024-01-01T00:00:00.000Z")
    >>> e["Records"][0]["s3"]["object"]["key"], e["Records"][0]["eventName"]
    ('raw/a.csv', 'ObjectCreated:Put')
    """
    return {"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": event_time, "eventName": "ObjectCreated:Put",
        "s3": {"s3SchemaVersion": "1.0",
               "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
               "object": {"key": key, "size": size}},
    }]}


@dataclass
class _Notification:
    handler: Callable[[dict[str, Any]], Any]
    prefix: str
    suffix: str


@dataclass
class Bucket:
    """A directory standing in for an S3 bucket, with event notifications.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     b = Bucket(Path(d))
    ...     seen = []
    ...     b.notify(lambda event: seen.append(event["Records"][0]["s3"]["object"]["key"]),
    ...              prefix="raw/", suffix=".csv")
    ...     _ = b.put_object("raw/x.csv", b"a,b\\n")
    ...     _ = b.put_object("other/y.csv", b"a,b\\n")
    ...     seen, b.list("raw/")
    (['raw/x.csv'], ['raw/x.csv'])
    """

    root: Path
    name: str = "lab-bucket"
    events_sent: int = 0
    _notifications: list[_Notification] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        if not self.root.is_dir():
            raise ValueError(f"root must be an existing directory, got {str(self.root)!r}")

    def path(self, key: str) -> Path:
        """Local path of an object key (keys may not climb out of the bucket)."""
        if not isinstance(key, str) or not key or key.startswith("/") or ".." in key.split("/"):
            raise ValueError(f"key must be a relative object key without '..', got {key!r}")
        return self.root / key

    def notify(self, handler: Callable[[dict[str, Any]], Any], *, prefix: str = "",
               suffix: str = "") -> None:
        """Send ``ObjectCreated`` events for keys matching ``prefix``/``suffix`` to ``handler``."""
        self._notifications.append(_Notification(handler, prefix, suffix))

    def put_object(self, key: str, body: bytes, *, event_time: str = "2024-01-01T00:00:00.000Z"
                   ) -> list[Any]:
        """Store ``body`` atomically under ``key``; return what the notified handlers returned."""
        if not isinstance(body, (bytes, bytearray)):
            raise TypeError(f"body must be bytes, got {type(body).__name__}")
        from labkit.lake.storage import atomic_write_bytes

        atomic_write_bytes(self.path(key), bytes(body))   # temporary name, then rename
        results = []
        for n in self._notifications:
            if key.startswith(n.prefix) and key.endswith(n.suffix):
                self.events_sent += 1
                results.append(n.handler(s3_event(self.name, key, len(body), event_time)))
        return results

    def get_object(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def list(self, prefix: str = "") -> list[str]:
        """Keys under ``prefix``, sorted (temporary files are never listed)."""
        keys = [p.relative_to(self.root).as_posix() for p in self.root.rglob("*")
                if p.is_file() and not p.name.startswith(".")]
        return sorted(k for k in keys if k.startswith(prefix))


def make_raw_orders(n_rows: int, *, day: str = "2024-01-01", bad_share: float = 0.02,
                    seed: int = 0) -> bytes:
    """A raw CSV of orders for one day; about ``bad_share`` of rows are invalid (negative
    amount or missing customer).

    >>> make_raw_orders(2, seed=1).decode().splitlines()[0]
    'order_id,customer_id,amount_usd,country,ordered_at'
    """
    n = check_int("n_rows", n_rows, minimum=0)
    value_rng, bad_rng = spawn_rngs(seed, 2)
    amounts = np.round(value_rng.lognormal(3.5, 0.8, n), 2)
    customers = value_rng.integers(1, 5000, n)
    countries = value_rng.integers(0, len(_COUNTRIES), n)
    seconds = np.sort(value_rng.integers(0, 86_400, n))
    bad = bad_rng.random(n) < bad_share
    kind = bad_rng.integers(0, 2, n)
    out = io.StringIO()
    out.write(",".join(RAW_COLUMNS) + "\n")
    for i in range(n):
        amount = -amounts[i] if bad[i] and kind[i] == 0 else amounts[i]
        customer = "" if bad[i] and kind[i] == 1 else f"c{customers[i]:05d}"
        h, rem = divmod(int(seconds[i]), 3600)
        m, s = divmod(rem, 60)
        out.write(f"{day}-{seed:03d}-{i:06d},{customer},{amount:.2f},{_COUNTRIES[countries[i]]},"
                  f"{day}T{h:02d}:{m:02d}:{s:02d}Z\n")
    return out.getvalue().encode()


def transform_orders_handler(bucket: Bucket) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The Lambda handler: raw CSV (from the event's key) to cleaned Parquet in processed/."""

    def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        record = event["Records"][0]
        key = record["s3"]["object"]["key"]
        table = pacsv.read_csv(io.BytesIO(bucket.get_object(key)),
                               convert_options=pacsv.ConvertOptions(
                                   column_types={"customer_id": pa.string(),
                                                 "order_id": pa.string(),
                                                 "ordered_at": pa.string()},
                                   strings_can_be_null=True))
        valid = pc.and_(pc.greater(table["amount_usd"], 0), pc.is_valid(table["customer_id"]))
        clean = table.filter(valid)
        day = clean["ordered_at"][0].as_py()[:10] if clean.num_rows else "unknown"
        clean = clean.append_column("dt", pa.array([day] * clean.num_rows, pa.string()))
        stem = Path(key).stem
        out_key = f"processed/dt={day}/{stem}.parquet"
        sink = pa.BufferOutputStream()
        pq.write_table(clean.drop_columns(["dt"]), sink)
        bucket.put_object(out_key, sink.getvalue().to_pybytes(), event_time=record["eventTime"])
        return {"key": key, "rows_in": table.num_rows, "rows_out": clean.num_rows,
                "rows_rejected": table.num_rows - clean.num_rows, "output_key": out_key}

    return handler


def query_processed(bucket: Bucket, sql: str) -> pd.DataFrame:
    """Run ``sql`` in DuckDB over the processed zone, exposed as the view ``orders`` (with the
    ``dt`` partition column read from the paths, as Athena does).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     run = run_batch(BatchConfig(root=Path(d), n_files=2, rows_per_file=50))
    ...     int(query_processed(run.bucket, "SELECT count(*) AS n FROM orders").n[0]) > 90
    True
    """
    import duckdb

    if not bucket.list("processed/"):
        raise ValueError("the processed zone is empty: put raw files first")
    pattern = (bucket.root / "processed" / "**" / "*.parquet").as_posix()
    con = duckdb.connect()
    try:
        con.execute(f"CREATE VIEW orders AS SELECT * FROM read_parquet('{pattern}', "
                    "hive_partitioning = true, hive_types = {'dt': VARCHAR})")
        return con.execute(sql).df()
    finally:
        con.close()


@dataclass(frozen=True)
class BatchConfig(Config):
    """A bucket in the existing directory ``root``, the transform wired to ``raw/*.csv``, and
    ``n_files`` raw files of ``rows_per_file`` orders, cycling over ``days``."""

    root: Path = Path(".")
    n_files: int = 6
    rows_per_file: int = 500
    days: tuple[str, ...] = ("2024-01-01", "2024-01-02", "2024-01-03")
    seed: int = 0

    def validate(self) -> None:
        if not isinstance(self.root, (str, Path)) or not Path(self.root).is_dir():
            raise ValueError(f"root must be an existing directory, got {self.root!r}")
        check_int("n_files", self.n_files, minimum=1, maximum=1_000)
        check_int("rows_per_file", self.rows_per_file, minimum=1, maximum=1_000_000)
        if not isinstance(self.days, tuple) or not self.days:
            raise ValueError(f"days must be a non-empty tuple of YYYY-MM-DD days, got "
                             f"{self.days!r}")
        check_int("seed", self.seed, minimum=0)


@dataclass(frozen=True)
class BatchRun(Result):
    """What :func:`run_batch` did: the bucket and one row per handler invocation (``key``,
    ``rows_in``, ``rows_out``, ``rows_rejected``, ``output_key``)."""

    bucket: Bucket
    invocations: pd.DataFrame

    @property
    def records(self) -> pd.DataFrame:  # type: ignore[override]
        return self.invocations

    def summary(self) -> dict[str, Any]:
        """Files, events delivered, rows in, out and rejected."""
        inv = self.invocations
        return {"files": len(inv), "events_sent": self.bucket.events_sent,
                "rows_in": int(inv.rows_in.sum()), "rows_out": int(inv.rows_out.sum()),
                "rows_rejected": int(inv.rows_rejected.sum())}


def run_batch(config: BatchConfig) -> BatchRun:
    """Create the bucket, wire the transform to ``raw/*.csv`` and upload the raw files.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     s = run_batch(BatchConfig(root=Path(d), n_files=2, rows_per_file=50)).summary()
    >>> s["rows_in"] == s["rows_out"] + s["rows_rejected"] == 100, s["events_sent"]
    (True, 2)
    """
    import pandas as pd

    if not isinstance(config, BatchConfig):
        raise TypeError(f"config must be a BatchConfig, got {type(config).__name__}")
    bucket = Bucket(Path(config.root))
    bucket.notify(transform_orders_handler(bucket), prefix="raw/", suffix=".csv")
    results = []
    for k in range(config.n_files):
        day = config.days[k % len(config.days)]
        body = make_raw_orders(config.rows_per_file, day=day, seed=config.seed * 1000 + k)
        results.extend(bucket.put_object(f"raw/orders-{day}-{k:03d}.csv", body,
                                         event_time=f"{day}T23:59:00.000Z"))
    return BatchRun(bucket, pd.DataFrame(results))


def _run_batch_demo(root: Path, *, n_files: int = 6, rows_per_file: int = 500,
                    days: tuple[str, ...] = ("2024-01-01", "2024-01-02", "2024-01-03"),
                    seed: int = 0) -> BatchRun:
    """The former signature: ``run_batch(BatchConfig(...))``."""
    return run_batch(BatchConfig(root=Path(root), n_files=n_files, rows_per_file=rows_per_file,
                                 days=tuple(days), seed=seed))


run_batch_demo = deprecated_alias(_run_batch_demo, "run_batch_demo",
                                  replacement=run_batch)
