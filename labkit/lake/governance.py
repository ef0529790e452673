"""Governance (a Lake Formation stand-in): grants, a SQL gate and per-principal sandboxes.

Lake Formation grants SELECT on a table to a principal, optionally through a **data filter**:
a column list (column-level security), a row filter (row-level), or both (cell-level). Here:

- :class:`Grant` and :func:`check_row_filter`: a grant is (principal, table, columns, row filter);
  the row filter is a plain boolean expression over the table's columns (no subqueries or
  function calls).
- :class:`Sandbox`: the **security boundary**. A principal's queries run in a DuckDB database that
  contains only what it was granted: the permitted columns of the permitted rows, copied into
  its own private Parquet files (Hive-partitioned like the source, so partition pruning and
  bytes scanned still show). External access (files, network, extensions) is off, the allowed
  paths are exactly those private files, the configuration is locked, and threads, memory and
  run time are bounded. No SQL text can reach another table, column, row or file, because
  nothing else exists in that engine.
- :func:`check_select`: the **gate**, a friendly first refusal in front of the sandbox. It parses
  the SQL with sqlglot (DuckDB dialect) and admits exactly one ``SELECT`` (or set operation)
  whose tables are plain names of granted tables (or CTEs in scope) and whose columns are
  granted. Table functions, file paths, qualified names, system catalogs, COPY, ATTACH, SET,
  PRAGMA, INSTALL, DDL/DML, several statements, nesting deeper than :data:`MAX_NESTING` and
  anything it cannot parse raise :class:`PermissionError` (fail closed).

DuckDB's own advice (*Securing DuckDB*, https://duckdb.org/docs/stable/operations_manual/
securing_duckdb/overview) is to treat untrusted SQL as code: disable external access, lock the
configuration, limit resources, and give the engine only the data the user may see.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Grant", "check_principal", "check_row_filter", "check_select", "Sandbox",
           "BLOCKED_FUNCTIONS", "MAX_NESTING", "MAX_SQL_CHARS", "nesting_depth"]

#: Deepest parenthesis nesting a query or row filter may have (deeper input is refused before
#: parsing, so a parser never runs out of stack).
MAX_NESTING = 32
#: Longest query text accepted, in characters.
MAX_SQL_CHARS = 20_000

_PRINCIPAL = re.compile(r"^[A-Za-z0-9_.:@/+=,-]{1,128}$")

#: Function-name prefixes a principal may not call (they read files or reveal settings).
BLOCKED_FUNCTIONS = ("read_", "parquet_", "glob", "query", "sniff_", "duckdb_", "pragma_",
                     "current_setting", "getenv", "which_secret", "iceberg_", "delta_",
                     "sqlite_", "postgres_", "mysql_", "load_", "install_")


@dataclass(frozen=True)
class Grant:
    """SELECT on ``table`` for ``principal``; ``columns=None`` means all columns,
    ``row_filter=None`` all rows."""

    principal: str
    table: str
    columns: tuple[str, ...] | None = None
    row_filter: str | None = None

    @property
    def kind(self) -> str:
        """``table``, ``column-level``, ``row-level`` or ``cell-level`` (Lake Formation terms)."""
        if self.columns is None and self.row_filter is None:
            return "table"
        if self.row_filter is None:
            return "column-level"
        if self.columns is None:
            return "row-level"
        return "cell-level"


def check_principal(principal: object) -> str:
    """Return ``principal`` if it is a plausible IAM-style name.

    >>> check_principal("analyst-eu")
    'analyst-eu'
    """
    if not isinstance(principal, str) or not _PRINCIPAL.match(principal):
        raise ValueError("principal must be 1-128 characters of letters, digits and "
                         f"_.:@/+=,- (an IAM user or role name/ARN), got {principal!r}")
    return principal


_FILTER_NODES = None


def _filter_nodes():
    global _FILTER_NODES
    if _FILTER_NODES is None:
        from sqlglot import exp

        _FILTER_NODES = (exp.Column, exp.Identifier, exp.Literal, exp.Boolean, exp.Null,
                         exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.And, exp.Or,
                         exp.Not, exp.In, exp.Between, exp.Like, exp.ILike, exp.Is, exp.Paren,
                         exp.Tuple, exp.Neg, exp.Cast, exp.DataType)
    return _FILTER_NODES


def nesting_depth(sql: str) -> int:
    """Deepest parenthesis nesting of ``sql``, outside quoted strings and identifiers.

    >>> nesting_depth("SELECT ((1)) + f(')(')")
    2
    """
    depth = deepest = 0
    quote = None
    for ch in sql:
        if quote is not None:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == ")":
            depth = max(depth - 1, 0)
    return deepest


def _check_size(parameter: str, sql: str, error: type[Exception]) -> None:
    if len(sql) > MAX_SQL_CHARS:
        raise error(f"{parameter} must be at most {MAX_SQL_CHARS} characters; got {len(sql)}")
    depth = nesting_depth(sql)
    if depth > MAX_NESTING:
        raise error(f"{parameter} nests parentheses {depth} deep; at most {MAX_NESTING} levels "
                    "are accepted")


def check_row_filter(row_filter: str, columns: list[str]) -> str:
    """Return ``row_filter`` (re-rendered in DuckDB SQL) if it is a plain boolean expression over
    ``columns``: comparisons, IN, BETWEEN, LIKE, IS NULL, AND/OR/NOT, literals.

    >>> check_row_filter("region = 'eu'", ["region", "amount_usd"])
    "region = 'eu'"
    >>> check_row_filter("region IN (SELECT 'eu')", ["region"])
    Traceback (most recent call last):
    ...
    ValueError: row_filter may only compare columns with literals; found Subquery
    """
    import sqlglot

    if not isinstance(row_filter, str) or not row_filter.strip():
        raise ValueError(f"row_filter must be a non-empty SQL condition, got {row_filter!r}")
    _check_size("row_filter", row_filter, ValueError)
    try:
        tree = sqlglot.parse_one(row_filter, read="duckdb", into=sqlglot.exp.Condition)
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError, RecursionError) as exc:
        raise ValueError(f"row_filter is not a valid SQL condition: {row_filter[:200]!r}") from exc
    allowed = _filter_nodes()
    known = {c.lower() for c in columns}
    for node in tree.walk():
        if not isinstance(node, allowed):
            raise ValueError("row_filter may only compare columns with literals; "
                             f"found {type(node).__name__}")
        if isinstance(node, sqlglot.exp.Column):
            if node.table or node.name.lower() not in known:
                raise ValueError(f"row_filter refers to unknown column {node.sql()!r}; "
                                 f"columns: {', '.join(columns)}")
    return tree.sql(dialect="duckdb")


def _ctes_in_scope(table) -> set[str]:
    """Names of the CTEs a table reference can see: those of every enclosing WITH, but inside
    the i-th CTE of a WITH only the CTEs before it (and itself when the WITH is recursive)."""
    from sqlglot import exp

    ancestors = []
    node = table.parent
    while node is not None:
        ancestors.append(node)
        node = node.parent
    on_path = {id(a) for a in ancestors}
    seen: set[str] = set()
    for node in ancestors:
        with_ = node.args.get("with_")
        if isinstance(with_, exp.With):
            ctes = list(with_.expressions)
            stop = len(ctes)
            for i, cte in enumerate(ctes):
                if id(cte) in on_path:
                    stop = i + 1 if with_.args.get("recursive") else i
            seen |= {c.alias_or_name.lower() for c in ctes[:stop]}
    return seen


def _refuse(reason: str) -> PermissionError:
    return PermissionError(f"query refused: {reason}")


def check_select(sql: str, granted: dict[str, tuple[str, ...]],
                 all_columns: dict[str, list[str]] | None = None) -> str:
    """The gate: return ``sql`` if it is one SELECT over ``granted`` tables and columns.

    Parameters
    ----------
    sql : str
        The principal's query (DuckDB dialect).
    granted : dict
        Granted table name -> granted column names.
    all_columns : dict, optional
        Every catalog table -> all its columns, so a reference to a column that exists but is
        not granted is refused with a clear message.

    Examples
    --------
    >>> g = {"orders": ("order_id", "amount_usd")}
    >>> check_select("SELECT sum(amount_usd) FROM orders", g)
    'SELECT sum(amount_usd) FROM orders'
    >>> check_select("SELECT * FROM read_parquet('x.parquet')", g)
    Traceback (most recent call last):
    ...
    PermissionError: query refused: table functions are not allowed (READ_PARQUET)
    """
    stmt = _parse_one_select(sql)
    granted_lower = {k.lower(): tuple(c.lower() for c in v) for k, v in granted.items()}
    tables_used = _check_nodes(stmt, granted_lower)
    if all_columns:
        _check_columns(stmt, tables_used, granted_lower, all_columns)
    return sql


_FORBIDDEN_NODES = ("Command", "Set", "Copy", "Attach", "Detach", "Install", "Pragma", "Insert",
                    "Update", "Delete", "Create", "Drop", "Alter", "Into", "Merge", "Use")


def _parse_one_select(sql: str):
    """The one SELECT (or set operation) ``sql`` holds, parsed; refuse anything else."""
    import sqlglot
    from sqlglot import exp

    if not isinstance(sql, str) or not sql.strip():
        raise _refuse("sql must be a non-empty string")
    try:
        _check_size("sql", sql, PermissionError)
    except PermissionError as exc:
        raise _refuse(str(exc)) from None
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)          # no "falling back to Command" chatter
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError, RecursionError) as exc:
        raise _refuse(f"only a single SELECT is allowed and this could not be parsed "
                      f"({str(exc).splitlines()[0]})") from exc
    finally:
        logger.setLevel(level)
    if len(statements) != 1:
        raise _refuse(f"exactly one statement is allowed, got {len(statements)}")
    stmt = statements[0]
    if not isinstance(stmt, exp.Select | exp.SetOperation):
        kind = type(stmt).__name__.upper()
        if isinstance(stmt, exp.Command):
            kind = str(stmt.this).upper()
        raise _refuse(f"only SELECT is allowed, got {kind}")
    return stmt


def _check_table(node, granted_lower: dict) -> str | None:
    """The granted table ``node`` names (None for a CTE in scope); refuse table functions,
    qualified names, file paths and tables not granted."""
    from sqlglot import exp

    if not isinstance(node.this, exp.Identifier):
        name = node.this.sql_name() if hasattr(node.this, "sql_name") else "?"
        raise _refuse(f"table functions are not allowed ({name.upper()})")
    if node.args.get("db") or node.args.get("catalog"):
        raise _refuse(f"qualified names are not allowed ({node.sql(dialect='duckdb')})")
    name = node.name.lower()
    if "/" in name or "." in name or "\\" in name or ":" in name:
        raise _refuse(f"file paths are not allowed ({node.name!r})")
    if name in _ctes_in_scope(node):
        return None
    if name not in granted_lower:
        raise _refuse(f"table {node.name!r} is not granted")
    return name


def _check_nodes(stmt, granted_lower: dict) -> set[str]:
    """Walk every node: refuse forbidden statements, table functions, blocked functions and
    file paths; return the granted tables the query reads."""
    from sqlglot import exp

    forbidden = tuple(getattr(exp, n) for n in _FORBIDDEN_NODES)
    tables_used: set[str] = set()
    for node in stmt.walk():
        if isinstance(node, forbidden):
            raise _refuse(f"{type(node).__name__.upper()} is not allowed")
        if isinstance(node, exp.Table):
            name = _check_table(node, granted_lower)
            if name is not None:
                tables_used.add(name)
        elif isinstance(node, exp.Func):
            fname = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
            if fname.startswith(BLOCKED_FUNCTIONS):
                raise _refuse(f"function {fname}() is not allowed")
        elif isinstance(node, exp.Literal) and node.is_string and isinstance(node.parent, exp.From):
            raise _refuse(f"file paths are not allowed ({node.this!r})")
    return tables_used


def _check_columns(stmt, tables_used: set[str], granted_lower: dict,
                   all_columns: dict[str, list[str]]) -> None:
    """Refuse a reference to a column of a used table that exists but is not granted (names
    the query itself defines, aliases, stay allowed)."""
    from sqlglot import exp

    aliases = {a.alias.lower() for a in stmt.find_all(exp.Alias)}
    aliases |= {t.alias.lower() for t in stmt.find_all(exp.TableAlias) if t.alias}
    for t in stmt.find_all(exp.TableAlias):
        aliases |= {c.name.lower() for c in t.columns}
    visible = {c for t in tables_used for c in granted_lower[t]} | aliases
    hidden = {c.lower() for t in tables_used for c in all_columns.get(t, [])} - visible
    for col in stmt.find_all(exp.Column):
        if col.name.lower() in hidden:
            raise _refuse(f"column {col.name!r} is not granted")




class Sandbox:
    """A principal's private, locked-down DuckDB engine holding only its granted data.

    Parameters
    ----------
    principal : str
        Whose sandbox this is.
    tables : dict
        Granted table name -> ``(select_sql, columns, partition_types)``: a query (run by the
        administrator while the sandbox is built) that yields exactly the granted columns of
        the granted rows, the column names in order, and the Hive partition keys to keep (with
        their types; only keys among the granted columns).
    threads, memory_limit, timeout_s :
        Per-query limits of this engine (DuckDB ``threads``, ``memory_limit``; a statement
        timeout enforced with ``connection.interrupt()``).

    The granted rows are written once to private Parquet files (a temporary folder deleted by
    :meth:`close`); the engine is a read-only DuckDB database holding views over exactly those
    files, with external access off and the configuration locked. Whatever SQL reaches it,
    there is nothing else to read.
    """

    def __init__(self, principal: str, tables: dict[str, tuple[str, list[str], dict[str, str]]],
                 *, threads: int = 1, memory_limit: str = "256MB",
                 timeout_s: float = 30.0) -> None:
        import weakref

        import duckdb

        from labkit.lake.catalog import reader_sql
        from labkit.lake.etl import quote_identifier, sql_literal
        from labkit.lake.storage import list_files

        self.principal = check_principal(principal)
        self.timeout_s = float(timeout_s)
        self.folder = Path(tempfile.mkdtemp(prefix="labkit-sandbox-"))
        self._cleanup = weakref.finalize(self, shutil.rmtree, str(self.folder), True)
        self._lock = threading.Lock()
        files: list[str] = []
        database = str(self.folder / "sandbox.duckdb")
        builder = duckdb.connect(database, config={"autoinstall_known_extensions": False,
                                                   "autoload_known_extensions": False})
        try:
            for name, (select_sql, columns, keys) in tables.items():
                target = self.folder / name
                target.mkdir()
                partition = f", PARTITION_BY ({', '.join(map(quote_identifier, keys))})" \
                    if keys else ""
                out = sql_literal(str(target) if keys else str(target / "part-0.parquet"))
                builder.execute(f"COPY ({select_sql}) TO {out} (FORMAT parquet{partition})")
                written = [str(f) for f in list_files(target, ".parquet")]
                cols = ", ".join(quote_identifier(c) for c in columns)
                if written:
                    builder.execute(f"CREATE VIEW {quote_identifier(name)} AS SELECT {cols} "
                                    f"FROM {reader_sql('parquet', written, keys)}")
                    files += written
                else:
                    described = builder.execute(f"DESCRIBE {select_sql}").fetchall()
                    spec = ", ".join(f"{quote_identifier(r[0])} {r[1]}" for r in described)
                    builder.execute(f"CREATE TABLE {quote_identifier(name)} ({spec})")
        except BaseException:
            builder.close()
            self._cleanup()
            raise
        builder.close()
        # Read-only: the principal cannot drop, alter or add objects in its database.
        con = duckdb.connect(database, read_only=True,
                             config={"autoinstall_known_extensions": False,
                                     "autoload_known_extensions": False,
                                     "threads": int(threads), "memory_limit": memory_limit})
        try:
            con.execute(f"SET allowed_paths = [{', '.join(map(sql_literal, files))}]")
            con.execute("SET allowed_configs = ['enable_profiling']")
            con.execute("PRAGMA enable_profiling = 'no_output'")
            con.execute("SET enable_external_access = false")
            con.execute("SET lock_configuration = true")
        except BaseException:
            con.close()
            self._cleanup()
            raise
        self.connection = con
        self.tables = tuple(tables)

    def query(self, sql: str):
        """Run ``sql`` (already through the gate) and return its measured result."""
        from labkit.lake.athena import run_measured

        with self._lock:
            if self.connection is None:
                raise RuntimeError(f"the sandbox of {self.principal!r} is closed")
            return run_measured(self.connection, sql, principal=self.principal,
                                timeout_s=self.timeout_s)

    def close(self) -> None:
        """Close the engine and delete the private copies."""
        con, self.connection = self.connection, None
        if con is not None:
            con.close()
        self._cleanup()

    @property
    def closed(self) -> bool:
        return self.connection is None
