"""Cache workloads: Zipf key popularity, read/write mixes and hot-key shifts.

- :func:`zipf_probabilities`: popularity of ``n_keys`` keys, key 0 the hottest, with a ``skew``
  (0 = uniform; about 0.6-1.0 for web objects; larger = a few keys take most requests).
- :func:`zipf_trace`: a request trace of key ids drawn from it, optionally with the hot set
  moving every ``shift_every`` requests (yesterday's hot keys go cold).
- :func:`request_mix`: timed reads and writes (Poisson arrivals) for the SimPy strategy models.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from labkit.core.rng import make_rng, spawn_rngs
from labkit.core.validation import check_finite, check_int, check_positive, check_probability

__all__ = ["request_mix", "zipf_probabilities", "zipf_trace"]


def zipf_probabilities(n_keys: int, skew: float) -> np.ndarray:
    """Probability of each key under a finite Zipf law: ``p_k`` proportional to ``1 / (k+1)**skew``.

    Parameters
    ----------
    n_keys : int
        Number of distinct keys (>= 1).
    skew : float
        Zipf exponent (>= 0). 0 gives a uniform popularity.

    Examples
    --------
    >>> p = zipf_probabilities(4, 1.0)
    >>> [round(float(x), 3) for x in p]
    [0.48, 0.24, 0.16, 0.12]
    """
    k = check_int("n_keys", n_keys, minimum=1)
    s = check_finite("skew", skew)
    if s < 0:
        raise ValueError(f"skew must be in [0, inf), got {s!r}")
    weights = 1.0 / np.arange(1, k + 1, dtype=float) ** s
    return weights / weights.sum()


def zipf_trace(n_requests: int, n_keys: int, skew: float, *, seed: int = 0,
               shift_every: int | None = None, shift_by: int = 0) -> np.ndarray:
    """A trace of ``n_requests`` key ids (ints in ``[0, n_keys)``) with Zipf popularity.

    With ``shift_every`` the popularity ranking rotates by ``shift_by`` keys after every
    ``shift_every`` requests: the hot set moves and a cache must re-learn it.

    Examples
    --------
    >>> t = zipf_trace(1000, 100, 1.0, seed=1)
    >>> t.shape, bool(t.min() >= 0 and t.max() < 100)
    ((1000,), True)
    >>> bool((zipf_trace(1000, 100, 1.0, seed=1) == t).all())
    True
    """
    n = check_int("n_requests", n_requests, minimum=1)
    probabilities = zipf_probabilities(n_keys, skew)
    k = len(probabilities)
    rng = make_rng(seed)
    cdf = np.cumsum(probabilities)
    ranks = np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), k - 1)
    if shift_every is None:
        return ranks.astype(np.int64)
    every = check_int("shift_every", shift_every, minimum=1)
    by = check_int("shift_by", shift_by, minimum=0)
    epoch = np.arange(n) // every
    return ((ranks + epoch * by) % k).astype(np.int64)


def request_mix(n_requests: int, n_keys: int, skew: float, *, write_fraction: float = 0.1,
                arrival_rate: float = 1000.0, seed: int = 0,
                rate: float | None = None) -> pd.DataFrame:
    """Timed reads and writes for the strategy models: one row per request.

    Columns: ``request_id``, ``arrival_s`` (Poisson arrivals at ``arrival_rate`` per second),
    ``key``
    (Zipf with ``skew`` over ``n_keys``) and ``op`` (``"read"`` or ``"write"``, writes with
    probability ``write_fraction``).

    Examples
    --------
    >>> df = request_mix(1000, 50, 0.9, write_fraction=0.2, seed=3)
    >>> list(df.columns), round(float((df.op == "write").mean()), 1)
    (['request_id', 'arrival_s', 'key', 'op'], 0.2)
    """
    n = check_int("n_requests", n_requests, minimum=1)
    w = check_probability("write_fraction", write_fraction)
    if rate is not None:
        warnings.warn("request_mix(rate=...) is deprecated since labkit 0.2; use arrival_rate",
                      DeprecationWarning, stacklevel=2)
        arrival_rate = rate
    lam = check_positive("arrival_rate", arrival_rate)
    arrival_rng, op_rng = spawn_rngs(seed, 2)
    keys = zipf_trace(n, n_keys, skew, seed=seed)
    arrivals = np.cumsum(arrival_rng.exponential(1.0 / lam, n))
    ops = np.where(op_rng.random(n) < w, "write", "read")
    return pd.DataFrame({"request_id": np.arange(n), "arrival_s": arrivals, "key": keys,
                         "op": ops})
