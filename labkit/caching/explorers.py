"""The caching notebook's explorer: its figure for one set of control values, redrawn in place.

- :func:`caching_explorer_figure` draws the LRU hit-ratio curve of a Zipf workload with the
  chosen cache size marked, next to cache-aside and write-through simulated on a short mix;
- :func:`update_caching_explorer` redraws that figure in place when a control moves.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from labkit.caching.curves import lru_hit_ratios
from labkit.caching.plots import _STRATEGY_LABELS, _plain_log
from labkit.caching.strategies import StrategyConfig, compare_strategies
from labkit.caching.workloads import zipf_trace
from labkit.viz.inplace import updates_in_place
from labkit.viz.style import cycle_colours

__all__ = ["caching_explorer_figure", "update_caching_explorer"]


@lru_cache(maxsize=32)
def _explorer_curve(skew: float, seed: int) -> pd.Series:
    """The LRU curve at every size 1..500 (one pass; cached per skew, so moving the size,
    TTL or write sliders costs no recomputation)."""
    trace = zipf_trace(20_000, _EXPLORER_KEYS, skew, seed=seed)
    return lru_hit_ratios(trace, range(1, _EXPLORER_KEYS + 1))


_EXPLORER_KEYS = 500


def _caching_explorer_view(cache_size: int, ttl_s: float, skew: float, write_fraction: float,
                           seed: int) -> dict[str, Any]:
    """What the caching explorer shows: title, the LRU curve with the chosen size marked, and
    the simulated strategies' measures."""
    size = int(cache_size)
    if not 1 <= size <= _EXPLORER_KEYS:
        raise ValueError(f"cache_size must be an integer in [1, {_EXPLORER_KEYS}], got {size}")
    curve = _explorer_curve(float(skew), int(seed))
    config = StrategyConfig(n_requests=500, n_keys=_EXPLORER_KEYS, skew=float(skew),
                            write_fraction=float(write_fraction), arrival_rate=400.0,
                            capacity=size, ttl_s=float(ttl_s), seed=int(seed))
    table = compare_strategies(config, ["cache_aside", "write_through"])
    return {"title": (f"Cache of {size} entries, TTL {ttl_s:g} s, skew {skew:g}, "
                      f"{write_fraction:.0%} writes"),
            "size": size, "curve": curve, "at": float(curve[size]),
            "measures": {strategy: table.loc[strategy, _EXPLORER_METRICS].to_numpy(dtype=float)
                         for strategy in table.index}}


_EXPLORER_METRICS = ["hit_ratio", "db_ops_per_request", "stale_read_fraction"]


def update_caching_explorer(fig: Any, cache_size: int = 100, ttl_s: float = 10.0,
                             skew: float = 1.0, write_fraction: float = 0.1,
                             seed: int = 0) -> bool:
    """Redraw :func:`caching_explorer_figure` in place: title, curve, marker, bars."""
    view = _caching_explorer_view(cache_size, ttl_s, skew, write_fraction, seed)
    left, right = fig.axes
    curve_line, marker = left.lines
    fig.suptitle(view["title"], fontweight="bold")
    curve_line.set_data(view["curve"].index, view["curve"].to_numpy())
    marker.set_data([view["size"]], [view["at"]])
    note = left.texts[0]
    note.xy = (view["size"], view["at"])
    note.set_text(f"{view['at']:.2f}")
    bars = [patch for container in right.containers for patch in container]
    heights = [v for values in view["measures"].values() for v in values]
    if len(bars) != len(heights):
        return False
    for bar, height in zip(bars, heights, strict=True):
        bar.set_height(height)
    return True


@updates_in_place(update_caching_explorer)
def caching_explorer_figure(cache_size: int = 100, ttl_s: float = 10.0, skew: float = 1.0,
                            write_fraction: float = 0.1, seed: int = 0) -> Any:
    """The explorer's figure: left, the LRU hit-ratio curve of a Zipf workload over 500 keys
    with the chosen size marked; right, cache-aside and write-through simulated on 500 requests
    (hit ratio, database operations per request, stale reads). An explorer redraws it in place.

    >>> fig = caching_explorer_figure(cache_size=50)
    >>> len(fig.axes)
    2
    """
    import matplotlib.pyplot as plt

    view = _caching_explorer_view(cache_size, ttl_s, skew, write_fraction, seed)
    size, curve, at = view["size"], view["curve"], view["at"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(8.6, 3.4))
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.15, top=0.8, wspace=0.25)
    fig.suptitle(view["title"], fontweight="bold")
    curve_colour, marker_colour = cycle_colours(2)
    left.plot(curve.index, curve.to_numpy(), color=curve_colour, lw=2)
    left.plot([size], [at], "o", color=marker_colour, ms=8)
    left.annotate(f"{at:.2f}", (size, at), xytext=(6, -12), textcoords="offset points")
    left.set_xscale("log")
    _plain_log(left.xaxis)
    left.set_ylim(0, 1)
    left.set_title("LRU hit ratio (read-only trace)")
    left.set_xlabel("cache size (entries, log scale)")
    left.set_ylabel("hit ratio")
    names = ["hit ratio", "DB ops / request", "stale reads"]
    x = np.arange(len(_EXPLORER_METRICS))
    colours = cycle_colours(len(view["measures"]))
    for i, (strategy, values) in enumerate(view["measures"].items()):
        right.bar(x + (i - 0.5) * 0.38, values, width=0.38, color=colours[i],
                  label=_STRATEGY_LABELS[strategy])
    right.set_xticks(x, names)
    right.set_ylim(0, 1.05)
    right.set_title("Simulated strategies")
    right.set_xlabel("measure")
    right.set_ylabel("fraction")
    right.legend(loc="upper right")
    return fig


# It lays itself out, so the explorer can skip the tight bounding box.
caching_explorer_figure.fixed_layout = True
