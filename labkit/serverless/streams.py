"""Kinesis into Lambda: the event source mapping (ESM), iterator age and poison records.

The stream is :class:`labkit.messaging.Stream` (shards, partition keys, per-shard limits).
This module models how Lambda consumes it (Lambda Developer Guide, services-kinesis-parameters,
with-kinesis; https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-parameters.html):

- Lambda polls each shard (here once per ``poll_interval_s``) and hands records to
  ``parallelization_factor`` concurrent *lanes* per shard; a partition key always maps to one lane,
  so order per key is kept.
- A lane invokes the function **synchronously** with a batch when ``batch_size`` records are
  waiting or when the oldest has waited ``batching_window_s``.
- A batch that fails is retried, and the lane **waits**: later records of that lane are not
  processed until the batch succeeds, is discarded after ``maximum_retries`` retries (−1 means
  until the records expire), or its records are older than ``maximum_record_age_s``.
  Discarded records go to the ``on_failure_destination`` (an SQS queue or SNS topic) if there
  is one, otherwise they are dropped.
- With ``bisect_on_error`` a failed batch is split in two and each half retried; splitting does not
  count as a retry, so the poison record ends up alone and only it is discarded.
- **IteratorAge** is reported per batch: the time between Lambda receiving the batch and the
  arrival in the stream of the batch's last record.

Functions
    simulate_stream (configuration StreamConfig), iterator_age_series
Classes
    EventSourceMapping, StreamConfig, StreamRun
"""

from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from labkit.core.rng import spawn_rngs
from labkit.core.runner import Config, Result, deprecated_alias
from labkit.core.validation import check_expected_work, check_int, check_nonnegative, check_positive

__all__ = ["EventSourceMapping", "StreamConfig", "StreamRun", "iterator_age_series",
           "run_stream_processing", "simulate_stream"]

MAX_STREAM_RECORDS = 1_000_000


