"""A CDN in front of the origin: hit ratio from popularity and TTL, and the origin's load.

Model (a TTL cache at one edge, capacity not binding, as for CloudFront serving a catalogue of
``n_objects`` whose popularity follows Zipf's law with exponent ``zipf_s``):

- Requests arrive as a Poisson stream of ``arrival_rate`` per second; object ``i`` (rank ``i``)
  gets ``p_i = i^-s / sum_j j^-s`` of them.
- A miss fetches the object from the origin and caches it for ``ttl_s``; every request in that
  window is a hit. Per object the cycle is one miss plus on average ``lambda_i * T`` hits, so its
  hit ratio is ``lambda_i T / (1 + lambda_i T)``; the CDN's is the popularity-weighted mean.
- The origin (API Gateway, Lambda, DynamoDB behind it) sees ``arrival_rate x (1 - hit ratio)``.

- An **invalidation** (CloudFront ``CreateInvalidation`` on ``/*``) empties the edge: the next
  request for every object is a miss, so the origin sees a burst right after it.

Functions
    zipf_popularity, cdn_hit_ratio, origin_load, run_cdn (and its configuration CdnConfig)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from labkit.core.rng import spawn_rngs
from labkit.core.runner import Config, Result, deprecated_alias
from labkit.core.validation import (
    check_expected_work,
    check_int,
    check_nonnegative,
    check_positive,
    check_probability,
)

__all__ = ["CdnConfig", "CdnResult", "cdn_hit_ratio", "origin_load", "run_cdn", "simulate_cdn",
           "zipf_popularity"]

MAX_CDN_REQUESTS = 2_000_000
MAX_OBJECTS = 1_000_000


def zipf_popularity(n_objects: int, zipf_s: float = 1.0) -> np.ndarray:
    """Share of requests for each object by rank (sums to 1).

    >>> [round(float(p), 3) for p in zipf_popularity(3, 1.0)]
    [0.545, 0.273, 0.182]
    """
    n = check_int("n_objects", n_objects, minimum=1)
    s = check_nonnegative("zipf_s", zipf_s)
    w = np.arange(1, n + 1, dtype=float) ** -s
    return w / w.sum()


def cdn_hit_ratio(arrival_rate: float, ttl_s: float, n_objects: int,
                  zipf_s: float = 1.0) -> float:
    """Expected share of requests the edge answers from cache (TTL model above).

    Examples
    --------
    One object requested 10 times a second, cached 1 s: 10 hits per miss.

    >>> round(cdn_hit_ratio(10.0, 1.0, 1), 4)
    0.9091
    """
    lam = check_positive("arrival_rate", arrival_rate)
    ttl = check_nonnegative("ttl_s", ttl_s)
    p = zipf_popularity(n_objects, zipf_s)
    x = lam * p * ttl
    return float((p * x / (1.0 + x)).sum())


def origin_load(arrival_rate: float, hit_ratio: float) -> float:
    """Requests per second that pass the CDN and reach the origin.

    >>> round(origin_load(1000.0, 0.9), 6)
    100.0
    """
    lam = check_nonnegative("arrival_rate", arrival_rate)
    h = check_probability("hit_ratio", hit_ratio)
    return lam * (1.0 - h)


@dataclass(frozen=True)
class CdnConfig(Config):
    """One edge cache in front of an origin: viewer traffic, catalogue, TTL and invalidations.

    ``invalidation_times_s`` are the moments a ``/*`` invalidation empties the cache (sorted,
    inside ``[0, horizon_s)``); at most ``arrival_rate x horizon_s`` = 2,000,000 requests.

    >>> CdnConfig(ttl_s=-1)
    Traceback (most recent call last):
    ...
    ValueError: ttl_s must be in [0, inf), got -1.0
    """

    arrival_rate: float = 200.0
    ttl_s: float = 60.0
    n_objects: int = 1_000
    zipf_s: float = 1.0
    invalidation_times_s: tuple[float, ...] = ()
    horizon_s: float = 60.0
    seed: int = 0

    def validate(self) -> None:
        check_positive("arrival_rate", self.arrival_rate)
        check_nonnegative("ttl_s", self.ttl_s)
        check_int("n_objects", self.n_objects, minimum=1, maximum=MAX_OBJECTS)
        check_nonnegative("zipf_s", self.zipf_s)
        horizon = check_positive("horizon_s", self.horizon_s)
        check_int("seed", self.seed, minimum=0)
        check_expected_work(self.arrival_rate, horizon, MAX_CDN_REQUESTS)
        times = self.invalidation_times_s
        if not isinstance(times, tuple) or list(times) != sorted(times) or any(
                not 0 <= t < horizon for t in times):
            raise ValueError(f"invalidation_times_s must be a sorted tuple of times in "
                             f"[0, horizon_s), got {times!r}")


@dataclass(frozen=True)
class CdnResult(Result):
    """A run of the edge cache: ``records`` has one row per viewer request (``arrival_s``,
    ``object`` (rank, 0 = most popular), ``hit``)."""

    config: CdnConfig
    records: pd.DataFrame

    def summary(self) -> dict[str, Any]:
        """Requests, measured and expected hit ratio, origin requests per second."""
        r = self.records
        c = self.config
        misses = int((~r.hit).sum())
        return {
            "n_requests": len(r),
            "hit_ratio": float(r.hit.mean()) if len(r) else float("nan"),
            "expected_hit_ratio": cdn_hit_ratio(c.arrival_rate, c.ttl_s, c.n_objects, c.zipf_s),
            "origin_requests": misses,
            "origin_rps": misses / c.horizon_s,
        }

    def origin_rps_series(self, bin_s: float = 1.0) -> pd.DataFrame:
        """Origin requests per second in bins of ``bin_s`` (``time_s`` = bin start).

        >>> r = run_cdn(CdnConfig(arrival_rate=100, horizon_s=10, seed=1))
        >>> list(r.origin_rps_series(5.0).time_s)
        [0.0, 5.0]
        """
        width = check_positive("bin_s", bin_s)
        edges = np.arange(0.0, self.config.horizon_s + width / 2, width)
        misses = self.records.arrival_s[~self.records.hit].to_numpy()
        counts, _ = np.histogram(misses, bins=edges)
        return pd.DataFrame({"time_s": edges[:-1], "origin_rps": counts / width})


def _edge_hits(arrivals: np.ndarray, objects: np.ndarray, n_objects: int, ttl: float,
               invalidations: tuple[float, ...]) -> np.ndarray:
    """Replay the requests through a TTL cache that ``invalidations`` empty."""
    cached_until = np.full(n_objects, -np.inf)
    hit = np.zeros(len(arrivals), dtype=bool)
    pending = list(invalidations)
    for i in range(len(arrivals)):
        t = arrivals[i]
        while pending and pending[0] <= t:
            pending.pop(0)
            cached_until[:] = -np.inf
        k = objects[i]
        if t < cached_until[k]:
            hit[i] = True
        else:
            cached_until[k] = t + ttl
    return hit


def run_cdn(config: CdnConfig) -> CdnResult:
    """Seeded request-by-request run of the TTL edge cache (with invalidations).

    >>> r = run_cdn(CdnConfig(arrival_rate=200.0, ttl_s=5.0, n_objects=100, horizon_s=30,
    ...                       seed=1))
    >>> s = r.summary()
    >>> bool(abs(s["hit_ratio"] - s["expected_hit_ratio"]) < 0.03)
    True
    """
    if not isinstance(config, CdnConfig):
        raise TypeError(f"config must be a CdnConfig, got {type(config).__name__}")
    p = zipf_popularity(config.n_objects, config.zipf_s)
    arrival_rng, object_rng = spawn_rngs(config.seed, 2)
    n = int(arrival_rng.poisson(config.arrival_rate * config.horizon_s))
    arrivals = np.sort(arrival_rng.uniform(0.0, config.horizon_s, n))
    objects = object_rng.choice(len(p), size=n, p=p)
    hit = _edge_hits(arrivals, objects, len(p), float(config.ttl_s),
                     config.invalidation_times_s)
    return CdnResult(config, pd.DataFrame({"arrival_s": arrivals, "object": objects,
                                           "hit": hit}))


def _simulate_cdn(request_rate: float, ttl_s: float, n_objects: int, zipf_s: float = 1.0, *,
                  horizon_s: float = 60.0, seed: int = 0) -> pd.DataFrame:
    """The former signature: ``run_cdn(CdnConfig(...)).records``."""
    return run_cdn(CdnConfig(arrival_rate=request_rate, ttl_s=ttl_s, n_objects=n_objects,
                             zipf_s=zipf_s, horizon_s=horizon_s, seed=seed)).records


simulate_cdn = deprecated_alias(_simulate_cdn, "simulate_cdn",
                                replacement=run_cdn)
