"""Sync vs async hand-off under an outage: conservation, the lesson's behaviour, bad input."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.core.runner import compare
from labkit.microservices.handoff import (
    OUTCOMES,
    HandoffConfig,
    compare_designs,
    compare_handoff_designs,
    run_handoff_outage,
    run_outage_scenario,
)

SMALL = {"arrival_rate": 10.0, "horizon_s": 40.0, "outage_start_s": 10.0, "outage_end_s": 20.0,
         "drain_s": 30.0}


def run_outage(design, **kwargs):
    return run_handoff_outage(HandoffConfig(design=design, **kwargs))


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
    run = run_outage(design, arrival_rate=rate, horizon_s=20.0, outage_start_s=start,
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
    run = run_outage("async", **{**SMALL, "outage_end_s": 40.0, "drain_s": 0.0})
    c = run.counts()
    assert c["queued"] > 0
    _conserved(run)


def test_sync_chain_fails_during_the_outage_and_only_then():
    run = run_outage("sync", **SMALL, seed=4)
    r = run.requests
    in_outage = (r.arrival_s >= 10.0) & (r.arrival_s < 20.0)
    assert (r.loc[in_outage, "outcome"] == "failed").all()
    assert (r.loc[~in_outage, "outcome"] == "completed").all()
    assert (r.accepted == (r.outcome == "completed")).all()


def test_async_accepts_everything_and_completes_after_recovery():
    run = run_outage("async", **SMALL, seed=4)
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
    run = run_outage("async", **{**SMALL, "outage_end_s": 35.0}, max_receive_count=2,
                              visibility_timeout_s=2.0, seed=1)
    r = run.requests
    failed = r[r.outcome == "failed"]
    assert len(failed) > 0 and (failed.attempts == 2).all()
    _conserved(run)


def test_same_seed_same_frames_and_same_arrivals_for_both_designs():
    a = run_outage("async", **SMALL, seed=9)
    b = run_outage("async", **SMALL, seed=9)
    pd.testing.assert_frame_equal(a.requests, b.requests)
    pd.testing.assert_frame_equal(a.backlog, b.backlog)
    runs = compare_handoff_designs(HandoffConfig(**SMALL, seed=9))
    sync, asyn = runs["sync"], runs["async"]
    assert (sync.records.arrival_s.to_numpy() == asyn.records.arrival_s.to_numpy()).all()
    table = compare(run_handoff_outage, HandoffConfig(**SMALL, seed=9),
                    {"sync": {"design": "sync"}, "async": {"design": "async"}})
    assert list(table.design) == ["sync", "async"]
    assert table.loc["sync", "failed"] == sync.summary()["failed"]


def test_async_drains_within_visibility_timeout_plus_backlog_time():
    run = run_outage("async", **SMALL, seed=2, visibility_timeout_s=3.0)
    assert 0.0 < run.drain_time_s() <= 3.0 + 5.0


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"design": "rpc"}, "design"),
    ({"design": "sync", "arrival_rate": 0}, "arrival_rate"),
    ({"design": "sync", "arrival_rate": 1e4, "horizon_s": 1e3}, "arrival_rate x horizon_s"),
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
        HandoffConfig(**kwargs)


def test_bad_types_are_named():
    with pytest.raises(TypeError, match="consumers"):
        run_outage("async", consumers=2.5)
    with pytest.raises(TypeError, match="order_service"):
        run_outage("async", order_service="orders")
    with pytest.raises(TypeError, match="HandoffConfig"):
        run_handoff_outage({"design": "sync"})
    with pytest.raises(TypeError, match="design"):
        compare_designs(design="sync")


def test_the_former_names_warn_and_give_the_same_runs():
    config = HandoffConfig(design="async", **SMALL, seed=5)
    legacy = {k: v for k, v in SMALL.items() if k != "arrival_rate"}
    with pytest.warns(DeprecationWarning, match=r"call run_handoff_outage\(HandoffConfig"):
        old = run_outage_scenario("async", rate_per_s=SMALL["arrival_rate"], seed=5, **legacy)
    pd.testing.assert_frame_equal(old.records, run_handoff_outage(config).records)
    with pytest.warns(DeprecationWarning, match=r"call compare_handoff_designs\(HandoffConfig"):
        table, _sync, asyn = compare_designs(rate_per_s=SMALL["arrival_rate"], seed=5, **legacy)
    assert list(table.design) == ["sync", "async"] and asyn.summary()["failed"] == 0


def test_the_deprecation_warning_points_at_the_caller():
    legacy = {k: v for k, v in SMALL.items() if k != "arrival_rate"}
    with pytest.warns(DeprecationWarning) as caught:
        run_outage_scenario("sync", rate_per_s=SMALL["arrival_rate"], **legacy)
    assert caught[0].filename == __file__
