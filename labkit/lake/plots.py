"""Figures for the data-lake notebook (the viz layer of the lake family).

Each function takes the tidy frames the lake returns and gives back a matplotlib Figure:

- :func:`plot_scan_comparison`: bytes scanned and files read for the same question asked of
  different layouts.
- :func:`plot_object_sizes`: sizes of the objects Firehose delivered.
- :func:`plot_firehose_objects`: how the Firehose buffer interval sets the number and size of
  objects (the small-files problem).
- :func:`plot_reconciliation`: every raw record, staged or quarantined, per table.
- :func:`plot_revenue_by_month`: a QuickSight-style line chart of revenue per month and region.
- :func:`scan_explorer_figure`: the explorer's figure: what one query scans, against a full scan
  of the raw files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from labkit.viz import PALETTE, new_figure

__all__ = ["plot_scan_comparison", "plot_object_sizes", "plot_firehose_objects",
           "plot_reconciliation", "plot_revenue_by_month", "scan_explorer_figure", "scan_query"]

MIB = 1024**2


def plot_scan_comparison(table: pd.DataFrame):
    """Bars of ``bytes_scanned`` (log scale) per ``layout``, and beside them the dollars per
    query scaled to a 1 TB raw table (``usd_if_raw_were_1_TB``) if the column is there, else
    ``files_scanned``.

    >>> import pandas as pd
    >>> t = pd.DataFrame({"layout": ["a", "b"], "bytes_scanned": [1000, 10],
    ...                   "files_scanned": [3, 1]})
    >>> plot_scan_comparison(t).axes[0].get_yscale()
    'log'
    """
    fig, (ax1, ax2) = new_figure("Same question, four layouts", "layout", "bytes scanned (KiB)",
                                 ncols=2, figsize=(10.0, 3.8))
    y = np.arange(len(table))
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(table))]
    ax1.bar(y, table["bytes_scanned"] / 1024, color=colours)
    ax1.set_yscale("log")
    ax1.set_title("Bytes scanned (what Athena bills)")
    if "usd_if_raw_were_1_TB" in table:
        ax2.bar(y, table["usd_if_raw_were_1_TB"], color=colours)
        ax2.set_yscale("log")
        ax2.set_ylabel("USD per query")
        ax2.set_title("Cost per query if raw were 1 TB")
    else:
        ax2.bar(y, table["files_scanned"], color=colours)
        ax2.set_ylabel("files read")
        ax2.set_title("Files read")
    for ax in (ax1, ax2):
        ax.set_xticks(y, table["layout"], rotation=20, ha="right")
    fig.tight_layout()
    return fig


def plot_object_sizes(manifest: pd.DataFrame):
    """Histogram of the sizes of the objects Firehose wrote (``size_bytes`` per object)."""
    fig, ax = new_figure("Objects Firehose delivered to the raw zone", "object size (KiB)",
                         "objects")
    ax.hist(manifest["size_bytes"] / 1024, bins=30, color=PALETTE[0])
    ax.axvline(manifest["size_bytes"].median() / 1024, color=PALETTE[3], linestyle="--",
               label="median")
    ax.legend()
    return fig


def plot_firehose_objects(sweep: pd.DataFrame):
    """Objects written and their mean size against the buffer interval.

    ``sweep`` has ``buffer_interval_s``, ``objects`` and ``mean_object_kib``.
    """
    fig, (ax1, ax2) = new_figure("Firehose buffer interval vs objects written",
                                 "buffer interval (s)", "objects written", ncols=2,
                                 figsize=(10.0, 3.6))
    ax1.plot(sweep["buffer_interval_s"], sweep["objects"], marker="o", color=PALETTE[0])
    ax1.set_yscale("log")
    ax1.set_title("Objects (S3 PUTs, files to list)")
    ax2.plot(sweep["buffer_interval_s"], sweep["mean_object_kib"], marker="o", color=PALETTE[1])
    ax2.set_ylabel("mean object size (KiB)")
    ax2.set_title("Mean object size")
    fig.tight_layout()
    return fig


def plot_reconciliation(rec: pd.DataFrame):
    """Per table, the raw records as 100%: the share staged and the share quarantined, with the
    counts written on the bars."""
    fig, ax = new_figure("Every raw record is accounted for", "share of raw records (%)", "table")
    y = np.arange(len(rec))
    staged = 100.0 * rec["staged"] / rec["raw_records"]
    bad = 100.0 * rec["quarantined"] / rec["raw_records"]
    ax.barh(y, staged, color=PALETTE[2], label="staged (typed, valid)")
    ax.barh(y, bad, left=staged, color=PALETTE[3], label="quarantined (with reason)")
    for yi, row in zip(y, rec.itertuples(), strict=True):
        ax.text(2, yi, f"{row.staged:,} staged + {row.quarantined:,} quarantined "
                       f"= {row.raw_records:,} raw", va="center", color="white")
    ax.set_yticks(y, rec["table"])
    ax.set_xlim(0, 100)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncols=2)
    return fig


def plot_revenue_by_month(frame: pd.DataFrame):
    """Line per ``region`` of ``revenue_usd`` by ``month`` (a QuickSight-style visual)."""
    fig, ax = new_figure("Revenue per month and region, 2024", "month", "revenue (USD)")
    for i, (region, part) in enumerate(frame.groupby("region", sort=True)):
        ax.plot(part["month"], part["revenue_usd"], marker="o", color=PALETTE[i % len(PALETTE)],
                label=region)
    ax.set_xticks(range(1, 13))
    ax.legend(title="region", ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    return fig


_LAYOUT_SOURCES = {
    "raw CSV": "raw.orders",
    "Parquet": "stage.orders",
    "partitioned Parquet": "curated.orders",
}


def scan_query(layout: str, months: int, region: str, columns: str) -> str:
    """SQL for the explorer: revenue in the first ``months`` months of 2024 for ``region``
    (``"all"`` for every region), reading ``columns`` (``"needed"`` or ``"all"``).

    >>> scan_query("partitioned Parquet", 3, "eu", "needed")
    "SELECT sum(amount_usd) AS revenue_usd FROM curated.orders WHERE month <= 3 AND region = 'eu'"
    """
    if layout not in _LAYOUT_SOURCES:
        raise ValueError(f"layout must be one of {list(_LAYOUT_SOURCES)}; got {layout!r}")
    if columns not in ("needed", "all"):
        raise ValueError(f"columns must be 'needed' or 'all'; got {columns!r}")
    source = _LAYOUT_SOURCES[layout]
    where = []
    if layout == "partitioned Parquet":
        where.append(f"month <= {int(months)}")
    elif layout == "Parquet":
        where.append(f"order_ts < TIMESTAMP '2024-01-01' + INTERVAL {int(months)} MONTH")
    else:
        where.append(f"order_ts < strftime(TIMESTAMP '2024-01-01' + INTERVAL {int(months)} "
                     "MONTH, '%Y-%m-%d')")
    if region != "all":
        where.append(f"region = '{region}'")
    amount = "TRY_CAST(amount_usd AS DOUBLE)" if layout == "raw CSV" else "amount_usd"
    if columns == "all":
        return f"SELECT * FROM {source} WHERE {' AND '.join(where)}"
    return f"SELECT sum({amount}) AS revenue_usd FROM {source} WHERE {' AND '.join(where)}"


def scan_explorer_figure(lake, layout: str = "partitioned Parquet", months: int = 3,
                         region: str = "eu", columns: str = "needed"):
    """Bytes scanned by one query against a full scan of the raw CSV, with its Athena cost."""
    full = int(lake.files("raw.orders")["size_bytes"].sum())
    r = lake.query(scan_query(layout, months, region, columns))
    fig, ax = new_figure(f"{layout}: {r.bytes_scanned / full:.1%} of the raw bytes",
                         "bytes scanned (KiB)", "query")
    ax.barh([1, 0], [full / 1024, r.bytes_scanned / 1024], color=[PALETTE[7], PALETTE[0]])
    ax.set_yticks([1, 0], ["full raw CSV scan", "this query"])
    ax.set_xlim(0, full / 1024 * 1.15)
    ax.text(r.bytes_scanned / 1024, 0, f"  {r.files_scanned} files, {r.bytes_scanned:,} B",
            va="center")
    return fig
