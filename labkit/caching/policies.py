"""Cache replacement policies: LRU, LFU, FIFO and TTL caches with one interface.

Each cache is pure, clock-injected logic (``now`` is passed in, never read from a clock), so the
same object runs inside a SimPy model (``env.now``) or over a plain request trace.

- :class:`LRUCache` evicts the least recently used entry.
- :class:`LFUCache` evicts the least frequently used entry (ties: the least recently used).
- :class:`FIFOCache` evicts the oldest inserted entry, whatever its use.
- :class:`TTLCache` is an LRU cache whose entries also expire ``ttl_s`` seconds after they were
  written (ElastiCache and Memcached keys with an expiry behave like this).
- :func:`make_cache` builds one by name; :class:`CacheStats` holds the counters.
- Expiry rules against a cache stampede: :func:`jittered_ttl` and :func:`should_refresh_early`
  (probabilistic early refresh, "XFetch").

Every cache has ``get``, ``put``, ``delete``, ``access`` (get, and on a miss put), ``clear``
(a crash or flush) and ``stats``. Any cache accepts ``ttl_s`` so expiry can be combined with any
replacement policy; ``put(..., ttl_s=...)`` overrides it per entry (jittered TTLs).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from typing import Any

from labkit.core.validation import (
    check_choice,
    check_finite,
    check_int,
    check_positive,
    check_time,
)

__all__ = [
    "POLICIES",
    "Cache",
    "CacheStats",
    "FIFOCache",
    "LFUCache",
    "LRUCache",
    "TTLCache",
    "jittered_ttl",
    "make_cache",
    "should_refresh_early",
]

POLICIES = ("lru", "lfu", "fifo", "ttl")

_MISSING = object()


@dataclass(frozen=True)
class CacheStats:
    """Counters of one cache: lookups that hit or missed, entries evicted (to make room) and
    entries that expired (their TTL ran out).

    >>> CacheStats(hits=3, misses=1, evictions=0, expirations=0).hit_ratio
    0.75
    """

    hits: int
    misses: int
    evictions: int
    expirations: int

    @property
    def lookups(self) -> int:
        """Hits plus misses."""
        return self.hits + self.misses

    @property
    def hit_ratio(self) -> float:
        """Hits / lookups (0.0 before the first lookup)."""
        return self.hits / self.lookups if self.lookups else 0.0


class Cache:
    """What every cache shares: storage, expiry and statistics. Subclasses choose the victim
    (:class:`LRUCache`, :class:`LFUCache`, :class:`FIFOCache`, :class:`TTLCache`)."""

    policy = "base"

    def __init__(self, capacity: int, *, ttl_s: float | None = None) -> None:
        self.capacity = check_int("capacity", capacity, minimum=1)
        self.ttl_s = None if ttl_s is None else check_positive("ttl_s", ttl_s)
        self._values: dict[Hashable, Any] = {}
        self._expires: dict[Hashable, float] = {}
        self._last_now: float | None = None
        self._hits = self._misses = self._evictions = self._expirations = 0

    # -- policy hooks ---------------------------------------------------------------------
    def _on_insert(self, key: Hashable) -> None:
        raise NotImplementedError

    def _on_use(self, key: Hashable) -> None:
        raise NotImplementedError

    def _on_remove(self, key: Hashable) -> None:
        raise NotImplementedError

    def _victim(self) -> Hashable:
        raise NotImplementedError

    # -- helpers --------------------------------------------------------------------------
    def _clock(self, now: float) -> float:
        t = check_time("now", now, self._last_now)
        self._last_now = t
        return t

    def _expired(self, key: Hashable, now: float) -> bool:
        expires = self._expires.get(key)
        return expires is not None and now >= expires

    def _drop(self, key: Hashable) -> Any:
        self._on_remove(key)
        self._expires.pop(key, None)
        return self._values.pop(key)

    # -- public interface -----------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(list(self._values))

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(capacity={self.capacity}, ttl_s={self.ttl_s}, size={len(self)})"

    def contains(self, key: Hashable, *, now: float = 0.0) -> bool:
        """True if ``key`` holds a live (unexpired) value; counts nothing, changes no order."""
        t = self._clock(now)
        return key in self._values and not self._expired(key, t)

    def peek(self, key: Hashable, default: Any = None, *, now: float = 0.0) -> Any:
        """The live value of ``key`` (or ``default``) without counting a lookup or a use."""
        return self._values[key] if self.contains(key, now=now) else default

    def get(self, key: Hashable, default: Any = None, *, now: float = 0.0) -> Any:
        """Look ``key`` up at time ``now``: its value on a hit, ``default`` on a miss.

        An entry whose TTL has run out is removed and counted as an expiration and a miss.
        """
        t = self._clock(now)
        if key in self._values:
            if self._expired(key, t):
                self._drop(key)
                self._expirations += 1
            else:
                self._hits += 1
                self._on_use(key)
                return self._values[key]
        self._misses += 1
        return default

    def put(self, key: Hashable, value: Any, *, now: float = 0.0,
            ttl_s: float | None = None) -> list[tuple[Hashable, Any]]:
        """Store ``value`` under ``key`` at time ``now``; return the entries evicted to make room.

        ``ttl_s`` overrides the cache's TTL for this entry (``None`` keeps the cache's default).
        Evicted entries are returned as ``(key, value)`` pairs so a write-behind cache can flush
        a dirty one before it is gone; an entry found expired while choosing a victim is
        counted as an expiration, not an eviction.
        """
        t = self._clock(now)
        ttl = self.ttl_s if ttl_s is None else check_positive("ttl_s", ttl_s)
        evicted: list[tuple[Hashable, Any]] = []
        if key in self._values:
            self._values[key] = value
            self._on_use(key)
        else:
            while len(self._values) >= self.capacity:
                victim = self._victim()
                expired = self._expired(victim, t)
                old = self._drop(victim)
                if expired:
                    self._expirations += 1
                else:
                    self._evictions += 1
                    evicted.append((victim, old))
            self._values[key] = value
            self._on_insert(key)
        if ttl is None:
            self._expires.pop(key, None)
        else:
            self._expires[key] = t + ttl
        return evicted

    def delete(self, key: Hashable) -> bool:
        """Remove ``key`` (an invalidation); True if it was there."""
        if key in self._values:
            self._drop(key)
            return True
        return False

    def access(self, key: Hashable, *, now: float = 0.0) -> bool:
        """Read ``key`` and on a miss load it (value = key): True on a hit. For trace replays."""
        if self.get(key, _MISSING, now=now) is not _MISSING:
            return True
        self.put(key, key, now=now)
        return False

    def clear(self) -> None:
        """Drop every entry (a node restart); statistics are kept."""
        for key in list(self._values):
            self._drop(key)

    def expires_at(self, key: Hashable) -> float | None:
        """When ``key`` expires (``None``: never, or not cached)."""
        return self._expires.get(key)

    @property
    def stats(self) -> CacheStats:
        """Hits, misses, evictions and expirations so far."""
        return CacheStats(self._hits, self._misses, self._evictions, self._expirations)


class LRUCache(Cache):
    """Least recently used: on a full cache, evict the entry unused for the longest time.

    Parameters
    ----------
    capacity : int
        Entries the cache holds (>= 1).
    ttl_s : float, optional
        Default time to live of an entry in seconds (> 0); ``None``: entries never expire.

    Examples
    --------
    >>> cache = LRUCache(2)
    >>> [cache.access(k) for k in "abacb"]
    [False, False, True, False, False]
    >>> sorted(cache), cache.stats.evictions
    (['b', 'c'], 2)
    """

    policy = "lru"

    def __init__(self, capacity: int, *, ttl_s: float | None = None) -> None:
        super().__init__(capacity, ttl_s=ttl_s)
        self._order: OrderedDict[Hashable, None] = OrderedDict()

    def _on_insert(self, key: Hashable) -> None:
        self._order[key] = None

    def _on_use(self, key: Hashable) -> None:
        self._order.move_to_end(key)

    def _on_remove(self, key: Hashable) -> None:
        del self._order[key]

    def _victim(self) -> Hashable:
        return next(iter(self._order))


class FIFOCache(LRUCache):
    """First in, first out: evict the entry inserted longest ago; a hit changes nothing.

    >>> cache = FIFOCache(2)
    >>> [cache.access(k) for k in "abacb"]
    [False, False, True, False, True]
    """

    policy = "fifo"

    def _on_use(self, key: Hashable) -> None:
        pass


class LFUCache(Cache):
    """Least frequently used: evict the entry with the fewest uses since it was inserted;
    among equals, the one used least recently. Uses are counted in O(1) with frequency buckets.

    >>> cache = LFUCache(2)
    >>> [cache.access(k) for k in "aabcab"]
    [False, True, False, False, True, False]
    >>> sorted(cache)
    ['a', 'b']
    """

    policy = "lfu"

    def __init__(self, capacity: int, *, ttl_s: float | None = None) -> None:
        super().__init__(capacity, ttl_s=ttl_s)
        self._count: dict[Hashable, int] = {}
        self._buckets: dict[int, OrderedDict[Hashable, None]] = {}
        self._min = 0

    def _bucket_add(self, key: Hashable, count: int) -> None:
        self._count[key] = count
        self._buckets.setdefault(count, OrderedDict())[key] = None

    def _bucket_remove(self, key: Hashable) -> int:
        count = self._count.pop(key)
        bucket = self._buckets[count]
        del bucket[key]
        if not bucket:
            del self._buckets[count]
        return count

    def _on_insert(self, key: Hashable) -> None:
        self._bucket_add(key, 1)
        self._min = 1

    def _on_use(self, key: Hashable) -> None:
        count = self._bucket_remove(key)
        self._bucket_add(key, count + 1)
        if count == self._min and count not in self._buckets:
            self._min = count + 1

    def _on_remove(self, key: Hashable) -> None:
        self._bucket_remove(key)
        if self._buckets and self._min not in self._buckets:
            self._min = min(self._buckets)

    def _victim(self) -> Hashable:
        return next(iter(self._buckets[self._min]))

    def uses(self, key: Hashable) -> int:
        """Uses counted for ``key`` (0 if not cached)."""
        return self._count.get(key, 0)


class TTLCache(LRUCache):
    """An LRU cache whose entries expire ``ttl_s`` seconds after they were written.

    >>> cache = TTLCache(10, ttl_s=5.0)
    >>> _ = cache.put("k", 1, now=0.0)
    >>> cache.get("k", now=4.9), cache.get("k", now=5.0)
    (1, None)
    >>> cache.stats.expirations
    1
    """

    policy = "ttl"

    def __init__(self, capacity: int, *, ttl_s: float) -> None:
        if ttl_s is None:
            raise ValueError("ttl_s must be in (0, inf) for a TTLCache, got None")
        super().__init__(capacity, ttl_s=ttl_s)


def make_cache(policy: str, capacity: int, *, ttl_s: float | None = None) -> Cache:
    """Build a cache by policy name: ``"lru"``, ``"lfu"``, ``"fifo"`` or ``"ttl"``.

    >>> make_cache("lfu", 100)
    LFUCache(capacity=100, ttl_s=None, size=0)
    """
    name = check_choice("policy", policy, POLICIES)
    cls = {"lru": LRUCache, "lfu": LFUCache, "fifo": FIFOCache, "ttl": TTLCache}[name]
    return cls(capacity, ttl_s=ttl_s)


def jittered_ttl(ttl_s: float, jitter: float, u: float) -> float:
    """A TTL spread uniformly over ``ttl_s * [1 - jitter, 1 + jitter)`` by a uniform draw ``u``.

    Keys loaded together then expire at different times instead of all at once (one cure for a
    cache stampede).

    >>> jittered_ttl(60.0, 0.1, 0.0), jittered_ttl(60.0, 0.1, 0.5)
    (54.0, 60.0)
    """
    ttl = check_positive("ttl_s", ttl_s)
    j = _check_fraction("jitter", jitter)
    uu = _check_fraction("u", u)
    return ttl * (1.0 - j + 2.0 * j * uu)


def should_refresh_early(now: float, expires_at: float, recompute_s: float, beta: float,
                         u: float) -> bool:
    """Probabilistic early expiration (XFetch; Vattani, Chierichetti and Lowenstein, 2015).

    A reader refreshes a still-valid entry early when
    ``now - recompute_s * beta * ln(u) >= expires_at`` for a uniform draw ``u`` in (0, 1]: the
    closer the expiry and the slower the recomputation, the likelier; ``beta > 1`` refreshes
    earlier. Usually one reader refreshes before the entry expires, so no crowd ever misses.

    >>> should_refresh_early(9.0, 10.0, 0.5, 1.0, u=1.0)    # ln(1) = 0: only at expiry
    False
    >>> should_refresh_early(9.0, 10.0, 0.5, 1.0, u=0.1)    # 9 + 0.5 * 2.30 >= 10
    True
    """
    t = check_time("now", now, None)
    delta = check_positive("recompute_s", recompute_s)
    b = check_positive("beta", beta)
    uu = _check_fraction("u", u)
    if uu <= 0.0:
        raise ValueError(f"u must be in (0, 1], got {uu!r}")
    return t - delta * b * math.log(uu) >= expires_at


def _check_fraction(name: str, value: float) -> float:
    x = check_finite(name, value)
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {x!r}")
    return x
