"""CQRS scenarios for notebook 04: read lag, read-your-writes, read scaling, replay cost.

The write side is a real :class:`~labkit.eventstore.store.EventStore` (SQLite, the RDS stand-in):
every command is a transaction with an expected-version check. Each committed event is published
to a :class:`~labkit.messaging.stream.Stream` (Kinesis) keyed by order id, so one order's events
stay in order. A projector polls every shard every ``poll_interval_s`` (as Lambda polls Kinesis)
and applies each batch after a processing delay (exponential, mean ``processing_lag_s``) to the
read model (the DynamoDB stand-in). A client reads its own order ``read_after_s`` after writing;
the read is *stale* (a read-your-writes violation) when the read model has not applied that write.

:func:`read_scaling` models the read side alone: N read replicas (or DynamoDB partitions) serving
a read load, with :func:`labkit.core.run_queue`. :func:`replay_cost` loads aggregates with and
without snapshots and counts the events replayed (plus the measured wall time).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from labkit.core.metrics import percentiles
from labkit.core.rng import spawn_rngs
from labkit.core.service import run_queue
from labkit.core.validation import check_int, check_limit, check_nonnegative, check_positive
from labkit.eventstore.orders import OrderRepository, OrderState, apply_event
from labkit.eventstore.projections import order_summary_handler
from labkit.eventstore.store import EventStore, NewEvent
from labkit.messaging.stream import ProvisionedThroughputExceeded, Stream

__all__ = ["CqrsRun", "read_scaling", "replay_cost", "run_contention", "run_cqrs"]


@dataclass(frozen=True)
class CqrsRun:
    """One row per write (with its own read), the read model, and the stream's iterator ages."""

    reads: pd.DataFrame
    polls: pd.DataFrame
    read_model: dict
    store: EventStore

    def summary(self) -> dict:
        r = self.reads
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


