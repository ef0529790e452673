"""Kinesis alone as the system of record: what it lacks that an event store has.

A Kinesis data stream looks like an event log: records keyed by order id stay in order in their
shard, and consumers can read them again. Used as the *only* store of an event-sourced order it
fails in two ways this module measures:

* **No expected-version check.** ``PutRecord`` appends whatever it is given. Two writers that
  read an order at version 4 both append "version 5"; a projection that applies each version once
  (as it must, to be idempotent under redelivery) keeps one and drops the other: a lost update.
  The lab's :class:`~labkit.eventstore.store.EventStore` refuses the second append
  (:class:`~labkit.eventstore.store.ConcurrencyError`) so the writer re-reads and retries. This
  is :func:`labkit.eventstore.contention.simulate_contention` with ``mode="stream"``.
* **Retention.** A stream keeps records 24 hours by default and at most 365 days
  (https://docs.aws.amazon.com/streams/latest/dev/kinesis-extended-retention.html); an event store
  keeps every event for ever. Rebuilding an order from the stream after its first events expired
  starts at a gap (version 1 is gone), so the state cannot be rebuilt:
  :func:`simulate_stream_replay` counts those orders (:class:`StreamReplayConfig`).

Kinesis (or DynamoDB Streams) is a fine *transport* from the store to projections; the
``eventsourcing`` library rejects Kafka-like logs as the record store for the same reason, no
per-stream optimistic concurrency (https://eventsourcing.readthedocs.io/en/stable/topics/persistence.html).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from labkit.core.rng import spawn_rngs
from labkit.core.runner import Config, Result
from labkit.core.validation import check_int, check_positive
from labkit.eventstore.store import EventStore, NewEvent
from labkit.messaging.stream import Stream

__all__ = ["StreamReplayConfig", "StreamReplayResult", "simulate_stream_replay"]

MAX_ORDERS = 20_000
RECORD_COLUMNS = ["order_id", "events_written", "events_in_stream", "first_version_in_stream",
                  "rebuilt_from_stream", "events_in_store"]


@dataclass(frozen=True)
class StreamReplayConfig(Config):
    """Orders written over days to a stream and to the event store, rebuilt at ``rebuild_at_h``.

    ``n_orders`` (1 to 20,000) arrive at ``arrival_rate`` orders per second (Poisson); each gets
    ``events_per_order`` events (2 to 50) spread over an exponential lifetime of mean
    ``order_lifetime_h``. The stream keeps records ``retention_h`` hours (24 to 8,760).
    """

    n_orders: int = 200
    arrival_rate: float = 0.002
    events_per_order: int = 4
    order_lifetime_h: float = 6.0
    retention_h: float = 24.0
    rebuild_at_h: float = 40.0
    seed: int = 0

    def validate(self) -> None:
        check_int("n_orders", self.n_orders, minimum=1, maximum=MAX_ORDERS)
        check_positive("arrival_rate", self.arrival_rate)
        check_int("events_per_order", self.events_per_order, minimum=2, maximum=50)
        check_positive("order_lifetime_h", self.order_lifetime_h)
        check_positive("retention_h", self.retention_h)
        if not 24 <= self.retention_h <= 8760:
            raise ValueError(f"retention_h must be in [24, 8760] (Kinesis: 24 hours to 365 "
                             f"days), got {self.retention_h!r}")
        check_positive("rebuild_at_h", self.rebuild_at_h)
        check_int("seed", self.seed, minimum=0)


@dataclass(frozen=True)
class StreamReplayResult(Result):
    """One row per order: what the stream still holds at the rebuild, and the store."""

    config: StreamReplayConfig
    records: pd.DataFrame

    def summary(self) -> dict[str, int | float]:
        r = self.records
        return {"orders": len(r),
                "rebuilt_from_stream": int(r.rebuilt_from_stream.sum()),
                "orders_with_gap": int(((r.events_in_stream > 0) & ~r.rebuilt_from_stream).sum()),
                "orders_gone_from_stream": int((r.events_in_stream == 0).sum()),
                "events_lost_by_stream": int((r.events_written - r.events_in_stream).sum()),
                "rebuilt_from_store": int((r.events_in_store == r.events_written).sum())}


def _write(config: StreamReplayConfig, times: np.ndarray, stream: Stream,
           store: EventStore) -> None:
    """Append every order's events in time order to both the stream and the event store."""
    n, k = times.shape
    order = np.argsort(times, axis=None, kind="stable")
    for flat in order.tolist():
        o, v = divmod(flat, k)
        oid, t = f"order-{o:05d}", float(times[o, v])
        event = NewEvent("OrderPlaced" if v == 0 else "ItemAdded",
                         {"customer": oid} if v == 0 else
                         {"sku": f"sku-{v}", "quantity": 1, "unit_price_usd": 1.0})
        store.append(oid, [event], expected_version=v, now=t)
        stream.put_record(oid, {"order_id": oid, "version": v + 1}, now=t)


def _read_back(stream: Stream, at_s: float) -> dict[str, list[int]]:
    """Every version of every order the stream still returns at ``at_s`` (TRIM_HORIZON)."""
    versions: dict[str, list[int]] = {}
    for shard in range(stream.shard_count):
        for r in stream.read_from_oldest(shard, at_s):
            versions.setdefault(r.data["order_id"], []).append(r.data["version"])
    return versions


def simulate_stream_replay(config: StreamReplayConfig) -> StreamReplayResult:
    """Write the same orders to a stream and to the event store; rebuild each from both.

    An order rebuilds from the stream only when the stream still holds its version 1 and every
    later version without a gap (``replay`` refuses gaps, as an aggregate must).

    >>> result = simulate_stream_replay(StreamReplayConfig(n_orders=60, seed=1))
    >>> s = result.summary()
    >>> s["rebuilt_from_store"], s["rebuilt_from_stream"] < 60
    (60, True)
    """
    if not isinstance(config, StreamReplayConfig):
        raise TypeError(f"config must be a StreamReplayConfig, got {type(config).__name__}")
    arrivals_rng, life_rng = spawn_rngs(config.seed, 2)
    starts = np.cumsum(arrivals_rng.exponential(1.0 / config.arrival_rate, config.n_orders))
    offsets = np.sort(life_rng.exponential(config.order_lifetime_h * 3600.0,
                                           (config.n_orders, config.events_per_order)), axis=1)
    offsets -= offsets[:, :1]
    times = starts[:, None] + offsets
    stream = Stream("orders", shard_count=2, retention_s=config.retention_h * 3600.0)
    store = EventStore()
    _write(config, times, stream, store)
    at_s = config.rebuild_at_h * 3600.0
    in_stream = _read_back(stream, at_s)
    rows = []
    for o in range(config.n_orders):
        oid = f"order-{o:05d}"
        written = int((times[o] <= at_s).sum())
        if written == 0:
            continue
        versions = in_stream.get(oid, [])
        complete = bool(versions) and versions == list(range(1, written + 1))
        kept = sum(1 for e in store.read_stream(oid) if e.recorded_at <= at_s)
        rows.append((oid, written, len(versions), versions[0] if versions else 0, complete,
                     kept))
    store.close()
    return StreamReplayResult(config, pd.DataFrame(rows, columns=RECORD_COLUMNS))
