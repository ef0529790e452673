"""An orchestrated ETL: validate → transform → verify → load as a States Language state machine.

The definition (:func:`etl_definition`) is Amazon States Language, run by
:func:`labkit.workflows.run_state_machine`; each Task's ``Resource`` names a Python callable that
stands in for a Lambda function:

- **Validate** the raw file (header, rows, share of invalid rows ≤ ``max_invalid_share``). A bad
  file is caught (``ValidationFailed``), moved to ``quarantine/`` and the execution fails.
- **Transform** it into a staged Parquet file, as an AWS Glue job would: Glue's
  ``ApplyMapping`` transform (a list of ``(source, source type, target, target type)``
  mappings, :data:`ORDERS_MAPPING`) renames and casts the columns, then ``Filter`` drops the
  invalid rows (:func:`glue_transform`). Transient errors are **retried** with exponential
  backoff.
- **Verify** the staged file against the validation counts (row count, no duplicate or null keys,
  positive amounts); a mismatch (``VerificationFailed``) is caught and nothing is loaded.
- **Load** the staged file into the warehouse table ``daily_orders`` (a DuckDB database standing
  in for Amazon Redshift) with ``COPY`` semantics (:func:`load_warehouse`): the file is copied
  into a **staging table**, then merged into the target in one transaction by deleting the
  target rows whose ``order_id`` is in the stage and inserting the stage (Redshift Database
  Developer Guide, *Performing a merge operation by replacing existing rows*,
  https://docs.aws.amazon.com/redshift/latest/dg/merge-replacing-existing-rows.html). Redshift
  does not enforce primary keys, so a plain ``COPY`` into the target (``load_mode="append"``)
  run twice loads every row twice; the merge makes a rerun idempotent.

Any failure after validation is caught, a notification is recorded (an SNS stand-in), and the
execution ends in ``EtlFailed`` with the warehouse unchanged.

Classes
    EtlFaults, EtlConfig, EtlRun
Functions
    etl_definition, run_etl_job, warehouse_table, warehouse_duplicates; the steps read_raw,
    validate_raw, glue_transform, verify_staged, load_warehouse
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from labkit.core.runner import Config, Result, deprecated_alias
from labkit.core.validation import check_choice, check_int, check_probability
from labkit.serverless.batch import RAW_COLUMNS, Bucket

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

    from labkit.workflows import Execution

__all__ = ["ORDERS_MAPPING", "EtlConfig", "EtlFaults", "EtlRun", "apply_mapping", "etl_definition",
           "glue_transform", "load_warehouse", "read_raw", "run_etl", "run_etl_job",
           "validate_raw", "verify_staged", "warehouse_duplicates", "warehouse_table"]

#: Glue ``ApplyMapping`` mappings for the orders: (source, source type, target, target type).
ORDERS_MAPPING: tuple[tuple[str, str, str, str], ...] = (
    ("order_id", "string", "order_id", "string"),
    ("customer_id", "string", "customer_id", "string"),
    ("amount_usd", "double", "amount_usd", "double"),
    ("country", "string", "country", "string"),
    ("ordered_at", "string", "ordered_at", "string"),
)
LOAD_MODES = ("merge", "append")
WAREHOUSE_COLUMNS = "order_id, customer_id, amount_usd, country, ordered_at, dt"


def etl_definition(*, transform_retries: int = 3) -> dict[str, Any]:
    """The ETL state machine in Amazon States Language.

    >>> d = etl_definition()
    >>> d["StartAt"], [s for s in d["States"] if d["States"][s]["Type"] == "Task"][:4]
    ('Validate', ['Validate', 'Transform', 'Verify', 'Load'])
    """
    retries = check_int("transform_retries", transform_retries, minimum=0, maximum=10)
    catch_all = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "NotifyFailure"}]
    return {
        "Comment": "Daily orders ETL: validate -> transform -> verify -> load",
        "StartAt": "Validate",
        "States": {
            "Validate": {"Type": "Task", "Resource": "etl:validate", "ResultPath": "$.validation",
                         "Catch": [{"ErrorEquals": ["ValidationFailed"], "ResultPath": "$.error",
                                    "Next": "Quarantine"}] + catch_all,
                         "Next": "Transform"},
            "Transform": {"Type": "Task", "Resource": "etl:transform", "ResultPath": "$.transform",
                          "TimeoutSeconds": 300,
                          "Retry": [{"ErrorEquals": ["TransientError", "States.Timeout"],
                                     "IntervalSeconds": 2, "MaxAttempts": retries,
                                     "BackoffRate": 2.0}],
                          "Catch": catch_all, "Next": "Verify"},
            "Verify": {"Type": "Task", "Resource": "etl:verify", "ResultPath": "$.verification",
                       "Catch": catch_all, "Next": "Load"},
            "Load": {"Type": "Task", "Resource": "etl:load", "ResultPath": "$.load",
                     "Retry": [{"ErrorEquals": ["TransientError"], "IntervalSeconds": 5,
                                "MaxAttempts": 2}],
                     "Catch": catch_all, "Next": "Done"},
            "Done": {"Type": "Succeed"},
            "Quarantine": {"Type": "Task", "Resource": "etl:quarantine",
                           "ResultPath": "$.quarantine", "Next": "ValidationFailed"},
            "ValidationFailed": {"Type": "Fail", "Error": "ValidationFailed",
                                 "Cause": "the raw file was moved to quarantine/"},
            "NotifyFailure": {"Type": "Task", "Resource": "etl:notify", "ResultPath": "$.notified",
                              "Next": "EtlFailed"},
            "EtlFailed": {"Type": "Fail", "Error": "EtlFailed",
                          "Cause": "a step failed after its retries; nothing was loaded"},
        },
    }


@dataclass(frozen=True)
class EtlFaults:
    """Failures to inject: the first ``transform_transient`` Transform attempts raise
    ``TransientError``; ``corrupt_transform`` makes Transform duplicate a row (Verify must catch
    it); ``load_transient`` Load attempts raise ``TransientError``; ``transform_slow_s`` makes
    each Transform attempt take that long (past 300 s it times out)."""

    transform_transient: int = 0
    corrupt_transform: bool = False
    load_transient: int = 0
    transform_slow_s: float = 0.0

    def __post_init__(self) -> None:
        check_int("transform_transient", self.transform_transient, minimum=0)
        check_int("load_transient", self.load_transient, minimum=0)
        if not isinstance(self.corrupt_transform, bool):
            raise TypeError("corrupt_transform must be True or False")
        if self.transform_slow_s < 0:
            raise ValueError(f"transform_slow_s must be >= 0, got {self.transform_slow_s!r}")


@dataclass(frozen=True)
class EtlConfig(Config):
    """One ETL execution: the raw file ``key`` of ``bucket``, the ``warehouse`` database file,
    faults to inject, the invalid-row limit, Transform's retries and how Load writes
    (``load_mode``: ``"merge"`` through a staging table, or ``"append"`` like a bare COPY)."""

    bucket: Bucket = field(default=None, compare=False)  # type: ignore[assignment]
    key: str = ""
    warehouse: Path = Path("warehouse.duckdb")
    faults: EtlFaults = EtlFaults()
    max_invalid_share: float = 0.1
    transform_retries: int = 3
    load_mode: str = "merge"
    seed: int = 0

    def validate(self) -> None:
        if not isinstance(self.bucket, Bucket):
            raise TypeError(f"bucket must be a labkit.serverless.Bucket, got "
                            f"{type(self.bucket).__name__}")
        if not isinstance(self.key, str) or not self.key:
            raise ValueError(f"key must be a non-empty object key, got {self.key!r}")
        if not isinstance(self.warehouse, (str, Path)):
            raise TypeError(f"warehouse must be a path, got {type(self.warehouse).__name__}")
        if not isinstance(self.faults, EtlFaults):
            raise TypeError(f"faults must be an EtlFaults, got {type(self.faults).__name__}")
        check_probability("max_invalid_share", self.max_invalid_share)
        check_int("transform_retries", self.transform_retries, minimum=0, maximum=10)
        check_choice("load_mode", self.load_mode, LOAD_MODES)
        check_int("seed", self.seed, minimum=0)


@dataclass(frozen=True)
class EtlRun(Result):
    """One ETL execution: the :class:`~labkit.workflows.Execution` (``status``, ``output``,
    ``error``, ``history``), the notifications sent, and the warehouse rows for the day after it.
    ``records`` is the execution history (one row per state event)."""

    execution: Execution
    notifications: tuple[str, ...]
    loaded_rows: int
    day: str
    duplicate_rows: int = 0

    @property
    def status(self) -> str:
        return self.execution.status

    @property
    def records(self) -> pd.DataFrame:  # type: ignore[override]
        return self.execution.history

    def to_frame(self) -> pd.DataFrame:
        return self.execution.history

    def summary(self) -> dict[str, Any]:
        """Status, error, rows of the day in the warehouse, duplicate rows, run time (s)."""
        h = self.execution.history
        return {
            "status": self.status,
            "error": self.execution.error or "",
            "loaded_rows": self.loaded_rows,
            "duplicate_rows": self.duplicate_rows,
            "notifications": len(self.notifications),
            "duration_s": float(h.time_s.max()) if len(h) else 0.0,
        }


def _open_warehouse(warehouse: Path, *, read_only: bool):
    import duckdb

    return duckdb.connect(str(warehouse), read_only=read_only)


def _has_table(con) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables "
                            "WHERE table_name = 'daily_orders'").fetchone()[0])


def warehouse_table(warehouse: Path) -> pd.DataFrame:
    """Orders per day in the warehouse (``dt``, ``orders``, ``revenue_usd``); empty if none."""
    path = Path(warehouse)
    empty = pd.DataFrame({"dt": [], "orders": [], "revenue_usd": []})
    if not path.exists():
        return empty
    con = _open_warehouse(path, read_only=True)
    try:
        if not _has_table(con):
            return empty
        return con.execute("SELECT dt, count(*) AS orders, round(sum(amount_usd), 2) AS "
                           "revenue_usd FROM daily_orders GROUP BY dt ORDER BY dt").df()
    finally:
        con.close()


def warehouse_duplicates(warehouse: Path) -> int:
    """Rows of ``daily_orders`` beyond the first for each ``order_id`` (0 when none)."""
    path = Path(warehouse)
    if not path.exists():
        return 0
    con = _open_warehouse(path, read_only=True)
    try:
        if not _has_table(con):
            return 0
        return int(con.execute("SELECT count(*) - count(DISTINCT order_id) FROM "
                               "daily_orders").fetchone()[0])
    finally:
        con.close()


# -- the steps ------------------------------------------------------------------------------------
def read_raw(bucket: Bucket, key: str) -> pa.Table:
    """The raw CSV of ``key`` as an Arrow table (ids and timestamps kept as text)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    return pacsv.read_csv(io.BytesIO(bucket.get_object(key)),
                          convert_options=pacsv.ConvertOptions(
                              column_types={"customer_id": pa.string(), "order_id": pa.string(),
                                            "ordered_at": pa.string()},
                              strings_can_be_null=True))


