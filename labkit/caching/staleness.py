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
import warnings
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from labkit.caching.policies import TTLCache
from labkit.core.rng import spawn_rngs
from labkit.core.runner import Config, Result
from labkit.core.validation import check_int, check_limit, check_nonnegative, check_positive

__all__ = ["StalenessConfig", "StalenessEstimate", "StalenessResult", "replay_reads",
           "simulate_ttl_staleness", "ttl_staleness"]

#: Most reads one staleness run replays.
MAX_STALENESS_READS = 5_000_000


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


@dataclass(frozen=True)
class StalenessConfig(Config):
    """One key read at Poisson ``read_rate`` and updated at Poisson ``update_rate`` (per
    second), cached lazily for ``ttl_s``; the run replays ``n_reads`` reads.

    >>> StalenessConfig(read_rate=0)
    Traceback (most recent call last):
    ...
    ValueError: read_rate must be in (0, inf), got 0.0
    """

    read_rate: float = 2.0
    update_rate: float = 0.5
    ttl_s: float = 5.0
    n_reads: int = 50_000
    seed: int = 0

    def validate(self) -> None:
        _check(self.read_rate, self.update_rate, self.ttl_s)
        check_limit("n_reads", self.n_reads, MAX_STALENESS_READS, minimum=1)
        check_int("seed", self.seed, minimum=0)


@dataclass(frozen=True)
class StalenessResult(Result):
    """The result of :func:`simulate_ttl_staleness`: ``records`` has one row per read
    (``time_s``, ``cache_hit``, ``stale``, ``stale_age_s``); ``summary()`` the three numbers
    :func:`ttl_staleness` predicts."""

    config: StalenessConfig
    records: pd.DataFrame

    @property
    def hit_ratio(self) -> float:
        """Share of reads served from the cache."""
        return float(self.records.cache_hit.mean())

    @property
    def stale_read_fraction(self) -> float:
        """Share of all reads that returned an outdated value."""
        return float(self.records.stale.mean())

    @property
    def stale_age_mean_s(self) -> float:
        """Mean time since the first newer write, over stale reads (0 without any)."""
        stale = self.records.stale_age_s[self.records.stale]
        return float(stale.mean()) if len(stale) else 0.0

    def summary(self) -> dict[str, float]:
        """``hit_ratio``, ``stale_read_fraction`` and ``stale_age_mean_s``."""
        return {"hit_ratio": self.hit_ratio, "stale_read_fraction": self.stale_read_fraction,
                "stale_age_mean_s": self.stale_age_mean_s}

    def as_dict(self) -> dict[str, float]:
        """The summary (the same shape as :meth:`StalenessEstimate.as_dict`)."""
        return self.summary()


def replay_reads(reads: np.ndarray, updates: np.ndarray, ttl_s: float) -> pd.DataFrame:
    """Replay sorted read times through a one-key :class:`TTLCache` against sorted update
    times; one row per read (``time_s``, ``cache_hit``, ``stale``, ``stale_age_s``).

    >>> replay_reads(np.array([0.0, 1.0, 3.0]), np.array([0.5]), ttl_s=2.0).stale.tolist()
    [False, True, False]
    """
    versions = np.searchsorted(updates, reads, side="left")   # updates strictly before a read
    cache = TTLCache(1, ttl_s=ttl_s)
    n = len(reads)
    hit = np.zeros(n, dtype=bool)
    stale = np.zeros(n, dtype=bool)
    age = np.zeros(n)
    for i, (now, version) in enumerate(zip(reads.tolist(), versions.tolist(), strict=True)):
        cached = cache.get("key", now=now)
        if cached is None:
            cache.put("key", version, now=now)
            continue
        hit[i] = True
        if cached < version:
            stale[i] = True
            age[i] = now - float(updates[cached])             # first update after the load
    return pd.DataFrame({"time_s": reads, "cache_hit": hit, "stale": stale, "stale_age_s": age})


def simulate_ttl_staleness(config: StalenessConfig | float, *legacy: Any,
                           **legacy_kw: Any) -> StalenessResult:
    """Measure the numbers of :func:`ttl_staleness` by replaying Poisson reads and updates
    through a TTLCache.

    The former call ``simulate_ttl_staleness(read_rate, update_rate, ttl_s, n_reads=..,
    seed=..)`` still works for one release and warns ``DeprecationWarning``.

    >>> e = simulate_ttl_staleness(StalenessConfig(2.0, 0.5, 5.0, n_reads=20_000, seed=1))
    >>> exact = ttl_staleness(2.0, 0.5, 5.0)
    >>> abs(e.stale_read_fraction - exact.stale_read_fraction) < 0.02
    True
    """
    if not isinstance(config, StalenessConfig):
        warnings.warn("simulate_ttl_staleness(read_rate, update_rate, ttl_s, ...) is deprecated "
                      "since labkit 0.2; use simulate_ttl_staleness(StalenessConfig(...))",
                      DeprecationWarning, stacklevel=2)
        config = StalenessConfig(config, *legacy, **legacy_kw)
    elif legacy or legacy_kw:
        raise TypeError("simulate_ttl_staleness takes a StalenessConfig and nothing else")
    c = config
    read_rng, update_rng = spawn_rngs(c.seed, 2)
    reads = np.cumsum(read_rng.exponential(1.0 / c.read_rate, c.n_reads))
    horizon = float(reads[-1])
    if c.update_rate > 0:
        count = update_rng.poisson(c.update_rate * horizon)
        updates = np.sort(update_rng.uniform(0.0, horizon, count))
    else:
        updates = np.empty(0)
    return StalenessResult(c, replay_reads(reads, updates, c.ttl_s))
