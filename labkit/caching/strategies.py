"""Caching strategies in SimPy: an application, a cache node and a database with its own
latency and capacity.

:func:`simulate_strategy` replays one request mix (reads and writes, see
:func:`labkit.caching.workloads.request_mix`) under one strategy:

``"no_cache"``
    Every read and write goes to the database (the baseline).
``"cache_aside"`` (lazy loading)
    The application reads the cache; on a miss it reads the database and stores the value
    (two cache round trips plus the query). Writes go to the database only, so cached values go
    stale until their TTL runs out (or are deleted with ``invalidate_on_write=True``).
``"read_through"``
    The cache loads a missing key from the database itself (one round trip plus the query) and
    concurrent misses of one key share a single load, as loading caches do. Writes as in
    cache-aside.
``"write_through"``
    Reads as in cache-aside; every write updates the database and then the cache before it is
    acknowledged, so the cache never serves a value older than the database's.
``"write_behind"`` (write-back)
    Writes go to the cache only and are acknowledged at once; every ``flush_interval_s`` the
    dirty keys are written to the database, one write per key however often it changed
    (coalescing). A crash of the cache node (``crash_at_s``) loses every acknowledged write not
    yet flushed, unless each write is first appended to a durable log (``durable_log=True``),
    which is replayed after the crash.

Modelling choices: the cache node is never the bottleneck (a constant round trip
``cache_latency_s``); the database is a :class:`labkit.core.Service` with ``db_servers``
workers and log-normal operation times (median ``db_latency_s``). Cache fills and write-through
updates take effect at the instant the database answers, and a fill never replaces a newer
version, so the model has no lost-update races; staleness comes only from the strategy.

Each value is a version number per key (version 0 = the initial data). A read is *stale* when
it returns an older version than the newest acknowledged write of its key; its *stale age* is
how long ago the first newer write was acknowledged.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import simpy

from labkit.caching.policies import POLICIES, make_cache
from labkit.caching.workloads import request_mix
from labkit.core.rng import make_rng
from labkit.core.runner import Config, Result, compare
from labkit.core.service import Service, feed_arrivals
from labkit.core.validation import (
    check_choice,
    check_finite,
    check_int,
    check_limit,
    check_nonnegative,
    check_positive,
    check_probability,
)
from labkit.core.workloads import LogNormal

__all__ = [
    "STRATEGIES",
    "StrategyConfig",
    "StrategyResult",
    "StrategyRun",
    "break_even_write_fraction",
    "compare_strategies",
    "simulate_strategy",
    "summarize_runs",
    "write_fraction_sweep",
]

STRATEGIES = ("no_cache", "cache_aside", "read_through", "write_through", "write_behind")

#: Most requests one strategy run replays (a bound on the work of one call).
MAX_STRATEGY_REQUESTS = 2_000_000

_REQUEST_COLUMNS = ("arrival_s", "key", "op")


@dataclass(frozen=True)
class StrategyConfig(Config):
    """One caching strategy against a database, and the request mix it serves.

    The mix (when no ``requests`` frame is given to :func:`simulate_strategy`) is
    :func:`~labkit.caching.workloads.request_mix` of ``n_requests`` requests over ``n_keys``
    Zipf(``skew``) keys at ``arrival_rate`` per second, writes with probability
    ``write_fraction``. The cache holds ``capacity`` entries evicted by ``policy``; values
    loaded from the database live ``ttl_s`` seconds (``None``: no expiry). ``cache_latency_s``
    is the cache round trip, ``db_latency_s`` the median database operation (log-normal,
    sigma 0.5) on ``db_servers`` workers. ``invalidate_on_write`` deletes the key after a
    database write (cache-aside, read-through). Write-behind flushes every
    ``flush_interval_s``; the cache node crashes at ``crash_at_s`` (``None``: never);
    ``durable_log`` appends each write to a log (``log_latency_s``) that survives the crash.

    >>> StrategyConfig(strategy="write_behind", crash_at_s=2.0).crash_at_s
    2.0
    >>> StrategyConfig(capacity=0)
    Traceback (most recent call last):
    ...
    ValueError: capacity must be an integer in [1, inf], got 0
    """

    strategy: str = "cache_aside"
    n_requests: int = 5_000
    n_keys: int = 1_000
    skew: float = 1.0
    write_fraction: float = 0.1
    arrival_rate: float = 500.0
    capacity: int = 100
    ttl_s: float | None = None
    policy: str = "lru"
    cache_latency_s: float = 0.0005
    db_latency_s: float = 0.005
    db_servers: int = 4
    invalidate_on_write: bool = False
    flush_interval_s: float = 1.0
    crash_at_s: float | None = None
    durable_log: bool = False
    log_latency_s: float = 0.002
    seed: int = 0

    def validate(self) -> None:
        check_choice("strategy", self.strategy, STRATEGIES)
        check_limit("n_requests", self.n_requests, MAX_STRATEGY_REQUESTS, minimum=1)
        check_int("n_keys", self.n_keys, minimum=1)
        check_finite("skew", self.skew)
        if self.skew < 0:
            raise ValueError(f"skew must be >= 0 (0 is uniform popularity), got {self.skew!r}")
        check_probability("write_fraction", self.write_fraction)
        check_positive("arrival_rate", self.arrival_rate)
        check_int("capacity", self.capacity, minimum=1)
        if self.ttl_s is not None:
            check_positive("ttl_s", self.ttl_s)
        check_choice("policy", self.policy, tuple(p for p in POLICIES if p != "ttl"))
        check_nonnegative("cache_latency_s", self.cache_latency_s)
        check_positive("db_latency_s", self.db_latency_s)
        check_int("db_servers", self.db_servers, minimum=1)
        check_positive("flush_interval_s", self.flush_interval_s)
        if self.crash_at_s is not None:
            check_nonnegative("crash_at_s", self.crash_at_s)
        check_nonnegative("log_latency_s", self.log_latency_s)
        for name in ("invalidate_on_write", "durable_log"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be True or False, got {getattr(self, name)!r}")
        check_int("seed", self.seed, minimum=0)

    def request_mix(self) -> pd.DataFrame:
        """The configured request mix (the same for every strategy with the same seed)."""
        return request_mix(self.n_requests, self.n_keys, self.skew,
                           write_fraction=self.write_fraction, arrival_rate=self.arrival_rate,
                           seed=self.seed)


@dataclass(frozen=True)
class StrategyResult(Result):
    """The result of :func:`simulate_strategy`.

    Attributes
    ----------
    config : StrategyConfig
    records : pandas.DataFrame
        One row per request: ``request_id``, ``arrival_s``, ``key``, ``op``, ``cache_hit``,
        ``latency_s``, ``version`` (read: version returned; write: version written),
        ``db_version`` (the database's version of the key when the read got its value),
        ``stale`` and ``stale_age_s``.
    database : pandas.DataFrame
        One row per database operation: ``start_s``, ``end_s``, ``key``, ``kind``
        (``"read"``/``"write"``) and ``version`` (read or written).
    writes_lost : int
        Acknowledged writes the crash of the cache node took with it before they reached the
        database (write-behind without a durable log).
    lost_keys : tuple
        Keys that lost acknowledged writes in the crash.
    max_cache_entries : int
        Most entries the cache ever held (never above its capacity).
    database_versions, cache_versions : dict
        Final version of each key in the database and in the cache.
    duration_s : float
        Simulated time until the last request and the last flush completed.
    """

    config: StrategyConfig
    records: pd.DataFrame
    database: pd.DataFrame
    writes_lost: int
    lost_keys: tuple
    max_cache_entries: int
    database_versions: dict = field(repr=False)
    cache_versions: dict = field(repr=False)
    duration_s: float

    @property
    def strategy(self) -> str:
        """The strategy that ran."""
        return self.config.strategy

    @property
    def requests(self) -> pd.DataFrame:
        """The per-request records (the former name of :attr:`records`)."""
        return self.records

    def to_frame(self) -> pd.DataFrame:
        """The per-request records."""
        return self.records

    def unflushed_timeline(self, step_s: float = 0.05) -> pd.DataFrame:
        """Acknowledged writes not yet in the database, sampled every ``step_s``: ``time_s``,
        ``unflushed_writes``. A write counts from its acknowledgement until the database first
        holds its version or a newer one (never, for a write lost in a crash).

        >>> run = simulate_strategy(StrategyConfig("write_behind", n_requests=500, n_keys=50,
        ...                                        arrival_rate=200.0))
        >>> int(run.unflushed_timeline().unflushed_writes.iloc[-1])
        0
        """
        step = check_positive("step_s", step_s)
        writes = self.records[self.records.op == "write"]
        acked = (writes.arrival_s + writes.latency_s).to_numpy()
        persisted = _persisted_at(writes, self.database)
        grid = np.arange(0.0, self.duration_s + step, step)
        started = np.searchsorted(np.sort(acked), grid, side="right")
        done = np.searchsorted(np.sort(persisted), grid, side="right")
        return pd.DataFrame({"time_s": grid, "unflushed_writes": started - done})

    def summary(self) -> dict[str, float]:
        """Headline numbers: hit ratio, read/write latency, database load, staleness, losses."""
        req = self.records
        reads = req[req.op == "read"]
        writes = req[req.op == "write"]
        db_reads = int((self.database.kind == "read").sum())
        db_writes = int((self.database.kind == "write").sum())
        stale = reads[reads.stale]
        read_lat = reads.latency_s.to_numpy()
        nan = float("nan")
        span = float(req.arrival_s.max() - req.arrival_s.min()) or 1.0
        any_reads = len(reads) > 0
        return {
            "reads": int(len(reads)),
            "writes": int(len(writes)),
            "hit_ratio": float(reads.cache_hit.mean()) if any_reads else nan,
            "read_latency_mean_s": float(read_lat.mean()) if any_reads else nan,
            "read_latency_p99_s": float(np.percentile(read_lat, 99)) if any_reads else nan,
            "write_latency_mean_s": float(writes.latency_s.mean()) if len(writes) else nan,
            "latency_mean_s": float(req.latency_s.mean()),
            "db_reads": db_reads,
            "db_writes": db_writes,
            "db_ops_per_s": (db_reads + db_writes) / span,
            "db_ops_per_request": (db_reads + db_writes) / len(req),
            "stale_read_fraction": float(reads.stale.mean()) if any_reads else nan,
            "stale_age_mean_s": float(stale.stale_age_s.mean()) if len(stale) else 0.0,
            "writes_lost": int(self.writes_lost),
        }


#: The former name of :class:`StrategyResult`.
StrategyRun = StrategyResult


def _persisted_at(writes: pd.DataFrame, database: pd.DataFrame) -> np.ndarray:
    """When the database first held each write's version or a newer one (inf: never)."""
    commits = database[database.kind == "write"].sort_values("end_s", kind="stable")
    persisted = np.full(len(writes), np.inf)
    by_key: dict = {}
    for key, end, version in zip(commits.key, commits.end_s, commits.version, strict=True):
        by_key.setdefault(key, []).append((end, version))
    for i, (key, version) in enumerate(zip(writes.key, writes.version, strict=True)):
        for end, committed in by_key.get(key, ()):
            if committed >= version:
                persisted[i] = end
                break
    return persisted


def check_requests(requests: pd.DataFrame) -> pd.DataFrame:
    """Check a request frame: columns ``arrival_s`` (finite, >= 0, sorted), ``key``, ``op``
    (``"read"``/``"write"``), at least one row.

    >>> check_requests(pd.DataFrame({"arrival_s": [0.0], "key": [1], "op": ["get"]}))
    Traceback (most recent call last):
    ...
    ValueError: requests op must be 'read' or 'write', got ['get']
    """
    if not isinstance(requests, pd.DataFrame):
        raise TypeError(f"requests must be a pandas DataFrame, got {type(requests).__name__}")
    missing = [c for c in _REQUEST_COLUMNS if c not in requests.columns]
    if missing:
        raise ValueError(f"requests lacks column(s) {missing}; need {list(_REQUEST_COLUMNS)}")
    if len(requests) == 0:
        raise ValueError("requests must hold at least one request")
    if len(requests) > MAX_STRATEGY_REQUESTS:
        raise ValueError(f"requests must hold at most {MAX_STRATEGY_REQUESTS:,} requests on "
                         f"this lab, got {len(requests):,}")
    bad = set(requests.op.unique()) - {"read", "write"}
    if bad:
        raise ValueError(f"requests op must be 'read' or 'write', got {sorted(bad)}")
    arrivals = requests.arrival_s.to_numpy(dtype=float)
    if not np.isfinite(arrivals).all() or (arrivals < 0).any() or (np.diff(arrivals) < 0).any():
        raise ValueError("requests arrival_s must be finite, >= 0 and sorted")
    return requests


class StrategyModel:
    """The SimPy model behind :func:`simulate_strategy`: one step method per event.

    Build it with a configuration and a checked request frame, call :meth:`run`, then
    :meth:`result`. Each method is one step of the strategy (a read, a write, a database read
    or write, storing a value, the flusher, the crash), so each can be read and tested alone.
    """

    def __init__(self, config: StrategyConfig, requests: pd.DataFrame) -> None:
        self.config = config
        self.name = config.strategy
        self.env = env = simpy.Environment()
        self.db = Service(env, servers=config.db_servers,
                          service_time=LogNormal(config.db_latency_s, 0.5),
                          rng=make_rng(config.seed), name="database")
        self.cache = make_cache(config.policy, config.capacity)
        self.requests = requests
        self.arrivals = requests.arrival_s.to_numpy(dtype=float)
        self.keys = requests.key.tolist()
        self.is_write = (requests.op == "write").to_numpy()
        n = len(requests)
        self.hit = np.zeros(n, dtype=bool)
        self.latency = np.zeros(n)
        self.version_col = np.zeros(n, dtype=np.int64)
        self.db_version_col = np.zeros(n, dtype=np.int64)
        self.stale_col = np.zeros(n, dtype=bool)
        self.stale_age = np.zeros(n)
        self.db_version: dict = {}
        self.next_version: dict = {}
        self.acked: dict = {}          # key -> list of (version, ack time)
        self.dirty: dict = {}          # write-behind: key -> newest unflushed version
        self.writing: dict = {}        # write-behind: key -> version being written
        self.log: dict = {}            # durable log: key -> newest logged version
        self.loading: dict = {}        # read-through: key -> Event of the load in flight
        self.db_ops: list = []
        self.max_entries = 0
        self.arrivals_done = False
        self.writes_open = 0
        self.lost = 0
        self.lost_keys: list = []
        self.crashes = 0

    # -- bookkeeping ---------------------------------------------------------------------
    def judge(self, i: int, key: Any, version: int) -> None:
        """Record the version read ``i`` returned and whether it was stale."""
        self.version_col[i] = version
        self.db_version_col[i] = self.db_version.get(key, 0)
        newer = [t for v, t in self.acked.get(key, ()) if v > version]
        if newer:
            self.stale_col[i] = True
            self.stale_age[i] = self.env.now - min(newer)

    def store(self, key: Any, version: int, ttl_s: float | None) -> None:
        """Put ``version`` in the cache unless it holds a newer one; flush dirty evictions."""
        env = self.env
        current = self.cache.peek(key, now=env.now)
        if current is not None and current >= version:
            return
        for old_key, old_version in self.cache.put(key, version, now=env.now, ttl_s=ttl_s):
            if self.dirty.get(old_key) == old_version:   # write-behind: flush before it goes
                del self.dirty[old_key]
                env.process(self.db_write(old_key, old_version))
        self.max_entries = max(self.max_entries, len(self.cache))

    # -- the database --------------------------------------------------------------------
    def db_read(self, key: Any):
        """SimPy process: read ``key`` from the database and fill the cache."""
        env = self.env
        result = yield env.process(self.db.call())
        version = self.db_version.get(key, 0)
        self.db_ops.append((result.start_s, env.now, key, "read", version))
        if (self.name != "no_cache" and key not in self.dirty
                and self.writing.get(key, -1) <= version):
            self.store(key, version, self.config.ttl_s)
        return version

    def db_write(self, key: Any, version: int):
        """SimPy process: write ``version`` of ``key`` to the database."""
        env = self.env
        behind = self.name == "write_behind"
        if behind:
            self.writing[key] = max(self.writing.get(key, 0), version)
        result = yield env.process(self.db.call())
        self.db_ops.append((result.start_s, env.now, key, "write", version))
        if version > self.db_version.get(key, 0):
            self.db_version[key] = version
        if behind and self.writing.get(key) == version:
            del self.writing[key]
        if self.log.get(key, -1) <= self.db_version.get(key, 0):
            self.log.pop(key, None)                      # durable log truncated once written
        if self.name == "write_through":
            self.store(key, version, self.config.ttl_s)

    # -- requests ------------------------------------------------------------------------
    def read(self, i: int, key: Any):
        """SimPy process: read request ``i`` under the strategy."""
        env, rtt = self.env, self.config.cache_latency_s
        start = env.now
        cached = None if self.name == "no_cache" else self.cache.get(key, now=env.now)
        if self.name == "no_cache":
            version = yield from self.db_read(key)
            self.judge(i, key, version)
        elif cached is not None:
            self.hit[i] = True
            self.judge(i, key, cached)
            yield env.timeout(rtt)
        elif self.name == "read_through":
            yield env.timeout(rtt / 2)
            version = yield from self.load_once(key)
            self.judge(i, key, version)
            yield env.timeout(rtt / 2)
        else:
            yield env.timeout(rtt)
            version = yield from self.db_read(key)
            self.judge(i, key, version)
            yield env.timeout(rtt)                       # the application stores the value
        self.latency[i] = env.now - start

    def load_once(self, key: Any):
        """SimPy process: read-through's single load per key (concurrent misses share it)."""
        if key in self.loading:
            return (yield self.loading[key])
        done = self.loading[key] = self.env.event()
        version = yield from self.db_read(key)
        del self.loading[key]
        done.succeed(version)
        return version

    def write(self, i: int, key: Any):
        """SimPy process: write request ``i`` under the strategy."""
        env, rtt = self.env, self.config.cache_latency_s
        start = env.now
        version = self.next_version[key] = self.next_version.get(key, 0) + 1
        self.version_col[i] = version
        self.writes_open += 1
        if self.name == "write_behind":
            yield from self.write_to_cache(key, version)
        else:
            yield from self.db_write(key, version)
            if self.name == "write_through":
                yield env.timeout(rtt)
            elif self.config.invalidate_on_write and self.name in ("cache_aside",
                                                                   "read_through"):
                self.cache.delete(key)
                yield env.timeout(rtt)
        self.acked.setdefault(key, []).append((version, env.now))
        self.writes_open -= 1
        self.latency[i] = env.now - start

    def write_to_cache(self, key: Any, version: int):
        """SimPy process: write-behind's write (log first if durable; retried after a crash)."""
        env = self.env
        if self.config.durable_log:
            yield env.timeout(self.config.log_latency_s)
            self.log[key] = version
        while True:                                      # a crash mid-write: retry on new node
            epoch = self.crashes
            self.dirty[key] = version
            self.store(key, version, None)
            yield env.timeout(self.config.cache_latency_s)
            if self.crashes == epoch:
                return

    # -- background processes ------------------------------------------------------------
    def source(self):
        """SimPy process: start each request at its arrival time."""
        env = self.env

        def start(i: int) -> None:
            key = self.keys[i]
            env.process(self.write(i, key) if self.is_write[i] else self.read(i, key))

        yield from feed_arrivals(env, self.arrivals, start)
        self.arrivals_done = True

    def flusher(self):
        """SimPy process: write-behind's periodic flush of the dirty keys."""
        env = self.env
        while True:
            yield env.timeout(self.config.flush_interval_s)
            batch = list(self.dirty.items())
            self.dirty.clear()
            for key, version in batch:
                env.process(self.db_write(key, version))
            if self.arrivals_done and not self.dirty and not self.writes_open:
                return

    def crash(self):
        """SimPy process: the cache node dies at ``crash_at_s``; unflushed writes are lost
        unless the durable log replays them."""
        yield self.env.timeout(self.config.crash_at_s)
        durable = self.config.durable_log
        for key in self.dirty:                           # acknowledged, never written
            floor = max(self.db_version.get(key, 0), self.writing.get(key, 0))
            lost = sum(1 for v, _ in self.acked.get(key, ()) if v > floor)
            if lost and not durable:
                self.lost += lost
                self.lost_keys.append(key)
        self.cache.clear()
        self.dirty.clear()
        self.crashes += 1
        if durable:                                      # replay the log into the flush queue
            for key, version in self.log.items():
                if version > max(self.db_version.get(key, 0), self.writing.get(key, 0)):
                    self.dirty[key] = version

    # -- run and collect -----------------------------------------------------------------
    def run(self) -> StrategyModel:
        """Run the simulation to the end (last request and last flush)."""
        env = self.env
        env.process(self.source())
        if self.name == "write_behind":
            env.process(self.flusher())
            if self.config.crash_at_s is not None:
                env.process(self.crash())
        env.run()
        return self

    def result(self) -> StrategyResult:
        """The tidy records of the run."""
        req = self.requests
        n = len(req)
        records = pd.DataFrame({
            "request_id": req["request_id"].to_numpy() if "request_id" in req else np.arange(n),
            "arrival_s": self.arrivals,
            "key": self.keys,
            "op": np.where(self.is_write, "write", "read"),
            "cache_hit": self.hit,
            "latency_s": self.latency,
            "version": self.version_col,
            "db_version": self.db_version_col,
            "stale": self.stale_col,
            "stale_age_s": self.stale_age,
        })
        database = pd.DataFrame(self.db_ops, columns=["start_s", "end_s", "key", "kind",
                                                      "version"])
        now = self.env.now
        cached = {k: self.cache.peek(k, now=now) for k in self.cache}
        return StrategyResult(self.config, records, database, self.lost,
                              tuple(sorted(self.lost_keys, key=str)), self.max_entries,
                              dict(self.db_version),
                              {k: v for k, v in cached.items() if v is not None}, float(now))


_LEGACY_NAMES = {"rate": "arrival_rate"}


def _legacy_config(strategy: str, params: dict[str, Any]) -> StrategyConfig:
    fields = {_LEGACY_NAMES.get(k, k): v for k, v in params.items()}
    return StrategyConfig(strategy=strategy, **fields)


def simulate_strategy(config: StrategyConfig | str | None = None,
                      requests: pd.DataFrame | None = None,
                      **legacy: Any) -> StrategyResult:
    """Run one caching strategy against a database (see the module docstring).

    Parameters
    ----------
    config : StrategyConfig
        The strategy, the cache, the database and the request mix.
    requests : pandas.DataFrame, optional
        Replay these requests (columns ``arrival_s`` sorted, ``key``, ``op``) instead of the
        configured mix.

    The former call ``simulate_strategy("cache_aside", requests, n_requests=..., rate=...)``
    still works for one release and warns ``DeprecationWarning``.

    Examples
    --------
    >>> run = simulate_strategy(StrategyConfig("cache_aside", n_requests=2_000, n_keys=200,
    ...                                        seed=1))
    >>> s = run.summary()
    >>> bool(s["hit_ratio"] > 0.5), bool(s["db_ops_per_request"] < 0.5)
    (True, True)
    """
    if isinstance(config, str) or config is None:
        warnings.warn("simulate_strategy(strategy, requests, **params) is deprecated since "
                      "labkit 0.2; use simulate_strategy(StrategyConfig(strategy, ...))",
                      DeprecationWarning, stacklevel=2)
        if config is None:
            config = legacy.pop("strategy", None)
        config = _legacy_config(config, legacy)
    elif legacy:
        raise TypeError(f"simulate_strategy takes a StrategyConfig; unexpected "
                        f"{sorted(legacy)} (set them on the configuration)")
    if not isinstance(config, StrategyConfig):
        raise TypeError(f"config must be a StrategyConfig, got {type(config).__name__}")
    requests = config.request_mix() if requests is None else check_requests(requests)
    return StrategyModel(config, requests).run().result()


def compare_strategies(config: StrategyConfig | None = None,
                       strategies: tuple[str, ...] | list[str] = STRATEGIES[:4], *,
                       requests: pd.DataFrame | None = None) -> pd.DataFrame:
    """Run several strategies on the same request mix; one row of
    :meth:`StrategyResult.summary` per strategy (index ``strategy``).

    Built on :func:`labkit.core.runner.compare` (the mix comes from the configuration's seed,
    so every strategy sees the same requests), or replays ``requests`` when given.

    >>> config = StrategyConfig(n_requests=1_000, n_keys=100)
    >>> df = compare_strategies(config, ["no_cache", "cache_aside"])
    >>> df.index.tolist(), bool(df.loc["cache_aside", "db_ops_per_request"] < 1.0)
    (['no_cache', 'cache_aside'], True)
    """
    config = StrategyConfig() if config is None else config
    if not isinstance(config, StrategyConfig):
        raise TypeError(f"config must be a StrategyConfig, got {type(config).__name__}")
    names = [check_choice("strategies", s, STRATEGIES) for s in strategies]
    if not names:
        raise ValueError("strategies must name at least one strategy")
    if requests is None:
        table = compare(simulate_strategy, config, {s: {"strategy": s} for s in names})
        table.index.name = "strategy"
        return table
    return summarize_runs({s: simulate_strategy(config.replace(strategy=s), requests)
                           for s in names})


def summarize_runs(runs: dict[str, StrategyResult]) -> pd.DataFrame:
    """One row of :meth:`StrategyResult.summary` per labelled run (index ``strategy``).

    >>> runs = {s: simulate_strategy(StrategyConfig(s, n_requests=300, n_keys=30))
    ...         for s in ("no_cache", "write_through")}
    >>> summarize_runs(runs).index.tolist()
    ['no_cache', 'write_through']
    """
    if not runs:
        raise ValueError("runs must hold at least one StrategyRun")
    frame = pd.DataFrame.from_dict({k: r.summary() for k, r in runs.items()}, orient="index")
    frame.index.name = "strategy"
    return frame


def write_fraction_sweep(config: StrategyConfig,
                         write_fractions: list[float] | tuple[float, ...]) -> pd.DataFrame:
    """Run ``config`` and the same configuration without a cache at growing write fractions.

    One row per write fraction: ``write_fraction``, ``hit_ratio``, ``stale_read_fraction``,
    ``db_ops_per_request`` and ``latency_mean_s`` (over reads and writes) with the cache, and
    ``db_ops_per_request_no_cache`` and ``latency_mean_no_cache_s`` without it (same seed, so
    the same requests).

    >>> config = StrategyConfig(n_requests=500, n_keys=100, ttl_s=10.0,
    ...                         invalidate_on_write=True)
    >>> df = write_fraction_sweep(config, [0.0, 0.9])
    >>> bool(df.hit_ratio.iloc[0] > df.hit_ratio.iloc[1])
    True
    """
    if not isinstance(config, StrategyConfig):
        raise TypeError(f"config must be a StrategyConfig, got {type(config).__name__}")
    check_choice("config.strategy", config.strategy, STRATEGIES[1:])
    fractions = list(write_fractions)
    if not fractions:
        raise ValueError("write_fractions must hold at least one fraction")
    rows = []
    for w in fractions:
        cached = simulate_strategy(config.replace(write_fraction=w)).summary()
        plain = simulate_strategy(config.replace(write_fraction=w, strategy="no_cache")).summary()
        rows.append({
            "write_fraction": float(w),
            "hit_ratio": cached["hit_ratio"],
            "stale_read_fraction": cached["stale_read_fraction"],
            "db_ops_per_request": cached["db_ops_per_request"],
            "db_ops_per_request_no_cache": plain["db_ops_per_request"],
            "latency_mean_s": cached["latency_mean_s"],
            "latency_mean_no_cache_s": plain["latency_mean_s"],
        })
    return pd.DataFrame(rows)


def break_even_write_fraction(sweep: pd.DataFrame) -> float:
    """The write fraction at which the cache stops lowering the mean request latency, by linear
    interpolation between the swept points (``nan`` if it never stops paying in the sweep).

    >>> sweep = pd.DataFrame({"write_fraction": [0.0, 0.5, 1.0],
    ...                       "latency_mean_s": [0.003, 0.006, 0.009],
    ...                       "latency_mean_no_cache_s": [0.007, 0.007, 0.007]})
    >>> round(break_even_write_fraction(sweep), 3)
    0.667
    """
    need = ("write_fraction", "latency_mean_s", "latency_mean_no_cache_s")
    missing = [c for c in need if c not in sweep.columns]
    if missing:
        raise ValueError(f"sweep lacks column(s) {missing}")
    ordered = sweep.sort_values("write_fraction")
    x = ordered.write_fraction.to_numpy(dtype=float)
    gain = (ordered.latency_mean_no_cache_s - ordered.latency_mean_s).to_numpy(dtype=float)
    for i in range(len(x)):
        if gain[i] <= 0:
            if i == 0:
                return float(x[0])
            return float(x[i - 1] + (x[i] - x[i - 1]) * gain[i - 1] / (gain[i - 1] - gain[i]))
    return float("nan")
