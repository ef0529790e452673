"""Amazon Data Firehose buffering: which records end up in which S3 object, and its key.

Firehose buffers incoming records and writes one object when the buffer reaches its **size**
(1-128 MiB, default 5) or its **interval** (0-900 s, default 300) has passed since the first
record entered it, whichever comes first (Firehose Developer Guide, *Buffer data*). The default
object key is ``<prefix>YYYY/MM/dd/HH/<stream>-<version>-YYYY-MM-dd-HH-mm-ss-<uuid>`` in UTC:
time folders, **not** Hive ``key=value`` partitions. Small buffers (or low traffic) therefore
mean many small objects, the "small files" problem that compaction fixes later.

Pure logic: arrival times are plain floats (seconds since the Unix epoch), no clock is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from labkit.core.runner import Config, Result
from labkit.core.validation import check_finite, check_int, check_nonnegative, check_positive

__all__ = ["FirehoseConfig", "FirehoseBatches", "simulate_firehose", "plan_firehose_batches",
           "firehose_object_key"]

MIB = 1024**2


@dataclass(frozen=True)
class FirehoseConfig(Config):
    """Records reaching one delivery stream and its S3 buffering hints.

    ``arrival_s`` (non-decreasing, seconds) and ``record_bytes`` (>= 0) are 1-D arrays of the
    same length; ``buffer_size_mib`` is in [1, 128] MiB and ``buffer_interval_s`` in [0, 900] s
    (the S3 destination's ranges).
    """

    arrival_s: object = ()
    record_bytes: object = ()
    buffer_size_mib: float = 5.0
    buffer_interval_s: float = 300.0

    def validate(self) -> None:
        size_mib = check_positive("buffer_size_mib", self.buffer_size_mib)
        if not 1.0 <= size_mib <= 128.0:
            raise ValueError(f"buffer_size_mib must be in [1, 128] MiB, got {size_mib!r}")
        interval = check_nonnegative("buffer_interval_s", self.buffer_interval_s)
        if interval > 900.0:
            raise ValueError(f"buffer_interval_s must be in [0, 900] s, got {interval!r}")
        t = np.asarray(self.arrival_s, dtype=float)
        sizes = np.asarray(self.record_bytes, dtype=np.int64)
        if t.ndim != 1 or sizes.shape != t.shape:
            raise ValueError("arrival_s and record_bytes must be 1-D arrays of the same length")
        if len(t) and (not np.all(np.isfinite(t)) or np.any(np.diff(t) < 0)):
            raise ValueError("arrival_s must be finite and non-decreasing")
        if np.any(sizes < 0):
            raise ValueError("record_bytes must be >= 0")


@dataclass(frozen=True)
class FirehoseBatches(Result):
    """Result of :func:`simulate_firehose`: ``records`` has one row per S3 object.

    Attributes
    ----------
    batch : numpy.ndarray
        Batch (S3 object) number of each record, 0, 1, 2, ... in delivery order.
    first_arrival_s : numpy.ndarray
        Arrival time of the first record of each batch (it names the object's time folder).
    flush_s : numpy.ndarray
        When each batch was written: when it filled up, or first arrival + interval.
    size_bytes : numpy.ndarray
        Bytes in each object.
    reason : list[str]
        ``"size"`` or ``"interval"`` for each batch.
    """

    batch: np.ndarray
    first_arrival_s: np.ndarray
    flush_s: np.ndarray
    size_bytes: np.ndarray
    reason: list[str]

    @property
    def n_objects(self) -> int:
        """Number of S3 objects written."""
        return int(len(self.flush_s))

    @property
    def records(self):
        """One row per object: ``object``, ``first_arrival_s``, ``flush_s``, ``size_bytes``,
        ``reason``."""
        import pandas as pd

        return pd.DataFrame({"object": np.arange(self.n_objects), "first_arrival_s":
                             self.first_arrival_s, "flush_s": self.flush_s,
                             "size_bytes": self.size_bytes, "reason": self.reason})

    def summary(self) -> dict:
        """Objects written, their mean size (bytes), and how many flushed on size."""
        return {"objects": self.n_objects,
                "mean_object_bytes": float(self.size_bytes.mean()) if self.n_objects else 0.0,
                "flushed_on_size": self.reason.count("size")}


def simulate_firehose(config: FirehoseConfig) -> FirehoseBatches:
    """Group the records into Firehose deliveries (S3 objects): a buffer is written when it
    reaches the size hint or when the interval has passed since its first record.

    >>> r = simulate_firehose(FirehoseConfig(arrival_s=[0, 10, 400, 401], record_bytes=[100] * 4))
    >>> r.summary()
    {'objects': 2, 'mean_object_bytes': 200.0, 'flushed_on_size': 0}
    """
    if not isinstance(config, FirehoseConfig):
        raise TypeError(f"config must be a FirehoseConfig, got {type(config).__name__}")
    t = np.asarray(config.arrival_s, dtype=float)
    sizes = np.asarray(config.record_bytes, dtype=np.int64)
    return _assign_batches(t.tolist(), sizes.tolist(), float(config.buffer_size_mib) * MIB,
                           float(config.buffer_interval_s))


def _assign_batches(tl: list, sl: list, limit: float, interval: float) -> FirehoseBatches:
    batch = np.empty(len(tl), dtype=np.int64)
    first, flush, total, reason = [], [], [], []
    current, start, filled = -1, 0.0, 0
    for i in range(len(tl)):
        ti = tl[i]
        if current >= 0 and ti >= start + interval:          # the interval expired first
            flush.append(start + interval)
            total.append(filled)
            reason.append("interval")
            current = -1
        if current < 0:                                      # open a new buffer
            current = len(first)
            first.append(ti)
            start, filled = ti, 0
        batch[i] = current
        filled += sl[i]
        if filled >= limit:                                  # the size hint was reached
            flush.append(ti)
            total.append(filled)
            reason.append("size")
            current = -1
    if current >= 0:
        flush.append(start + interval)
        total.append(filled)
        reason.append("interval")
    return FirehoseBatches(batch, np.asarray(first, dtype=float), np.asarray(flush, dtype=float),
                           np.asarray(total, dtype=np.int64), reason)


def plan_firehose_batches(arrival_s, record_bytes, *, buffer_size_mib: float = 5.0,
                          buffer_interval_s: float = 300.0) -> FirehoseBatches:
    """Group records into Firehose deliveries (S3 objects): :func:`simulate_firehose` of a
    :class:`FirehoseConfig` made of these arguments.

    Parameters
    ----------
    arrival_s : array of float
        Arrival time of each record at the delivery stream (non-decreasing).
    record_bytes : array of int
        Size of each record in bytes.
    buffer_size_mib : float
        Buffer size hint, 1-128 MiB.
    buffer_interval_s : float
        Buffer interval, 0-900 s.

    Examples
    --------
    >>> b = plan_firehose_batches([0, 10, 400, 401], [100, 100, 100, 100], buffer_interval_s=300)
    >>> b.batch.tolist(), b.reason
    ([0, 0, 1, 1], ['interval', 'interval'])
    >>> b = plan_firehose_batches([0, 1, 2], [MIB, 4 * MIB, 10], buffer_size_mib=5)
    >>> b.batch.tolist(), b.reason
    ([0, 0, 1], ['size', 'interval'])
    """
    return simulate_firehose(FirehoseConfig(arrival_s, record_bytes, buffer_size_mib,
                                             buffer_interval_s))


#: Last second :func:`firehose_object_key` can name (9999-12-31 23:59:59 UTC).
MAX_EPOCH_S = 253_402_300_799


def firehose_object_key(prefix: str, stream: str, first_arrival_s: float, object_id: str,
                        *, version: int = 1, extension: str = "") -> str:
    """Firehose's default S3 key for an object whose oldest record arrived at ``first_arrival_s``.

    ``first_arrival_s`` is seconds since the Unix epoch (UTC), from 0 to
    :data:`MAX_EPOCH_S` (9999-12-31 23:59:59, the last second a four-digit year can show).

    >>> firehose_object_key("clickstream/", "clicks", 1735603200.0, "0f1e")
    'clickstream/2024/12/31/00/clicks-1-2024-12-31-00-00-00-0f1e'
    >>> firehose_object_key("", "clicks", 1e20, "0f1e")
    Traceback (most recent call last):
    ...
    ValueError: first_arrival_s must be within [0, 253402300799] seconds since the epoch, got 1e+20
    """
    for name, value in (("prefix", prefix), ("stream", stream), ("object_id", object_id),
                        ("extension", extension)):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    check_int("version", version, minimum=1)
    t = check_finite("first_arrival_s", first_arrival_s)
    if not 0 <= t <= MAX_EPOCH_S:
        raise ValueError(f"first_arrival_s must be within [0, {MAX_EPOCH_S}] seconds since the "
                         f"epoch, got {first_arrival_s!r}")
    ts = datetime.fromtimestamp(t, tz=UTC)
    return (f"{prefix}{ts:%Y/%m/%d/%H}/{stream}-{version}-{ts:%Y-%m-%d-%H-%M-%S}-{object_id}"
            f"{extension}")
