"""CQRS scenarios: stale reads against lag, read scaling, replay cost, contention.

Read models are eventually consistent (https://eventsourcing.readthedocs.io/en/stable/topics/projection.html);
an append with a stale expected version is refused and writes nothing
(https://eventsourcing.readthedocs.io/en/stable/topics/application.html).
"""

import pytest

from labkit.core.runner import compare, replicate
from labkit.eventstore import (
    ContentionConfig,
    CqrsConfig,
    OrderRepository,
    read_scaling,
    replay_cost,
    run_contention,
    run_cqrs,
    simulate_contention,
    simulate_cqrs,
)


def test_stale_reads_fall_as_the_client_waits_longer():
    config = CqrsConfig(n_orders=40, seed=4)
    shares = [simulate_cqrs(config.replace(read_after_s=r)).summary()["stale_read_share"]
              for r in (0.0, 0.5, 1.0, 3.0)]
    assert shares == sorted(shares, reverse=True)
    assert shares[0] == 1.0 and shares[-1] == 0.0


def test_more_projection_lag_means_more_stale_reads():
    table = compare(simulate_cqrs, CqrsConfig(n_orders=40, read_after_s=1.0, seed=4),
                    {"fast": {"processing_lag_s": 0.05}, "slow": {"processing_lag_s": 1.5}})
    assert table.loc["slow", "stale_read_share"] > table.loc["fast", "stale_read_share"]


def test_read_model_equals_the_aggregates_on_the_write_side():
    run = simulate_cqrs(CqrsConfig(n_orders=30, seed=2))
    repo = OrderRepository(run.store)
    for oid, row in run.read_model.items():
        state = repo.load(oid).state
        assert (state.version, state.total_usd, state.status) == (
            row["version"], row["total_usd"], row["status"])
    assert len(run.read_model) == 30


def test_same_seed_same_records():
    config = CqrsConfig(n_orders=20, seed=9)
    assert simulate_cqrs(config).records.equals(simulate_cqrs(config).records)


def test_cqrs_config_checks_name_the_field():
    with pytest.raises(ValueError, match="arrival_rate"):
        CqrsConfig(arrival_rate=0)
    with pytest.raises(ValueError, match="shards"):
        CqrsConfig(shards=0)
    with pytest.raises(TypeError, match="write_rate"):
        CqrsConfig().replace(write_rate=3)


def test_former_names_warn_and_agree_with_the_new_ones():
    with pytest.warns(DeprecationWarning, match="simulate_cqrs"):
        old = run_cqrs(n_orders=15, write_rate=4.0, seed=1)
    new = simulate_cqrs(CqrsConfig(n_orders=15, arrival_rate=4.0, seed=1))
    assert old.reads.equals(new.records)
    with pytest.warns(DeprecationWarning, match="simulate_contention"):
        summary = run_contention(writers=3, command_rate=0.5, mode="crud", seed=2)
    expected = simulate_contention(ContentionConfig(writers=3, mode="crud", seed=2)).summary()
    assert summary["lost_updates"] == expected["lost_updates"]
    assert "lost_update_share" not in summary


def test_read_scaling_serves_more_with_more_replicas():
    df = read_scaling(read_rate=300, replicas=(1, 2, 4), reads_per_replica_s=100, n_requests=800)
    assert df.served_reads_per_s.is_monotonic_increasing
    assert df.p99_latency_s.is_monotonic_decreasing


def test_replay_cost_counts_events():
    df = replay_cost(events_per_order=(30, 130), snapshot_every=50, repeats=1)
    got = {(r.events_in_stream, r.mode): r.events_replayed for r in df.itertuples()}
    assert got[(130, "full replay")] == 130 and got[(130, "snapshot every 50")] == 30
    assert got[(30, "snapshot every 50")] == 30


def test_contention_crud_loses_updates_event_store_does_not():
    config = ContentionConfig(writers=6, mode="crud", seed=3)
    crud = simulate_contention(config)
    es = simulate_contention(config.replace(mode="event_store"))
    assert crud.summary()["lost_updates"] > 0
    assert es.summary()["lost_updates"] == 0 and es.summary()["conflicts"] > 0
    assert es.records.kept.all() and not crud.records.kept.all()
    assert len(crud.records) == 6 * 50 and (crud.records.attempts == 1).all()
    alone = simulate_contention(config.replace(writers=1)).summary()
    assert alone["lost_updates"] == 0
    with pytest.raises(ValueError, match="mode"):
        ContentionConfig(mode="nosql")


def test_contention_replicates_over_seeds():
    runs = replicate(simulate_contention, ContentionConfig(writers=4, commands_per_writer=10,
                                                           mode="crud", seed=0),
                     replications=3)
    assert list(runs.seed) == [0, 1, 2] and (runs.commands == 40).all()


def test_projector_polling_faster_than_the_shard_read_limit_is_throttled_not_crashed():
    run = simulate_cqrs(CqrsConfig(n_orders=20, read_after_s=0.5, poll_interval_s=0.1,
                                   processing_lag_s=0.2, seed=3))
    assert run.polls.throttled.any()  # more than 5 GetRecords per second per shard are refused
    assert (run.records.applied_s < float("inf")).all()  # every write still reaches the model