def run_cqrs(*, n_orders: int = 100, write_rate: float = 5.0, items_per_order: int = 2,
             read_after_s: float = 0.5, poll_interval_s: float = 1.0,
             processing_lag_s: float = 0.2, shards: int = 2, seed: int = 0) -> CqrsRun:
    """Write orders to the SQLite event store, stream them, project them, and read them back.

    Each order is placed and then gets ``items_per_order`` items (one command, one event each), at
    Poisson times with ``write_rate`` commands per second overall. After every command the
    client reads its order from the read model ``read_after_s`` later.

    Examples
    --------
    >>> run = run_cqrs(n_orders=20, read_after_s=0.1, seed=1)
    >>> s = run.summary()
    >>> s["writes"], s["stale_read_share"] > 0.5
    (60, True)
    >>> run_cqrs(n_orders=20, read_after_s=5.0, seed=1).summary()["stale_reads"]
    0
    """
    n = check_int("n_orders", n_orders, minimum=1)
    rate = check_positive("write_rate", write_rate)
    items = check_int("items_per_order", items_per_order, minimum=0)
    read_after = check_nonnegative("read_after_s", read_after_s)
    poll = check_positive("poll_interval_s", poll_interval_s)
    lag = check_nonnegative("processing_lag_s", processing_lag_s)
    check_int("shards", shards, minimum=1)
    order_rng, time_rng, lag_rng = spawn_rngs(seed, 3)

    commands_per_order = 1 + items
    total = n * commands_per_order
    # command k of order o: interleave orders so several are open at once
    order_of = np.concatenate([np.arange(n)] * commands_per_order)
    step_of = np.repeat(np.arange(commands_per_order), n)
    perm = np.lexsort((order_rng.random(total), step_of * n // 4 + order_of // 4))
    order_of, step_of = order_of[perm], step_of[perm]
    write_times = np.cumsum(time_rng.exponential(1.0 / rate, total))

    store = EventStore()
    repo = OrderRepository(store)
    stream = Stream("orders-stream", shard_count=shards)
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

    applied: dict[tuple[str, int], float] = {}
    rows: dict = {}
    positions = [0] * shards
    polls = []
    end = float(write_times[-1]) + read_after + 10 * (poll + lag) + 1
    tick = poll
    while tick <= end + poll:
        for shard in range(shards):
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

    frame = pd.DataFrame(writes, columns=["order_id", "version", "write_s"])
    frame["read_s"] = frame.write_s + read_after
    frame["applied_s"] = [applied.get((o, v), np.inf) for o, v in
                          zip(frame.order_id, frame.version, strict=True)]
    frame["stale"] = frame.applied_s > frame.read_s
    poll_frame = pd.DataFrame(polls, columns=["time_s", "shard", "records", "iterator_age_s",
                                              "throttled"])
    return CqrsRun(frame, poll_frame, rows, store)


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


def run_contention(*, writers: int = 2, commands_per_writer: int = 50, orders: int = 5,
                   think_s: float = 1.0, command_rate: float = 0.5, mode: str = "event_store",
                   seed: int = 0) -> dict:
    """Writers adding items to a few hot orders: CRUD last-writer-wins vs expected versions.

    Each writer, at Poisson times (``command_rate`` per second), reads an order, thinks for an
    exponential time (mean ``think_s``) and writes it back with one more item.

    * ``mode="crud"``: the write replaces the whole row with what the writer read plus its item
      (an ``UPDATE`` of the latest state). Items added by others in between are lost.
    * ``mode="event_store"``: the write appends an ``ItemAdded`` event with the version the
      writer read as ``expected_version``; on :class:`ConcurrencyError` the writer re-reads and
      tries again after a short pause, so nothing is lost.

    Returns a dict: ``commands``, ``items_kept``, ``lost_updates``, ``conflicts`` (rejected
    appends, then retried), ``writers``, ``mode``.

    >>> run_contention(writers=4, mode="crud", seed=1)["lost_updates"] > 0
    True
    >>> run_contention(writers=4, mode="event_store", seed=1)["lost_updates"]
    0
    """
    import heapq

    from labkit.core.validation import check_choice
    from labkit.eventstore.store import ConcurrencyError

    w = check_int("writers", writers, minimum=1)
    per = check_int("commands_per_writer", commands_per_writer, minimum=1)
    k = check_int("orders", orders, minimum=1)
    think = check_positive("think_s", think_s)
    rate = check_positive("command_rate", command_rate)
    check_choice("mode", mode, ("crud", "event_store"))
    rngs = spawn_rngs(seed, w)
    store = EventStore()
    rows: dict[str, list[str]] = {f"order-{i}": [] for i in range(k)}  # the CRUD table
    for oid in rows:
        store.append(oid, [NewEvent("OrderPlaced", {"customer": oid})], expected_version=0,
                     now=0.0)
    heap: list = []
    counter = [0]
    done = [0] * w

    def push(t: float, kind: str, wi: int, oid: str, item: str, seen: object) -> None:
        heapq.heappush(heap, (t, counter[0], kind, wi, oid, item, seen))
        counter[0] += 1

    def next_command(wi: int, t: float) -> None:
        """Each writer issues its commands one after another (a session, not a flood)."""
        if done[wi] < per:
            rng = rngs[wi]
            push(t + float(rng.exponential(1.0 / rate)), "read", wi,
                 f"order-{int(rng.integers(k))}", f"w{wi}-c{done[wi]}", None)

    for wi in range(w):
        next_command(wi, 0.0)
    conflicts = 0
    while heap:
        t, _, kind, wi, oid, item, seen = heapq.heappop(heap)
        rng = rngs[wi]
        if kind == "read":
            seen = list(rows[oid]) if mode == "crud" else store.current_version(oid)
            push(t + float(rng.exponential(think)), "write", wi, oid, item, seen)
            continue
        if mode == "crud":
            rows[oid] = [*seen, item]  # last writer wins
        else:
            try:
                store.append(oid, [NewEvent("ItemAdded", {"sku": item, "quantity": 1,
                                                          "unit_price_usd": 1.0})],
                             expected_version=seen, now=t)
            except ConcurrencyError:
                conflicts += 1
                push(t + float(rng.exponential(think / 10)), "read", wi, oid, item, None)
                continue
        done[wi] += 1
        next_command(wi, t)
    if mode == "crud":
        kept = sum(len(v) for v in rows.values())
    else:
        kept = sum(1 for e in store.read_all() if e.type == "ItemAdded")
    total = w * per
    return {"mode": mode, "writers": w, "commands": total, "items_kept": kept,
            "lost_updates": total - kept, "conflicts": conflicts}
