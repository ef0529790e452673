"""TTL staleness: how often a lazily loaded, TTL-bounded cache returns an outdated value.

One key is read at Poisson rate ``read_rate`` and updated in the database at Poisson rate
``update_rate``; the cache loads the key on a miss and keeps it ``ttl_s`` seconds (cache-aside
without invalidation). Per load cycle there is one miss and on average ``read_rate * ttl_s``
hits at ages uniform on [0, ttl_s); a hit at age ``a`` is stale with probability
``1 - exp(-update_rate * a)``. Hence, with ``r = read_rate``, ``u = update_rate``, ``T = ttl_s``
and ``I = T - (1 - exp(-u T)) / u``:

- hit ratio ``r T / (1 + r T)``;
- fraction of reads that are stale ``r I / (1 + r T)``;
- mean age of a stale read (time since the first newer write) ``(T**2 / 2 - I / u) / I``.

:func:`ttl_staleness` evaluates these; :func:`simulate_ttl_staleness` measures the same by
replaying random reads and updates through a :class:`~labkit.caching.policies.TTLCache`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from labkit.caching.policies import TTLCache
from labkit.core.rng import spawn_rngs
from labkit.core.validation import check_int, check_nonnegative, check_positive

__all__ = ["StalenessEstimate", "simulate_ttl_staleness", "ttl_staleness"]


@dataclass(frozen=True)
class StalenessEstimate:
    """Hit ratio, stale-read fraction (of all reads) and mean stale age (s) of one key."""

    hit_ratio: float
    stale_read_fraction: float
    stale_age_mean_s: float

    def as_dict(self) -> dict[str, float]:
        """The three numbers as a dict (a row for a table)."""
        return asdict(self)


def _check(read_rate: float, update_rate: float, ttl_s: float) -> tuple[float, float, float]:
    return (check_positive("read_rate", read_rate),
            check_nonnegative("update_rate", update_rate),
            check_positive("ttl_s", ttl_s))


def ttl_staleness(read_rate: float, update_rate: float, ttl_s: float) -> StalenessEstimate:
    """Closed-form staleness of a TTL cache (see the module docstring).

    Parameters
    ----------
    read_rate : float
        Reads per second of the key (> 0).
    update_rate : float
        Database updates per second of the key (>= 0).
    ttl_s : float
        Time to live of a cached value (> 0).

    Examples
    --------
    >>> e = ttl_staleness(read_rate=10.0, update_rate=0.1, ttl_s=60.0)
    >>> round(e.hit_ratio, 4), round(e.stale_read_fraction, 3), round(e.stale_age_mean_s, 1)
    (0.9983, 0.832, 26.0)
    >>> ttl_staleness(10.0, 0.0, 60.0).stale_read_fraction
    0.0
    """
    r, u, t = _check(read_rate, update_rate, ttl_s)
    hit_ratio = r * t / (1.0 + r * t)
    if u == 0.0:
        return StalenessEstimate(hit_ratio, 0.0, 0.0)
    stale_time = t + math.expm1(-u * t) / u           # integral of 1 - exp(-u a) over [0, T)
    fraction = r * stale_time / (1.0 + r * t)
    age = (t * t / 2.0 - stale_time / u) / stale_time if stale_time > 0 else 0.0
    return StalenessEstimate(hit_ratio, fraction, age)


def simulate_ttl_staleness(read_rate: float, update_rate: float, ttl_s: float, *,
                           n_reads: int = 50_000, seed: int = 0) -> StalenessEstimate:
    """Measure the same numbers by replaying Poisson reads and updates through a TTLCache.

    >>> e = simulate_ttl_staleness(2.0, 0.5, 5.0, n_reads=20_000, seed=1)
    >>> exact = ttl_staleness(2.0, 0.5, 5.0)
    >>> abs(e.stale_read_fraction - exact.stale_read_fraction) < 0.02
    True
    """
    r, u, t = _check(read_rate, update_rate, ttl_s)
    n = check_int("n_reads", n_reads, minimum=1)
    read_rng, update_rng = spawn_rngs(seed, 2)
    reads = np.cumsum(read_rng.exponential(1.0 / r, n))
    horizon = float(reads[-1])
    if u > 0:
        count = update_rng.poisson(u * horizon)
        updates = np.sort(update_rng.uniform(0.0, horizon, count))
    else:
        updates = np.empty(0)
    # version of the database at each read = updates strictly before it
    versions = np.searchsorted(updates, reads, side="left")
    cache = TTLCache(1, ttl_s=t)
    hits = stale = 0
    age_sum = 0.0
    for now, version in zip(reads.tolist(), versions.tolist(), strict=True):
        cached = cache.get("key", now=now)
        if cached is None:
            cache.put("key", version, now=now)
            continue
        hits += 1
        if cached < version:
            stale += 1
            age_sum += now - float(updates[cached])     # first update after the load
    return StalenessEstimate(hits / n, stale / n, age_sum / stale if stale else 0.0)
