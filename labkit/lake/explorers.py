"""The data-lake notebook's explorer: what one query scans, against a full scan of the raw CSV.

:func:`scan_explorer_figure` draws it for one set of control values;
:func:`update_scan_explorer` redraws an existing figure in place (only the bar, its label and the
title change), and :func:`scan_explorer` binds both to a lake for :class:`labkit.ui.Explorer`.
Bytes scanned are deterministic (the same files, the same query), so one run per setting shows
the answer; there is no spread to show.
"""

from __future__ import annotations

from typing import Any

from labkit.viz import PALETTE, new_figure

__all__ = ["scan_query", "scan_explorer_figure", "update_scan_explorer", "scan_explorer",
           "LAYOUT_SOURCES"]

#: Explorer layout -> the table it queries.
LAYOUT_SOURCES = {
    "raw CSV": "raw.orders",
    "Parquet": "stage.orders",
    "partitioned Parquet": "curated.orders",
}
_REGIONS = ("all", "na", "eu", "apac", "latam")


def scan_query(layout: str, months: int, region: str, columns: str) -> str:
    """SQL for the explorer: revenue in the first ``months`` months of 2024 for ``region``
    (``"all"`` for every region), reading ``columns`` (``"needed"`` or ``"all"``).

    >>> scan_query("partitioned Parquet", 3, "eu", "needed")
    "SELECT sum(amount_usd) AS revenue_usd FROM curated.orders WHERE month <= 3 AND region = 'eu'"
    """
    if layout not in LAYOUT_SOURCES:
        raise ValueError(f"layout must be one of {list(LAYOUT_SOURCES)}; got {layout!r}")
    if columns not in ("needed", "all"):
        raise ValueError(f"columns must be 'needed' or 'all'; got {columns!r}")
    if region not in _REGIONS:
        raise ValueError(f"region must be one of {list(_REGIONS)}; got {region!r}")
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 12:
        raise ValueError(f"months must be an int in [1, 12]; got {months!r}")
    source = LAYOUT_SOURCES[layout]
    where = []
    if layout == "partitioned Parquet":
        where.append(f"month <= {months}")
    elif layout == "Parquet":
        where.append(f"order_ts < TIMESTAMP '2024-01-01' + INTERVAL {months} MONTH")
    else:
        where.append(f"order_ts < strftime(TIMESTAMP '2024-01-01' + INTERVAL {months} "
                     "MONTH, '%Y-%m-%d')")
    if region != "all":
        where.append(f"region = '{region}'")
    amount = "TRY_CAST(amount_usd AS DOUBLE)" if layout == "raw CSV" else "amount_usd"
    if columns == "all":
        return f"SELECT * FROM {source} WHERE {' AND '.join(where)}"
    return f"SELECT sum({amount}) AS revenue_usd FROM {source} WHERE {' AND '.join(where)}"


def _measure(lake, layout: str, months: int, region: str, columns: str):
    full = int(lake.files("raw.orders")["size_bytes"].sum())
    return full, lake.query(scan_query(layout, months, region, columns))


def _texts(layout: str, full: int, result) -> tuple[str, str]:
    return (f"{layout}: {result.bytes_scanned / full:.1%} of the raw bytes",
            f"  {result.files_scanned} files, {result.bytes_scanned:,} B")


def scan_explorer_figure(lake, layout: str = "partitioned Parquet", months: int = 3,
                         region: str = "eu", columns: str = "needed") -> Any:
    """Bytes scanned by one query against a full scan of the raw CSV.

    >>> import tempfile
    >>> from labkit.lake import Lake
    >>> lake = Lake(tempfile.mkdtemp()); _ = lake.build(rows=500, seed=1)
    >>> fig = scan_explorer_figure(lake, months=2)
    >>> update_scan_explorer(fig, lake, layout="raw CSV", months=12, region="all")
    True
    >>> fig.axes[0].get_title()
    'raw CSV: 100.0% of the raw bytes'
    """
    full, r = _measure(lake, layout, months, region, columns)
    title, label = _texts(layout, full, r)
    fig, ax = new_figure(title, "bytes scanned (KiB)", "query")
    ax.barh([1, 0], [full / 1024, r.bytes_scanned / 1024], color=[PALETTE[7], PALETTE[0]])
    ax.set_yticks([1, 0], ["full raw CSV scan", "this query"])
    ax.set_xlim(0, full / 1024 * 1.15)
    ax.text(r.bytes_scanned / 1024, 0, label, va="center")
    return fig


def update_scan_explorer(fig: Any, lake, layout: str = "partitioned Parquet", months: int = 3,
                         region: str = "eu", columns: str = "needed") -> bool:
    """Redraw :func:`scan_explorer_figure`'s figure in place for new control values."""
    full, r = _measure(lake, layout, months, region, columns)
    title, label = _texts(layout, full, r)
    ax = fig.axes[0]
    full_bar, bar = ax.patches[:2]
    full_bar.set_width(full / 1024)
    bar.set_width(r.bytes_scanned / 1024)
    ax.set_xlim(0, full / 1024 * 1.15)
    ax.set_title(title)
    text = ax.texts[0]
    text.set_text(label)
    text.set_x(r.bytes_scanned / 1024)
    return True


def scan_explorer(lake):
    """The plot function for ``labkit.ui.Explorer``: :func:`scan_explorer_figure` bound to
    ``lake``, redrawn in place by :func:`update_scan_explorer`; its cached answers are dropped
    when a commit changes the lake's Iceberg tables."""

    def plot(layout: str = "partitioned Parquet", months: int = 3, region: str = "eu",
             columns: str = "needed") -> Any:
        return scan_explorer_figure(lake, layout, months, region, columns)

    def update(fig: Any, **values: Any) -> bool:
        return update_scan_explorer(fig, lake, **values)

    plot.update = update
    plot.cache_token = lambda: lake.iceberg.state()
    return plot