def _valid_mask(table: pa.Table):
    import pyarrow.compute as pc

    return pc.and_(pc.greater(table["amount_usd"], 0), pc.is_valid(table["customer_id"]))


def validate_raw(table: pa.Table, max_invalid_share: float) -> dict[str, Any]:
    """Check a raw file: columns, rows, invalid share, one day. Raises ``TaskFailed``
    (``ValidationFailed``) or returns the counts and the day."""
    import pyarrow.compute as pc

    from labkit.workflows import TaskFailed

    if tuple(table.column_names) != RAW_COLUMNS:
        raise TaskFailed("ValidationFailed", f"unexpected columns {table.column_names}")
    if table.num_rows == 0:
        raise TaskFailed("ValidationFailed", "no rows")
    valid = int(pc.sum(_valid_mask(table)).as_py())
    invalid = table.num_rows - valid
    if invalid / table.num_rows > max_invalid_share:
        raise TaskFailed("ValidationFailed", f"{invalid} of {table.num_rows} rows invalid "
                                             f"(limit {max_invalid_share:.0%})")
    days = set(pc.utf8_slice_codeunits(table["ordered_at"], 0, 10).to_pylist())
    if len(days) != 1:
        raise TaskFailed("ValidationFailed", f"a file must hold one day, found {sorted(days)}")
    return {"rows": table.num_rows, "valid_rows": valid, "invalid_rows": invalid,
            "day": days.pop()}


