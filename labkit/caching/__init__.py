"""Caching: replacement policies, hit-ratio curves, caching strategies, TTL staleness and the
cache stampede.

Policies (pure, clock-injected)
    Cache, LRUCache, LFUCache, FIFOCache, TTLCache, make_cache, CacheStats, POLICIES,
    jittered_ttl, should_refresh_early
Hit-ratio curves
    lru_hit_ratios, lru_hit_counts, stack_distances, simulate_hits, hit_ratio_curve
Workloads
    zipf_probabilities, zipf_trace, request_mix
Strategies (SimPy)
    simulate_strategy, compare_strategies, summarize_runs, StrategyRun, STRATEGIES,
    write_fraction_sweep,
    break_even_write_fraction
TTL staleness
    ttl_staleness, simulate_ttl_staleness, StalenessEstimate
Stampede (SimPy)
    simulate_stampede, compare_cures, summarize_cures, StampedeRun, CURES
On AWS
    load_aws_facts, cache_layer_stack, entries_for_hit_ratio, cache_memory_gib

Plots live in :mod:`labkit.caching.plots` (imported on use, so ``import labkit.caching`` stays
free of matplotlib).
"""

from labkit.caching.aws import (
    cache_layer_stack,
    cache_memory_gib,
    entries_for_hit_ratio,
    load_aws_facts,
)
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
    jittered_ttl,
    make_cache,
    should_refresh_early,
)
from labkit.caching.staleness import StalenessEstimate, simulate_ttl_staleness, ttl_staleness
from labkit.caching.stampede import (
    CURES,
    StampedeRun,
    compare_cures,
    simulate_stampede,
    summarize_cures,
)
from labkit.caching.strategies import (
    STRATEGIES,
    StrategyRun,
    break_even_write_fraction,
    compare_strategies,
    simulate_strategy,
    summarize_runs,
    write_fraction_sweep,
)
from labkit.caching.workloads import request_mix, zipf_probabilities, zipf_trace

__all__ = [
    # policies
    "Cache", "LRUCache", "LFUCache", "FIFOCache", "TTLCache", "make_cache", "CacheStats",
    "POLICIES", "jittered_ttl", "should_refresh_early",
    # hit-ratio curves
    "lru_hit_ratios", "lru_hit_counts", "stack_distances", "simulate_hits", "hit_ratio_curve",
    # workloads
    "zipf_probabilities", "zipf_trace", "request_mix",
    # strategies
    "simulate_strategy", "compare_strategies", "summarize_runs", "StrategyRun", "STRATEGIES",
    "write_fraction_sweep",
    "break_even_write_fraction",
    # TTL staleness
    "ttl_staleness", "simulate_ttl_staleness", "StalenessEstimate",
    # stampede
    "simulate_stampede", "compare_cures", "summarize_cures", "StampedeRun", "CURES",
    # on AWS
    "load_aws_facts", "cache_layer_stack", "entries_for_hit_ratio", "cache_memory_gib",
]
