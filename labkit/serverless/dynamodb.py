"""DynamoDB capacity: provisioned (with burst capacity) against on-demand, and the throttling.

Facts (DynamoDB Developer Guide: read/write capacity modes, on-demand-capacity-mode.html,
burst capacity; re:Post "on-demand table throttling"):

- One **write unit** covers a write of an item up to 1 KB per second; one **read unit** a
  strongly consistent read of up to 4 KB per second, or two eventually consistent ones.
- **Provisioned** tables serve ``capacity`` units per second; DynamoDB keeps up to **300 s** of
  unused capacity as **burst capacity** (best effort), spent when demand exceeds the setting.
  What is left is throttled (``ProvisionedThroughputExceededException``).
- **On-demand** tables serve any traffic up to **double their previous peak** at once; going past
  double the previous peak within 30 minutes may throttle. A new on-demand table starts able to
  serve 4,000 write or 12,000 read units per second (so its "previous peak" is half that). The
  default table-level quota is 40,000 read and 40,000 write units per second.

The model works second by second on a demand series (units per second) and makes "within 30
minutes" concrete: the previous peak is the highest traffic served at least ``peak_memory_s``
(1,800 s) ago — so a table needs half an hour at a new level before it can double again.

Functions
    write_units, read_units, provisioned_table, on_demand_table, demand_spike; run_dynamodb_table
    (configuration DynamoDbConfig) runs either mode under the runner convention
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from labkit.core.runner import Config, Result
from labkit.core.validation import check_choice, check_limit, check_nonnegative, check_positive

__all__ = ["DynamoDbConfig", "DynamoDbResult", "demand_spike", "on_demand_table",
           "provisioned_table", "read_units", "run_dynamodb_table", "write_units"]

BURST_WINDOW_S = 300.0
NEW_TABLE_WRITE_UNITS = 4_000.0
NEW_TABLE_READ_UNITS = 12_000.0
TABLE_QUOTA_UNITS = 40_000.0
#: Largest item DynamoDB stores, KB (1 KB = 1,024 bytes): *Constraints in Amazon DynamoDB*,
#: Items (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Constraints.html).
MAX_ITEM_KB = 400.0


def _item_kb(item_kb: float) -> float:
    kb = check_positive("item_kb", item_kb)
    if kb > MAX_ITEM_KB:
        raise ValueError(f"item_kb must be in (0, {MAX_ITEM_KB:g}] (DynamoDB's maximum item "
                         f"size is 400 KB); got {item_kb!r}")
    return kb


def write_units(item_kb: float) -> int:
    """Write units one write of an item of ``item_kb`` KB consumes (1 per KB, rounded up).

    >>> write_units(0.5), write_units(2.5)
    (1, 3)
    >>> write_units(500)
    Traceback (most recent call last):
    ...
    ValueError: item_kb must be in (0, 400] (DynamoDB's maximum item size is 400 KB); got 500
    """
    kb = _item_kb(item_kb)
    return math.ceil(kb)


def read_units(item_kb: float, consistency: str = "strong") -> float:
    """Read units one read of ``item_kb`` KB consumes (1 per 4 KB; half if eventual).

    >>> read_units(6.0), read_units(6.0, "eventual")
    (2, 1.0)
    """
    kb = _item_kb(item_kb)
    check_choice("consistency", consistency, ("strong", "eventual"))
    units = math.ceil(kb / 4.0)
    return units if consistency == "strong" else units / 2.0


def _demand(demand: Sequence[float] | np.ndarray) -> np.ndarray:
    d = np.asarray(demand, dtype=float)
    if d.ndim != 1 or len(d) == 0:
        raise ValueError("demand must be a non-empty 1-D series of units per second")
    if not np.all(np.isfinite(d)) or (d < 0).any():
        raise ValueError("demand must hold finite values >= 0 (units per second)")
    return d


def demand_spike(base: float, peak: float, *, start_s: int, length_s: int,
                 total_s: int) -> np.ndarray:
    """Units per second: ``base`` everywhere, ``peak`` during ``[start_s, start_s+length_s)``.

    >>> demand_spike(10, 50, start_s=2, length_s=2, total_s=6).tolist()
    [10.0, 10.0, 50.0, 50.0, 10.0, 10.0]
    """
    check_nonnegative("base", base)
    check_nonnegative("peak", peak)
    if not (isinstance(total_s, int) and total_s >= 1):
        raise ValueError(f"total_s must be an integer >= 1, got {total_s!r}")
    d = np.full(total_s, float(base))
    d[max(0, start_s):max(0, start_s + length_s)] = float(peak)
    return d


def provisioned_table(demand: Sequence[float] | np.ndarray, capacity: float, *,
                      burst_full: bool = True) -> pd.DataFrame:
    """Serve a demand series on a provisioned table of ``capacity`` units per second.

    Returns one row per second: ``second``, ``demand_units``, ``capacity_units``,
    ``served_units``, ``throttled_units``, ``burst_pool_units`` (after the second).

    Examples
    --------
    The re:Post example: 150 RCU unused for 5 minutes bank 45,000 units, enough for 200 RCU
    for 900 s.

    >>> df = provisioned_table([200.0] * 1000, 150.0)
    >>> int((df.throttled_units == 0).sum())
    900
    """
    d = _demand(demand)
    cap = check_positive("capacity", capacity)
    limit = cap * BURST_WINDOW_S
    pool = limit if burst_full else 0.0
    served = np.empty_like(d)
    pools = np.empty_like(d)
    for t, want in enumerate(d):
        if want <= cap:
            served[t] = want
            pool = min(limit, pool + cap - want)
        else:
            extra = min(want - cap, pool)
            pool -= extra
            served[t] = cap + extra
        pools[t] = pool
    return pd.DataFrame({"second": np.arange(len(d)), "demand_units": d,
                         "capacity_units": np.full(len(d), cap), "served_units": served,
                         "throttled_units": d - served, "burst_pool_units": pools})


def on_demand_table(demand: Sequence[float] | np.ndarray, *,
                    previous_peak: float = NEW_TABLE_WRITE_UNITS / 2,
                    peak_memory_s: int = 1800,
                    table_quota: float = TABLE_QUOTA_UNITS) -> pd.DataFrame:
    """Serve a demand series on an on-demand table.

    The table serves up to ``min(2 x previous peak, table_quota)`` units per second, where the
    previous peak is the larger of ``previous_peak`` and the highest traffic served
    ``peak_memory_s`` seconds ago or earlier. Same columns as :func:`provisioned_table`
    (``capacity_units`` is the instant limit; no burst pool, reported as 0).

    Examples
    --------
    A new table (limit 4,000 writes/s) hit by 6,000 writes/s throttles 2,000 a second.

    >>> df = on_demand_table([6000.0] * 5)
    >>> df.throttled_units.tolist()
    [2000.0, 2000.0, 2000.0, 2000.0, 2000.0]
    """
    d = _demand(demand)
    base = check_positive("previous_peak", previous_peak)
    if base < NEW_TABLE_WRITE_UNITS / 2:
        raise ValueError(
            f"previous_peak must be >= {NEW_TABLE_WRITE_UNITS / 2:g} write units per second: every "
            f"on-demand table can serve at least {NEW_TABLE_WRITE_UNITS:g} writes per second at "
            f"once (its warm throughput never falls below a new table's), got {base:g}")
    quota = check_positive("table_quota", table_quota)
    if not (isinstance(peak_memory_s, int) and peak_memory_s >= 1):
        raise ValueError(f"peak_memory_s must be an integer >= 1, got {peak_memory_s!r}")
    served = np.empty_like(d)
    limits = np.empty_like(d)
    old_peak = base
    for t, want in enumerate(d):
        if t - peak_memory_s >= 0:
            old_peak = max(old_peak, served[t - peak_memory_s])
        limit = min(2.0 * old_peak, quota)
        limits[t] = limit
        served[t] = min(want, limit)
    return pd.DataFrame({"second": np.arange(len(d)), "demand_units": d,
                         "capacity_units": limits, "served_units": served,
                         "throttled_units": d - served, "burst_pool_units": np.zeros(len(d))})


MAX_DEMAND_SECONDS = 1_000_000


@dataclass(frozen=True)
class DynamoDbConfig(Config):
    """One table serving a demand series (units per second, one value per second).

    ``mode`` is ``"provisioned"`` (``capacity`` units per second, burst pool full at the start
    when ``burst_full``) or ``"on_demand"`` (``previous_peak`` units per second before the run).

    >>> DynamoDbConfig(demand=(1.0,), mode="reserved")
    Traceback (most recent call last):
    ...
    ValueError: mode must be one of 'provisioned', 'on_demand'; got 'reserved'
    """

    demand: tuple[float, ...] = (100.0,)
    mode: str = "provisioned"
    capacity: float = 100.0
    burst_full: bool = True
    previous_peak: float = NEW_TABLE_WRITE_UNITS / 2

    def validate(self) -> None:
        check_choice("mode", self.mode, ("provisioned", "on_demand"))
        if not isinstance(self.demand, tuple):
            raise TypeError(f"demand must be a tuple of units per second, got "
                            f"{type(self.demand).__name__}")
        check_limit("demand", len(self.demand), MAX_DEMAND_SECONDS, minimum=1)
        _demand(self.demand)
        check_positive("capacity", self.capacity)
        check_positive("previous_peak", self.previous_peak)


@dataclass(frozen=True)
class DynamoDbResult(Result):
    """``records``: one row per second (``second``, ``demand_units``, ``capacity_units``,
    ``served_units``, ``throttled_units``, ``burst_pool_units``)."""

    config: DynamoDbConfig
    records: pd.DataFrame

    def summary(self) -> dict[str, Any]:
        """Units demanded, served and throttled, and the throttled share."""
        r = self.records
        demand = float(r.demand_units.sum())
        throttled = float(r.throttled_units.sum())
        return {"demand_units": demand, "served_units": float(r.served_units.sum()),
                "throttled_units": throttled,
                "throttled_share": throttled / demand if demand else 0.0,
                "throttled_seconds": int((r.throttled_units > 0).sum())}


def run_dynamodb_table(config: DynamoDbConfig) -> DynamoDbResult:
    """Serve ``config.demand`` on a table in ``config.mode``.

    >>> r = run_dynamodb_table(DynamoDbConfig(demand=(6000.0,) * 5, mode="on_demand"))
    >>> r.summary()["throttled_units"], r.summary()["throttled_share"]
    (10000.0, 0.3333333333333333)
    """
    if not isinstance(config, DynamoDbConfig):
        raise TypeError(f"config must be a DynamoDbConfig, got {type(config).__name__}")
    if config.mode == "provisioned":
        frame = provisioned_table(config.demand, config.capacity, burst_full=config.burst_full)
    else:
        frame = on_demand_table(config.demand, previous_peak=config.previous_peak)
    return DynamoDbResult(config, frame)