_GLUE_TYPES = {"string": "string", "double": "float64", "long": "int64", "int": "int32",
               "boolean": "bool", "timestamp": "timestamp[s]"}


def apply_mapping(table: pa.Table, mappings: tuple[tuple[str, str, str, str], ...]) -> pa.Table:
    """Glue's ``ApplyMapping``: keep, rename and cast the mapped columns, in mapping order.

    >>> import pyarrow as pa
    >>> t = pa.table({"amt": ["1.5", "2"], "x": [1, 2]})
    >>> apply_mapping(t, (("amt", "string", "amount_usd", "double"),)).to_pydict()
    {'amount_usd': [1.5, 2.0]}
    """
    import pyarrow as pa

    columns, names = [], []
    for source, _source_type, target, target_type in mappings:
        if source not in table.column_names:
            raise ValueError(f"mappings: source column {source!r} is not in the table "
                             f"({table.column_names})")
        if target_type not in _GLUE_TYPES:
            raise ValueError(f"mappings: target type {target_type!r} must be one of "
                             f"{sorted(_GLUE_TYPES)}")
        columns.append(table[source].cast(pa.type_for_alias(_GLUE_TYPES[target_type])))
        names.append(target)
    return pa.table(columns, names=names)


def glue_transform(table: pa.Table, *, mappings: tuple[tuple[str, str, str, str], ...] =
                   ORDERS_MAPPING) -> pa.Table:
    """The Transform step as a Glue job: ``ApplyMapping`` then ``Filter`` (positive amount and
    a customer), the valid rows in the target schema."""
    mapped = apply_mapping(table, mappings)
    return mapped.filter(_valid_mask(mapped))


