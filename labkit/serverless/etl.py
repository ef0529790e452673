"""An orchestrated ETL: validate → transform → verify → load as a States Language state machine.

The definition (:func:`etl_definition`) is Amazon States Language, run by
:func:`labkit.workflows.run_state_machine`; each Task's ``Resource`` names a Python callable that
stands in for a Lambda function:

- **Validate** the raw file (header, rows, share of invalid rows ≤ ``max_invalid_share``). A bad
  file is caught (``ValidationFailed``), moved to ``quarantine/`` and the execution fails.
- **Transform** it into a staged Parquet file; transient errors are **retried** with exponential
  backoff.
- **Verify** the staged file against the validation counts (row count, no duplicate or null keys,
  positive amounts); a mismatch (``VerificationFailed``) is caught and nothing is loaded.
- **Load** the day into the warehouse table ``daily_orders`` (a DuckDB database) in one
  transaction that first deletes that day: re-running a day replaces it, never duplicates it.

Any failure after validation is caught, a notification is recorded (an SNS stand-in), and the
execution ends in ``EtlFailed`` with the warehouse unchanged.

Classes
    EtlFaults, EtlRun
Functions
    etl_definition, run_etl, warehouse_table
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labkit.core.validation import check_int, check_probability
from labkit.serverless.batch import RAW_COLUMNS, Bucket

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from labkit.workflows import Execution

__all__ = ["EtlFaults", "EtlRun", "etl_definition", "run_etl", "warehouse_table"]


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
class EtlRun:
    """One ETL execution: the :class:`~labkit.workflows.Execution` (``status``, ``output``,
    ``error``, ``history``), the notifications sent, and the warehouse rows for the day after it."""

    execution: Execution
    notifications: tuple[str, ...]
    loaded_rows: int
    day: str

    @property
    def status(self) -> str:
        return self.execution.status

    def to_frame(self) -> pd.DataFrame:
        return self.execution.history


def warehouse_table(warehouse: Path) -> pd.DataFrame:
    """Orders per day in the warehouse (``dt``, ``orders``, ``revenue_usd``); empty if none."""
    import duckdb
    import pandas as pd

    path = Path(warehouse)
    if not path.exists():
        return pd.DataFrame({"dt": [], "orders": [], "revenue_usd": []})
    con = duckdb.connect(str(path), read_only=True)
    try:
        exists = con.execute("SELECT count(*) FROM information_schema.tables "
                             "WHERE table_name = 'daily_orders'").fetchone()[0]
        if not exists:
            return pd.DataFrame({"dt": [], "orders": [], "revenue_usd": []})
        return con.execute("SELECT dt, count(*) AS orders, round(sum(amount_usd), 2) AS "
                           "revenue_usd FROM daily_orders GROUP BY dt ORDER BY dt").df()
    finally:
        con.close()


def run_etl(bucket: Bucket, key: str, *, warehouse: Path, faults: EtlFaults | None = None,
            max_invalid_share: float = 0.1, transform_retries: int = 3, seed: int = 0) -> EtlRun:
    """Run the ETL state machine for one raw file ``key`` of ``bucket``.

    Examples
    --------
    >>> import tempfile
    >>> from labkit.serverless.batch import make_raw_orders
    >>> with tempfile.TemporaryDirectory() as d:
    ...     b = Bucket(Path(d))
    ...     _ = b.put_object("raw/day.csv", make_raw_orders(100, day="2024-02-01", seed=3))
    ...     ok = run_etl(b, "raw/day.csv", warehouse=Path(d) / "wh.duckdb")
    ...     bad = run_etl(b, "raw/day.csv", warehouse=Path(d) / "wh.duckdb",
    ...                   faults=EtlFaults(corrupt_transform=True))
    ...     ok.status, bad.status, bad.execution.error, bad.loaded_rows == ok.loaded_rows
    ('SUCCEEDED', 'FAILED', 'EtlFailed', True)
    """
    import duckdb
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from labkit.workflows import TaskFailed, TaskOutcome, run_state_machine

    faults = faults if faults is not None else EtlFaults()
    limit = check_probability("max_invalid_share", max_invalid_share)
    wh = Path(warehouse)
    calls = {"transform": 0, "load": 0}
    notifications: list[str] = []
    seen: dict[str, str] = {}

    def read_raw(raw_key: str) -> pa.Table:
        return pacsv.read_csv(io.BytesIO(bucket.get_object(raw_key)),
                              convert_options=pacsv.ConvertOptions(
                                  column_types={"customer_id": pa.string(),
                                                "order_id": pa.string(),
                                                "ordered_at": pa.string()},
                                  strings_can_be_null=True))

    def valid_mask(table: pa.Table):
        return pc.and_(pc.greater(table["amount_usd"], 0), pc.is_valid(table["customer_id"]))

    def validate(state: dict[str, Any]) -> dict[str, Any]:
        try:
            table = read_raw(state["key"])
        except (pa.ArrowInvalid, FileNotFoundError) as exc:
            raise TaskFailed("ValidationFailed", f"unreadable file: {exc}") from None
        if tuple(table.column_names) != RAW_COLUMNS:
            raise TaskFailed("ValidationFailed", f"unexpected columns {table.column_names}")
        if table.num_rows == 0:
            raise TaskFailed("ValidationFailed", "no rows")
        valid = int(pc.sum(valid_mask(table)).as_py())
        invalid = table.num_rows - valid
        if invalid / table.num_rows > limit:
            raise TaskFailed("ValidationFailed",
                             f"{invalid} of {table.num_rows} rows invalid (limit {limit:.0%})")
        days = set(pc.utf8_slice_codeunits(table["ordered_at"], 0, 10).to_pylist())
        if len(days) != 1:
            raise TaskFailed("ValidationFailed", f"a file must hold one day, found {sorted(days)}")
        seen["day"] = days.pop()
        return {"rows": table.num_rows, "valid_rows": valid, "invalid_rows": invalid,
                "day": seen["day"]}

    def transform(state: dict[str, Any]) -> Any:
        calls["transform"] += 1
        if calls["transform"] <= faults.transform_transient:
            raise TaskFailed("TransientError", "storage temporarily unavailable")
        table = read_raw(state["key"])
        clean = table.filter(valid_mask(table))
        if faults.corrupt_transform and clean.num_rows:
            clean = pa.concat_tables([clean, clean.slice(0, 1)])
        day = state["validation"]["day"]
        out_key = f"staging/dt={day}/{Path(state['key']).stem}.parquet"
        sink = pa.BufferOutputStream()
        pq.write_table(clean, sink)
        bucket.put_object(out_key, sink.getvalue().to_pybytes())
        result = {"staged_key": out_key, "rows_out": clean.num_rows}
        if faults.transform_slow_s:
            return TaskOutcome(result, faults.transform_slow_s)
        return result

    def verify(state: dict[str, Any]) -> dict[str, Any]:
        path = bucket.path(state["transform"]["staged_key"]).as_posix()
        con = duckdb.connect()
        try:
            rows, distinct, null_ids, bad_amounts = con.execute(
                "SELECT count(*), count(DISTINCT order_id), count(*) - count(customer_id), "
                f"count(*) FILTER (WHERE amount_usd <= 0) FROM read_parquet('{path}')").fetchone()
        finally:
            con.close()
        expected = state["validation"]["valid_rows"]
        problems = []
        if rows != expected:
            problems.append(f"{rows} rows staged, {expected} valid rows expected")
        if distinct != rows:
            problems.append(f"{rows - distinct} duplicate order ids")
        if null_ids or bad_amounts:
            problems.append(f"{null_ids} null customers, {bad_amounts} non-positive amounts")
        if problems:
            raise TaskFailed("VerificationFailed", "; ".join(problems))
        return {"rows": rows}

    def load(state: dict[str, Any]) -> dict[str, Any]:
        calls["load"] += 1
        if calls["load"] <= faults.load_transient:
            raise TaskFailed("TransientError", "warehouse busy")
        day = state["validation"]["day"]
        path = bucket.path(state["transform"]["staged_key"]).as_posix()
        con = duckdb.connect(str(wh))
        try:
            con.execute("CREATE TABLE IF NOT EXISTS daily_orders (order_id VARCHAR PRIMARY KEY, "
                        "customer_id VARCHAR, amount_usd DOUBLE, country VARCHAR, "
                        "ordered_at VARCHAR, dt VARCHAR)")
            con.execute("BEGIN TRANSACTION")
            con.execute("DELETE FROM daily_orders WHERE dt = ?", [day])
            con.execute("INSERT INTO daily_orders SELECT order_id, customer_id, amount_usd, "
                        f"country, ordered_at, ? FROM read_parquet('{path}')", [day])
            con.execute("COMMIT")
        finally:
            con.close()
        return {"day": day, "rows_loaded": state["verification"]["rows"]}

    def quarantine(state: dict[str, Any]) -> dict[str, Any]:
        target = "quarantine/" + state["key"].split("/", 1)[-1]
        bucket.put_object(target, bucket.get_object(state["key"]))
        bucket.path(state["key"]).unlink()
        return {"moved_to": target}

    def notify(state: dict[str, Any]) -> dict[str, Any]:
        err = state.get("error", {})
        notifications.append(f"ETL of {state['key']} failed: {err.get('Error')}: "
                             f"{err.get('Cause')}")
        return {"sent": True}

    tasks = {"etl:validate": validate, "etl:transform": transform, "etl:verify": verify,
             "etl:load": load, "etl:quarantine": quarantine, "etl:notify": notify}
    execution = run_state_machine(etl_definition(transform_retries=transform_retries),
                                  {"key": key}, tasks, seed=seed)
    day = seen.get("day", "")
    table = warehouse_table(wh)
    loaded = int(table.loc[table.dt == day, "orders"].sum()) if day and len(table) else 0
    return EtlRun(execution, tuple(notifications), loaded, day)
