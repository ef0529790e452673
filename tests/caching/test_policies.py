"""Replacement policies: exact behaviour on small sequences and properties on random ones."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.caching.policies import FIFOCache, LFUCache, LRUCache, TTLCache, make_cache


def replay(cache, keys):
    return [cache.access(k) for k in keys]


def test_lru_evicts_least_recently_used():
    cache = LRUCache(2)
    assert replay(cache, "abac") == [False, False, True, False]
    assert sorted(cache) == ["a", "c"]          # b was least recently used
    assert cache.stats.evictions == 1


def test_fifo_ignores_hits_when_evicting():
    cache = FIFOCache(2)
    assert replay(cache, "abac") == [False, False, True, False]
    assert sorted(cache) == ["b", "c"]          # a was inserted first


def test_lfu_keeps_frequent_keys_and_breaks_ties_by_recency():
    cache = LFUCache(2)
    replay(cache, "aab")                        # a used twice, b once
    cache.access("c")                           # evicts b (fewest uses)
    assert sorted(cache) == ["a", "c"]
    assert cache.uses("a") == 2
    cache.access("c")                           # a and c both at 2 uses; a used less recently
    cache.access("d")
    assert sorted(cache) == ["c", "d"]


def test_ttl_entry_expires_exactly_at_ttl():
    cache = TTLCache(4, ttl_s=10.0)
    cache.put("k", "v", now=0.0)
    assert cache.get("k", now=9.999) == "v"
    assert cache.get("k", now=10.0) is None
    assert cache.stats.expirations == 1 and cache.stats.misses == 1
    assert len(cache) == 0


def test_per_entry_ttl_overrides_default():
    cache = LRUCache(4, ttl_s=10.0)
    cache.put("short", 1, now=0.0, ttl_s=1.0)
    cache.put("long", 2, now=0.0)
    assert cache.expires_at("short") == 1.0 and cache.expires_at("long") == 10.0
    assert cache.get("short", now=2.0) is None and cache.get("long", now=2.0) == 2


def test_expired_victim_counts_as_expiration_not_eviction():
    cache = LRUCache(1, ttl_s=1.0)
    cache.put("a", 1, now=0.0)
    evicted = cache.put("b", 2, now=5.0)
    assert evicted == []
    assert cache.stats.expirations == 1 and cache.stats.evictions == 0


def test_put_returns_evicted_entries_with_values():
    cache = LRUCache(1)
    cache.put("a", "dirty", now=0.0)
    assert cache.put("b", 1, now=1.0) == [("a", "dirty")]


def test_delete_clear_and_peek():
    cache = LRUCache(3)
    for k in "abc":
        cache.put(k, k.upper())
    assert cache.peek("a") == "A" and cache.stats.lookups == 0
    assert cache.delete("a") and not cache.delete("a")
    cache.clear()
    assert len(cache) == 0


def test_time_must_not_go_backwards():
    cache = LRUCache(2)
    cache.get("a", now=5.0)
    with pytest.raises(ValueError, match="now must not go backwards"):
        cache.get("a", now=4.0)


@pytest.mark.parametrize("policy", ["lru", "lfu", "fifo"])
def test_bad_capacity_is_rejected(policy):
    with pytest.raises(ValueError, match=r"capacity must be an integer in \[1, inf\]"):
        make_cache(policy, 0)
    with pytest.raises(TypeError, match="capacity must be an integer"):
        make_cache(policy, 2.5)


def test_bad_ttl_and_policy_are_rejected():
    with pytest.raises(ValueError, match=r"ttl_s must be in \(0, inf\)"):
        LRUCache(2, ttl_s=-1.0)
    with pytest.raises(ValueError, match="ttl_s"):
        TTLCache(2, ttl_s=None)
    with pytest.raises(ValueError, match=r"ttl_s must be in \(0, inf\)"):
        LRUCache(2).put("a", 1, ttl_s=0.0)
    with pytest.raises(ValueError, match="policy must be one of"):
        make_cache("random", 2)


class ReferenceLRU:
    """A list-based LRU, obviously correct and slow."""

    def __init__(self, capacity):
        self.capacity = capacity
        self.stack: list = []

    def access(self, key):
        hit = key in self.stack
        if hit:
            self.stack.remove(key)
        elif len(self.stack) == self.capacity:
            self.stack.pop()
        self.stack.insert(0, key)
        return hit


keys = st.lists(st.integers(0, 12), min_size=1, max_size=200)


@settings(max_examples=200, deadline=None)
@given(keys, st.integers(1, 10))
def test_lru_matches_reference_and_never_exceeds_capacity(trace, capacity):
    cache, ref = LRUCache(capacity), ReferenceLRU(capacity)
    for k in trace:
        assert cache.access(k) == ref.access(k)
        assert len(cache) <= capacity
        assert set(cache) == set(ref.stack)


operations = st.lists(st.tuples(st.sampled_from(["get", "put", "delete"]), st.integers(0, 9),
                                st.floats(0.0, 3.0)), max_size=150)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["lru", "lfu", "fifo", "ttl"]), st.integers(1, 6), operations)
def test_every_policy_respects_capacity_and_counts_every_lookup(policy, capacity, ops):
    cache = make_cache(policy, capacity, ttl_s=2.0 if policy == "ttl" else None)
    now, gets = 0.0, 0
    for op, key, dt in ops:
        now += dt
        if op == "get":
            gets += 1
            value = cache.get(key, now=now)
            assert value is None or value == key * 10
        elif op == "put":
            cache.put(key, key * 10, now=now)
        else:
            cache.delete(key)
        assert len(cache) <= capacity
    assert cache.stats.lookups == gets
