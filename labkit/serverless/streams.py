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
    run_stream_processing, iterator_age_series
Classes
    EventSourceMapping, StreamRun
"""

from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from labkit.core.rng import spawn_rngs
from labkit.core.validation import check_int, check_nonnegative, check_positive

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["EventSourceMapping", "StreamRun", "iterator_age_series", "run_stream_processing"]


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
class StreamRun:
    """Result of :func:`run_stream_processing`.

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
            "records": int(len(self.records)),
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


def run_stream_processing(settings: EventSourceMapping | None = None, *, shards: int = 2,
                          records_per_s: float = 40.0, horizon_s: float = 600.0,
                          n_keys: int = 200, poison_at_s: float | None = None,
                          per_record_s: float = 0.005, invoke_overhead_s: float = 0.05,
                          poll_interval_s: float = 1.0, seed: int = 0) -> StreamRun:
    """Produce records into a Kinesis-like stream and consume them with a Lambda ESM.

    Parameters
    ----------
    settings : EventSourceMapping
        The mapping's settings (AWS defaults if omitted).
    shards : int
        Shards of the stream (each takes at most 1,000 records/s; writes over it are throttled and
        counted in ``write_throttled``).
    records_per_s : float
        Poisson write rate over the whole stream, keys drawn uniformly from ``n_keys``.
    poison_at_s : float, optional
        Time of one *poison* record: the function fails on every batch that contains it.
    per_record_s, invoke_overhead_s : float
        Function duration = overhead + per-record time x batch size.
    poll_interval_s : float
        How often Lambda reads each shard.

    Examples
    --------
    >>> ok = run_stream_processing(horizon_s=120, seed=1)
    >>> ok.summary()["pending"] < 100, ok.summary()["failed_invocations"]
    (True, 0)
    >>> stuck = run_stream_processing(horizon_s=120, poison_at_s=30, seed=1)
    >>> stuck.summary()["final_iterator_age_s"] > 80
    True
    """
    import pandas as pd

    from labkit.messaging.stream import ProvisionedThroughputExceeded, Stream

    esm = settings if settings is not None else EventSourceMapping()
    n_shards = check_int("shards", shards, minimum=1, maximum=500)
    rate = check_positive("records_per_s", records_per_s)
    horizon = check_positive("horizon_s", horizon_s)
    keys = check_int("n_keys", n_keys, minimum=1)
    per_record = check_nonnegative("per_record_s", per_record_s)
    overhead = check_nonnegative("invoke_overhead_s", invoke_overhead_s)
    poll = check_positive("poll_interval_s", poll_interval_s)
    if poison_at_s is not None and not 0 <= check_nonnegative("poison_at_s", poison_at_s) < horizon:
        raise ValueError(f"poison_at_s must be in [0, horizon_s), got {poison_at_s!r}")

    arrival_rng, key_rng = spawn_rngs(seed, 2)
    n = int(arrival_rng.poisson(rate * horizon))
    times = np.sort(arrival_rng.uniform(0.0, horizon, n))
    key_ids = key_rng.integers(0, keys, n)
    poison_index = int(np.searchsorted(times, poison_at_s)) if poison_at_s is not None else -1

    stream = Stream("events", shard_count=n_shards, retention_s=24 * 3600.0)
    arrival: list[float] = []
    shard_col: list[int] = []
    key_col: list[str] = []
    poison_col: list[bool] = []
    outcome: list[str] = []
    done: list[float] = []
    throttled = 0
    written = 0

    def produce(until: float) -> None:
        """Write the records that arrive up to ``until`` (throttled ones are counted, lost)."""
        nonlocal throttled, written
        while written < n and times[written] <= until:
            i = written
            written += 1
            key = f"device-{int(key_ids[i])}"
            try:
                rec = stream.put_record(key, {"i": len(arrival), "poison": i == poison_index},
                                        now=float(times[i]))
            except ProvisionedThroughputExceeded:
                throttled += 1
                continue
            arrival.append(rec.arrival_s)
            shard_col.append(rec.shard_id)
            key_col.append(key)
            poison_col.append(i == poison_index)
            outcome.append("pending")
            done.append(float("nan"))

    lanes = [[_Lane() for _ in range(esm.parallelization_factor)] for _ in range(n_shards)]
    positions = [0] * n_shards
    inv_rows: list[dict[str, Any]] = []
    discard_to = "to_destination" if esm.on_failure_destination else "dropped"

    def finish(batch: list, kind: str, t: float) -> None:
        for rec, _ in batch:
            outcome[rec.data["i"]] = kind
            done[rec.data["i"]] = t

    def next_batch(lane: _Lane, now_poll: float) -> tuple[list, float, str] | None:
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

    t = 0.0
    while t < horizon:
        t_next = t + poll
        produce(t)
        for s in range(n_shards):
            while True:   # drain what arrived by t, within the shard's read limits
                try:
                    res = stream.get_records(s, positions[s], t)
                except ProvisionedThroughputExceeded:
                    break
                if not res.records:
                    break
                positions[s] = res.next_position
                for rec in res.records:
                    lanes[s][_lane_of(rec.partition_key, esm.parallelization_factor)].buffer.append(
                        (rec, t))
                if len(res.records) < 10_000:
                    break
            for li, lane in enumerate(lanes[s]):
                while True:
                    got = next_batch(lane, t)
                    if got is None:
                        break
                    batch, start, source = got
                    if start >= t_next:   # not in this interval: put the batch back
                        if source == "pending":
                            lane.pending.appendleft(batch)
                        elif source == "buffer":
                            lane.buffer.extendleft(reversed(batch))
                        break
                    oldest = min(rec.arrival_s for rec, _ in batch)
                    if esm.maximum_record_age_s != -1 and start - oldest > esm.maximum_record_age_s:
                        finish(batch, discard_to, start)
                        lane.retry, lane.attempts = None, 0
                        continue
                    end = start + overhead + per_record * len(batch)
                    failed = any(rec.data["poison"] for rec, _ in batch)
                    attempt = lane.attempts + 1
                    inv_rows.append({"start_s": start, "end_s": end, "shard": s, "lane": li,
                                     "records": len(batch), "attempt": attempt, "ok": not failed,
                                     "iterator_age_s": start - max(r.arrival_s for r, _ in batch)})
                    lane.free_s = end
                    if not failed:
                        finish(batch, "processed", end)
                        lane.retry, lane.attempts = None, 0
                    elif esm.bisect_on_error and len(batch) > 1:
                        half = len(batch) // 2
                        lane.pending.appendleft(batch[half:])
                        lane.pending.appendleft(batch[:half])
                        lane.retry, lane.attempts = None, 0
                    elif esm.maximum_retries != -1 and lane.attempts >= esm.maximum_retries:
                        finish(batch, discard_to, end)
                        lane.retry, lane.attempts = None, 0
                    else:
                        lane.retry, lane.attempts = batch, attempt
        t = t_next
    produce(horizon)

    invocations = pd.DataFrame(inv_rows, columns=["start_s", "end_s", "shard", "lane", "records",
                                                  "attempt", "ok", "iterator_age_s"])
    records = pd.DataFrame({"arrival_s": arrival, "shard": shard_col, "partition_key": key_col,
                            "poison": poison_col, "outcome": outcome, "done_s": done})
    return StreamRun(invocations, records, esm, n_shards, throttled, horizon)


def iterator_age_series(run: StreamRun, *, bin_s: float = 10.0) -> pd.DataFrame:
    """Maximum IteratorAge per time bin (CloudWatch's Maximum statistic), one row per bin
    (0 for a bin without invocations).

    >>> s = iterator_age_series(run_stream_processing(horizon_s=60, seed=1), bin_s=10)
    >>> list(s.columns), len(s)
    (['time_s', 'iterator_age_s'], 6)
    """
    import pandas as pd

    width = check_positive("bin_s", bin_s)
    edges = np.arange(0.0, run.horizon_s + width / 2, width)
    inv = run.invocations
    bins = np.digitize(inv.start_s.to_numpy(), edges) - 1
    ages = np.zeros(len(edges) - 1)
    for b, age in zip(bins, inv.iterator_age_s.to_numpy(), strict=False):
        if 0 <= b < len(ages):
            ages[b] = max(ages[b], age)
    return pd.DataFrame({"time_s": edges[1:], "iterator_age_s": ages})
