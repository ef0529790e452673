"""Caching: replacement policies, hit-ratio curves, caching strategies, TTL staleness and the
cache stampede.

Policies (pure, clock-injected)
    Cache, LRUCache, LFUCache, FIFOCache, TTLCache, make_cache, CacheStats, POLICIES,
    jittered_ttl, should_refresh_early
Hit-ratio curves
    lru_hit_ratios, lru_hit_counts, stack_distances, simulate_hits, hit_ratio_curve
Workloads
    zipf_probabilities, zipf_trace, request_mix
Strategies (SimPy; configuration -> run -> records)
    StrategyConfig, simulate_strategy, StrategyResult, compare_strategies, summarize_runs,
    STRATEGIES, write_fraction_sweep, break_even_write_fraction
TTL staleness
    ttl_staleness, StalenessEstimate (closed form); StalenessConfig, simulate_ttl_staleness,
    StalenessResult (replay)
Stampede (SimPy)
    StampedeConfig, simulate_stampede, StampedeResult, compare_cures, summarize_cures, CURES
DynamoDB Accelerator (DAX)
    DaxConfig, simulate_dax, DaxResult (item cache vs query cache staleness)
On AWS
    load_aws_facts, cache_layer_stack, entries_for_hit_ratio, cache_memory_gib

Plots live in :mod:`labkit.caching.plots` and the explorer's figure in
:mod:`labkit.caching.explorers` (imported on use, so ``import labkit.caching`` stays free of
matplotlib). The former result names ``StrategyRun`` and ``StampedeRun`` remain as aliases.
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
from labkit.caching.dax import DaxConfig, DaxResult, simulate_dax
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
from labkit.caching.staleness import (
    StalenessConfig,
    StalenessEstimate,
    StalenessResult,
    simulate_ttl_staleness,
    ttl_staleness,
)
from labkit.caching.stampede import (
    CURES,
    StampedeConfig,
    StampedeResult,
    StampedeRun,
    compare_cures,
    simulate_stampede,
    summarize_cures,
)
from labkit.caching.strategies import (
    STRATEGIES,
    StrategyConfig,
    StrategyResult,
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
    "StrategyConfig", "simulate_strategy", "StrategyResult", "compare_strategies",
    "summarize_runs", "StrategyRun", "STRATEGIES", "write_fraction_sweep",
    "break_even_write_fraction",
    # TTL staleness
    "ttl_staleness", "StalenessEstimate", "StalenessConfig", "simulate_ttl_staleness",
    "StalenessResult",
    # stampede
    "StampedeConfig", "simulate_stampede", "StampedeResult", "compare_cures", "summarize_cures",
    "StampedeRun", "CURES",
    # DAX
    "DaxConfig", "simulate_dax", "DaxResult",
    # on AWS
    "load_aws_facts", "cache_layer_stack", "entries_for_hit_ratio", "cache_memory_gib",
]
