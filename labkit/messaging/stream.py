"""A Kinesis-like data stream: shards, partition keys, per-shard limits, iterator age.

:class:`Stream` is clock-injected (every call takes ``now``) and keeps whole records, so it serves
as the transport in the CQRS model here and in the serverless data-processing notebook.

* A record's shard is chosen by the MD5 hash of its partition key, mapped onto equal hash-key
  ranges (as Kinesis does with 128-bit hash keys), so one key always lands on one shard and
  records of one key stay in order.
* Each shard takes at most ``write_records_per_s`` records (default 1,000) and
  ``write_bytes_per_s`` (1 MiB) per second; above that :meth:`Stream.put_record` raises
  :class:`ProvisionedThroughputExceeded`. Reads are limited to ``reads_per_s`` GetRecords calls
  (5) and ``read_bytes_per_s`` (2 MiB) per shard per second.
* Records are kept for ``retention_s`` (default 24 hours); a reader further behind than that
  skips the expired records (counted in ``expired_skipped``).
* :meth:`Stream.get_records` returns records after a position plus the *iterator age*: how old
  the last record it returned is, in seconds (Kinesis's ``GetRecords.IteratorAgeMilliseconds``);
  a reader that falls behind sees it grow. All such (shared-throughput) readers of a shard share
  its 5 calls and 2 MiB per second.
* Enhanced fan-out: up to 20 consumers registered with :meth:`Stream.register_consumer` read
  with :meth:`Stream.subscribe_to_shard`, each with its own ``read_bytes_per_s`` per shard and no
  call limit (records are pushed), shared with no other consumer
  (https://docs.aws.amazon.com/streams/latest/dev/enhanced-consumers.html).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

from labkit.core.validation import check_finite, check_int, check_limit, check_positive

__all__ = ["GetRecordsResult", "ProvisionedThroughputExceeded", "Record", "Stream",
           "shard_for_key"]

_HASH_SPACE = 2 ** 128


class ProvisionedThroughputExceeded(Exception):
    """A shard's per-second write or read limit was exceeded."""


@dataclass(frozen=True)
class Record:
    """One record in a shard: ``sequence_number`` increases within the shard."""

    shard_id: int
    sequence_number: int
    partition_key: str
    data: Any
    size_bytes: int
    arrival_s: float


@dataclass(frozen=True)
class GetRecordsResult:
    """Records returned by one read, the position to read from next, and the iterator age."""

    records: tuple[Record, ...]
    next_position: int
    iterator_age_s: float


#: Enhanced fan-out consumers a stream may register (provisioned and On-demand Standard).
MAX_EFO_CONSUMERS = 20
#: Most shards a stream may have on this lab (each shard keeps its own record list).
MAX_SHARDS = 10_000


def shard_for_key(partition_key: str, shard_count: int) -> int:
    """The shard (0-based) whose hash-key range holds MD5(``partition_key``).

    >>> shard_for_key("order-42", 4) == shard_for_key("order-42", 4)
    True
    >>> sorted({shard_for_key(f"k{i}", 4) for i in range(100)})
    [0, 1, 2, 3]
    """
    if not isinstance(partition_key, str) or not 1 <= len(partition_key) <= 256:
        raise ValueError("partition_key must be a string of 1 to 256 characters")
    n = check_limit("shard_count", shard_count, MAX_SHARDS, minimum=1)
    h = int.from_bytes(hashlib.md5(partition_key.encode("utf-8")).digest(), "big")
    return h * n // _HASH_SPACE


def _size(data: Any, partition_key: str) -> int:
    if isinstance(data, (bytes, bytearray)):
        n = len(data)
    else:
        n = len(str(data).encode("utf-8"))
    return n + len(partition_key.encode("utf-8"))


