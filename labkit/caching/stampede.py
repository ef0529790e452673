"""The cache stampede (thundering herd) and its cures, in SimPy.

``n_keys`` equally hot keys are read at ``request_rate`` in total. All were loaded at time 0
(a deploy or a cache warm-up) with the same TTL, so without a cure they all expire together:
every read that arrives while a key is being recomputed misses too and sends its own query to
the database, whose ``db_servers`` workers then queue, which makes the recomputation slower and
the window of misses longer. :func:`simulate_stampede` measures the database load with:

``"none"``
    Every miss queries the database.
``"coalescing"`` (single flight)
    The first miss of a key queries the database; later misses wait for that result.
``"jitter"``
    Every TTL is spread over ``ttl_s * [1 - jitter, 1 + jitter)``, so keys loaded together
    expire apart (misses still query independently).
``"coalescing+jitter"``
    Both: one query per expiring key, and keys expire apart.
``"early_refresh"``
    Probabilistic early expiration (XFetch, :func:`~labkit.caching.policies.should_refresh_early`):
    a reader may recompute a still-valid key shortly before it expires, while everyone else
    keeps hitting the old value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from labkit.caching.policies import TTLCache, jittered_ttl, should_refresh_early
from labkit.core.rng import spawn_rngs
from labkit.core.service import Service, feed_arrivals
from labkit.core.validation import check_choice, check_int, check_positive
from labkit.core.workloads import LogNormal, poisson_arrivals

__all__ = ["CURES", "StampedeRun", "compare_cures", "simulate_stampede", "summarize_cures"]

CURES = ("none", "coalescing", "jitter", "coalescing+jitter", "early_refresh")


@dataclass(frozen=True)
class StampedeRun:
    """The result of :func:`simulate_stampede`.

    ``requests``: one row per read with ``arrival_s``, ``key``, ``outcome`` (``"hit"``,
    ``"miss"``, ``"waited"`` for a coalesced miss, ``"refresh"`` for an early refresh) and
    ``latency_s``. ``database``: one row per query with ``issued_s``, ``start_s``, ``end_s``,
    ``key``. ``bin_s``: width of the bins the peak rate is measured in.
    """

    cure: str
    requests: pd.DataFrame
    database: pd.DataFrame
    horizon_s: float
    bin_s: float

    def to_frame(self) -> pd.DataFrame:
        """The per-request frame."""
        return self.requests

    def load_timeline(self) -> pd.DataFrame:
        """Database queries issued per second in bins of ``bin_s``: ``time_s``,
        ``db_queries_per_s``."""
        edges = np.arange(0.0, self.horizon_s + self.bin_s, self.bin_s)
        counts, _ = np.histogram(self.database.issued_s.to_numpy(), bins=edges)
        return pd.DataFrame({"time_s": edges[:-1], "db_queries_per_s": counts / self.bin_s})

    def summary(self) -> dict[str, float]:
        """Queries, peak query rate, peak queries in the database at once, latency, misses."""
        db = self.database
        events = np.concatenate([np.ones(len(db)), -np.ones(len(db))])
        times = np.concatenate([db.issued_s.to_numpy(), db.end_s.to_numpy()])
        order = np.lexsort((events, times))                # ends before starts at equal times
        in_flight = np.cumsum(events[order]).max() if len(db) else 0.0
        lat = self.requests.latency_s.to_numpy()
        return {
            "reads": int(len(self.requests)),
            "db_queries": int(len(db)),
            "peak_db_queries_per_s": float(self.load_timeline().db_queries_per_s.max()),
            "peak_db_in_flight": int(in_flight),
            "misses": int((self.requests.outcome == "miss").sum()),
            "latency_p99_s": float(np.percentile(lat, 99)),
            "latency_max_s": float(lat.max()),
        }


def simulate_stampede(cure: str = "none", *, n_keys: int = 20, request_rate: float = 1_000.0,
                      horizon_s: float = 10.0, ttl_s: float = 3.0, recompute_s: float = 0.1,
                      db_servers: int = 16, jitter: float = 0.2, beta: float = 1.0,
                      bin_s: float = 0.1, seed: int = 0) -> StampedeRun:
    """Hot keys expiring under load, with one cure (see the module docstring).

    Parameters
    ----------
    cure : str
        One of ``CURES``.
    n_keys : int
        Hot keys, read equally often.
    request_rate : float
        Reads per second over all keys (Poisson).
    horizon_s : float
        Simulated seconds of arrivals.
    ttl_s : float
        Time to live of a cached value.
    recompute_s : float
        Median database time of the query that rebuilds a value (log-normal).
    db_servers : int
        Queries the database runs in parallel; more wait in its queue.
    jitter : float
        For the jitter cures: TTL spread as a fraction of ``ttl_s``, in [0, 1].
    beta : float
        For ``"coalescing+jitter"``
    Both: one query per expiring key, and keys expire apart.
