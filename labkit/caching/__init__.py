"""Caching: replacement policies, hit-ratio curves, caching strategies, TTL staleness and the
cache stampede.

Policies (pure, clock-injected)
    Cache, LRUCache, LFUCache, FIFOCache, TTLCache, make_cache, CacheStats, POLICIES
Hit-ratio curves
    lru_hit_ratios, lru_hit_counts, stack_distances, simulate_hits, hit_ratio_curve
Workloads
    zipf_probabilities, zipf_trace, request_mix
"""

from labkit.caching.curves import (
    hit_ratio_curve,
    lru_hit_counts,
    lru_hit_ratios,
    simulate_hits,
    stack_distances,
)
from labkit.caching.policies import (
    POLICIES,
    Cache,
    CacheStats,
    FIFOCache,
    LFUCache,
    LRUCache,
    TTLCache,
    make_cache,
)
from labkit.caching.workloads import request_mix, zipf_probabilities, zipf_trace

__all__ = [
    # policies
    "Cache", "LRUCache", "LFUCache", "FIFOCache", "TTLCache", "make_cache", "CacheStats",
    "POLICIES",
    # hit-ratio curves
    "lru_hit_ratios", "lru_hit_counts", "stack_distances", "simulate_hits", "hit_ratio_curve",
    # workloads
    "zipf_probabilities", "zipf_trace", "request_mix",
]
