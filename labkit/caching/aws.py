"""The AWS side of caching: facts and prices from ``labkit/data/``, the cache-layer latency stack,
and ElastiCache memory sizing from a hit-ratio curve.

- :func:`load_aws_facts`: the caching rows of the AWS facts table (``labkit/data/aws_facts.csv``,
  keys in :data:`CACHE_FACTS`) as a Series of values indexed by key (sources and dates stay in
  the table).
- :func:`cache_layer_stack`: ``labkit/data/aws_cache_layers.csv`` with the latency of a read
  answered at each layer (the hops down to it added up).
- :func:`entries_for_hit_ratio`: the smallest cache size on a curve that reaches a hit ratio.
- :func:`cache_memory_gib`: node memory for that many entries, with ElastiCache's reserved memory.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from labkit.core.data import data_dir
from labkit.core.validation import check_int, check_positive, check_probability

__all__ = ["CACHE_FACTS", "cache_layer_stack", "cache_memory_gib", "entries_for_hit_ratio",
           "load_aws_facts"]

DATA_DIR = data_dir()


def _read(name: str, path: str | Path | None) -> pd.DataFrame:
    file = Path(path) if path is not None else DATA_DIR / name
    if not file.is_file():
        raise FileNotFoundError(f"{file} not found: pass path= or run from the lab's checkout")
    return pd.read_csv(file)


#: Keys of the AWS facts table that the caching notebook uses.
CACHE_FACTS: tuple[str, ...] = (
    "cloudfront_default_ttl_s", "api_gateway_cache_default_ttl_s", "api_gateway_cache_max_ttl_s",
    "api_gateway_cache_max_response_bytes", "api_gateway_cache_smallest_gb",
    "api_gateway_cache_largest_gb", "api_gateway_cache_0_5gb_usd_per_hour",
    "dax_record_ttl_default_s", "dax_query_ttl_default_s", "elasticache_reserved_memory_fraction",
    "elasticache_serverless_redis_usd_per_gb_hour",
    "elasticache_serverless_redis_usd_per_million_ecpu", "elasticache_serverless_min_gb_redis",
    "elasticache_async_durability_max_loss_s",
)


def load_aws_facts(path: str | Path | None = None) -> pd.Series:
    """AWS caching facts (TTLs, limits, prices) as floats indexed by fact key: the
    :data:`CACHE_FACTS` rows of the facts tables, or every row of the facts-format CSV ``path``.

    >>> facts = load_aws_facts()
    >>> float(facts["api_gateway_cache_default_ttl_s"]), float(facts["api_gateway_cache_max_ttl_s"])
    (300.0, 3600.0)
    """
    from labkit.core.facts import facts

    if path is not None:
        frame = _read("", path)
    else:
        frame = facts().set_index("key").loc[list(CACHE_FACTS)].reset_index()
    return pd.Series(frame.value.to_numpy(dtype=float), index=frame.key, name="value")


def cache_layer_stack(path: str | Path | None = None) -> pd.DataFrame:
    """The cache layers in request order with ``answered_latency_s``: the latency of a read
    answered at that layer (all hops down to it; both in-memory caches sit at the same depth).

    >>> stack = cache_layer_stack()
    >>> stack.layer.tolist()[0], bool(stack.answered_latency_s.is_monotonic_increasing)
    ('edge', True)
    """
    frame = _read("aws_cache_layers.csv", path)
    depth_latency: dict[str, float] = {}
    total = 0.0
    for layer, hop in zip(frame.layer, frame.hop_latency_s, strict=True):
        if layer not in depth_latency:
            total += float(hop)
            depth_latency[layer] = total
    answered = []
    for layer, hop in zip(frame.layer, frame.hop_latency_s, strict=True):
        before = [v for k, v in depth_latency.items() if v < depth_latency[layer]]
        answered.append((max(before) if before else 0.0) + float(hop))
    return frame.assign(answered_latency_s=answered)


def entries_for_hit_ratio(curve: pd.Series, target: float) -> int | None:
    """The smallest cache size (index of ``curve``) whose hit ratio reaches ``target``;
    ``None`` if no size on the curve does.

    >>> curve = pd.Series([0.2, 0.5, 0.8], index=[10, 100, 1000])
    >>> entries_for_hit_ratio(curve, 0.5), entries_for_hit_ratio(curve, 0.9)
    (100, None)
    """
    goal = check_probability("target", target)
    if not isinstance(curve, pd.Series):
        raise TypeError(f"curve must be a pandas Series (hit ratio by cache size), got "
                        f"{type(curve).__name__}")
    if curve.empty:
        raise ValueError("curve must hold at least one cache size; got an empty curve")
    values = pd.to_numeric(curve, errors="coerce").to_numpy(dtype=float)
    if np.isnan(values).any() or (values < 0).any() or (values > 1).any():
        raise ValueError("curve values must be hit ratios in [0, 1]")
    ordered = curve.sort_index()
    reached = np.flatnonzero(ordered.to_numpy() >= goal)
    return int(ordered.index[reached[0]]) if len(reached) else None


def cache_memory_gib(entries: int, item_bytes: float, *, reserved_fraction: float = 0.25,
                     overhead_bytes: float = 100.0) -> float:
    """Node memory (GiB) to hold ``entries`` items of ``item_bytes`` each (plus a per-key
    ``overhead_bytes``), when ``reserved_fraction`` of the node's memory is set aside (ElastiCache's
    default ``reserved-memory-percent`` is 25%).

    >>> round(cache_memory_gib(1_000_000, 1_000), 2)
    1.37
    """
    n = check_int("entries", entries, minimum=0)
    size = check_positive("item_bytes", item_bytes)
    reserved = check_probability("reserved_fraction", reserved_fraction)
    if reserved >= 1.0:
        raise ValueError("reserved_fraction must be below 1")
    per_item = size + float(overhead_bytes)
    return n * per_item / (1.0 - reserved) / 2**30
