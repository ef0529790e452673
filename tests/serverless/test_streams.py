"""The Kinesis -> Lambda event source mapping model: batching, ordering, poison records, cures."""

from __future__ import annotations

import pytest

from labkit.core.runner import compare, replicate
from labkit.serverless import (
    EventSourceMapping,
    StreamConfig,
    iterator_age_series,
    run_stream_processing,
    simulate_stream,
)

COMMON = dict(shards=2, arrival_rate=30.0, horizon_s=300.0, seed=5)


def stream(mapping=None, **fields):
    return simulate_stream(StreamConfig(mapping=mapping or EventSourceMapping(), **fields))


def test_healthy_stream_keeps_up_and_conserves_records():
    run = stream(**COMMON)
    s = run.summary()
    assert s["processed"] + s["pending"] + s["to_destination"] + s["dropped"] == s["n_records"]
    assert s["pending"] < 60 and s["max_iterator_age_s"] < 2.0
    assert run.invocations.records.max() <= 100


def test_batches_never_exceed_the_batch_size_and_each_record_is_processed_once():
    run = stream(EventSourceMapping(batch_size=7), **COMMON)
    assert run.invocations.records.max() <= 7
    processed = (run.records.outcome == "processed").sum()
    assert run.invocations.records[run.invocations.ok].sum() == processed


def test_batching_window_makes_fewer_larger_batches():
    fast = stream(EventSourceMapping(), **COMMON)
    windowed = stream(EventSourceMapping(batching_window_s=5), **COMMON)
    assert len(windowed.invocations) < len(fast.invocations) / 2
    assert windowed.invocations.records.mean() > fast.invocations.records.mean()
    assert windowed.invocations.iterator_age_s.mean() > fast.invocations.iterator_age_s.mean()


def test_order_is_kept_per_partition_key():
    run = stream(EventSourceMapping(parallelization_factor=4, batch_size=5),
                                **COMMON)
    done = run.records[run.records.outcome == "processed"]
    for _, g in done.groupby("partition_key"):
        assert g.sort_values("arrival_s").done_s.is_monotonic_increasing


def test_poison_record_blocks_its_shard_with_default_settings():
    run = stream(poison_at_s=60.0, **COMMON)
    s = run.summary()
    assert s["to_destination"] == 0 and s["pending"] > 2000
    assert s["final_iterator_age_s"] > 200
    poisoned_shard = int(run.records[run.records.poison].shard.iloc[0])
    pending = run.records[run.records.outcome == "pending"]
    assert set(pending[pending.arrival_s < 290].shard) == {poisoned_shard}   # the other flows


def test_retry_limit_with_destination_unblocks_but_discards_the_whole_batch():
    esm = EventSourceMapping(maximum_retries=2, on_failure_destination=True)
    s = stream(esm, poison_at_s=60.0, **COMMON).summary()
    assert s["pending"] < 60 and s["to_destination"] > 1


def test_bisect_and_retry_limit_discard_only_the_poison_record():
    esm = EventSourceMapping(bisect_on_error=True, maximum_retries=2, on_failure_destination=True)
    run = stream(esm, poison_at_s=60.0, **COMMON)
    s = run.summary()
    assert s["to_destination"] == 1 and s["final_iterator_age_s"] < 2
    assert bool(run.records[run.records.outcome == "to_destination"].poison.all())


def test_bisect_alone_does_not_cure_infinite_retries():
    s = stream(EventSourceMapping(bisect_on_error=True), poison_at_s=60.0,
                              **COMMON).summary()
    assert s["pending"] > 2000


def test_record_age_limit_and_no_destination_drops_records():
    esm = EventSourceMapping(maximum_record_age_s=60)
    s = stream(esm, poison_at_s=60.0, **COMMON).summary()
    assert s["dropped"] >= 1 and s["to_destination"] == 0 and s["pending"] < 60


def test_parallelization_factor_drains_a_lagging_shard():
    slow = stream(EventSourceMapping(batch_size=10), shards=1,
                                 arrival_rate=150, horizon_s=120, seed=1)
    fast = stream(EventSourceMapping(batch_size=10, parallelization_factor=4),
                                 shards=1, arrival_rate=150, horizon_s=120, seed=1)
    assert slow.summary()["final_iterator_age_s"] > 20
    assert fast.summary()["final_iterator_age_s"] < 2


def test_writes_over_the_shard_limit_are_throttled():
    run = stream(shards=1, arrival_rate=1500, horizon_s=10, seed=2)
    assert run.write_throttled > 3000


def test_iterator_age_series_and_determinism():
    a = stream(poison_at_s=60.0, **COMMON)
    b = stream(poison_at_s=60.0, **COMMON)
    assert a.invocations.equals(b.invocations) and a.records.equals(b.records)
    series = iterator_age_series(a, bin_s=30)
    assert len(series) == 10 and series.iterator_age_s.iloc[-1] > series.iterator_age_s.iloc[0]


@pytest.mark.parametrize("kwargs, word", [
    ({"batch_size": 0}, "batch_size"), ({"batch_size": 10_001}, "batch_size"),
    ({"batching_window_s": 301}, "batching_window_s"),
    ({"parallelization_factor": 11}, "parallelization_factor"),
    ({"maximum_retries": -2}, "maximum_retries"),
    ({"maximum_record_age_s": 30}, "maximum_record_age_s"),
])
def test_bad_settings_are_refused(kwargs, word):
    with pytest.raises(ValueError, match=word):
        EventSourceMapping(**kwargs)


def test_bad_run_arguments():
    with pytest.raises(ValueError, match="arrival_rate"):
        stream(arrival_rate=-1)
    with pytest.raises(ValueError, match="poison_at_s"):
        stream(horizon_s=10, poison_at_s=20)


def test_runner_convention_compare_replicate_and_the_deprecated_alias():
    config = StreamConfig(horizon_s=60.0, poison_at_s=20.0, seed=3)
    table = compare(simulate_stream, config, {
        "defaults": {},
        "cured": {"mapping": EventSourceMapping(bisect_on_error=True, maximum_retries=2,
                                                on_failure_destination=True)}})
    assert table.loc["defaults", "pending"] > 0 and table.loc["cured", "pending"] < 100
    assert table.loc["cured", "to_destination"] == 1
    runs = replicate(simulate_stream, config.replace(poison_at_s=None), replications=3)
    assert list(runs.seed) == [3, 4, 5] and (runs.failed_invocations == 0).all()
    with pytest.warns(DeprecationWarning, match="simulate_stream"):
        old = run_stream_processing(shards=2, records_per_s=40.0, horizon_s=60.0, seed=3)
    new = simulate_stream(StreamConfig(horizon_s=60.0, seed=3))
    assert old.summary() == new.summary()
    with pytest.raises(TypeError, match="mapping"):
        StreamConfig(mapping={"batch_size": 10})
