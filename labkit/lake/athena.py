"""The query side (an Amazon Athena stand-in): run SQL, measure bytes scanned, price it.

- :func:`run_measured` runs one query on a DuckDB connection with the profiler on and reads what
  Athena would bill: **bytes scanned** (compressed column chunks actually read from Parquet, or
  the whole file for CSV/JSON) and the number of files read.
- :class:`QueryResult` holds the answer (``frame``), ``bytes_scanned``, ``files_scanned``,
  ``cost_usd`` (Athena's rule, :mod:`labkit.lake.pricing`) and ``athena_sql`` (the same query in
  the Athena/Trino dialect via sqlglot; check it before running it on AWS).
- :func:`to_athena_sql` and :func:`athena_ddl`: take the lake to real AWS. The DDL is Hive-style
  ``CREATE EXTERNAL TABLE`` with partition projection, validated by parsing it in sqlglot's
  ``athena`` dialect.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import pandas as pd

from labkit.lake.pricing import athena_billed_bytes, athena_cost_usd

__all__ = ["QueryResult", "QueryLimitExceeded", "run_measured", "to_athena_sql", "athena_ddl",
           "athena_sql_problems", "NOT_IN_TRINO", "hive_type",
           "scan_stats"]


@dataclass(frozen=True)
class QueryResult:
    """Answer and bill of one query.

    Attributes
    ----------
    frame : pandas.DataFrame
        The rows the query returned.
    bytes_scanned : int
        Bytes read from the lake's files (Athena's "data scanned").
    files_scanned : int
        Files opened by the scans.
    cost_usd : float
        ``$5 per TB``, rounded up to the MB, 10 MB minimum.
    athena_sql : str
        The query in the Athena (Trino) dialect.
    sql : str
        The query as given (DuckDB dialect).
    principal : str or None
        Who ran it (``None``: the lake administrator).
    elapsed_s : float
        Wall-clock time of the query (machine-dependent; never shown as a stored number).
    """

    frame: pd.DataFrame
    bytes_scanned: int
    files_scanned: int
    cost_usd: float
    athena_sql: str
    sql: str
    principal: str | None = None
    elapsed_s: float = 0.0

    @property
    def billed_bytes(self) -> int:
        """Bytes Athena would bill (rounded up to the MB, at least 10 MB)."""
        return athena_billed_bytes(self.bytes_scanned)

    def summary(self) -> dict:
        """The bill as a plain dict (rows, bytes_scanned, files_scanned, cost_usd)."""
        return {"rows": len(self.frame), "bytes_scanned": self.bytes_scanned,
                "files_scanned": self.files_scanned, "cost_usd": self.cost_usd}


def _walk(node, found: list) -> None:
    if node.get("type") == "TABLE_SCAN" or "bytes_scanned" in node:
        found.append(node)
    for child in node.get("children", []):
        _walk(child, found)


def scan_stats(profile: dict) -> tuple[int, int]:
    """``(bytes_scanned, files_scanned)`` from DuckDB's JSON profile of one query.

    A query answered from Parquet footers alone has no ``query`` section: 0 bytes.

    >>> scan_stats({"query": {"total_bytes_scanned": 10}, "operator": [
    ...     {"type": "TABLE_SCAN", "extra_info": {"Total Files Read": "2"}, "children": []}]})
    (10, 2)
    """
    total = int(profile.get("query", {}).get("total_bytes_scanned", 0) or 0)
    scans: list = []
    for op in profile.get("operator", []):
        _walk(op, scans)
    files = 0
    for op in scans:
        info = op.get("extra_info", {})
        value = info.get("Total Files Read")
        if value is not None:
            files += int(value)
    return total, files


def to_athena_sql(sql: str) -> str:
    """``sql`` (DuckDB dialect) rewritten in the Athena dialect with sqlglot.

    >>> to_athena_sql("SELECT approx_count_distinct(customer_id) FROM orders")
    'SELECT APPROX_DISTINCT(customer_id) FROM orders'
    """
    import sqlglot

    try:
        return ";\n".join(sqlglot.transpile(sql, read="duckdb", write="athena"))
    except (sqlglot.errors.SqlglotError, RecursionError) as exc:
        return f"-- not translatable to Athena SQL: {str(exc).splitlines()[0]}"


class QueryLimitExceeded(PermissionError):
    """A query stopped by a limit: the statement timeout or the engine's memory limit
    (Athena's counterparts: the DML query timeout quota and a workgroup's data usage control)."""


#: DuckDB functions that Athena's engine (Trino) lacks, or that sqlglot passes through or
#: renders into something Trino does not accept (datalake.md problem cases).
NOT_IN_TRINO = ("READ_PARQUET", "READ_CSV", "READ_CSV_AUTO", "READ_JSON", "READ_JSON_AUTO",
                "PARQUET_SCAN", "GLOB", "PERCENTILE_CONT", "PERCENTILE_DISC", "MEDIAN",
                "QUANTILE_CONT", "QUANTILE_DISC", "DATE_FROM_PARTS",
                "DATE_PART", "EPOCH_MS", "LIST_VALUE", "STRUCT_PACK")


def athena_sql_problems(sql: str) -> list[str]:
    """Reasons ``sql`` (DuckDB dialect) would not run on Athena engine v3 (Trino) as
    :func:`to_athena_sql` writes it; empty if none were found.

    It transpiles with sqlglot, parses the result back as Trino, and looks for DuckDB-only
    constructs that sqlglot keeps or mistranslates: ``QUALIFY``, ``GROUP BY ALL`` /
    ``ORDER BY ALL``, ``* EXCLUDE/REPLACE``, file-reading functions, and the functions in
    :data:`NOT_IN_TRINO`. It cannot see type errors (e.g. comparing a timestamp column with a
    string literal, which Trino refuses): a clean result means "no known problem", not "ran
    on Athena".

    >>> athena_sql_problems("SELECT region, count(*) FROM orders GROUP BY region")
    []
    >>> athena_sql_problems("SELECT * FROM t QUALIFY row_number() OVER (ORDER BY x) = 1")
    ['QUALIFY is not Trino SQL: filter a subquery on row_number() instead']
    """
    import sqlglot
    from sqlglot import exp

    problems: list[str] = []
    try:
        trees = [t for t in sqlglot.parse(sql, read="duckdb") if t is not None]
    except (sqlglot.errors.SqlglotError, RecursionError) as exc:
        return [f"does not parse as DuckDB SQL: {str(exc).splitlines()[0]}"]
    for tree in trees:
        if any(True for _ in tree.find_all(exp.Qualify)):
            problems.append("QUALIFY is not Trino SQL: filter a subquery on row_number() "
                            "instead")
        for group in tree.find_all(exp.Group):
            if group.args.get("all"):
                problems.append("GROUP BY ALL is DuckDB's shorthand; Trino needs the columns "
                                "(or their ordinals)")
        for order in tree.find_all(exp.Order):
            if any(isinstance(o.this, exp.Var) and o.this.name.upper() == "ALL"
                   for o in order.expressions):
                problems.append("ORDER BY ALL is DuckDB's shorthand; Trino needs the columns")
        for star in tree.find_all(exp.Star):
            if star.args.get("except_") or star.args.get("replace"):
                problems.append("SELECT * EXCLUDE/REPLACE is not Trino SQL")
        for func in tree.find_all(exp.Func):
            name = (func.name if isinstance(func, exp.Anonymous) else func.sql_name()).upper()
            if name in NOT_IN_TRINO:
                problems.append(f"{name}() has no Athena equivalent as written")
        for table in tree.find_all(exp.Table):
            if isinstance(table.this, exp.Identifier) and "/" in table.name:
                problems.append(f"file path {table.name!r} in FROM: Athena reads catalog "
                                "tables")
    if not problems:
        try:
            for out in sqlglot.transpile(sql, read="duckdb", write="trino"):
                sqlglot.parse_one(out, read="trino")
        except (sqlglot.errors.SqlglotError, RecursionError) as exc:
            problems.append(f"the Trino translation does not parse: "
                            f"{str(exc).splitlines()[0]}")
    return list(dict.fromkeys(problems))


def run_measured(con, sql: str, *, principal: str | None = None,
                 timeout_s: float | None = None) -> QueryResult:
    """Run ``sql`` on ``con`` (profiling already enabled) and return the measured result.

    With ``timeout_s``, a query still running after that many seconds is interrupted
    (``connection.interrupt()``; DuckDB has no statement-timeout setting) and
    :class:`QueryLimitExceeded` is raised; so is running out of the engine's memory limit.
    """
    import threading

    import duckdb

    timer = None
    if timeout_s is not None:
        timer = threading.Timer(timeout_s, con.interrupt)
        timer.daemon = True
    start = time.perf_counter()
    try:
        if timer is not None:
            timer.start()
        rel = con.sql(sql)
        frame = rel.df() if rel is not None else pd.DataFrame()
    except duckdb.InterruptException as exc:
        raise QueryLimitExceeded(f"query stopped: it ran longer than the statement timeout of "
                                 f"{timeout_s:g} s") from exc
    except duckdb.OutOfMemoryException as exc:
        raise QueryLimitExceeded(f"query stopped: it needed more than the engine's memory limit "
                                 f"({str(exc).splitlines()[0]})") from exc
    finally:
        if timer is not None:
            timer.cancel()
    elapsed = time.perf_counter() - start
    try:
        profile = json.loads(con.get_profiling_information() or "{}")
    except (json.JSONDecodeError, RuntimeError):
        profile = {}
    scanned, files = scan_stats(profile)
    return QueryResult(frame, scanned, files, athena_cost_usd(scanned), to_athena_sql(sql), sql,
                       principal, elapsed)


_HIVE_TYPES = {"BIGINT": "bigint", "INTEGER": "int", "SMALLINT": "smallint", "TINYINT": "tinyint",
               "DOUBLE": "double", "FLOAT": "float", "VARCHAR": "string", "BOOLEAN": "boolean",
               "DATE": "date", "TIMESTAMP": "timestamp", "TIMESTAMP_NS": "timestamp",
               "TIMESTAMP_MS": "timestamp"}


def hive_type(duckdb_type: str) -> str:
    """The Hive/Athena DDL type for a DuckDB type.

    >>> hive_type("VARCHAR"), hive_type("DECIMAL(12,2)")
    ('string', 'decimal(12,2)')
    """
    t = duckdb_type.upper()
    if t.startswith("DECIMAL"):
        return t.lower()
    if t not in _HIVE_TYPES:
        raise ValueError(f"duckdb_type {duckdb_type!r} has no Athena mapping")
    return _HIVE_TYPES[t]


def athena_ddl(entry, *, bucket: str = "s3://example-lake", database: str = "curated",
               projection: dict[str, dict[str, str]] | None = None) -> str:
    """``CREATE EXTERNAL TABLE`` for a catalog entry, with partition projection.

    ``projection`` maps each partition key to its projection properties (``type``, ``range``,
    ``values``, ``format`` ...); by default integer keys get their observed range, others an
    ``enum`` of their observed values. The text is parsed with sqlglot's Athena dialect before
    it is returned (a ``ValueError`` if that fails).
    """
    import sqlglot

    if not bucket.startswith("s3://"):
        raise ValueError(f"bucket must start with 's3://', got {bucket!r}")
    cols = ",\n".join(f"  `{c}` {hive_type(t)}" for c, t in entry.columns)
    location = f"{bucket.rstrip('/')}/{entry.location}/"
    props = [("classification", "parquet")]
    parts = ""
    if entry.partition_keys:
        parts = "PARTITIONED BY (\n" + ",\n".join(
            f"  `{c}` {hive_type(t)}" for c, t in entry.partition_keys) + "\n)\n"
        props.append(("projection.enabled", "true"))
        for i, (key, typ) in enumerate(entry.partition_keys):
            spec = dict((projection or {}).get(key, {}))
            if not spec:
                values = sorted({p[i] for p in entry.partitions})
                if typ.upper() in ("BIGINT", "INTEGER") and values:
                    nums = sorted(int(v) for v in values)
                    spec = {"type": "integer", "range": f"{nums[0]},{nums[-1]}"}
                elif typ.upper() == "DATE" and values:
                    spec = {"type": "date", "range": f"{values[0]},{values[-1]}",
                            "format": "yyyy-MM-dd", "interval": "1", "interval.unit": "DAYS"}
                else:
                    spec = {"type": "enum", "values": ",".join(values)}
            props.extend((f"projection.{key}.{k}", v) for k, v in spec.items())
        template = "/".join(f"{k}=${{{k}}}" for k, _ in entry.partition_keys)
        props.append(("storage.location.template", f"{location}{template}/"))
    tblprops = ",\n".join(f"  '{k}'='{v}'" for k, v in props)
    ddl = (f"CREATE EXTERNAL TABLE IF NOT EXISTS `{database}`.`{entry.name}` (\n{cols}\n)\n"
           f"{parts}STORED AS PARQUET\nLOCATION '{location}'\nTBLPROPERTIES (\n{tblprops}\n)")
    try:
        sqlglot.parse_one(ddl, read="athena")
    except sqlglot.errors.ParseError as exc:      # pragma: no cover - a bug in this function
        raise ValueError(f"generated DDL does not parse as Athena SQL: {exc}") from exc
    return ddl