def verify_staged(path: str, expected_rows: int) -> dict[str, Any]:
    """Check the staged Parquet file against the validation counts; raises ``TaskFailed``
    (``VerificationFailed``) or returns the row count."""
    import duckdb

    from labkit.workflows import TaskFailed

    con = duckdb.connect()
    try:
        rows, distinct, null_ids, bad_amounts = con.execute(
            "SELECT count(*), count(DISTINCT order_id), count(*) - count(customer_id), "
            "count(*) FILTER (WHERE amount_usd <= 0) FROM read_parquet(?)", [path]).fetchone()
    finally:
        con.close()
    problems = []
    if rows != expected_rows:
        problems.append(f"{rows} rows staged, {expected_rows} valid rows expected")
    if distinct != rows:
        problems.append(f"{rows - distinct} duplicate order ids")
    if null_ids or bad_amounts:
        problems.append(f"{null_ids} null customers, {bad_amounts} non-positive amounts")
    if problems:
        raise TaskFailed("VerificationFailed", "; ".join(problems))
    return {"rows": rows}


def load_warehouse(warehouse: Path, staged_path: str, day: str, *, mode: str = "merge") -> int:
    """Load a staged file into ``daily_orders`` with Redshift ``COPY`` semantics; rows copied.

    ``COPY`` goes into a temporary staging table. ``mode="merge"`` then deletes the target rows
    whose ``order_id`` is staged and inserts the stage, in one transaction (a rerun replaces,
    never duplicates); ``mode="append"`` inserts the stage as a bare ``COPY`` into the target
    would (no key is enforced, as in Redshift, so a rerun duplicates every row).

    >>> import tempfile, pyarrow as pa, pyarrow.parquet as pq
    >>> with tempfile.TemporaryDirectory() as d:
    ...     staged = f"{d}/day.parquet"
    ...     pq.write_table(pa.table({"order_id": ["a", "b"], "customer_id": ["c1", "c2"],
    ...         "amount_usd": [1.0, 2.0], "country": ["US", "DE"],
    ...         "ordered_at": ["2024-01-01T00:00:00Z"] * 2}), staged)
    ...     wh = Path(d) / "wh.duckdb"
    ...     for _ in range(2):
    ...         _ = load_warehouse(wh, staged, "2024-01-01", mode="append")
    ...     appended = warehouse_duplicates(wh)
    ...     wh2 = Path(d) / "wh2.duckdb"
    ...     for _ in range(2):
    ...         _ = load_warehouse(wh2, staged, "2024-01-01", mode="merge")
    ...     appended, warehouse_duplicates(wh2)
    (2, 0)
    """
    check_choice("mode", mode, LOAD_MODES)
    con = _open_warehouse(Path(warehouse), read_only=False)
    try:
        con.execute("CREATE TABLE IF NOT EXISTS daily_orders (order_id VARCHAR, "
                    "customer_id VARCHAR, amount_usd DOUBLE, country VARCHAR, "
                    "ordered_at VARCHAR, dt VARCHAR)")
        con.execute("CREATE TEMP TABLE stage AS SELECT order_id, customer_id, amount_usd, "
                    "country, ordered_at, ?::VARCHAR AS dt FROM read_parquet(?)",
                    [day, staged_path])
        con.execute("BEGIN TRANSACTION")
        if mode == "merge":
            con.execute("DELETE FROM daily_orders WHERE order_id IN "
                        "(SELECT order_id FROM stage)")
        con.execute(f"INSERT INTO daily_orders SELECT {WAREHOUSE_COLUMNS} FROM stage")
        con.execute("COMMIT")
        return int(con.execute("SELECT count(*) FROM stage").fetchone()[0])
    finally:
        con.close()


