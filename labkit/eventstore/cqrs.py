"""CQRS scenarios for notebook 04: read lag, read-your-writes, read scaling, replay cost.

The write side is a real :class:`~labkit.eventstore.store.EventStore` (SQLite, the RDS stand-in):
every command is a transaction with an expected-version check. Each committed event is published
to a :class:`~labkit.messaging.stream.Stream` (Kinesis) keyed by order id, so one order's events
stay in order. A projector polls every shard every ``poll_interval_s`` (as Lambda polls Kinesis)
and applies each batch after a processing delay (exponential, mean ``processing_lag_s``) to the
read model (the DynamoDB stand-in). A client reads its own order ``read_after_s`` after writing;
the read is *stale* (a read-your-writes violation) when the read model has not applied that write.
:func:`simulate_cqrs` runs it (configured by :class:`CqrsConfig`); :func:`run_cqrs` is the former
keyword form, kept one release.

:func:`read_scaling` models the read side alone: N read replicas (or DynamoDB partitions) serving
a read load, with :func:`labkit.core.run_queue`. :func:`replay_cost` loads aggregates with and
without snapshots and counts the events replayed (plus the measured wall time).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from labkit.core.metrics import percentiles
from labkit.core.rng import spawn_rngs
from labkit.core.runner import Config, Result
from labkit.core.service import run_queue
from labkit.core.validation import check_int, check_limit, check_nonnegative, check_positive
from labkit.eventstore.orders import OrderRepository, OrderState, apply_event
from labkit.eventstore.projections import order_summary_handler
from labkit.eventstore.store import EventStore, NewEvent
from labkit.messaging.stream import ProvisionedThroughputExceeded, Stream

__all__ = ["CqrsConfig", "CqrsResult", "CqrsRun", "read_scaling", "replay_cost", "run_cqrs",
           "simulate_cqrs"]


#: Bounds of one CQRS run on this lab.
MAX_ORDERS = 20_000
MAX_SHARDS = 64


@dataclass(frozen=True)
class CqrsConfig(Config):
    """The CQRS read-lag model (validated on construction).

    Fields
    ------
    n_orders, items_per_order
        Orders placed (1 to 20,000), each then given ``items_per_order`` items (0 to 50): one
        command and one event each.
    arrival_rate
        Commands per second overall (Poisson).
    read_after_s
        How long after each command the client reads its order from the read model.
    poll_interval_s
        The projector's poll interval per shard (a Lambda polls Kinesis about once a second).
    processing_lag_s
        Mean of the exponential delay between a poll and its batch reaching the read model.
    shards
        Shards of the stream (1 to 64).
    seed
        Seed for the order of commands, their times and the processing delays.
    """

    n_orders: int = 100
    arrival_rate: float = 5.0
    items_per_order: int = 2
    read_after_s: float = 0.5
    poll_interval_s: float = 1.0
    processing_lag_s: float = 0.2
    shards: int = 2
    seed: int = 0

    def validate(self) -> None:
        check_limit("n_orders", self.n_orders, MAX_ORDERS, minimum=1)
        check_positive("arrival_rate", self.arrival_rate)
        check_int("items_per_order", self.items_per_order, minimum=0, maximum=50)
        check_nonnegative("read_after_s", self.read_after_s)
        check_positive("poll_interval_s", self.poll_interval_s)
        check_nonnegative("processing_lag_s", self.processing_lag_s)
        check_limit("shards", self.shards, MAX_SHARDS, minimum=1)
        check_int("seed", self.seed, minimum=0)


@dataclass(frozen=True)
class CqrsResult(Result):
    """One row per write (with its own read), the projector's polls, the read model, the store."""

    config: CqrsConfig
    records: pd.DataFrame
    polls: pd.DataFrame
    read_model: dict
    store: EventStore

    @property
    def reads(self) -> pd.DataFrame:
        """The records under their former name (one row per write and its read)."""
        return self.records

    def summary(self) -> dict[str, int | float]:
        r = self.records
        lag = (r.applied_s - r.write_s).to_numpy()
        p = percentiles(lag, (50, 99))
        return {
            "writes": len(r),
            "stale_reads": int(r.stale.sum()),
            "stale_read_share": float(r.stale.mean()),
            "p50_propagation_s": p["p50"],
            "p99_propagation_s": p["p99"],
            "max_iterator_age_s": float(self.polls.iterator_age_s.max()),
        }


#: Kept one release: the former name of :class:`CqrsResult`.
CqrsRun = CqrsResult


