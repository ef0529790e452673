"""Kinesis alone as the system of record, and projections sharing a shard vs enhanced fan-out.

Published behaviour checked: Kinesis keeps records 24 hours by default, up to 365 days
(https://docs.aws.amazon.com/streams/latest/dev/kinesis-extended-retention.html); PutRecord has
no expected-version condition (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecord.html);
a shard's 2 MB/s of reads is shared by its standard consumers, while each enhanced fan-out
consumer gets its own 2 MB/s, up to 20 per stream
(https://docs.aws.amazon.com/streams/latest/dev/enhanced-consumers.html); a shard serves 5
GetRecords calls per second (https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html).
"""

import pytest

from labkit.core.runner import compare
from labkit.eventstore.contention import ContentionConfig, simulate_contention
from labkit.eventstore.fanout import FanOutConfig, simulate_projection_fanout
from labkit.eventstore.kinesis_store import StreamReplayConfig, simulate_stream_replay


def test_a_stream_without_version_checks_loses_updates_the_store_does_not():
    table = compare(simulate_contention, ContentionConfig(writers=6, seed=5),
                    {m: {"mode": m} for m in ("crud", "stream", "event_store")})
    assert table.loc["stream", "lost_updates"] > 0 and table.loc["stream", "conflicts"] == 0
    assert table.loc["event_store", "lost_updates"] == 0
    alone = simulate_contention(ContentionConfig(writers=1, mode="stream", seed=5)).summary()
    assert alone["lost_updates"] == 0  # one writer never races: every version applies


def test_orders_older_than_the_retention_cannot_be_rebuilt_from_the_stream():
    config = StreamReplayConfig(n_orders=120, seed=2)
    s = simulate_stream_replay(config).summary()
    assert s["rebuilt_from_store"] == s["orders"]
    assert s["orders_with_gap"] > 0 and s["orders_gone_from_stream"] > 0
    assert s["rebuilt_from_stream"] < s["orders"]
    long = simulate_stream_replay(config.replace(retention_h=168.0)).summary()
    assert long["rebuilt_from_stream"] == long["orders"] and long["events_lost_by_stream"] == 0


def test_gap_rows_start_after_version_one():
    r = simulate_stream_replay(StreamReplayConfig(n_orders=80, seed=3)).records
    gaps = r[(r.events_in_stream > 0) & ~r.rebuilt_from_stream]
    assert len(gaps) and (gaps.first_version_in_stream > 1).all()


def test_shared_readers_fall_behind_enhanced_fan_out_keeps_up():
    base = FanOutConfig(projections=3, horizon_s=60, seed=4)  # 3 x 750 KiB/s > 2 MiB/s
    shared = simulate_projection_fanout(base).summary()
    efo = simulate_projection_fanout(base.replace(enhanced_fan_out=True)).summary()
    assert shared["unread_at_end"] > 0 and efo["unread_at_end"] == 0
    assert efo["p99_lag_s"] <= base.poll_interval_s + 0.1
    two = simulate_projection_fanout(base.replace(projections=2)).summary()
    assert two["unread_at_end"] == 0  # 2 x 750 KiB/s fits in the shared 2 MiB/s


def test_more_than_five_pollers_per_second_are_throttled():
    six = simulate_projection_fanout(FanOutConfig(projections=6, horizon_s=20, seed=1)).summary()
    assert six["throttled_reads"] > 0
    efo = simulate_projection_fanout(FanOutConfig(projections=6, horizon_s=20,
                                                  enhanced_fan_out=True, seed=1)).summary()
    assert efo["throttled_reads"] == 0


def test_bad_configs_name_the_field():
    with pytest.raises(ValueError, match="projections"):
        FanOutConfig(projections=21)  # at most 20 enhanced fan-out consumers per stream
    with pytest.raises(ValueError, match="write limit"):
        FanOutConfig(arrival_rate=100, record_kib=20)
    with pytest.raises(ValueError, match="retention_h"):
        StreamReplayConfig(retention_h=12)
    with pytest.raises(ValueError, match="mode"):
        ContentionConfig(mode="kafka")
