"""Who may read what: the lake's Lake Formation-style grants and the principals' sandboxes.

:class:`Grants` keeps one grant per (principal, curated table), a column subset and/or a row
filter, and the principals' sandboxes (:class:`~labkit.lake.governance.Sandbox`): a private
engine holding exactly the granted columns of the granted rows, built on a principal's first
query and closed when its grants change (at most ``max_sandboxes`` stay open).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import pandas as pd

from labkit.lake.etl import PARTITION_TYPES, quote_identifier
from labkit.lake.governance import Grant, Sandbox, check_principal, check_row_filter

__all__ = ["Grants", "check_grant"]


def check_grant(name: str, all_columns: list[str], columns: list[str] | None,
                row_filter: str | None) -> tuple[tuple[str, ...] | None, str | None]:
    """The granted columns (in the table's order; None for all) and the checked row filter.

    >>> check_grant("t", ["a", "b", "c"], ["C", "a"], "b > 1")
    (('a', 'c'), 'b > 1')
    """
    cols = None
    if columns is not None:
        if isinstance(columns, str) or not columns:
            raise ValueError("columns must be a non-empty list of column names or None")
        lower = {c.lower(): c for c in all_columns}
        unknown = [c for c in columns if str(c).lower() not in lower]
        if unknown:
            raise ValueError(f"columns {unknown} are not in {name}; columns: "
                             f"{', '.join(all_columns)}")
        wanted = {str(c).lower() for c in columns}
        cols = tuple(c for c in all_columns if c.lower() in wanted)
    rf = check_row_filter(row_filter, all_columns) if row_filter is not None else None
    return cols, rf


class Grants:
    """Grants of one lake and the sandboxes built from them.

    >>> g = Grants(max_sandboxes=2, timeout_s=5.0)
    >>> g.add("analyst", "orders", ["order_id", "region", "amount_usd"], columns=["region"],
    ...       row_filter="region = 'eu'").columns
    ('region',)
    >>> g.frame()[["principal", "table", "columns", "row_filter"]].values.tolist()
    [['analyst', 'orders', 'region', "region = 'eu'"]]
    """

    def __init__(self, *, max_sandboxes: int, timeout_s: float) -> None:
        self.max_sandboxes = max_sandboxes
        self.timeout_s = timeout_s
        self._grants: dict[tuple[str, str], Grant] = {}
        self._sandboxes: OrderedDict[str, Sandbox] = OrderedDict()

    def add(self, principal: str, name: str, all_columns: list[str], *,
            columns: list[str] | None = None, row_filter: str | None = None) -> Grant:
        """Grant SELECT on curated table ``name`` (whose columns are ``all_columns``); a new
        grant on the same table replaces the previous one."""
        principal = check_principal(principal)
        cols, rf = check_grant(name, all_columns, columns, row_filter)
        g = Grant(principal, name, cols, rf)
        self._grants[(principal, name)] = g
        self.drop_sandbox(principal)
        return g

    def revoke(self, principal: str, name: str | None = None) -> None:
        """Remove ``principal``'s grant on table ``name`` (or all its grants)."""
        principal = check_principal(principal)
        for key in [k for k in self._grants if k[0] == principal
                    and (name is None or k[1] == name)]:
            del self._grants[key]
        self.drop_sandbox(principal)

    def frame(self) -> pd.DataFrame:
        """All grants: principal, table, columns (``*`` for all), row_filter, kind."""
        rows = [(g.principal, g.table, "*" if g.columns is None else ", ".join(g.columns),
                 g.row_filter or "", g.kind) for _, g in sorted(self._grants.items())]
        return pd.DataFrame(rows, columns=["principal", "table", "columns", "row_filter", "kind"])

    def has_grants(self, principal: str) -> bool:
        return any(p == principal for p, _ in self._grants)

    def granted_columns(self, principal: str,
                        columns_of: Callable[[str], list[str]]) -> dict[str, tuple[str, ...]]:
        """Table -> the columns ``principal`` may read (``columns_of(table)`` for all)."""
        return {t: (g.columns if g.columns is not None else tuple(columns_of(t)))
                for (p, t), g in self._grants.items() if p == principal}

    def sandbox(self, principal: str, columns_of: Callable[[str], list[str]],
                select: Callable[[str, str, str | None], str]) -> Sandbox:
        """The principal's sandbox, built on first use from ``select(table, columns, where)``
        (the administrator's SQL for the granted columns of the granted rows)."""
        if principal in self._sandboxes:
            self._sandboxes.move_to_end(principal)
            return self._sandboxes[principal]
        tables = {}
        for (p, name), g in sorted(self._grants.items()):
            if p != principal:
                continue
            columns = list(g.columns if g.columns is not None else columns_of(name))
            sql = select(name, ", ".join(map(quote_identifier, columns)), g.row_filter)
            keys = {k: t for k, t in (PARTITION_TYPES.get(name) or {}).items() if k in columns}
            tables[name] = (sql, columns, keys)
        sandbox = Sandbox(principal, tables, threads=1, memory_limit="256MB",
                          timeout_s=self.timeout_s)
        self._sandboxes[principal] = sandbox
        while len(self._sandboxes) > self.max_sandboxes:
            _, oldest = self._sandboxes.popitem(last=False)
            oldest.close()
        return sandbox

    def drop_sandbox(self, principal: str) -> None:
        sandbox = self._sandboxes.pop(principal, None)
        if sandbox is not None:
            sandbox.close()

    def close_sandboxes(self) -> None:
        """Close every sandbox (their data is rebuilt from the current snapshot when used)."""
        for sandbox in self._sandboxes.values():
            sandbox.close()
        self._sandboxes = OrderedDict()
