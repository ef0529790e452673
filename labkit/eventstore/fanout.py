"""Several projections reading one stream: shared throughput vs enhanced fan-out.

Every projection of an event-sourced system reads the whole stream. A Kinesis shard serves
2 MB per second of reads *in total* (and 5 GetRecords calls per second) to its shared-throughput
consumers; an enhanced fan-out consumer gets its own 2 MB per second per shard, pushed, shared
with no one (https://docs.aws.amazon.com/streams/latest/dev/enhanced-consumers.html; up to 20
such consumers per stream). With N projections polling once a second, each shared reader gets
about 2/N MB/s: once N times the write rate passes 2 MB/s, the projections fall behind and their
iterator age grows without bound; with enhanced fan-out each keeps up as long as the write rate
stays under 2 MB/s (a shard takes at most 1 MB/s of writes anyway).

:func:`simulate_projection_fanout` (configured by :class:`FanOutConfig`) writes records of
``record_kib`` KiB at ``arrival_rate`` records per second to a one-shard
:class:`~labkit.messaging.stream.Stream` and lets ``projections`` readers poll every
``poll_interval_s``; one record per (projection, record) applied.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from labkit.core.metrics import percentiles
from labkit.core.rng import spawn_rngs
from labkit.core.runner import Config, Result
from labkit.core.validation import check_int, check_positive
from labkit.messaging.stream import MAX_EFO_CONSUMERS, ProvisionedThroughputExceeded, Stream

__all__ = ["FanOutConfig", "FanOutResult", "simulate_projection_fanout"]

#: Bounds of one run on this lab.
MAX_HORIZON_S = 3_600.0
RECORD_COLUMNS = ["projection", "sequence", "written_s", "applied_s"]


@dataclass(frozen=True)
class FanOutConfig(Config):
    """``projections`` readers of one shard, shared throughput or enhanced fan-out.

    ``arrival_rate`` records per second of ``record_kib`` KiB each (one second's writes must
    stay under the shard's 1 MiB/s write limit), ``projections`` 1 to 20, ``horizon_s`` up to
    3,600 s of writes, readers polling every ``poll_interval_s`` (0.2 to 60 s).
    """

    projections: int = 3
    enhanced_fan_out: bool = False
    arrival_rate: float = 30.0
    record_kib: float = 25.0
    horizon_s: float = 120.0
    poll_interval_s: float = 1.0
    seed: int = 0

    def validate(self) -> None:
        check_int("projections", self.projections, minimum=1, maximum=MAX_EFO_CONSUMERS)
        if not isinstance(self.enhanced_fan_out, bool):
            raise TypeError(f"enhanced_fan_out must be True or False, got "
                            f"{self.enhanced_fan_out!r}")
        check_positive("arrival_rate", self.arrival_rate)
        check_positive("record_kib", self.record_kib)
        if (self.arrival_rate + 1) * self.record_kib > 1024:
            raise ValueError(f"(arrival_rate + 1) * record_kib must stay under the shard's 1,024 "
                             f"KiB/s write limit, got "
                             f"{(self.arrival_rate + 1) * self.record_kib:,.0f} KiB/s")
        check_positive("horizon_s", self.horizon_s)
        if self.horizon_s > MAX_HORIZON_S:
            raise ValueError(f"horizon_s must be at most {MAX_HORIZON_S:,.0f} s on this lab, got "
                             f"{self.horizon_s!r}")
        check_positive("poll_interval_s", self.poll_interval_s)
        if not 0.2 <= self.poll_interval_s <= 60:
            raise ValueError(f"poll_interval_s must be in [0.2, 60] s, got "
                             f"{self.poll_interval_s!r}")
        check_int("seed", self.seed, minimum=0)


@dataclass(frozen=True)
class FanOutResult(Result):
    """One row per record applied by a projection; what was still unread at the end."""

    config: FanOutConfig
    records: pd.DataFrame
    written: int
    throttled_reads: int

    def summary(self) -> dict[str, float | int | bool]:
        r = self.records
        lag = (r.applied_s - r.written_s).to_numpy()
        p = percentiles(lag, (50, 99)) if len(lag) else {"p50": np.nan, "p99": np.nan}
        applied = r.groupby("projection").size().reindex(
            [f"projection-{k + 1}" for k in range(self.config.projections)], fill_value=0)
        return {"projections": self.config.projections,
                "enhanced_fan_out": self.config.enhanced_fan_out,
                "written_kib_per_s": self.config.arrival_rate * self.config.record_kib,
                "records_written": self.written,
                "p50_lag_s": p["p50"], "p99_lag_s": p["p99"],
                "unread_at_end": int((self.written - applied).max()),
                "throttled_reads": self.throttled_reads}


def _write_times(config: FanOutConfig, rng: np.random.Generator) -> np.ndarray:
    """A steady producer: one record every ``1 / arrival_rate`` s, jittered within its slot
    (a Poisson burst would trip the shard's per-second write limit)."""
    gap = 1.0 / config.arrival_rate
    slots = np.arange(0.0, config.horizon_s, gap)
    return slots + rng.uniform(0.0, gap / 2, len(slots))


def _read(stream: Stream, config: FanOutConfig, name: str, position: int, t: float):
    if config.enhanced_fan_out:
        return stream.subscribe_to_shard(name, 0, position, now=t)
    return stream.get_records(0, position, now=t)


def simulate_projection_fanout(config: FanOutConfig) -> FanOutResult:
    """Write for ``horizon_s`` and let the projections read until then (no drain afterwards).

    >>> shared = simulate_projection_fanout(FanOutConfig(projections=3, horizon_s=60, seed=1))
    >>> efo = simulate_projection_fanout(shared.config.replace(enhanced_fan_out=True))
    >>> shared.summary()["p99_lag_s"] > 5 * efo.summary()["p99_lag_s"]
    True
    """
    if not isinstance(config, FanOutConfig):
        raise TypeError(f"config must be a FanOutConfig, got {type(config).__name__}")
    (write_rng,) = spawn_rngs(config.seed, 1)
    times = _write_times(config, write_rng)
    stream = Stream("order-events", shard_count=1)
    names = [f"projection-{k + 1}" for k in range(config.projections)]
    if config.enhanced_fan_out:
        for name in names:
            stream.register_consumer(name)
    payload = "x" * int(config.record_kib * 1024)
    positions = dict.fromkeys(names, 0)
    rows: list[tuple] = []
    i, tick = 0, config.poll_interval_s
    offsets = np.arange(config.projections) * (config.poll_interval_s / config.projections / 10)
    while tick <= config.horizon_s:
        while i < len(times) and times[i] <= tick:
            stream.put_record("orders", payload, now=float(times[i]))
            i += 1
        for name, offset in zip(names, offsets.tolist(), strict=True):
            t = tick + offset  # readers poll a moment apart, as independent pollers do
            try:
                res = _read(stream, config, name, positions[name], t)
            except ProvisionedThroughputExceeded:
                continue
            rows.extend((name, r.sequence_number, r.arrival_s, t) for r in res.records)
            positions[name] = res.next_position
        tick += config.poll_interval_s
    records = pd.DataFrame(rows, columns=RECORD_COLUMNS)
    return FanOutResult(config, records, i, stream.throttled_reads)
