"""Benchmark: the full LRU hit-ratio curve in one pass vs simulating sizes one by one.

Trace: 1,000,000 requests over 100,000 keys with Zipf skew 0.9 (seeded). The curve is
``labkit.caching.lru_hit_ratios`` for 50 cache sizes; the baseline replays the trace through an
LRU cache for 3 sizes, once with the lab's ``LRUCache`` and once with a minimal OrderedDict loop
(the fastest straightforward simulation in pure Python). Timings are the best of 5 runs taken in
turns (2 for the slow LRUCache replay).
Run: ``.venv/bin/python benchmarks/bench_caching.py``.
"""

from __future__ import annotations

import time
from collections import OrderedDict

import numpy as np

from labkit.caching import lru_hit_counts, simulate_hits, zipf_trace

N_REQUESTS = 1_000_000
N_KEYS = 100_000
SKEW = 0.9
SEED = 0
REPEATS = 5


def minimal_lru_hits(trace: list, capacity: int) -> int:
    cache: OrderedDict = OrderedDict()
    hits = 0
    for key in trace:
        if key in cache:
            cache.move_to_end(key)
            hits += 1
        else:
            cache[key] = None
            if len(cache) > capacity:
                cache.popitem(last=False)
    return hits


def best_of_interleaved(fns: dict, repeats: int = REPEATS) -> dict:
    """Best time and result of each function, running them in turns (A, B, C, A, B, C, ...)
    so that a burst of load on a shared machine does not favour one of them."""
    best = {name: float("inf") for name in fns}
    results: dict = {}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            results[name] = fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: (best[name], results[name]) for name in fns}


def main() -> None:
    trace = zipf_trace(N_REQUESTS, N_KEYS, SKEW, seed=SEED)
    as_list = trace.tolist()
    sizes = sorted({int(s) for s in np.geomspace(1, N_KEYS, 50).round()})
    while len(sizes) < 50:                      # geomspace rounds a few small sizes together
        sizes.append(sizes[-1] + 1)
        sizes = sorted(set(sizes))
    three = [100, 1_000, 10_000]

    extra = [s for s in three if s not in sizes]
    timed = best_of_interleaved({
        "curve": lambda: lru_hit_counts(trace, sizes + extra),
        "minimal": lambda: [minimal_lru_hits(as_list, s) for s in three],
    })
    (curve_s, counts), (minimal_s, minimal_hits) = timed["curve"], timed["minimal"]
    labkit_s, labkit_hits = best_of_interleaved(
        {"labkit": lambda: [simulate_hits(trace, s) for s in three]}, repeats=2)["labkit"]
    assert [int(counts[s]) for s in three] == labkit_hits == minimal_hits, "results differ"

    print(f"trace: {N_REQUESTS:,} requests, {N_KEYS:,} keys, Zipf skew {SKEW}; "
          f"best of {REPEATS} interleaved runs")
    print(f"{'method':<52}{'time (s)':>10}")
    print(f"{'lru_hit_ratios, full curve (' + str(len(sizes)) + ' sizes, one pass)':<52}"
          f"{curve_s:>10.3f}")
    print(f"{'LRUCache replay, 3 sizes one by one':<52}{labkit_s:>10.3f}")
    print(f"{'minimal OrderedDict replay, 3 sizes one by one':<52}{minimal_s:>10.3f}")
    print(f"ratio (3-size minimal replay / full curve): {minimal_s / curve_s:.1f}x")
    print(f"ratio (3-size LRUCache replay / full curve): {labkit_s / curve_s:.1f}x")
    print("hit ratios at 100 / 1,000 / 10,000 entries: "
          + " / ".join(f"{counts[s] / N_REQUESTS:.3f}" for s in three))


if __name__ == "__main__":
    main()
