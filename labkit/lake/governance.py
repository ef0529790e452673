"""Governance (a Lake Formation stand-in): grants, a SQL gate and sandboxed connections.

Lake Formation grants SELECT on a table to a principal, optionally through a **data filter**:
a column list (column-level security), a row filter (row-level), or both (cell-level). Here:

- :class:`Grant` and :func:`check_row_filter`: a grant is (principal, table, columns, row filter);
  the row filter is a plain boolean expression over the table's columns (no subqueries or
  function calls).
- :func:`check_select`: the **gate** in front of a principal's connection. It parses the SQL with
  sqlglot (DuckDB dialect) and admits exactly one ``SELECT`` (or set operation) whose tables are
  plain names of granted tables (or its own CTEs) and whose columns are granted. Table functions,
  file paths, database-qualified names, COPY, ATTACH, SET, PRAGMA, INSTALL, DDL/DML, several
  statements and anything it cannot parse raise :class:`PermissionError` (fail closed).
- :func:`open_sandbox`: one DuckDB database per principal holding one view per grant over an
  explicit list of files, with ``allowed_paths`` set to exactly those files, external access off,
  extension auto-loading off and the configuration locked (DuckDB, "Securing DuckDB",
  https://duckdb.org/docs/stable/operations_manual/securing_duckdb/overview). Profiling stays on,
  so bytes scanned are still measured.

This is a teaching boundary, not a security boundary: untrusted SQL belongs in an OS-level
sandbox (DuckDB docs, *Securing DuckDB*).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

__all__ = ["Grant", "check_principal", "check_row_filter", "check_select", "open_sandbox",
           "BLOCKED_FUNCTIONS"]

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
    try:
        tree = sqlglot.parse_one(row_filter, read="duckdb", into=sqlglot.exp.Condition)
    except sqlglot.errors.ParseError as exc:
        raise ValueError(f"row_filter is not a valid SQL condition: {row_filter!r}") from exc
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
    import sqlglot
    from sqlglot import exp

    if not isinstance(sql, str) or not sql.strip():
        raise _refuse("sql must be a non-empty string")
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)          # no "falling back to Command" chatter
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError) as exc:
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
    forbidden = (exp.Command, exp.Set, exp.Copy, exp.Attach, exp.Detach, exp.Install,
                 exp.Pragma, exp.Insert, exp.Update, exp.Delete, exp.Create, exp.Drop,
                 exp.Alter, exp.Into, exp.Merge, exp.Use)
    ctes = {c.alias_or_name.lower() for c in stmt.find_all(exp.CTE)}
    aliases = {a.alias.lower() for a in stmt.find_all(exp.Alias)}
    aliases |= {t.alias.lower() for t in stmt.find_all(exp.TableAlias) if t.alias}
    for t in stmt.find_all(exp.TableAlias):
        aliases |= {c.name.lower() for c in t.columns}
    tables_used: set[str] = set()
    granted_lower = {k.lower(): tuple(c.lower() for c in v) for k, v in granted.items()}
    for node in stmt.walk():
        if isinstance(node, forbidden):
            raise _refuse(f"{type(node).__name__.upper()} is not allowed")
        if isinstance(node, exp.Table):
            if not isinstance(node.this, exp.Identifier):
                name = node.this.sql_name() if hasattr(node.this, "sql_name") else "?"
                raise _refuse(f"table functions are not allowed ({name.upper()})")
            if node.args.get("db") or node.args.get("catalog"):
                raise _refuse(f"qualified names are not allowed ({node.sql(dialect='duckdb')})")
            name = node.name.lower()
            if node.this.quoted and ("/" in name or "." in name) and name not in ctes:
                raise _refuse(f"file paths are not allowed ({node.name!r})")
            if name in ctes:
                continue
            if name not in granted_lower:
                raise _refuse(f"table {node.name!r} is not granted")
            tables_used.add(name)
        elif isinstance(node, exp.Func):
            fname = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
            if fname.startswith(BLOCKED_FUNCTIONS):
                raise _refuse(f"function {fname}() is not allowed")
        elif isinstance(node, exp.Literal) and node.is_string and isinstance(node.parent, exp.From):
            raise _refuse(f"file paths are not allowed ({node.this!r})")
    visible = {c for t in tables_used for c in granted_lower[t]} | aliases
    if all_columns:
        hidden = {c.lower() for t in tables_used for c in all_columns.get(t, [])} - visible
        for col in stmt.find_all(exp.Column):
            name = col.name.lower()
            if name in hidden:
                raise _refuse(f"column {col.name!r} is not granted")
    return sql


def open_sandbox(views: dict[str, str], files: list[str]):
    """A locked-down DuckDB connection holding ``views`` (name -> SELECT over ``files``).

    Steps (DuckDB, "Securing DuckDB"): create the views, allow exactly ``files``, keep profiling
    changeable, turn external access and extension auto-loading off, lock the configuration.
    """
    import duckdb

    from labkit.lake.etl import quote_identifier, sql_list

    con = duckdb.connect(config={"autoinstall_known_extensions": False,
                                 "autoload_known_extensions": False})
    for name, select in views.items():
        con.execute(f"CREATE VIEW {quote_identifier(name)} AS {select}")
    con.execute(f"SET allowed_paths = {sql_list(files)}")
    con.execute("SET allowed_configs = ['enable_profiling']")
    con.execute("PRAGMA enable_profiling = 'no_output'")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con