``"early_refresh"``: eagerness (> 0; 1 is the paper's default).
    bin_s : float
        Bin width for the peak query rate.
    seed : int

    Examples
    --------
    >>> plain = simulate_stampede("none", horizon_s=4.0).summary()
    >>> single = simulate_stampede("coalescing", horizon_s=4.0).summary()
    >>> bool(single["db_queries"] < plain["db_queries"]), single["db_queries"]
    (True, 20)
    """
    name = check_choice("cure", cure, CURES)
    keys_n = check_int("n_keys", n_keys, minimum=1)
    rate = check_positive("request_rate", request_rate)
    horizon = check_positive("horizon_s", horizon_s)
    ttl = check_positive("ttl_s", ttl_s)
    recompute = check_positive("recompute_s", recompute_s)
    servers = check_int("db_servers", db_servers, minimum=1)
    jittered_ttl(1.0, jitter, 0.5)                              # validates jitter in [0, 1]
    spread = float(jitter)
    eagerness = check_positive("beta", beta)
    width = check_positive("bin_s", bin_s)

    arrival_rng, key_rng, db_rng, draw_rng = spawn_rngs(seed, 4)
    arrivals = poisson_arrivals(rate, horizon, arrival_rng)
    keys = key_rng.integers(0, keys_n, len(arrivals))
    draws = draw_rng.random(len(arrivals) + keys_n)
    draws = np.where(draws == 0.0, 1.0, draws)                  # (0, 1] for the log
    draw_index = {"next": 0}

    def draw() -> float:
        i = draw_index["next"]
        draw_index["next"] = i + 1
        return float(draws[i % len(draws)])

    env = simpy.Environment()
    db = Service(env, servers=servers, service_time=LogNormal(recompute, 0.3), rng=db_rng,
                 name="database")
    cache = TTLCache(keys_n, ttl_s=ttl)

    coalesce = name in ("coalescing", "coalescing+jitter")
    spread_ttls = name in ("jitter", "coalescing+jitter")

    def ttl_for_new_value() -> float:
        return jittered_ttl(ttl, spread, draw()) if spread_ttls else ttl

    for k in range(keys_n):                                     # warmed together at t = 0
        cache.put(k, 0.0, now=0.0, ttl_s=ttl_for_new_value())

    n = len(arrivals)
    outcome = np.empty(n, dtype=object)
    latency = np.zeros(n)
    queries: list[tuple[float, float, float, int]] = []
    loading: dict[int, simpy.Event] = {}

    def recompute_value(key: int):
        issued = env.now
        result = yield env.process(db.call())
        queries.append((issued, result.start_s, env.now, key))
        cache.put(key, env.now - issued, now=env.now, ttl_s=ttl_for_new_value())

    def read(i: int, key: int):
        start = env.now
        value = cache.get(key, now=env.now)
        if value is not None:
            outcome[i] = "hit"
            if name == "early_refresh":
                took = value if value > 0 else recompute      # last recomputation time
                expires = cache.expires_at(key)
                if key not in loading and should_refresh_early(env.now, expires, took,
                                                               eagerness, draw()):
                    outcome[i] = "refresh"
                    done = loading[key] = env.event()
                    yield from recompute_value(key)
                    del loading[key]
                    done.succeed()
        elif coalesce and key in loading:
            outcome[i] = "waited"
            yield loading[key]
        else:
            outcome[i] = "miss"
            if coalesce:
                done = loading[key] = env.event()
                yield from recompute_value(key)
                del loading[key]
                done.succeed()
            else:
                yield from recompute_value(key)
        latency[i] = env.now - start

    env.process(feed_arrivals(env, arrivals, lambda i: env.process(read(i, int(keys[i])))))
    env.run()
    requests = pd.DataFrame({"arrival_s": arrivals, "key": keys, "outcome": outcome.astype(str),
                             "latency_s": latency})
    database = pd.DataFrame(queries, columns=["issued_s", "start_s", "end_s", "key"])
    return StampedeRun(name, requests, database.sort_values("issued_s", kind="stable")
                       .reset_index(drop=True), horizon, width)


def compare_cures(cures: tuple[str, ...] | list[str] = CURES, **params) -> pd.DataFrame:
    """:meth:`StampedeRun.summary` for each cure on the same workload; index ``cure``.

    >>> compare_cures(["none", "coalescing"], horizon_s=4.0).index.tolist()
    ['none', 'coalescing']
    """
    if not cures:
        raise ValueError("cures must name at least one cure")
    return summarize_cures({c: simulate_stampede(c, **params) for c in cures})


def summarize_cures(runs: dict[str, StampedeRun]) -> pd.DataFrame:
    """One row of :meth:`StampedeRun.summary` per labelled run (index ``cure``).

    >>> summarize_cures({"none": simulate_stampede("none", horizon_s=2.0)}).index.tolist()
    ['none']
    """
    if not runs:
        raise ValueError("runs must hold at least one StampedeRun")
    frame = pd.DataFrame.from_dict({k: r.summary() for k, r in runs.items()}, orient="index")
    frame.index.name = "cure"
    return frame