def _command_schedule(config: CqrsConfig, order_rng: np.random.Generator,
                      time_rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Which order and which step each command is, and when it arrives (several orders open)."""
    n, commands_per_order = config.n_orders, 1 + config.items_per_order
    total = n * commands_per_order
    order_of = np.concatenate([np.arange(n)] * commands_per_order)
    step_of = np.repeat(np.arange(commands_per_order), n)
    perm = np.lexsort((order_rng.random(total), step_of * n // 4 + order_of // 4))
    write_times = np.cumsum(time_rng.exponential(1.0 / config.arrival_rate, total))
    return order_of[perm], step_of[perm], write_times


def _write_side(store: EventStore, stream: Stream, schedule: tuple[np.ndarray, ...]) -> list:
    """Run every command against the event store and publish its events to the stream."""
    repo = OrderRepository(store)
    order_of, step_of, write_times = schedule
    writes = []
    for t, o, k in zip(write_times.tolist(), order_of.tolist(), step_of.tolist(), strict=True):
        oid = f"order-{o:04d}"
        if k == 0:
            repo.place(oid, f"customer-{o % 17}", now=t)
        else:
            repo.add_item(oid, f"sku-{k}", 1, 10.0 * k, now=t)
        for e in store.read_stream(oid, after_version=store.current_version(oid) - 1):
            stream.put_record(oid, e, now=t)
            writes.append((oid, e.version, t))
    return writes


def _project(stream: Stream, config: CqrsConfig, end_s: float, lag_rng: np.random.Generator,
             rows: dict) -> tuple[dict, list]:
    """The projector: poll every shard each ``poll_interval_s`` until ``end_s``; apply batches.

    Returns when each (order, version) reached the read model, and one tuple per poll.
    """
    poll, lag = config.poll_interval_s, config.processing_lag_s
    applied: dict[tuple[str, int], float] = {}
    positions = [0] * config.shards
    polls = []
    tick = poll
    while tick <= end_s + poll:
        for shard in range(config.shards):
            try:
                res = stream.get_records(shard, positions[shard], now=tick)
            except ProvisionedThroughputExceeded:
                # polling faster than the shard's read limit: this poll is refused and the
                # projector tries again at its next tick, as a Kinesis consumer backs off
                polls.append((tick, shard, 0, float("nan"), True))
                continue
            polls.append((tick, shard, len(res.records), res.iterator_age_s, False))
            if not res.records:
                continue
            done = tick + float(lag_rng.exponential(lag)) if lag > 0 else tick
            for rec in res.records:
                e = rec.data
                row = rows.get(e.stream_id)
                if row is None or e.version > row["version"]:  # idempotent, in-order apply
                    order_summary_handler(rows, e)
                applied[(e.stream_id, e.version)] = done
            positions[shard] = res.next_position
        tick += poll
    return applied, polls


def simulate_cqrs(config: CqrsConfig) -> CqrsResult:
    """Write orders to the SQLite event store, stream them, project them, and read them back.

    Each order is placed and then gets ``items_per_order`` items (one command, one event each), at
    Poisson times with ``arrival_rate`` commands per second overall. After every command the
    client reads its order from the read model ``read_after_s`` later.

    Examples
    --------
    >>> result = simulate_cqrs(CqrsConfig(n_orders=20, read_after_s=0.1, seed=1))
    >>> s = result.summary()
    >>> s["writes"], s["stale_read_share"] > 0.5
    (60, True)
    >>> simulate_cqrs(result.config.replace(read_after_s=5.0)).summary()["stale_reads"]
    0
    """
    if not isinstance(config, CqrsConfig):
        raise TypeError(f"config must be a CqrsConfig, got {type(config).__name__}")
    order_rng, time_rng, lag_rng = spawn_rngs(config.seed, 3)
    schedule = _command_schedule(config, order_rng, time_rng)
    store = EventStore()
    stream = Stream("orders-stream", shard_count=config.shards)
    writes = _write_side(store, stream, schedule)
    rows: dict = {}
    end = (float(schedule[2][-1]) + config.read_after_s
           + 10 * (config.poll_interval_s + config.processing_lag_s) + 1)
    applied, polls = _project(stream, config, end, lag_rng, rows)
    frame = pd.DataFrame(writes, columns=["order_id", "version", "write_s"])
    frame["read_s"] = frame.write_s + config.read_after_s
    frame["applied_s"] = [applied.get((o, v), np.inf) for o, v in
                          zip(frame.order_id, frame.version, strict=True)]
    frame["stale"] = frame.applied_s > frame.read_s
    poll_frame = pd.DataFrame(polls, columns=["time_s", "shard", "records", "iterator_age_s",
                                              "throttled"])
    return CqrsResult(config, frame, poll_frame, rows, store)


def run_cqrs(*, n_orders: int = 100, write_rate: float = 5.0, items_per_order: int = 2,
             read_after_s: float = 0.5, poll_interval_s: float = 1.0,
             processing_lag_s: float = 0.2, shards: int = 2, seed: int = 0) -> CqrsResult:
    """Deprecated keyword form of :func:`simulate_cqrs` (``write_rate`` is now
    ``arrival_rate``)."""
    warnings.warn("run_cqrs is deprecated since labkit 0.2 and will be removed in the next "
                  "release; use labkit.eventstore.cqrs.simulate_cqrs(CqrsConfig(...)) instead",
                  DeprecationWarning, stacklevel=2)
    return simulate_cqrs(CqrsConfig(n_orders=n_orders, arrival_rate=write_rate,
                                    items_per_order=items_per_order, read_after_s=read_after_s,
                                    poll_interval_s=poll_interval_s,
                                    processing_lag_s=processing_lag_s, shards=shards, seed=seed))


#: Bounds of :func:`read_scaling` on this lab (each replica count is one M/M/c run).
MAX_REPLICA_COUNTS = 50
MAX_REPLICAS = 1_000
MAX_READ_REQUESTS = 200_000


def read_scaling(*, read_rate: float = 400.0, replicas: tuple[int, ...] = (1, 2, 4, 8),
                 reads_per_replica_s: float = 120.0, n_requests: int = 3000,
                 seed: int = 0) -> pd.DataFrame:
    """Read throughput and latency as read replicas are added (M/M/c per replica count).

    Returns one row per replica count: ``replicas``, ``offered_reads_per_s``,
    ``served_reads_per_s``, ``utilization``, ``p50_latency_s``, ``p99_latency_s``.

    >>> df = read_scaling(read_rate=100, replicas=(1, 2), reads_per_replica_s=80, n_requests=500)
    >>> bool(df.served_reads_per_s.iloc[1] > df.served_reads_per_s.iloc[0])
    True
    """
    lam = check_positive("read_rate", read_rate)
    mu = check_positive("reads_per_replica_s", reads_per_replica_s)
    if isinstance(replicas, (str, bytes)) or not hasattr(replicas, "__len__"):
        raise TypeError(f"replicas must be a sequence of replica counts, got "
                        f"{type(replicas).__name__}")
    if not 1 <= len(replicas) <= MAX_REPLICA_COUNTS:
        raise ValueError(f"replicas must list 1 to {MAX_REPLICA_COUNTS} replica counts; "
                         f"got {len(replicas)}")
    check_limit("n_requests", n_requests, MAX_READ_REQUESTS, minimum=1)
    rows = []
    for c in replicas:
        c = check_limit("replicas item", c, MAX_REPLICAS, minimum=1)
        df = run_queue(lam, mu, c, n_requests, seed=seed)
        span = float(df.end_s.max() - df.arrival_s.min())
        p = percentiles(df.latency_s.to_numpy(), (50, 99))
        rows.append({"replicas": c, "offered_reads_per_s": lam,
                     "served_reads_per_s": n_requests / span,
                     "utilization": min(1.0, lam / (c * mu)),
                     "p50_latency_s": p["p50"], "p99_latency_s": p["p99"]})
    return pd.DataFrame(rows)


def replay_cost(*, events_per_order: tuple[int, ...] = (10, 100, 1000),
                snapshot_every: int = 50, repeats: int = 3) -> pd.DataFrame:
    """Load one order with N events, with and without snapshots.

    Returns one row per (events, mode) with ``events_replayed`` (deterministic) and
    ``load_ms`` (median wall time of ``repeats`` loads, which varies from machine to machine).
    """
    every = check_int("snapshot_every", snapshot_every, minimum=1)
    reps = check_int("repeats", repeats, minimum=1)
    rows = []
    for n in events_per_order:
        n = check_int("events_per_order item", n, minimum=2)
        for mode, interval in (("full replay", 0), (f"snapshot every {every}", every)):
            store = EventStore()
            repo = OrderRepository(store, snapshot_every=interval)
            events = [NewEvent("OrderPlaced", {"customer": "ana"})] + [
                NewEvent("ItemAdded", {"sku": f"sku-{i % 20}", "quantity": 1,
                                       "unit_price_usd": 1.0}) for i in range(n - 1)]
            recorded = store.append("order-1", events, expected_version=0, now=0.0)
            if interval:
                state = OrderState()
                for e in recorded:
                    state = apply_event(state, e)
                    if e.version % interval == 0:
                        store.save_snapshot("order-1", e.version, state.to_dict(), now=0.0)
            timings = []
            for _ in range(reps):
                t0 = time.perf_counter()
                loaded = repo.load("order-1")
                timings.append((time.perf_counter() - t0) * 1000)
            rows.append({"events_in_stream": n, "mode": mode,
                         "events_replayed": loaded.events_replayed,
                         "from_snapshot_version": loaded.from_snapshot_version,
                         "load_ms": float(np.median(timings))})
            repo.store.close()
    return pd.DataFrame(rows)
