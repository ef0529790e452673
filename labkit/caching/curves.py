"""Hit-ratio curves: how the hit ratio grows with cache size.

- :func:`stack_distances`: for every request, the key's depth in an LRU stack (1 = the most
  recently used key), 0 for a key's first request. LRU with capacity ``c`` hits exactly the
  requests whose distance is between 1 and ``c`` (Mattson et al., 1970), so one pass over the
  trace gives the hit ratio of *every* cache size at once.
- :func:`lru_hit_counts` / :func:`lru_hit_ratios`: exact LRU hits / hit ratio per size, from
  the stack distances.
- :func:`simulate_hits`: the straightforward way (replay the trace through one cache of one
  size and count); exact for any policy, but one full pass per size.
- :func:`hit_ratio_curve`: a curve for any policy (LRU through stack distances, the others by
  replay).

How the one-pass count works: with ``p`` the previous request of the same key, the distance of
request ``i`` is 1 + the number of distinct keys requested strictly between ``p`` and ``i``, which
equals ``#{j < i : prev[j] <= p} - p`` where ``prev[j]`` is request ``j``'s own previous request
(-1 for a first request). Counting "earlier and smaller" for all requests at once is done one
bit of the rank at a time with NumPy (a radix split, O(n log n)), with no Python-level loop over
requests.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from numbers import Integral

import numpy as np
import pandas as pd

from labkit.caching.policies import POLICIES, make_cache
from labkit.core.validation import check_choice, check_int

__all__ = [
    "hit_ratio_curve",
    "lru_hit_counts",
    "lru_hit_ratios",
    "simulate_hits",
    "stack_distances",
]


def _codes(trace: Sequence | np.ndarray | pd.Series) -> np.ndarray:
    """Integer codes for the keys of ``trace`` (any hashable keys); rejects an empty trace."""
    if isinstance(trace, (str, bytes)):
        raise TypeError("trace must be a sequence of keys, not a single string")
    try:
        n = len(trace)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"trace must be a sequence of keys, got {type(trace).__name__}") from None
    if n == 0:
        raise ValueError("trace must hold at least one request, got an empty trace")
    arr = np.asarray(trace) if not isinstance(trace, pd.Series) else trace.to_numpy()
    if arr.ndim != 1:
        raise ValueError(f"trace must be one-dimensional, got shape {arr.shape}")
    if arr.dtype.kind in "iub":
        ints = arr.astype(np.int64, copy=False)
        if ints.min() >= 0 and ints.max() < 2**32:
            return ints
        codes, _ = pd.factorize(ints)
        return codes.astype(np.int64, copy=False)
    codes, _ = pd.factorize(pd.Series(list(trace), dtype=object), use_na_sentinel=False)
    return codes.astype(np.int64, copy=False)


def _sizes(sizes: int | Iterable[int]) -> list[int]:
    values = [sizes] if isinstance(sizes, Integral) else list(sizes)
    if not values:
        raise ValueError("sizes must hold at least one cache size")
    checked = [check_int("sizes", s, minimum=1) for s in values]
    if len(set(checked)) != len(checked):
        raise ValueError("sizes must be distinct cache sizes")
    return checked


def _earlier_smaller(ranks: np.ndarray) -> np.ndarray:
    """For a permutation ``ranks`` of 0..m-1: how many earlier entries are smaller than each.

    Most significant bit first, the entries are kept grouped by the rank bits seen so far and in
    trace order inside a group; an entry whose current bit is 1 is larger than every entry of
    its group with bit 0, so it adds the number of such entries before it. Then the group is
    split stably by that bit. Because the ranks are a permutation, every group but the last is a
    full block of ranks, so where a group starts, and how many bit-0 entries precede it, follow
    from the rank itself. Value and running count travel packed in one int64.
    """
    m = len(ranks)
    levels = max(1, int(m - 1).bit_length())
    packed = ranks.astype(np.int64) << 32          # high 32 bits: rank; low 32 bits: the count
    index = np.arange(m, dtype=np.int64)
    zeros_upto = np.zeros(m + 1, dtype=np.int64)
    for bit in range(levels - 1, -1, -1):
        shift = 32 + bit
        # every earlier group is a full block of 2**(bit+1) ranks, half of them with this bit 0
        half_start = (packed >> (shift + 1)) << bit
        zeros = (packed & (1 << shift)) == 0
        np.cumsum(zeros, out=zeros_upto[1:])
        zeros_seen = zeros_upto[:-1]
        zeros_before = zeros_seen - half_start     # bit-0 entries earlier in the same group
        packed += np.where(zeros, 0, zeros_before)
        target = np.where(zeros, zeros_seen + half_start, (index + (1 << bit)) - zeros_before)
        moved = np.empty_like(packed)
        moved[target] = packed
        packed = moved
    counts_by_rank = packed & 0xFFFFFFFF              # entries now sit in rank order
    return counts_by_rank[ranks]


def _stable_order(codes: np.ndarray) -> np.ndarray:
    """``argsort(codes, kind="stable")`` for non-negative int codes below 2**32, as two 16-bit
    radix passes (NumPy radix-sorts 16-bit keys), several times faster than a 64-bit sort."""
    if len(codes) and int(codes.max()) < 2**16:
        return np.argsort(codes.astype(np.uint16), kind="stable")
    order = np.argsort((codes & 0xFFFF).astype(np.uint16), kind="stable")
    high = (codes >> 16).astype(np.uint16)
    return order[np.argsort(high[order], kind="stable")]


def stack_distances(trace: Sequence | np.ndarray | pd.Series) -> np.ndarray:
    """LRU stack distance of every request: 1 + distinct keys since the key's last request.

    A first request (a compulsory miss at any size) gets 0. An LRU cache of capacity ``c``
    hits request ``i`` exactly when ``1 <= distance[i] <= c``.

    Parameters
    ----------
    trace : sequence of hashable keys
        The requests in order (ints are fastest; any hashable works). Not empty.

    Returns
    -------
    numpy.ndarray of int64, one entry per request.

    Examples
    --------
    >>> stack_distances(["a", "b", "a", "c", "b", "b"]).tolist()
    [0, 0, 2, 0, 3, 1]
    """
    codes = _codes(trace)
    n = len(codes)
    if n >= 2**31:
        raise ValueError(f"trace must hold fewer than 2**31 requests, got {n}")
    order = _stable_order(codes)
    sorted_codes = codes[order]
    previous = np.full(n, -1, dtype=np.int64)
    same = sorted_codes[1:] == sorted_codes[:-1]
    previous[order[1:][same]] = order[:-1][same]
    first = previous < 0
    repeat = ~first
    firsts_before = np.cumsum(first) - first          # first requests earlier than each request
    prev = previous[repeat]
    distances = np.zeros(n, dtype=np.int64)
    if len(prev):
        # prev values are distinct positions: turn them into ranks 0..m-1 without sorting
        present = np.zeros(n, dtype=np.int64)
        present[prev] = 1
        ranks = np.cumsum(present)[prev] - 1
        # #{j < i : previous[j] <= p} = first requests before i + repeats before i with smaller p
        distances[repeat] = firsts_before[repeat] + _earlier_smaller(ranks) - prev
    return distances


def lru_hit_counts(trace: Sequence | np.ndarray | pd.Series,
                   sizes: int | Iterable[int]) -> pd.Series:
    """Exact number of LRU hits for each cache size, from one pass over the trace.

    Examples
    --------
    >>> lru_hit_counts(["a", "b", "a", "c", "b", "b"], [1, 2, 3]).tolist()
    [1, 2, 3]
    """
    checked = _sizes(sizes)
    distances = stack_distances(trace)
    histogram = np.bincount(distances)
    cumulative = np.cumsum(histogram)                 # cumulative[d] = #{distance <= d}
    first = int(histogram[0])
    top = len(cumulative) - 1
    hits = [int(cumulative[min(s, top)]) - first for s in checked]
    return pd.Series(hits, index=pd.Index(checked, name="cache_size"), name="hits",
                     dtype="int64")


def lru_hit_ratios(trace: Sequence | np.ndarray | pd.Series,
                   sizes: int | Iterable[int]) -> pd.Series:
    """Exact LRU hit ratio for each cache size, one pass over the trace (stack distances).

    The hit ratio counts every request, first requests included (they miss at any size).

    Parameters
    ----------
    trace : sequence of hashable keys
        The requests in order; not empty.
    sizes : int or iterable of int
        Cache capacities in entries (each >= 1, distinct).

    Returns
    -------
    pandas.Series
        Hit ratio in [0, 1], index = cache size (named ``cache_size``), name ``hit_ratio``.

    Examples
    --------
    >>> lru_hit_ratios(["a", "b", "a", "c", "b", "b"], [1, 2, 3]).round(3).tolist()
    [0.167, 0.333, 0.5]
    """
    counts = lru_hit_counts(trace, sizes)
    n = len(trace)  # type: ignore[arg-type]
    return (counts / n).rename("hit_ratio")


def simulate_hits(trace: Sequence | np.ndarray | pd.Series, capacity: int,
                  policy: str = "lru") -> int:
    """Replay ``trace`` through one cache of ``capacity`` entries and count the hits.

    The straightforward (one size per pass) method, for any policy in ``POLICIES`` except
    ``"ttl"`` (which needs timestamps).

    >>> simulate_hits(["a", "b", "a", "c", "b", "b"], 2)
    2
    """
    name = check_choice("policy", policy, tuple(p for p in POLICIES if p != "ttl"))
    codes = _codes(trace)
    cache = make_cache(name, capacity)
    access = cache.access
    return sum(access(key) for key in codes.tolist())


def hit_ratio_curve(trace: Sequence | np.ndarray | pd.Series, sizes: int | Iterable[int],
                    policy: str = "lru") -> pd.Series:
    """Hit ratio per cache size for a policy: LRU in one pass, LFU/FIFO by replaying each size.

    >>> hit_ratio_curve(["a", "b", "a", "c", "b", "b"], [1, 2], policy="fifo").round(3).tolist()
    [0.167, 0.5]
    """
    name = check_choice("policy", policy, tuple(p for p in POLICIES if p != "ttl"))
    if name == "lru":
        return lru_hit_ratios(trace, sizes)
    checked = _sizes(sizes)
    n = len(_codes(trace))
    hits = [simulate_hits(trace, s, name) / n for s in checked]
    return pd.Series(hits, index=pd.Index(checked, name="cache_size"), name="hit_ratio")
