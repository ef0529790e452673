"""Figures for the data-lake notebook (the viz layer of the lake family).

Each function takes the tidy frames the lake returns and gives back a matplotlib Figure:

- :func:`plot_scan_comparison`: bytes scanned and files read for the same question asked of
  different layouts.
- :func:`plot_object_sizes`: sizes of the objects Firehose delivered.
- :func:`plot_firehose_objects`: how the Firehose buffer interval sets the number and size of
  objects (the small-files problem).
- :func:`plot_reconciliation`: every raw record, staged or quarantined, per table.
- :func:`plot_revenue_by_month`: a Quick Sight-style line chart of revenue per month and region.
- the explorer's figure is in :mod:`labkit.lake.explorers`.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from labkit.viz import PALETTE, new_figure

__all__ = ["plot_scan_comparison", "plot_object_sizes", "plot_firehose_objects",
           "plot_reconciliation", "plot_revenue_by_month"]

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
    import matplotlib.pyplot as plt

    cycle = itertools.cycle(plt.rcParams["axes.prop_cycle"].by_key()["color"])
    colours = [next(cycle) for _ in range(len(table))]
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
    """Line per ``region`` of ``revenue_usd`` by ``month`` (a Quick Sight-style visual)."""
    fig, ax = new_figure("Revenue per month and region, 2024", "month", "revenue (USD)")
    for region, part in frame.groupby("region", sort=True):
        ax.plot(part["month"], part["revenue_usd"], marker="o", label=region)   # style cycle
    ax.set_xticks(range(1, 13))
    ax.legend(title="region", ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    return fig


def _moved_to_explorers():
    from labkit.core.runner import deprecated_alias
    from labkit.lake import explorers

    return (deprecated_alias(explorers.scan_explorer_figure,
                             "labkit.lake.plots.scan_explorer_figure"),
            deprecated_alias(explorers.scan_query, "labkit.lake.plots.scan_query"))


#: Former names, kept one release (they moved to :mod:`labkit.lake.explorers`).
scan_explorer_figure, scan_query = _moved_to_explorers()
