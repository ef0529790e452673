"""The cache stampede (thundering herd) and its cures, in SimPy.

``n_keys`` equally hot keys are read at ``arrival_rate`` per second in total. All were loaded
at time 0 (a deploy or a cache warm-up) with the same TTL,
so without a cure they all expire together:
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

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import simpy

from labkit.caching.policies import TTLCache, jittered_ttl, should_refresh_early
from labkit.core.rng import spawn_rngs
from labkit.core.runner import Config, Result, compare
from labkit.core.service import Service, feed_arrivals
from labkit.core.validation import (
    check_choice,
    check_int,
    check_positive,
    check_probability,
)
from labkit.core.workloads import LogNormal, poisson_arrivals

__all__ = ["CURES", "StampedeConfig", "StampedeResult", "StampedeRun", "compare_cures",
           "simulate_stampede", "summarize_cures"]

CURES = ("none", "coalescing", "jitter", "coalescing+jitter", "early_refresh")

#: Most reads one stampede run simulates (``arrival_rate * horizon_s``).
MAX_STAMPEDE_READS = 2_000_000


@dataclass(frozen=True)
class StampedeConfig(Config):
    """Hot keys expiring under load, with one ``cure`` (see the module docstring).

    ``n_keys`` hot keys read equally often at ``arrival_rate`` reads per second in total
    (Poisson) for ``horizon_s`` seconds; a cached value lives ``ttl_s``; rebuilding it takes a
    log-normal query of median ``recompute_s`` on a database with ``db_servers`` workers.
    ``jitter`` spreads TTLs over ``ttl_s * [1 - jitter, 1 + jitter)`` (the jitter cures);
    ``beta`` is the eagerness of ``"early_refresh"`` (> 0; 1 is the paper's default);
    ``bin_s`` is the bin width of the peak query rate.

    >>> StampedeConfig(cure="jitter", jitter=0.3).jitter
    0.3
    >>> StampedeConfig(jitter=1.5)
    Traceback (most recent call last):
    ...
    ValueError: jitter must be a probability in [0, 1], got 1.5
    """

    cure: str = "none"
    n_keys: int = 20
    arrival_rate: float = 1_000.0
    horizon_s: float = 10.0
    ttl_s: float = 3.0
    recompute_s: float = 0.1
    db_servers: int = 16
    jitter: float = 0.2
    beta: float = 1.0
    bin_s: float = 0.1
    seed: int = 0

    def validate(self) -> None:
        check_choice("cure", self.cure, CURES)
        check_int("n_keys", self.n_keys, minimum=1)
        check_positive("arrival_rate", self.arrival_rate)
        check_positive("horizon_s", self.horizon_s)
        reads = self.arrival_rate * self.horizon_s
        if reads > MAX_STAMPEDE_READS:
            raise ValueError(f"arrival_rate * horizon_s must be <= {MAX_STAMPEDE_READS:,} reads "
                             f"on this lab; got {reads:,.0f}")
        check_positive("ttl_s", self.ttl_s)
        check_positive("recompute_s", self.recompute_s)
        check_int("db_servers", self.db_servers, minimum=1)
        check_probability("jitter", self.jitter)
        check_positive("beta", self.beta)
        check_positive("bin_s", self.bin_s)
        check_int("seed", self.seed, minimum=0)


@dataclass(frozen=True)
class StampedeResult(Result):
    """The result of :func:`simulate_stampede`.

    ``records``: one row per read with ``arrival_s``, ``key``, ``outcome`` (``"hit"``,
    ``"miss"``, ``"waited"`` for a coalesced miss, ``"refresh"`` for an early refresh) and
    ``latency_s``. ``database``: one row per query with ``issued_s``, ``start_s``, ``end_s``,
    ``key``.
    """

    config: StampedeConfig
    records: pd.DataFrame
    database: pd.DataFrame

    @property
    def cure(self) -> str:
        """The cure that ran."""
        return self.config.cure

    @property
    def requests(self) -> pd.DataFrame:
        """The per-read records (the former name of :attr:`records`)."""
        return self.records

    @property
    def horizon_s(self) -> float:
        """Simulated seconds of arrivals."""
        return self.config.horizon_s

    @property
    def bin_s(self) -> float:
        """Width of the bins the peak rate is measured in."""
        return self.config.bin_s

    def to_frame(self) -> pd.DataFrame:
        """The per-read records."""
        return self.records

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
        lat = self.records.latency_s.to_numpy()
        return {
            "reads": int(len(self.records)),
            "db_queries": int(len(db)),
            "peak_db_queries_per_s": float(self.load_timeline().db_queries_per_s.max()),
            "peak_db_in_flight": int(in_flight),
            "misses": int((self.records.outcome == "miss").sum()),
            "latency_p99_s": float(np.percentile(lat, 99)),
            "latency_max_s": float(lat.max()),
        }


#: The former name of :class:`StampedeResult`.
StampedeRun = StampedeResult


class StampedeModel:
    """The SimPy model behind :func:`simulate_stampede`, one method per step."""

    def __init__(self, config: StampedeConfig) -> None:
        self.config = c = config
        arrival_rng, key_rng, db_rng, draw_rng = spawn_rngs(c.seed, 4)
        self.arrivals = poisson_arrivals(c.arrival_rate, c.horizon_s, arrival_rng)
        self.keys = key_rng.integers(0, c.n_keys, len(self.arrivals))
        draws = draw_rng.random(len(self.arrivals) + c.n_keys)
        self.draws = np.where(draws == 0.0, 1.0, draws)          # (0, 1] for the log
        self.next_draw = 0
        self.env = simpy.Environment()
        self.db = Service(self.env, servers=c.db_servers,
                          service_time=LogNormal(c.recompute_s, 0.3), rng=db_rng,
                          name="database")
        self.cache = TTLCache(c.n_keys, ttl_s=c.ttl_s)
        self.coalesce = c.cure in ("coalescing", "coalescing+jitter")
        self.spread_ttls = c.cure in ("jitter", "coalescing+jitter")
        n = len(self.arrivals)
        self.outcome = np.empty(n, dtype=object)
        self.latency = np.zeros(n)
        self.queries: list[tuple[float, float, float, int]] = []
        self.loading: dict[int, simpy.Event] = {}
        for k in range(c.n_keys):                                # warmed together at t = 0
            self.cache.put(k, 0.0, now=0.0, ttl_s=self.ttl_for_new_value())

    def draw(self) -> float:
        """The next uniform draw in (0, 1] (TTL jitter and early-refresh decisions)."""
        i = self.next_draw
        self.next_draw = i + 1
        return float(self.draws[i % len(self.draws)])

    def ttl_for_new_value(self) -> float:
        """The TTL of a freshly stored value (jittered under the jitter cures)."""
        c = self.config
        return jittered_ttl(c.ttl_s, c.jitter, self.draw()) if self.spread_ttls else c.ttl_s

    def recompute(self, key: int):
        """SimPy process: one database query that rebuilds ``key`` and stores it."""
        env = self.env
        issued = env.now
        result = yield env.process(self.db.call())
        self.queries.append((issued, result.start_s, env.now, key))
        self.cache.put(key, env.now - issued, now=env.now, ttl_s=self.ttl_for_new_value())

    def recompute_shared(self, key: int):
        """SimPy process: a recomputation later readers of ``key`` can wait for."""
        done = self.loading[key] = self.env.event()
        yield from self.recompute(key)
        del self.loading[key]
        done.succeed()

    def maybe_refresh_early(self, i: int, key: int, took: float):
        """SimPy process: XFetch's early refresh of a still-valid key, at random."""
        c = self.config
        took = took if took > 0 else c.recompute_s             # last recomputation time
        expires = self.cache.expires_at(key)
        if key not in self.loading and should_refresh_early(self.env.now, expires, took, c.beta,
                                                            self.draw()):
            self.outcome[i] = "refresh"
            yield from self.recompute_shared(key)

    def read(self, i: int, key: int):
        """SimPy process: read ``i`` of ``key`` under the cure."""
        env = self.env
        start = env.now
        value = self.cache.get(key, now=env.now)
        if value is not None:
            self.outcome[i] = "hit"
            if self.config.cure == "early_refresh":
                yield from self.maybe_refresh_early(i, key, value)
        elif self.coalesce and key in self.loading:
            self.outcome[i] = "waited"
            yield self.loading[key]
        else:
            self.outcome[i] = "miss"
            yield from (self.recompute_shared(key) if self.coalesce else self.recompute(key))
        self.latency[i] = env.now - start

    def run(self) -> StampedeResult:
        """Run every read to completion and collect the records."""
        env = self.env
        env.process(feed_arrivals(env, self.arrivals,
                                  lambda i: env.process(self.read(i, int(self.keys[i])))))
        env.run()
        records = pd.DataFrame({"arrival_s": self.arrivals, "key": self.keys,
                                "outcome": self.outcome.astype(str), "latency_s": self.latency})
        database = pd.DataFrame(self.queries, columns=["issued_s", "start_s", "end_s", "key"])
        return StampedeResult(self.config, records,
                              database.sort_values("issued_s", kind="stable")
                              .reset_index(drop=True))


def simulate_stampede(config: StampedeConfig | str | None = None,
                      **legacy: Any) -> StampedeResult:
    """Hot keys expiring under load, with one cure (see the module docstring).

    The former call ``simulate_stampede("none", request_rate=..., ...)`` still works for one
    release and warns ``DeprecationWarning``.

    Examples
    --------
    >>> plain = simulate_stampede(StampedeConfig("none", horizon_s=4.0)).summary()
    >>> single = simulate_stampede(StampedeConfig("coalescing", horizon_s=4.0)).summary()
    >>> bool(single["db_queries"] < plain["db_queries"]), single["db_queries"]
    (True, 20)
    """
    if config is None or isinstance(config, str):
        warnings.warn("simulate_stampede(cure, **params) is deprecated since labkit 0.2; use "
                      "simulate_stampede(StampedeConfig(cure, ...))", DeprecationWarning,
                      stacklevel=2)
        fields = {("arrival_rate" if k == "request_rate" else k): v for k, v in legacy.items()}
        if config is not None:
            fields["cure"] = config
        config = StampedeConfig(**fields)
    elif legacy:
        raise TypeError(f"simulate_stampede takes a StampedeConfig; unexpected {sorted(legacy)}")
    if not isinstance(config, StampedeConfig):
        raise TypeError(f"config must be a StampedeConfig, got {type(config).__name__}")
    return StampedeModel(config).run()


def compare_cures(config: StampedeConfig | None = None,
                  cures: tuple[str, ...] | list[str] = CURES) -> pd.DataFrame:
    """:meth:`StampedeResult.summary` for each cure on the same workload; index ``cure``.

    Built on :func:`labkit.core.runner.compare`.

    >>> compare_cures(StampedeConfig(horizon_s=4.0), ["none", "coalescing"]).index.tolist()
    ['none', 'coalescing']
    """
    config = StampedeConfig() if config is None else config
    if not isinstance(config, StampedeConfig):
        raise TypeError(f"config must be a StampedeConfig, got {type(config).__name__}")
    names = [check_choice("cures", c, CURES) for c in cures]
    if not names:
        raise ValueError("cures must name at least one cure")
    table = compare(simulate_stampede, config, {c: {"cure": c} for c in names})
    table.index.name = "cure"
    return table


def summarize_cures(runs: dict[str, StampedeResult]) -> pd.DataFrame:
    """One row of :meth:`StampedeResult.summary` per labelled run (index ``cure``).

    >>> summarize_cures({"none": simulate_stampede(StampedeConfig(horizon_s=2.0))}).index.tolist()
    ['none']
    """
    if not runs:
        raise ValueError("runs must hold at least one StampedeResult")
    frame = pd.DataFrame.from_dict({k: r.summary() for k, r in runs.items()}, orient="index")
    frame.index.name = "cure"
    return frame
