"""Data quality (a Glue DataBrew / Data Quality stand-in): column profiles and rule checks.

- :func:`profile_table`: one row per column with its type, row count, nulls, null percentage,
  exact distinct count, minimum and maximum (as text, so every type fits one column).
- :func:`check_rules`: named rules, each an SQL condition every row should satisfy; the result
  says how many rows break each rule (DataBrew's "rules" / Glue's DQDL ``CustomSql``).
"""

from __future__ import annotations

import pandas as pd

from labkit.lake.etl import quote_identifier

__all__ = ["profile_table", "check_rules"]


def profile_table(con, relation: str) -> pd.DataFrame:
    """Profile every column of ``relation`` (a table or view name on ``con``).

    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE t AS SELECT * FROM (VALUES (1, 'a'), (2, NULL)) v(x, y)")
    >>> profile_table(con, "t")[["column", "nulls", "distinct", "min", "max"]].values.tolist()
    [['x', 0, 2, '1', '2'], ['y', 1, 1, 'a', 'a']]
    """
    import duckdb

    if not isinstance(relation, str) or not relation.strip():
        raise ValueError(f"relation must be a table or view name, got {relation!r}")
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    except duckdb.Error as exc:
        raise ValueError(f"relation {relation!r} cannot be profiled: "
                         f"{str(exc).splitlines()[0]}") from None
    parts = ["count(*)"]
    for name, _typ, *_ in described:
        q = quote_identifier(name)
        parts += [f"count({q})", f"count(DISTINCT {q})", f"min({q})::VARCHAR",
                  f"max({q})::VARCHAR"]
    try:
        row = con.execute(f"SELECT {', '.join(parts)} FROM {relation}").fetchall()[0]
    except duckdb.Error as exc:
        raise ValueError(f"relation {relation!r} cannot be profiled: "
                         f"{str(exc).splitlines()[0]}") from None
    total = int(row[0])
    out = []
    for k, (name, typ, *_) in enumerate(described):
        nonnull, distinct, lo, hi = row[1 + 4 * k: 5 + 4 * k]
        nulls = total - int(nonnull)
        out.append((name, typ, total, nulls, round(100.0 * nulls / total, 2) if total else 0.0,
                    int(distinct), lo, hi))
    return pd.DataFrame(out, columns=["column", "type", "rows", "nulls", "null_pct", "distinct",
                                      "min", "max"])


def check_rules(con, relation: str, rules: dict[str, str]) -> pd.DataFrame:
    """Count the rows of ``relation`` that break each rule (``name -> SQL condition``).

    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE t AS SELECT * FROM range(5) r(x)")
    >>> check_rules(con, "t", {"x below 3": "x < 3"}).values.tolist()
    [['x below 3', 'x < 3', 5, 2, False]]
    """
    import duckdb
    import sqlglot

    from labkit.lake.governance import MAX_NESTING, nesting_depth

    if not isinstance(rules, dict) or not rules:
        raise ValueError("rules must be a non-empty dict of name -> SQL condition")
    out = []
    for name, condition in rules.items():
        if not isinstance(name, str) or not isinstance(condition, str) or not condition.strip():
            raise ValueError(f"rules must map names to SQL conditions; got {name!r}: "
                             f"{condition!r}")
        if nesting_depth(condition) > MAX_NESTING:
            raise ValueError(f"rule {name!r} nests parentheses deeper than {MAX_NESTING} levels")
        try:                       # exactly one condition: no way to close the FILTER early
            sqlglot.parse_one(condition, read="duckdb", into=sqlglot.exp.Condition)
        except (sqlglot.errors.ParseError, sqlglot.errors.TokenError, RecursionError):
            raise ValueError(f"rule {name!r} is not one SQL condition: {condition!r}") from None
        try:
            total, failed = con.execute(
                f"SELECT count(*), count(*) FILTER (WHERE NOT coalesce(({condition}), false)) "
                f"FROM {relation}").fetchall()[0]
        except duckdb.Error as exc:
            raise ValueError(f"rule {name!r} ({condition!r}) cannot be checked on {relation}: "
                             f"{str(exc).splitlines()[0]}") from None
        out.append((name, condition, int(total), int(failed), failed == 0))
    return pd.DataFrame(out, columns=["rule", "condition", "rows", "failed_rows", "passed"])