class Stream:
    """A stream of ``shard_count`` shards with Kinesis's per-shard limits.

    Examples
    --------
    >>> s = Stream("orders", shard_count=2)
    >>> r = s.put_record("order-1", {"event": "placed"}, now=0.0)
    >>> res = s.get_records(r.shard_id, position=0, now=2.5)
    >>> [x.data["event"] for x in res.records], res.next_position, res.iterator_age_s
    (['placed'], 1, 2.5)
    """

    def __init__(self, name: str, shard_count: int = 1, *, write_records_per_s: int = 1000,
                 write_bytes_per_s: int = 1024 * 1024, reads_per_s: int = 5,
                 read_bytes_per_s: int = 2 * 1024 * 1024, max_record_bytes: int = 1024 * 1024,
                 retention_s: float = 24 * 3600.0):
        if not isinstance(name, str) or not name:
            raise ValueError("name must be a non-empty string")
        self.name = name
        self.shard_count = check_limit("shard_count", shard_count, MAX_SHARDS, minimum=1)
        self.write_records_per_s = check_int("write_records_per_s", write_records_per_s,
                                             minimum=1)
        self.write_bytes_per_s = check_int("write_bytes_per_s", write_bytes_per_s, minimum=1)
        self.reads_per_s = check_int("reads_per_s", reads_per_s, minimum=1)
        self.read_bytes_per_s = check_int("read_bytes_per_s", read_bytes_per_s, minimum=1)
        self.max_record_bytes = check_int("max_record_bytes", max_record_bytes, minimum=1)
        self.retention_s = check_positive("retention_s", retention_s)
        if not 3600 <= self.retention_s <= 365 * 24 * 3600:
            raise ValueError(f"retention_s must be in [3600, 31536000] (1 hour to 365 days), "
                             f"got {retention_s!r}")
        self.expired_skipped = 0
        self._shards: list[list[Record]] = [[] for _ in range(self.shard_count)]
        self._writes: list[tuple[int, int, int]] = [(-1, 0, 0)] * self.shard_count
        self._reads: list[tuple[int, int, int]] = [(-1, 0, 0)] * self.shard_count
        self.throttled_writes = 0
        self.throttled_reads = 0
        self.consumers: list[str] = []
        self._efo_reads: dict[tuple[str, int], tuple[int, int]] = {}

    def shard_for(self, partition_key: str) -> int:
        """The shard a partition key maps to."""
        return shard_for_key(partition_key, self.shard_count)

    def put_record(self, partition_key: str, data: Any, now: float) -> Record:
        """Append a record to its key's shard, or raise ProvisionedThroughputExceeded."""
        t = check_finite("now", now)
        shard = self.shard_for(partition_key)
        size = _size(data, partition_key)
        if size > self.max_record_bytes:
            raise ValueError(f"record of {size} bytes exceeds max_record_bytes "
                             f"{self.max_record_bytes}")
        second = math.floor(t)
        sec, count, nbytes = self._writes[shard]
        if sec != second:
            count, nbytes = 0, 0
        if count + 1 > self.write_records_per_s or nbytes + size > self.write_bytes_per_s:
            self.throttled_writes += 1
            raise ProvisionedThroughputExceeded(
                f"shard {shard} of stream {self.name!r} is over its write limit in second "
                f"{second}")
        records = self._shards[shard]
        if records and t < records[-1].arrival_s:
            raise ValueError(f"now must not go backwards within shard {shard}")
        self._writes[shard] = (second, count + 1, nbytes + size)
        record = Record(shard, len(records) + 1, partition_key, data, size, t)
        records.append(record)
        return record

    def get_records(self, shard_id: int, position: int, now: float, *,
                    limit: int = 10_000) -> GetRecordsResult:
        """Read records with sequence number > ``position`` that arrived by ``now``.

        Returns at most ``limit`` records and at most ``read_bytes_per_s`` bytes; raises
        ProvisionedThroughputExceeded above ``reads_per_s`` calls in one second. The iterator age
        is, as in Kinesis's ``IteratorAgeMilliseconds``, ``now`` minus the arrival time of the
        last record this call returned (0 when nothing new was returned).
        """
        t = check_finite("now", now)
        shard = check_int("shard_id", shard_id, minimum=0, maximum=self.shard_count - 1)
        pos = check_int("position", position, minimum=0)
        n = check_int("limit", limit, minimum=1, maximum=10_000)
        second = math.floor(t)
        sec, calls, nbytes = self._reads[shard]
        if sec != second:
            calls, nbytes = 0, 0
        if calls + 1 > self.reads_per_s:
            self.throttled_reads += 1
            raise ProvisionedThroughputExceeded(
                f"shard {shard} of stream {self.name!r} is over its read limit in second {second}")
        out, pos, budget = self._read(shard, pos, t, n, self.read_bytes_per_s - nbytes)
        self._reads[shard] = (second, calls + 1, self.read_bytes_per_s - budget)
        next_pos = out[-1].sequence_number if out else pos
        age = t - out[-1].arrival_s if out else 0.0
        return GetRecordsResult(tuple(out), next_pos, age)

    def _read(self, shard: int, pos: int, t: float, n: int,
              budget: int) -> tuple[list[Record], int, int]:
        """Records after ``pos`` that arrived by ``t`` (expired ones skipped), within ``budget``
        bytes (the first record always fits); returns them, the position, the budget left."""
        available = [r for r in self._shards[shard][pos:] if r.arrival_s <= t]
        expired = [r for r in available if r.arrival_s < t - self.retention_s]
        if expired:  # trimmed past the retention period: a slow reader loses them
            self.expired_skipped += len(expired)
            available = available[len(expired):]
            pos = expired[-1].sequence_number
        out: list[Record] = []
        for r in available[:n]:
            if r.size_bytes > budget and out:
                break
            out.append(r)
            budget -= r.size_bytes
        return out, pos, budget

    def read_from_oldest(self, shard_id: int, now: float) -> tuple[Record, ...]:
        """Every record of a shard still kept at ``now``, read as a new consumer starting at
        the oldest record (``TRIM_HORIZON``) reads it: GetRecords after GetRecords, waiting a
        second whenever the shard's read limits refuse a call. Records that arrived after
        ``now`` are left out.

        >>> s = Stream("orders", retention_s=3600)
        >>> _ = [s.put_record("k", i, now=float(t)) for i, t in enumerate((0, 1800, 5400))]
        >>> [r.data for r in s.read_from_oldest(0, now=4000.0)]
        [1]
        """
        t = check_finite("now", now)
        out: list[Record] = []
        position, when = 0, t
        while position < self.latest_position(shard_id):
            try:
                result = self.get_records(shard_id, position, now=when)
            except ProvisionedThroughputExceeded:
                when += 1.0
                continue
            if not result.records:
                break
            out.extend(r for r in result.records if r.arrival_s <= t)
            position = result.next_position
        return tuple(out)

    def register_consumer(self, name: str) -> str:
        """Register an enhanced fan-out consumer (at most 20 per stream); return its name."""
        if not isinstance(name, str) or not name:
            raise ValueError("name must be a non-empty string")
        if name in self.consumers:
            raise ValueError(f"consumer {name!r} is already registered on {self.name!r}")
        if len(self.consumers) >= MAX_EFO_CONSUMERS:
            raise ValueError(f"a stream takes at most {MAX_EFO_CONSUMERS} enhanced fan-out "
                             f"consumers; {self.name!r} has {len(self.consumers)}")
        self.consumers.append(name)
        return name

    def subscribe_to_shard(self, consumer: str, shard_id: int, position: int, now: float, *,
                           limit: int = 10_000) -> GetRecordsResult:
        """Records pushed to a registered consumer: its own ``read_bytes_per_s`` per shard.

        >>> s = Stream("orders", read_bytes_per_s=100)
        >>> _ = [s.put_record("k", "x" * 60, now=0.0) for _ in range(3)]
        >>> for app in ("billing", "search", "audit"):
        ...     _ = s.register_consumer(app)
        >>> [len(s.subscribe_to_shard(app, 0, 0, now=1.0).records)
        ...  for app in ("billing", "search", "audit")]
        [1, 1, 1]
        """
        if consumer not in self.consumers:
            raise ValueError(f"consumer {consumer!r} is not registered on {self.name!r}; "
                             f"register_consumer first")
        t = check_finite("now", now)
        shard = check_int("shard_id", shard_id, minimum=0, maximum=self.shard_count - 1)
        pos = check_int("position", position, minimum=0)
        n = check_int("limit", limit, minimum=1, maximum=10_000)
        second = math.floor(t)
        sec, nbytes = self._efo_reads.get((consumer, shard), (-1, 0))
        if sec != second:
            nbytes = 0
        out, pos, budget = self._read(shard, pos, t, n, self.read_bytes_per_s - nbytes)
        self._efo_reads[(consumer, shard)] = (second, self.read_bytes_per_s - budget)
        next_pos = out[-1].sequence_number if out else pos
        age = t - out[-1].arrival_s if out else 0.0
        return GetRecordsResult(tuple(out), next_pos, age)

    def put_records(self, entries: list[tuple[str, Any]], now: float) -> list[Record | None]:
        """Put a batch (at most 500) like PutRecords: throttled entries come back as ``None``.

        Unlike :meth:`put_record`, a throttled entry does not raise; the caller retries the
        ``None`` entries (the batch's ``FailedRecordCount``).

        >>> s = Stream("s", shard_count=1, write_records_per_s=2)
        >>> [r is None for r in s.put_records([("a", 1), ("b", 2), ("c", 3)], now=0.0)]
        [False, False, True]
        """
        if len(entries) > 500:
            raise ValueError(f"a batch holds at most 500 records, got {len(entries)}")
        out: list[Record | None] = []
        for key, data in entries:
            try:
                out.append(self.put_record(key, data, now))
            except ProvisionedThroughputExceeded:
                out.append(None)
        return out

    def shard_sizes(self) -> list[int]:
        """Records per shard (to see hot shards)."""
        return [len(s) for s in self._shards]

    def latest_position(self, shard_id: int) -> int:
        """Sequence number of the newest record in a shard (0 if empty)."""
        return len(self._shards[shard_id])

    @staticmethod
    def shards_needed(records_per_s: float, bytes_per_record: float) -> int:
        """Shards needed for a write load under the default 1,000 rec/s and 1 MiB/s limits.

        >>> Stream.shards_needed(3500, 200)
        4
        """
        r = check_positive("records_per_s", records_per_s)
        b = check_positive("bytes_per_record", bytes_per_record)
        return max(1, math.ceil(r / 1000), math.ceil(r * b / (1024 * 1024)))
