"""DynamoDB Accelerator (DAX): its item cache and its query cache, and what a write does to each.

A DAX cluster keeps two caches in front of a DynamoDB table
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/dax-config-considerations.html):

- the **item cache** holds ``GetItem``/``BatchGetItem`` results by primary key. A write made
  *through* DAX goes to DynamoDB and then puts the new item into the item cache, so the next
  ``GetItem`` sees it; a write made directly to the table is not seen until the item's TTL runs
  out;
- the **query cache** holds ``Query``/``Scan`` result sets by their parameters. No write, through
  DAX or to the table, invalidates or updates it: a cached result keeps being served until the
  query-cache TTL expires it and DAX runs the query against DynamoDB again.

:func:`simulate_dax` replays a seeded mix of ``GetItem``, ``Query`` (all items of one partition)
and ``UpdateItem`` requests through both caches and measures, for each read, whether it returned
an older version of an item than the table held, and for how long the table had held a newer one.
Modelling choices: DynamoDB answers instantly with the latest committed version (no replication
lag, no strongly consistent reads, which DAX passes through), the cluster has one node (no
replication between DAX nodes) and memory enough never to evict (DAX's LRU eviction is not in play).
Keys are Zipf-popular partitions of ``items_per_partition`` items each.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from labkit.caching.workloads import zipf_probabilities
from labkit.core.rng import spawn_rngs
from labkit.core.runner import Config, Result
from labkit.core.validation import (
    check_finite,
    check_int,
    check_positive,
    check_probability,
)

__all__ = ["DaxConfig", "DaxResult", "simulate_dax"]

#: Most requests one DAX run replays (``arrival_rate * horizon_s``).
MAX_DAX_REQUESTS = 1_000_000

_OPS = ("get_item", "query", "update_item")


@dataclass(frozen=True)
class DaxConfig(Config):
    """A DAX cluster in front of a DynamoDB table, and the requests it serves.

    Requests arrive at ``arrival_rate`` per second (Poisson) for ``horizon_s`` seconds; a share
    ``query_fraction`` are ``Query`` calls (all items of one partition), ``write_fraction`` are
    ``UpdateItem`` calls, the rest ``GetItem``. Partitions (``n_partitions`` of
    ``items_per_partition`` items) are chosen with Zipf ``skew``. ``item_ttl_s`` and
    ``query_ttl_s`` are the item- and query-cache TTLs (DAX's ``record-ttl-millis`` and
    ``query-ttl-millis``). ``writes_through_dax``: writes go through the DAX client (True) or
    straight to the table (False).

    >>> DaxConfig(query_ttl_s=60.0).query_ttl_s
    60.0
    >>> DaxConfig(query_fraction=0.7, write_fraction=0.5)
    Traceback (most recent call last):
    ...
    ValueError: query_fraction + write_fraction must be <= 1, got 1.2
    """

    arrival_rate: float = 200.0
    query_fraction: float = 0.3
    write_fraction: float = 0.05
    n_partitions: int = 100
    items_per_partition: int = 10
    skew: float = 1.0
    item_ttl_s: float = 300.0
    query_ttl_s: float = 300.0
    writes_through_dax: bool = True
    horizon_s: float = 600.0
    seed: int = 0

    def validate(self) -> None:
        check_positive("arrival_rate", self.arrival_rate)
        check_probability("query_fraction", self.query_fraction)
        check_probability("write_fraction", self.write_fraction)
        total = self.query_fraction + self.write_fraction
        if total > 1:
            raise ValueError(f"query_fraction + write_fraction must be <= 1, got {total:g}")
        check_int("n_partitions", self.n_partitions, minimum=1)
        check_int("items_per_partition", self.items_per_partition, minimum=1, maximum=1_000)
        check_finite("skew", self.skew)
        if self.skew < 0:
            raise ValueError(f"skew must be >= 0 (0 is uniform popularity), got {self.skew!r}")
        check_positive("item_ttl_s", self.item_ttl_s)
        check_positive("query_ttl_s", self.query_ttl_s)
        if not isinstance(self.writes_through_dax, bool):
            raise TypeError(f"writes_through_dax must be True or False, got "
                            f"{self.writes_through_dax!r}")
        check_positive("horizon_s", self.horizon_s)
        expected = self.arrival_rate * self.horizon_s
        if expected > MAX_DAX_REQUESTS:
            raise ValueError(f"arrival_rate * horizon_s must be <= {MAX_DAX_REQUESTS:,} requests "
                             f"on this lab; got {expected:,.0f}")
        check_int("seed", self.seed, minimum=0)


@dataclass(frozen=True)
class DaxResult(Result):
    """The result of :func:`simulate_dax`.

    ``records``: one row per request with ``time_s``, ``op`` (``get_item``, ``query``,
    ``update_item``), ``partition``, ``item`` (-1 for a query), ``cache_hit``, ``stale`` (the
    read returned an older version of some item than the table held), ``stale_items`` (how many
    items of the result were outdated) and ``stale_age_s`` (how long the table had held a newer
    version of the oldest outdated item; 0 for a fresh read).
    """

    config: DaxConfig
    records: pd.DataFrame

    def summary(self) -> dict[str, float]:
        """Per read type: hit ratio, stale fraction, mean and maximum stale age (s)."""
        r = self.records
        out: dict[str, float] = {"requests": int(len(r)),
                                 "writes": int((r.op == "update_item").sum())}
        for op, name in (("get_item", "item"), ("query", "query")):
            reads = r[r.op == op]
            stale = reads[reads.stale]
            nan = float("nan")
            out[f"{name}_reads"] = int(len(reads))
            out[f"{name}_hit_ratio"] = float(reads.cache_hit.mean()) if len(reads) else nan
            out[f"{name}_stale_fraction"] = float(reads.stale.mean()) if len(reads) else nan
            out[f"{name}_stale_age_mean_s"] = float(stale.stale_age_s.mean()) if len(stale) else 0.0
            out[f"{name}_stale_age_max_s"] = float(stale.stale_age_s.max()) if len(stale) else 0.0
        return out


def draw_requests(config: DaxConfig) -> pd.DataFrame:
    """The seeded request stream: ``time_s``, ``op``, ``partition``, ``item``.

    >>> requests = draw_requests(DaxConfig(horizon_s=10.0, seed=1))
    >>> sorted(requests.op.unique().tolist())
    ['get_item', 'query', 'update_item']
    """
    c = config
    time_rng, op_rng, key_rng = spawn_rngs(c.seed, 3)
    n = int(time_rng.poisson(c.arrival_rate * c.horizon_s))
    times = np.sort(time_rng.uniform(0.0, c.horizon_s, n))
    u = op_rng.random(n)
    op_index = np.where(u < c.query_fraction, 1, np.where(u < c.query_fraction + c.write_fraction,
                                                          2, 0))
    partition = key_rng.choice(c.n_partitions, size=n, p=zipf_probabilities(c.n_partitions,
                                                                            c.skew))
    item = key_rng.integers(0, c.items_per_partition, n)
    item = np.where(op_index == 1, -1, item)
    return pd.DataFrame({"time_s": times, "op": np.array(_OPS)[op_index],
                         "partition": partition, "item": item})


class DaxModel:
    """The two caches and the table, one method per request type (see the module docstring)."""

    def __init__(self, config: DaxConfig) -> None:
        self.config = config
        shape = (config.n_partitions, config.items_per_partition)
        self.table = np.zeros(shape, dtype=np.int64)          # version of each item in DynamoDB
        self.write_times: dict[tuple[int, int], list[float]] = {}
        self.item_cache: dict[tuple[int, int], tuple[int, float]] = {}   # version, expires at
        self.query_cache: dict[int, tuple[np.ndarray, float]] = {}       # versions, expires at

    def age_of(self, key: tuple[int, int], version: int, now: float) -> float:
        """How long the table has held a version of ``key`` newer than ``version``."""
        return now - self.write_times[key][version]           # write that made version + 1

    def get_item(self, now: float, partition: int, item: int) -> tuple[bool, int, float]:
        """``GetItem`` through DAX: item cache, else the table (and fill the item cache)."""
        key = (partition, item)
        cached = self.item_cache.get(key)
        if cached is not None and cached[1] > now:
            version, current = cached[0], int(self.table[key])
            if version < current:
                return True, 1, self.age_of(key, version, now)
            return True, 0, 0.0
        self.item_cache[key] = (int(self.table[key]), now + self.config.item_ttl_s)
        return False, 0, 0.0

    def query(self, now: float, partition: int) -> tuple[bool, int, float]:
        """``Query`` of one partition through DAX: query cache, else the table."""
        cached = self.query_cache.get(partition)
        if cached is not None and cached[1] > now:
            versions, current = cached[0], self.table[partition]
            behind = np.flatnonzero(versions < current)
            if len(behind):
                age = max(self.age_of((partition, int(i)), int(versions[i]), now) for i in behind)
                return True, int(len(behind)), age
            return True, 0, 0.0
        self.query_cache[partition] = (self.table[partition].copy(),
                                       now + self.config.query_ttl_s)
        return False, 0, 0.0

    def update_item(self, now: float, partition: int, item: int) -> None:
        """``UpdateItem``: the table gets a new version; through DAX, so does the item cache
        (with a fresh TTL). The query cache is never touched."""
        key = (partition, item)
        self.table[key] += 1
        self.write_times.setdefault(key, []).append(now)
        if self.config.writes_through_dax:
            self.item_cache[key] = (int(self.table[key]), now + self.config.item_ttl_s)


def simulate_dax(config: DaxConfig) -> DaxResult:
    """Replay the configured requests through DAX's item and query caches (module docstring).

    Examples
    --------
    >>> result = simulate_dax(DaxConfig(horizon_s=120.0, query_ttl_s=30.0, seed=2))
    >>> s = result.summary()
    >>> s["item_stale_fraction"], bool(s["query_stale_fraction"] > 0)
    (0.0, True)
    >>> bool(s["query_stale_age_max_s"] <= 30.0)
    True
    """
    if not isinstance(config, DaxConfig):
        raise TypeError(f"config must be a DaxConfig, got {type(config).__name__}")
    requests = draw_requests(config)
    model = DaxModel(config)
    n = len(requests)
    hit = np.zeros(n, dtype=bool)
    stale_items = np.zeros(n, dtype=np.int64)
    age = np.zeros(n)
    ops = requests.op.to_numpy()
    rows = zip(requests.time_s.tolist(), ops.tolist(), requests.partition.tolist(),
               requests.item.tolist(), strict=True)
    for i, (now, op, partition, item) in enumerate(rows):
        if op == "update_item":
            model.update_item(now, partition, item)
            continue
        if op == "get_item":
            hit[i], stale_items[i], age[i] = model.get_item(now, partition, item)
        else:
            hit[i], stale_items[i], age[i] = model.query(now, partition)
    records = requests.assign(cache_hit=hit, stale=stale_items > 0, stale_items=stale_items,
                              stale_age_s=age)
    return DaxResult(config, records)
