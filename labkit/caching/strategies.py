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

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import simpy

from labkit.caching.policies import make_cache
from labkit.caching.workloads import request_mix
from labkit.core.rng import make_rng
from labkit.core.service import Service, feed_arrivals
from labkit.core.validation import (
    check_choice,
    check_int,
    check_nonnegative,
    check_positive,
)
from labkit.core.workloads import LogNormal

__all__ = [
    "STRATEGIES",
    "StrategyRun",
    "break_even_write_fraction",
    "compare_strategies",
    "simulate_strategy",
    "summarize_runs",
    "write_fraction_sweep",
]

STRATEGIES = ("no_cache", "cache_aside", "read_through", "write_through", "write_behind")

_REQUEST_COLUMNS = ("arrival_s", "key", "op")


@dataclass(frozen=True)
class StrategyRun:
    """The result of :func:`simulate_strategy`.

    Attributes
    ----------
    strategy : str
    requests : pandas.DataFrame
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

    strategy: str
    requests: pd.DataFrame
    database: pd.DataFrame
    writes_lost: int
    lost_keys: tuple
    max_cache_entries: int
    database_versions: dict = field(repr=False)
    cache_versions: dict = field(repr=False)
    duration_s: float

    def to_frame(self) -> pd.DataFrame:
        """The per-request frame."""
        return self.requests

    def unflushed_timeline(self, step_s: float = 0.05) -> pd.DataFrame:
        """Acknowledged writes not yet in the database, sampled every ``step_s``: ``time_s``,
        ``unflushed_writes``. A write counts from its acknowledgement until the database first
        holds its version or a newer one (never, for a write lost in a crash).

        >>> run = simulate_strategy("write_behind", n_requests=500, n_keys=50, rate=200.0)
        >>> int(run.unflushed_timeline().unflushed_writes.iloc[-1])
        0
        """
        step = check_positive("step_s", step_s)
        writes = self.requests[self.requests.op == "write"]
        acked = (writes.arrival_s + writes.latency_s).to_numpy()
        commits = self.database[self.database.kind == "write"].sort_values("end_s", kind="stable")
        persisted = np.full(len(writes), np.inf)
        by_key: dict = {}
        for key, end, version in zip(commits.key, commits.end_s, commits.version, strict=True):
            by_key.setdefault(key, []).append((end, version))
        for i, (key, version) in enumerate(zip(writes.key, writes.version, strict=True)):
            for end, committed in by_key.get(key, ()):
                if committed >= version:
                    persisted[i] = end
                    break
        grid = np.arange(0.0, self.duration_s + step, step)
        started = np.searchsorted(np.sort(acked), grid, side="right")
        done = np.searchsorted(np.sort(persisted), grid, side="right")
        return pd.DataFrame({"time_s": grid, "unflushed_writes": started - done})

    def summary(self) -> dict[str, float]:
        """Headline numbers: hit ratio, read/write latency, database load, staleness, losses."""
        req = self.requests
        reads = req[req.op == "read"]
        writes = req[req.op == "write"]
        db_reads = int((self.database.kind == "read").sum())
        db_writes = int((self.database.kind == "write").sum())
        stale = reads[reads.stale]
        read_lat = reads.latency_s.to_numpy()
        nan = float("nan")
        span = float(req.arrival_s.max() - req.arrival_s.min()) or 1.0
        return {
            "reads": int(len(reads)),
            "writes": int(len(writes)),
            "hit_ratio": float(reads.cache_hit.mean()) if len(reads) else float("nan"),
            "read_latency_mean_s": float(read_lat.mean()) if len(reads) else float("nan"),
            "read_latency_p99_s": float(np.percentile(read_lat, 99)) if len(reads) else nan,
            "write_latency_mean_s": float(writes.latency_s.mean()) if len(writes) else float("nan"),
            "db_reads": db_reads,
            "db_writes": db_writes,
            "db_ops_per_s": (db_reads + db_writes) / span,
            "db_ops_per_request": (db_reads + db_writes) / len(req),
            "stale_read_fraction": float(reads.stale.mean()) if len(reads) else float("nan"),
            "stale_age_mean_s": float(stale.stale_age_s.mean()) if len(stale) else 0.0,
            "writes_lost": int(self.writes_lost),
        }


def _check_requests(requests: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(requests, pd.DataFrame):
        raise TypeError(f"requests must be a pandas DataFrame, got {type(requests).__name__}")
    missing = [c for c in _REQUEST_COLUMNS if c not in requests.columns]
    if missing:
        raise ValueError(f"requests lacks column(s) {missing}; need {list(_REQUEST_COLUMNS)}")
    if len(requests) == 0:
        raise ValueError("requests must hold at least one request")
    bad = set(requests.op.unique()) - {"read", "write"}
    if bad:
        raise ValueError(f"requests op must be 'read' or 'write', got {sorted(bad)}")
    arrivals = requests.arrival_s.to_numpy(dtype=float)
    if not np.isfinite(arrivals).all() or (arrivals < 0).any() or (np.diff(arrivals) < 0).any():
        raise ValueError("requests arrival_s must be finite, >= 0 and sorted")
    return requests


def simulate_strategy(strategy: str, requests: pd.DataFrame | None = None, *,
                      n_requests: int = 5_000, n_keys: int = 1_000, skew: float = 1.0,
                      write_fraction: float = 0.1, rate: float = 500.0,
                      capacity: int = 100, ttl_s: float | None = None, policy: str = "lru",
                      cache_latency_s: float = 0.0005, db_latency_s: float = 0.005,
                      db_servers: int = 4, invalidate_on_write: bool = False,
                      flush_interval_s: float = 1.0, crash_at_s: float | None = None,
                      durable_log: bool = False, log_latency_s: float = 0.002,
                      seed: int = 0) -> StrategyRun:
    """Run one caching strategy against a database; see the module docstring for each strategy.

    Parameters
    ----------
    strategy : str
        One of ``STRATEGIES``.
    requests : pandas.DataFrame, optional
        Columns ``arrival_s`` (sorted), ``key``, ``op`` (``"read"``/``"write"``). By default
        :func:`request_mix` builds one from ``n_requests``, ``n_keys``, ``skew``,
        ``write_fraction``, ``rate`` and ``seed``.
    capacity : int
        Cache entries (>= 1); ``policy`` chooses what is evicted (``"lru"``, ``"lfu"``,
        ``"fifo"``).
    ttl_s : float, optional
        Time to live of values loaded from the database (> 0); ``None``: no expiry.
    cache_latency_s, db_latency_s : float
        Cache round trip (s) and median database operation time (s).
    db_servers : int
        Database operations served in parallel (its capacity).
    invalidate_on_write : bool
        Cache-aside and read-through: delete the cached key after a database write.
    flush_interval_s, crash_at_s, durable_log, log_latency_s
        Write-behind: flush period; when the cache node crashes (``None``: never); whether
        writes are first appended to a durable log (taking ``log_latency_s``) that survives it.
    seed : int
        Seed for the request mix and the database's operation times.

    Examples
    --------
    >>> run = simulate_strategy("cache_aside", n_requests=2_000, n_keys=200, seed=1)
    >>> s = run.summary()
    >>> bool(s["hit_ratio"] > 0.5), bool(s["db_ops_per_request"] < 0.5)
    (True, True)
    """
    name = check_choice("strategy", strategy, STRATEGIES)
    if requests is None:
        requests = request_mix(n_requests, n_keys, skew, write_fraction=write_fraction,
                               rate=rate, seed=seed)
    requests = _check_requests(requests)
    cap = check_int("capacity", capacity, minimum=1)
    ttl = None if ttl_s is None else check_positive("ttl_s", ttl_s)
    cache_rtt = check_nonnegative("cache_latency_s", cache_latency_s)
    db_median = check_positive("db_latency_s", db_latency_s)
    servers = check_int("db_servers", db_servers, minimum=1)
    flush_every = check_positive("flush_interval_s", flush_interval_s)
    crash_at = None if crash_at_s is None else check_nonnegative("crash_at_s", crash_at_s)
    log_rtt = check_nonnegative("log_latency_s", log_latency_s)

    env = simpy.Environment()
    db = Service(env, servers=servers, service_time=LogNormal(db_median, 0.5),
                 rng=make_rng(seed), name="database")
    cache = make_cache(policy, cap)

    arrivals = requests.arrival_s.to_numpy(dtype=float)
    keys = requests.key.tolist()
    is_write = (requests.op == "write").to_numpy()
    n = len(requests)
    hit = np.zeros(n, dtype=bool)
    latency = np.zeros(n)
    version_col = np.zeros(n, dtype=np.int64)
    db_version_col = np.zeros(n, dtype=np.int64)
    stale_col = np.zeros(n, dtype=bool)
    stale_age = np.zeros(n)

    db_version: dict = {}
    next_version: dict = {}
    acked: dict = {}           # key -> list of (version, ack time)
    dirty: dict = {}           # write-behind: key -> newest unflushed version
    writing: dict = {}         # write-behind: key -> version being written to the database
    log: dict = {}             # write-behind with durable log: key -> newest logged version
    loading: dict = {}         # read-through: key -> Event of the load in flight
    db_ops: list = []
    state = {"max_entries": 0, "arrivals_done": False, "writes_open": 0, "lost": 0,
             "lost_keys": [], "crashes": 0}

    def note_size() -> None:
        if len(cache) > state["max_entries"]:
            state["max_entries"] = len(cache)

    def judge(i: int, key, version: int) -> None:
        """Record the version a read returned and whether it was stale."""
        version_col[i] = version
        db_version_col[i] = db_version.get(key, 0)
        newer = [t for v, t in acked.get(key, ()) if v > version]
        if newer:
            stale_col[i] = True
            stale_age[i] = env.now - min(newer)

    def store(key, version: int, ttl_for_entry: float | None) -> None:
        current = cache.peek(key, now=env.now)
        if current is not None and current >= version:
            return
        evicted = cache.put(key, version, now=env.now, ttl_s=ttl_for_entry)
        for old_key, old_version in evicted:
            if dirty.get(old_key) == old_version:       # write-behind: flush before it is gone
                del dirty[old_key]
                env.process(db_write(old_key, old_version))
        note_size()

    def db_read(key):
        result = yield env.process(db.call())
        version = db_version.get(key, 0)
        db_ops.append((result.start_s, env.now, key, "read", version))
        if name != "no_cache" and key not in dirty and writing.get(key, -1) <= version:
            store(key, version, ttl)
        return version

    def db_write(key, version: int):
        if name == "write_behind":
            writing[key] = max(writing.get(key, 0), version)
        result = yield env.process(db.call())
        db_ops.append((result.start_s, env.now, key, "write", version))
        if version > db_version.get(key, 0):
            db_version[key] = version
        if name == "write_behind" and writing.get(key) == version:
            del writing[key]
        if log.get(key, -1) <= db_version.get(key, 0):
            log.pop(key, None)                           # durable log truncated once written
        if name == "write_through":
            store(key, version, ttl)

    def read(i: int, key):
        start = env.now
        if name == "no_cache":
            version = yield from db_read(key)
            judge(i, key, version)
            latency[i] = env.now - start
            return
        cached = cache.get(key, now=env.now)
        if cached is not None:
            hit[i] = True
            judge(i, key, cached)
            yield env.timeout(cache_rtt)
        elif name == "read_through":
            yield env.timeout(cache_rtt / 2)
            if key in loading:
                version = yield loading[key]
            else:
                done = loading[key] = env.event()
                version = yield from db_read(key)
                del loading[key]
                done.succeed(version)
            judge(i, key, version)
            yield env.timeout(cache_rtt / 2)
        else:
            yield env.timeout(cache_rtt)
            version = yield from db_read(key)
            judge(i, key, version)
            yield env.timeout(cache_rtt)                 # the application stores the value
        latency[i] = env.now - start

    def write(i: int, key):
        start = env.now
        version = next_version[key] = next_version.get(key, 0) + 1
        version_col[i] = version
        state["writes_open"] += 1
        if name == "write_behind":
            if durable_log:
                yield env.timeout(log_rtt)
                log[key] = version
            while True:                                  # a crash mid-write: retry on the new node
                epoch = state["crashes"]
                dirty[key] = version
                store(key, version, None)
                yield env.timeout(cache_rtt)
                if state["crashes"] == epoch:
                    break
        else:
            yield from db_write(key, version)
            if name == "write_through":
                yield env.timeout(cache_rtt)
            elif invalidate_on_write and name in ("cache_aside", "read_through"):
                cache.delete(key)
                yield env.timeout(cache_rtt)
        acked.setdefault(key, []).append((version, env.now))
        state["writes_open"] -= 1
        latency[i] = env.now - start

    def source():
        yield from feed_arrivals(env, arrivals, lambda i: env.process(
            write(i, keys[i]) if is_write[i] else read(i, keys[i])))
        state["arrivals_done"] = True

    def flusher():
        while True:
            yield env.timeout(flush_every)
            batch = list(dirty.items())
            dirty.clear()
            for key, version in batch:
                env.process(db_write(key, version))
            if state["arrivals_done"] and not dirty and not state["writes_open"]:
                return

    def crash():
        yield env.timeout(crash_at)
        for key in dirty:                                # acknowledged, never written
            floor = max(db_version.get(key, 0), writing.get(key, 0))
            lost = sum(1 for v, _ in acked.get(key, ()) if v > floor)
            if lost and not durable_log:
                state["lost"] += lost
                state["lost_keys"].append(key)
        cache.clear()
        dirty.clear()
        state["crashes"] += 1
        if durable_log:                                  # replay the log into the flush queue
            for key, version in log.items():
                if version > max(db_version.get(key, 0), writing.get(key, 0)):
                    dirty[key] = version

    env.process(source())
    if name == "write_behind":
        env.process(flusher())
        if crash_at is not None:
            env.process(crash())
    env.run()

    frame = pd.DataFrame({
        "request_id": requests["request_id"].to_numpy() if "request_id" in requests
        else np.arange(n),
        "arrival_s": arrivals,
        "key": keys,
        "op": np.where(is_write, "write", "read"),
        "cache_hit": hit,
        "latency_s": latency,
        "version": version_col,
        "db_version": db_version_col,
        "stale": stale_col,
        "stale_age_s": stale_age,
    })
    database = pd.DataFrame(db_ops, columns=["start_s", "end_s", "key", "kind", "version"])
    cache_versions = {k: cache.peek(k, now=env.now) for k in cache}
    return StrategyRun(name, frame, database, state["lost"],
                       tuple(sorted(state["lost_keys"], key=str)),
                       state["max_entries"], dict(db_version),
                       {k: v for k, v in cache_versions.items() if v is not None},
                       float(env.now))


def compare_strategies(strategies: tuple[str, ...] | list[str] = STRATEGIES[:4],
                       requests: pd.DataFrame | None = None, **params) -> pd.DataFrame:
    """Run several strategies on the same request mix; one row of :meth:`StrategyRun.summary`
    per strategy (index ``strategy``).

    >>> df = compare_strategies(["no_cache", "cache_aside"], n_requests=1_000, n_keys=100)
    >>> df.index.tolist(), bool(df.loc["cache_aside", "db_ops_per_request"] < 1.0)
    (['no_cache', 'cache_aside'], True)
    """
    if not strategies:
        raise ValueError("strategies must name at least one strategy")
    seed = params.get("seed", 0)
    if requests is None:
        mix = {k: params.pop(k) for k in ("n_requests", "n_keys", "skew", "write_fraction", "rate")
               if k in params}
        requests = request_mix(mix.get("n_requests", 5_000), mix.get("n_keys", 1_000),
                               mix.get("skew", 1.0), write_fraction=mix.get("write_fraction", 0.1),
                               rate=mix.get("rate", 500.0), seed=seed)
    return summarize_runs({s: simulate_strategy(s, requests, **params) for s in strategies})


def summarize_runs(runs: dict[str, StrategyRun]) -> pd.DataFrame:
    """One row of :meth:`StrategyRun.summary` per labelled run (index ``strategy``).

    >>> runs = {s: simulate_strategy(s, n_requests=300, n_keys=30)
    ...         for s in ("no_cache", "write_through")}
    >>> summarize_runs(runs).index.tolist()
    ['no_cache', 'write_through']
    """
    if not runs:
        raise ValueError("runs must hold at least one StrategyRun")
    frame = pd.DataFrame.from_dict({k: r.summary() for k, r in runs.items()}, orient="index")
    frame.index.name = "strategy"
    return frame


def write_fraction_sweep(write_fractions: list[float] | tuple[float, ...], *,
                         strategy: str = "cache_aside", n_requests: int = 2_000,
                         n_keys: int = 1_000, skew: float = 1.0, rate: float = 500.0,
                         seed: int = 0, **params) -> pd.DataFrame:
    """Run ``strategy`` and ``"no_cache"`` on request mixes with growing write fractions.

    One row per write fraction: ``write_fraction``, ``hit_ratio``, ``stale_read_fraction``,
    ``db_ops_per_request`` and ``latency_mean_s`` (over reads and writes) with the cache, and
    ``db_ops_per_request_no_cache`` and ``latency_mean_no_cache_s`` without it. ``params`` go to
    :func:`simulate_strategy` (e.g. ``capacity``, ``ttl_s``, ``invalidate_on_write``).

    >>> df = write_fraction_sweep([0.0, 0.9], n_requests=500, n_keys=100, ttl_s=10.0,
    ...                           invalidate_on_write=True)
    >>> bool(df.hit_ratio.iloc[0] > df.hit_ratio.iloc[1])
    True
    """
    name = check_choice("strategy", strategy, STRATEGIES[1:])
    fractions = list(write_fractions)
    if not fractions:
        raise ValueError("write_fractions must hold at least one fraction")
    rows = []
    for w in fractions:
        mix = request_mix(n_requests, n_keys, skew, write_fraction=w, rate=rate, seed=seed)
        cached = simulate_strategy(name, mix, seed=seed, **params)
        plain = simulate_strategy("no_cache", mix, seed=seed,
                                  **{k: v for k, v in params.items()
                                     if k in ("db_latency_s", "db_servers")})
        s, b = cached.summary(), plain.summary()
        rows.append({
            "write_fraction": float(w),
            "hit_ratio": s["hit_ratio"],
            "stale_read_fraction": s["stale_read_fraction"],
            "db_ops_per_request": s["db_ops_per_request"],
            "db_ops_per_request_no_cache": b["db_ops_per_request"],
            "latency_mean_s": float(cached.requests.latency_s.mean()),
            "latency_mean_no_cache_s": float(plain.requests.latency_s.mean()),
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