# -- the state machine's tasks --------------------------------------------------------------------
class _EtlTasks:
    """The Task states' callables for one execution, with their fault counters."""

    def __init__(self, config: EtlConfig) -> None:
        self.config = config
        self.calls = {"transform": 0, "load": 0}
        self.notifications: list[str] = []
        self.day = ""

    def validate(self, state: dict[str, Any]) -> dict[str, Any]:
        import pyarrow as pa

        from labkit.workflows import TaskFailed

        try:
            table = read_raw(self.config.bucket, state["key"])
        except (pa.ArrowInvalid, FileNotFoundError) as exc:
            raise TaskFailed("ValidationFailed", f"unreadable file: {exc}") from None
        result = validate_raw(table, self.config.max_invalid_share)
        self.day = result["day"]
        return result

    def transform(self, state: dict[str, Any]) -> Any:
        import pyarrow as pa
        import pyarrow.parquet as pq

        from labkit.workflows import TaskFailed, TaskOutcome

        faults = self.config.faults
        self.calls["transform"] += 1
        if self.calls["transform"] <= faults.transform_transient:
            raise TaskFailed("TransientError", "storage temporarily unavailable")
        clean = glue_transform(read_raw(self.config.bucket, state["key"]))
        if faults.corrupt_transform and clean.num_rows:
            clean = pa.concat_tables([clean, clean.slice(0, 1)])
        day = state["validation"]["day"]
        out_key = f"staging/dt={day}/{Path(state['key']).stem}.parquet"
        sink = pa.BufferOutputStream()
        pq.write_table(clean, sink)
        self.config.bucket.put_object(out_key, sink.getvalue().to_pybytes())
        result = {"staged_key": out_key, "rows_out": clean.num_rows}
        if faults.transform_slow_s:
            return TaskOutcome(result, faults.transform_slow_s)
        return result

    def verify(self, state: dict[str, Any]) -> dict[str, Any]:
        path = self.config.bucket.path(state["transform"]["staged_key"]).as_posix()
        return verify_staged(path, state["validation"]["valid_rows"])

    def load(self, state: dict[str, Any]) -> dict[str, Any]:
        from labkit.workflows import TaskFailed

        self.calls["load"] += 1
        if self.calls["load"] <= self.config.faults.load_transient:
            raise TaskFailed("TransientError", "warehouse busy")
        day = state["validation"]["day"]
        path = self.config.bucket.path(state["transform"]["staged_key"]).as_posix()
        rows = load_warehouse(Path(self.config.warehouse), path, day,
                              mode=self.config.load_mode)
        return {"day": day, "rows_loaded": rows}

    def quarantine(self, state: dict[str, Any]) -> dict[str, Any]:
        bucket = self.config.bucket
        target = "quarantine/" + state["key"].split("/", 1)[-1]
        bucket.put_object(target, bucket.get_object(state["key"]))
        bucket.path(state["key"]).unlink()
        return {"moved_to": target}

    def notify(self, state: dict[str, Any]) -> dict[str, Any]:
        err = state.get("error", {})
        self.notifications.append(f"ETL of {state['key']} failed: {err.get('Error')}: "
                                  f"{err.get('Cause')}")
        return {"sent": True}

    def resources(self) -> dict[str, Any]:
        return {"etl:validate": self.validate, "etl:transform": self.transform,
                "etl:verify": self.verify, "etl:load": self.load,
                "etl:quarantine": self.quarantine, "etl:notify": self.notify}


