"""A CDN in front of the origin: hit ratio from popularity and TTL, and the origin's load.

Model (a TTL cache at one edge, capacity not binding, as for CloudFront serving a catalogue of
``n_objects`` whose popularity follows Zipf's law with exponent ``zipf_s``):

- Requests arrive as a Poisson stream of ``request_rate`` per second; object ``i`` (rank ``i``)
  gets ``p_i = i^-s / sum_j j^-s`` of them.
- A miss fetches the object from the origin and caches it for ``ttl_s``; every request in that
  window is a hit. Per object the cycle is one miss plus on average ``lambda_i * T`` hits, so its
  hit ratio is ``lambda_i T / (1 + lambda_i T)``; the CDN's is the popularity-weighted mean.
- The origin (API Gateway, Lambda, DynamoDB behind it) sees ``request_rate x (1 - hit ratio)``.

Functions
    zipf_popularity, cdn_hit_ratio, origin_load, simulate_cdn
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from labkit.core.rng import spawn_rngs
from labkit.core.validation import check_int, check_nonnegative, check_positive, check_probability

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["cdn_hit_ratio", "origin_load", "simulate_cdn", "zipf_popularity"]


def zipf_popularity(n_objects: int, zipf_s: float = 1.0) -> np.ndarray:
    """Share of requests for each object by rank (sums to 1).

    >>> [round(float(p), 3) for p in zipf_popularity(3, 1.0)]
    [0.545, 0.273, 0.182]
    """
    n = check_int("n_objects", n_objects, minimum=1)
    s = check_nonnegative("zipf_s", zipf_s)
    w = np.arange(1, n + 1, dtype=float) ** -s
    return w / w.sum()


def cdn_hit_ratio(request_rate: float, ttl_s: float, n_objects: int,
                  zipf_s: float = 1.0) -> float:
    """Expected share of requests the edge answers from cache (TTL model above).

    Examples
    --------
    One object requested 10 times a second, cached 1 s: 10 hits per miss.

    >>> round(cdn_hit_ratio(10.0, 1.0, 1), 4)
    0.9091
    """
    lam = check_positive("request_rate", request_rate)
    ttl = check_nonnegative("ttl_s", ttl_s)
    p = zipf_popularity(n_objects, zipf_s)
    x = lam * p * ttl
    return float((p * x / (1.0 + x)).sum())


def origin_load(request_rate: float, hit_ratio: float) -> float:
    """Requests per second that pass the CDN and reach the origin.

    >>> round(origin_load(1000.0, 0.9), 6)
    100.0
    """
    lam = check_nonnegative("request_rate", request_rate)
    h = check_probability("hit_ratio", hit_ratio)
    return lam * (1.0 - h)


def simulate_cdn(request_rate: float, ttl_s: float, n_objects: int, zipf_s: float = 1.0, *,
                 horizon_s: float = 60.0, seed: int = 0) -> pd.DataFrame:
    """Seeded request-by-request run of the TTL edge cache; one row per request.

    Columns: ``arrival_s``, ``object`` (rank, 0 = most popular), ``hit`` (bool).

    >>> df = simulate_cdn(200.0, 5.0, 100, horizon_s=30, seed=1)
    >>> bool(abs(df.hit.mean() - cdn_hit_ratio(200.0, 5.0, 100)) < 0.03)
    True
    """
    import pandas as pd

    lam = check_positive("request_rate", request_rate)
    ttl = check_nonnegative("ttl_s", ttl_s)
    horizon = check_positive("horizon_s", horizon_s)
    p = zipf_popularity(n_objects, zipf_s)
    arrival_rng, object_rng = spawn_rngs(seed, 2)
    n = int(arrival_rng.poisson(lam * horizon))
    arrivals = np.sort(arrival_rng.uniform(0.0, horizon, n))
    objects = object_rng.choice(len(p), size=n, p=p)
    cached_until = np.full(len(p), -np.inf)
    hit = np.zeros(n, dtype=bool)
    for i in range(n):
        k = objects[i]
        if arrivals[i] < cached_until[k]:
            hit[i] = True
        else:
            cached_until[k] = arrivals[i] + ttl
    return pd.DataFrame({"arrival_s": arrivals, "object": objects, "hit": hit})
