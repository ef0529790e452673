"""CQRS scenarios: stale reads against lag, read scaling, replay cost, contention."""

import pytest

from labkit.eventstore import read_scaling, replay_cost, run_contention, run_cqrs


def test_stale_reads_fall_as_the_client_waits_longer():
    shares = [run_cqrs(n_orders=40, read_after_s=r, seed=4).summary()["stale_read_share"]
              for r in (0.0, 0.5, 1.0, 3.0)]
    assert shares == sorted(shares, reverse=True)
    assert shares[0] == 1.0 and shares[-1] == 0.0


def test_more_projection_lag_means_more_stale_reads():
    fast = run_cqrs(n_orders=40, read_after_s=1.0, processing_lag_s=0.05, seed=4).summary()
    slow = run_cqrs(n_orders=40, read_after_s=1.0, processing_lag_s=1.5, seed=4).summary()
    assert slow["stale_read_share"] > fast["stale_read_share"]


def test_read_model_equals_the_aggregates_on_the_write_side():
    run = run_cqrs(n_orders=30, seed=2)
    from labkit.eventstore import OrderRepository

    repo = OrderRepository(run.store)
    for oid, row in run.read_model.items():
        state = repo.load(oid).state
        assert (state.version, state.total_usd, state.status) == (
            row["version"], row["total_usd"], row["status"])
    assert len(run.read_model) == 30


def test_same_seed_same_reads():
    a, b = run_cqrs(n_orders=20, seed=9), run_cqrs(n_orders=20, seed=9)
    assert a.reads.equals(b.reads)


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
    crud = run_contention(writers=6, mode="crud", seed=3)
    es = run_contention(writers=6, mode="event_store", seed=3)
    assert crud["lost_updates"] > 0 and es["lost_updates"] == 0 and es["conflicts"] > 0
    assert run_contention(writers=1, mode="crud", seed=3)["lost_updates"] == 0
    with pytest.raises(ValueError, match="mode"):
        run_contention(mode="nosql")


def test_projector_polling_faster_than_the_shard_read_limit_is_throttled_not_crashed():
    from labkit.eventstore.cqrs import run_cqrs

    run = run_cqrs(n_orders=20, read_after_s=0.5, poll_interval_s=0.1, processing_lag_s=0.2,
                   seed=3)
    assert run.polls.throttled.any()  # more than 5 GetRecords per second per shard are refused
    assert (run.reads.applied_s < float("inf")).all()  # every write still reaches the read model