def run_etl_job(config: EtlConfig) -> EtlRun:
    """Run the ETL state machine for one raw file.

    Examples
    --------
    >>> import tempfile
    >>> from labkit.serverless.batch import make_raw_orders
    >>> with tempfile.TemporaryDirectory() as d:
    ...     b = Bucket(Path(d))
    ...     _ = b.put_object("raw/day.csv", make_raw_orders(100, day="2024-02-01", seed=3))
    ...     config = EtlConfig(bucket=b, key="raw/day.csv", warehouse=Path(d) / "wh.duckdb")
    ...     ok = run_etl_job(config)
    ...     bad = run_etl_job(config.replace(faults=EtlFaults(corrupt_transform=True)))
    ...     ok.status, bad.status, bad.execution.error, bad.loaded_rows == ok.loaded_rows
    ('SUCCEEDED', 'FAILED', 'EtlFailed', True)
    """
    from labkit.workflows import run_state_machine

    if not isinstance(config, EtlConfig):
        raise TypeError(f"config must be an EtlConfig, got {type(config).__name__}")
    tasks = _EtlTasks(config)
    execution = run_state_machine(etl_definition(transform_retries=config.transform_retries),
                                  {"key": config.key}, tasks.resources(), seed=config.seed)
    day = tasks.day
    wh = Path(config.warehouse)
    table = warehouse_table(wh)
    loaded = int(table.loc[table.dt == day, "orders"].sum()) if day and len(table) else 0
    return EtlRun(execution, tuple(tasks.notifications), loaded, day,
                  warehouse_duplicates(wh))


def _run_etl(bucket: Bucket, key: str, *, warehouse: Path, faults: EtlFaults | None = None,
             max_invalid_share: float = 0.1, transform_retries: int = 3,
             seed: int = 0) -> EtlRun:
    """The former signature: ``run_etl_job(EtlConfig(...))``."""
    return run_etl_job(EtlConfig(bucket=bucket, key=key, warehouse=Path(warehouse),
                                 faults=faults if faults is not None else EtlFaults(),
                                 max_invalid_share=max_invalid_share,
                                 transform_retries=transform_retries, seed=seed))


run_etl = deprecated_alias(_run_etl, "run_etl",
                           replacement=run_etl_job)