@dataclass(frozen=True)
class EventSourceMapping:
    """The Lambda event source mapping settings for a Kinesis stream (AWS defaults).

    >>> EventSourceMapping().batch_size, EventSourceMapping().maximum_retries
    (100, -1)
    >>> EventSourceMapping(batch_size=0)
    Traceback (most recent call last):
    ...
    ValueError: batch_size must be an integer in [1, 10000], got 0
    """

    batch_size: int = 100
    batching_window_s: float = 0.0
    parallelization_factor: int = 1
    bisect_on_error: bool = False
    maximum_retries: int = -1
    maximum_record_age_s: float = -1
    on_failure_destination: bool = False

    def __post_init__(self) -> None:
        check_int("batch_size", self.batch_size, minimum=1, maximum=10_000)
        w = check_nonnegative("batching_window_s", self.batching_window_s)
        if w > 300:
            raise ValueError(f"batching_window_s must be in [0, 300], got {w!r}")
        check_int("parallelization_factor", self.parallelization_factor, minimum=1, maximum=10)
        check_int("maximum_retries", self.maximum_retries, minimum=-1, maximum=10_000)
        age = self.maximum_record_age_s
        if not (age == -1 or (isinstance(age, (int, float)) and 60 <= age <= 604_800)):
            raise ValueError(f"maximum_record_age_s must be -1 or in [60, 604800], got {age!r}")
        for name in ("bisect_on_error", "on_failure_destination"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be True or False")


@dataclass
class _Lane:
    buffer: deque = field(default_factory=deque)   # (record, available_s)
    free_s: float = 0.0
    retry: list | None = None       # pending batch (list of (record, available_s)) being retried
    attempts: int = 0
    pending: deque = field(default_factory=deque)   # halves waiting after a bisect


@dataclass(frozen=True)
class StreamConfig(Config):
    """A Kinesis-like stream and its Lambda consumer.

    ``mapping`` holds the event source mapping's settings (AWS defaults if omitted).
    ``arrival_rate`` is the Poisson write rate over the whole stream (records/s), keys drawn
    uniformly from ``n_keys``; ``shards`` take at most 1,000 records/s each (writes over it are
    throttled and counted). ``poison_at_s`` places one *poison* record: the function fails on
    every batch that contains it. Function duration = ``invoke_overhead_s`` +
    ``per_record_s`` x batch size; Lambda reads each shard every ``poll_interval_s``. At most
    1,000,000 records (``arrival_rate x horizon_s``).

    >>> StreamConfig(arrival_rate=10.0, horizon_s=60.0, poison_at_s=60.0)
    Traceback (most recent call last):
    ...
    ValueError: poison_at_s must be in [0, horizon_s), got 60.0
    """

    mapping: EventSourceMapping = EventSourceMapping()
    shards: int = 2
    arrival_rate: float = 40.0
    horizon_s: float = 600.0
    n_keys: int = 200
    poison_at_s: float | None = None
    per_record_s: float = 0.005
    invoke_overhead_s: float = 0.05
    poll_interval_s: float = 1.0
    seed: int = 0

    def validate(self) -> None:
        if not isinstance(self.mapping, EventSourceMapping):
            raise TypeError(f"mapping must be an EventSourceMapping, got "
                            f"{type(self.mapping).__name__}")
        check_int("shards", self.shards, minimum=1, maximum=500)
        rate = check_positive("arrival_rate", self.arrival_rate)
        horizon = check_positive("horizon_s", self.horizon_s)
        check_expected_work(rate, horizon, MAX_STREAM_RECORDS, what="records")
        check_int("n_keys", self.n_keys, minimum=1, maximum=1_000_000)
        check_nonnegative("per_record_s", self.per_record_s)
        check_nonnegative("invoke_overhead_s", self.invoke_overhead_s)
        check_positive("poll_interval_s", self.poll_interval_s)
        if self.poison_at_s is not None and not 0 <= check_nonnegative(
                "poison_at_s", self.poison_at_s) < horizon:
            raise ValueError(f"poison_at_s must be in [0, horizon_s), got {self.poison_at_s!r}")
        check_int("seed", self.seed, minimum=0)


@dataclass(frozen=True)
class StreamRun(Result):
    """Result of :func:`simulate_stream`.

    ``invocations``: one row per function invocation — ``start_s``, ``end_s``, ``shard``,
    ``lane``, ``records``, ``attempt``, ``ok``, ``iterator_age_s``.
    ``records``: one row per record written — ``arrival_s``, ``shard``, ``partition_key``,
    ``poison``, ``outcome`` ("processed", "to_destination", "dropped", "pending"),
    ``done_s`` (when processed or discarded; NaN while pending).
    """

    invocations: pd.DataFrame
    records: pd.DataFrame
    settings: EventSourceMapping
    shards: int
    write_throttled: int
    horizon_s: float

    def to_frame(self) -> pd.DataFrame:
        return self.invocations

    def summary(self) -> dict[str, float]:
        """Headline numbers: record outcomes and the iterator age at the end and at its peak."""
        inv = self.invocations
        out = self.records.outcome.value_counts()
        last = inv[inv.start_s >= self.horizon_s - 60.0]
        return {
            "n_records": int(len(self.records)),
            "processed": int(out.get("processed", 0)),
            "to_destination": int(out.get("to_destination", 0)),
            "dropped": int(out.get("dropped", 0)),
            "pending": int(out.get("pending", 0)),
            "write_throttled": int(self.write_throttled),
            "invocations": int(len(inv)),
            "failed_invocations": int((~inv.ok).sum()) if len(inv) else 0,
            "max_iterator_age_s": float(inv.iterator_age_s.max()) if len(inv) else 0.0,
            "final_iterator_age_s": _final_age(self),
            "final_minute_iterator_age_s": float(last.iterator_age_s.max()) if len(last) else
            _final_age(self),
        }


def _final_age(run: StreamRun) -> float:
    pending = run.records[run.records.outcome == "pending"]
    if len(pending):
        return float(run.horizon_s - pending.arrival_s.min())
    return 0.0


def _lane_of(key: str, factor: int) -> int:
    if factor == 1:
        return 0
    return int.from_bytes(hashlib.md5(("lane:" + key).encode()).digest()[:4], "big") % factor


class _Producer:
    """Writes the seeded records into the stream as time passes; one column list per field."""

    def __init__(self, config: StreamConfig) -> None:
        from labkit.messaging.stream import Stream

        arrival_rng, key_rng = spawn_rngs(config.seed, 2)
        n = int(arrival_rng.poisson(config.arrival_rate * config.horizon_s))
        self.times = np.sort(arrival_rng.uniform(0.0, config.horizon_s, n))
        self.key_ids = key_rng.integers(0, config.n_keys, n)
        self.poison_index = (int(np.searchsorted(self.times, config.poison_at_s))
                             if config.poison_at_s is not None else -1)
        self.stream = Stream("events", shard_count=config.shards, retention_s=24 * 3600.0)
        self.columns: dict[str, list] = {"arrival_s": [], "shard": [], "partition_key": [],
                                         "poison": [], "outcome": [], "done_s": []}
        self.throttled = 0
        self.written = 0

    def produce(self, until: float) -> None:
        """Write the records that arrive up to ``until`` (throttled ones are counted, lost)."""
        from labkit.messaging.stream import ProvisionedThroughputExceeded

        c = self.columns
        while self.written < len(self.times) and self.times[self.written] <= until:
            i = self.written
            self.written += 1
            key = f"device-{int(self.key_ids[i])}"
            poison = i == self.poison_index
            try:
                rec = self.stream.put_record(key, {"i": len(c["arrival_s"]), "poison": poison},
                                             now=float(self.times[i]))
            except ProvisionedThroughputExceeded:
                self.throttled += 1
                continue
            for name, value in (("arrival_s", rec.arrival_s), ("shard", rec.shard_id),
                                ("partition_key", key), ("poison", poison),
                                ("outcome", "pending"), ("done_s", float("nan"))):
                c[name].append(value)

    def finish(self, batch: list, kind: str, t: float) -> None:
        """Mark the records of ``batch`` processed or discarded at ``t``."""
        for rec, _ in batch:
            self.columns["outcome"][rec.data["i"]] = kind
            self.columns["done_s"][rec.data["i"]] = t


def _read_shard(producer: _Producer, shard: int, position: int, lanes: list[_Lane], t: float,
                factor: int) -> int:
    """Drain what arrived in ``shard`` by ``t`` into its lanes (within the shard's read
    limits); the new read position."""
    from labkit.messaging.stream import ProvisionedThroughputExceeded

    while True:
        try:
            res = producer.stream.get_records(shard, position, t)
        except ProvisionedThroughputExceeded:
            return position
        if not res.records:
            return position
        position = res.next_position
        for rec in res.records:
            lanes[_lane_of(rec.partition_key, factor)].buffer.append((rec, t))
        if len(res.records) < 10_000:
            return position


def _next_batch(lane: _Lane, esm: EventSourceMapping, now_poll: float
                ) -> tuple[list, float, str] | None:
    """The next batch of this lane, its start time and where it came from ("retry",
    "pending", "buffer"), or None to wait for the next poll."""
    if lane.retry is not None:
        return lane.retry, lane.free_s, "retry"
    if lane.pending:
        return lane.pending.popleft(), lane.free_s, "pending"
    if not lane.buffer:
        return None
    if len(lane.buffer) >= esm.batch_size:
        ready = lane.buffer[esm.batch_size - 1][1]
    else:
        ready = lane.buffer[0][1] + esm.batching_window_s
        if ready > now_poll:
            return None
    batch = [lane.buffer.popleft() for _ in range(min(esm.batch_size, len(lane.buffer)))]
    return batch, max(lane.free_s, ready), "buffer"


def _after_failure(lane: _Lane, batch: list, attempt: int, esm: EventSourceMapping) -> bool:
    """Decide what a failed batch does next: bisect, retry or (returns True) be discarded."""
    if esm.bisect_on_error and len(batch) > 1:
        half = len(batch) // 2
        lane.pending.appendleft(batch[half:])
        lane.pending.appendleft(batch[:half])
        lane.retry, lane.attempts = None, 0
        return False
    if esm.maximum_retries != -1 and lane.attempts >= esm.maximum_retries:
        lane.retry, lane.attempts = None, 0
        return True
    lane.retry, lane.attempts = batch, attempt
    return False


def _drive_lane(lane: _Lane, shard: int, index: int, t: float, t_next: float,
                config: StreamConfig, producer: _Producer, rows: list[dict[str, Any]]) -> None:
    """Invoke the function for this lane's batches that start before the next poll."""
    esm = config.mapping
    discard_to = "to_destination" if esm.on_failure_destination else "dropped"
    while (got := _next_batch(lane, esm, t)) is not None:
        batch, start, source = got
        if start >= t_next:   # not in this interval: put the batch back
            if source == "pending":
                lane.pending.appendleft(batch)
            elif source == "buffer":
                lane.buffer.extendleft(reversed(batch))
            return
        oldest = min(rec.arrival_s for rec, _ in batch)
        if esm.maximum_record_age_s != -1 and start - oldest > esm.maximum_record_age_s:
            producer.finish(batch, discard_to, start)
            lane.retry, lane.attempts = None, 0
            continue
        end = start + config.invoke_overhead_s + config.per_record_s * len(batch)
        failed = any(rec.data["poison"] for rec, _ in batch)
        attempt = lane.attempts + 1
        rows.append({"start_s": start, "end_s": end, "shard": shard, "lane": index,
                     "records": len(batch), "attempt": attempt, "ok": not failed,
                     "iterator_age_s": start - max(r.arrival_s for r, _ in batch)})
        lane.free_s = end
        if not failed:
            producer.finish(batch, "processed", end)
            lane.retry, lane.attempts = None, 0
        elif _after_failure(lane, batch, attempt, esm):
            producer.finish(batch, discard_to, end)


def simulate_stream(config: StreamConfig) -> StreamRun:
    """Produce records into a Kinesis-like stream and consume them with a Lambda ESM.

    Examples
    --------
    >>> ok = simulate_stream(StreamConfig(horizon_s=120, seed=1))
    >>> ok.summary()["pending"] < 100, ok.summary()["failed_invocations"]
    (True, 0)
    >>> stuck = simulate_stream(StreamConfig(horizon_s=120, poison_at_s=30, seed=1))
    >>> stuck.summary()["final_iterator_age_s"] > 80
    True
    """
    if not isinstance(config, StreamConfig):
        raise TypeError(f"config must be a StreamConfig, got {type(config).__name__}")
    esm = config.mapping
    producer = _Producer(config)
    lanes = [[_Lane() for _ in range(esm.parallelization_factor)] for _ in range(config.shards)]
    positions = [0] * config.shards
    rows: list[dict[str, Any]] = []
    t = 0.0
    while t < config.horizon_s:
        t_next = t + config.poll_interval_s
        producer.produce(t)
        for s in range(config.shards):
            positions[s] = _read_shard(producer, s, positions[s], lanes[s], t,
                                       esm.parallelization_factor)
            for index, lane in enumerate(lanes[s]):
                _drive_lane(lane, s, index, t, t_next, config, producer, rows)
        t = t_next
    producer.produce(config.horizon_s)
    invocations = pd.DataFrame(rows, columns=["start_s", "end_s", "shard", "lane", "records",
                                              "attempt", "ok", "iterator_age_s"])
    return StreamRun(invocations, pd.DataFrame(producer.columns), esm, config.shards,
                     producer.throttled, config.horizon_s)


def _run_stream_processing(settings: EventSourceMapping | None = None, *, shards: int = 2,
                           records_per_s: float = 40.0, horizon_s: float = 600.0,
                           n_keys: int = 200, poison_at_s: float | None = None,
                           per_record_s: float = 0.005, invoke_overhead_s: float = 0.05,
                           poll_interval_s: float = 1.0, seed: int = 0) -> StreamRun:
    """The former signature: ``simulate_stream(StreamConfig(...))``."""
    return simulate_stream(StreamConfig(
        mapping=settings if settings is not None else EventSourceMapping(), shards=shards,
        arrival_rate=records_per_s, horizon_s=horizon_s, n_keys=n_keys, poison_at_s=poison_at_s,
        per_record_s=per_record_s, invoke_overhead_s=invoke_overhead_s,
        poll_interval_s=poll_interval_s, seed=seed))


run_stream_processing = deprecated_alias(_run_stream_processing, "run_stream_processing",
                                         replacement=simulate_stream)


def iterator_age_series(run: StreamRun, *, bin_s: float = 10.0) -> pd.DataFrame:
    """Maximum IteratorAge per time bin (CloudWatch's Maximum statistic), one row per bin
    (0 for a bin without invocations).

    >>> s = iterator_age_series(simulate_stream(StreamConfig(horizon_s=60, seed=1)),
    ...                         bin_s=10)
    >>> list(s.columns), len(s)
    (['time_s', 'iterator_age_s'], 6)
    """
    width = check_positive("bin_s", bin_s)
    edges = np.arange(0.0, run.horizon_s + width / 2, width)
    inv = run.invocations
    bins = np.digitize(inv.start_s.to_numpy(), edges) - 1
    ages = np.zeros(len(edges) - 1)
    for b, age in zip(bins, inv.iterator_age_s.to_numpy(), strict=False):
        if 0 <= b < len(ages):
            ages[b] = max(ages[b], age)
    return pd.DataFrame({"time_s": edges[1:], "iterator_age_s": ages})
