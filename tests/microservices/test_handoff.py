"""Sync vs async hand-off under an outage: conservation, the lesson's behaviour, bad input."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.microservices.handoff import OUTCOMES, compare_designs, run_outage_scenario

SMALL = {"rate_per_s": 10.0, "horizon_s": 40.0, "outage_start_s": 10.0, "outage_end_s": 20.0,
         "drain_s": 30.0}


def _conserved(run):
    c = run.counts()
    assert c["requests"] == c["completed"] + c["failed"] + c["queued"]
    assert set(run.requests.outcome) <= set(OUTCOMES)


@settings(max_examples=25, deadline=None)
@given(design=st.sampled_from(["sync", "async"]),
       rate=st.floats(1.0, 40.0),
       start=st.floats(0.0, 15.0), length=st.floats(0.5, 20.0),
       drain=st.floats(0.0, 10.0),
       consumers=st.integers(1, 6), visibility=st.floats(0.2, 8.0),
       max_receives=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_every_request_is_completed_failed_or_queued(design, rate, start, length, drain,
                                                     consumers, visibility, max_receives, seed):
    run = run_outage_scenario(design, rate_per_s=rate, horizon_s=20.0, outage_start_s=start,
                              outage_end_s=start + length, drain_s=drain, seed=seed,
                              consumers=consumers, visibility_timeout_s=visibility,
                              max_receive_count=max_receives)
    _conserved(run)
    r = run.requests
    done = r.outcome != "queued"
    assert r.loc[done, "end_s"].notna().all() and r.loc[~done, "end_s"].isna().all()
    assert (r.loc[done, "end_s"] <= run.stop_s + 1e-9).all()
    assert (r.loc[done, "end_to_end_s"] >= 0).all()
    # the sampled backlog equals requests arrived and not yet finished at every sample time
    for t, backlog in run.backlog[["time_s", "backlog"]].itertuples(index=False):
        arrived = (r.arrival_s <= t).sum()
        finished = (r.end_s <= t).sum()
        assert arrived - finished - 1 <= backlog <= arrived - finished + 1


def test_unfinished_work_is_counted_as_queued():
    run = run_outage_scenario("async", **{**SMALL, "outage_end_s": 40.0, "drain_s": 0.0})
    c = run.counts()
    assert c["queued"] > 0
    _conserved(run)


def test_sync_chain_fails_during_the_outage_and_only_then():
    run = run_outage_scenario("sync", **SMALL, seed=4)
    r = run.requests
    in_outage = (r.arrival_s >= 10.0) & (r.arrival_s < 20.0)
    assert (r.loc[in_outage, "outcome"] == "failed").all()
    assert (r.loc[~in_outage, "outcome"] == "completed").all()
    assert (r.accepted == (r.outcome == "completed")).all()


def test_async_accepts_everything_and_completes_after_recovery():
    run = run_outage_scenario("async", **SMALL, seed=4)
    r = run.requests
    assert r.accepted.all()
    assert (r.outcome == "completed").all()
    assert (r.response_s <= 0.01 + 1e-9).all()   # the client only waits for the enqueue
    in_outage = (r.arrival_s >= 10.0) & (r.arrival_s < 20.0)
    # orders taken during the outage complete only after it ends
    assert (r.loc[in_outage, "end_s"] >= 20.0).all()
    assert r.loc[in_outage, "attempts"].max() > 1
    assert run.summary()["peak_backlog"] >= in_outage.sum() * 0.8


def test_dead_letter_queue_fails_messages_after_max_receives():
    run = run_outage_scenario("async", **{**SMALL, "outage_end_s": 35.0}, max_receive_count=2,
                              visibility_timeout_s=2.0, seed=1)
    r = run.requests
    failed = r[r.outcome == "failed"]
    assert len(failed) > 0 and (failed.attempts == 2).all()
    _conserved(run)


def test_same_seed_same_frames_and_same_arrivals_for_both_designs():
    a = run_outage_scenario("async", **SMALL, seed=9)
    b = run_outage_scenario("async", **SMALL, seed=9)
    pd.testing.assert_frame_equal(a.requests, b.requests)
    pd.testing.assert_frame_equal(a.backlog, b.backlog)
    table, sync, asyn = compare_designs(**SMALL, seed=9)
    assert (sync.requests.arrival_s.to_numpy() == asyn.requests.arrival_s.to_numpy()).all()
    assert list(table.design) == ["sync", "async"]


def test_async_drains_within_visibility_timeout_plus_backlog_time():
    run = run_outage_scenario("async", **SMALL, seed=2, visibility_timeout_s=3.0)
    assert 0.0 < run.drain_time_s() <= 3.0 + 5.0


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"design": "rpc"}, "design"),
    ({"design": "sync", "rate_per_s": 0}, "rate_per_s"),
    ({"design": "sync", "horizon_s": -1}, "horizon_s"),
    ({"design": "sync", "outage_start_s": 20, "outage_end_s": 10}, "outage_end_s"),
    ({"design": "sync", "drain_s": -1}, "drain_s"),
    ({"design": "async", "consumers": 0}, "consumers"),
    ({"design": "async", "visibility_timeout_s": 0}, "visibility_timeout_s"),
    ({"design": "async", "max_receive_count": 0}, "max_receive_count"),
    ({"design": "async", "sample_every_s": 0}, "sample_every_s"),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        run_outage_scenario(**kwargs)


def test_bad_types_are_named():
    with pytest.raises(TypeError, match="consumers"):
        run_outage_scenario("async", consumers=2.5)
    with pytest.raises(TypeError, match="order_service"):
        run_outage_scenario("async", order_service="orders")
    with pytest.raises(TypeError, match="design"):
        compare_designs(design="sync")
