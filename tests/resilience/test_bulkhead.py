"""SemaphoreBulkhead and ThreadPoolBulkhead against resilience4j's rules (https://resilience4j.readme.io/docs/bulkhead)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.resilience.bulkhead import SemaphoreBulkhead, ThreadPoolBulkhead

# --- SemaphoreBulkhead -----------------------------------------------------------------------

def test_two_permits_no_wait_third_rejected_then_free_after_completion():
    b = SemaphoreBulkhead(max_concurrent_calls=2, max_wait_s=0.0)
    assert b.acquire(0.0, 1).outcome == "permitted"
    assert b.acquire(0.0, 2).outcome == "permitted"
    assert b.acquire(0.0, 3).outcome == "rejected"
    assert b.release(0.5) == []
    assert b.acquire(0.5, 4).outcome == "permitted"
    assert (b.permitted, b.rejected, b.completed, b.in_flight) == (3, 1, 1, 2)


def test_defaults_match_resilience4j():
    b = SemaphoreBulkhead()
    assert b.max_concurrent_calls == 25 and b.max_wait_s == 0.0


def test_waiter_gets_permit_on_release_in_fifo_order():
    b = SemaphoreBulkhead(max_concurrent_calls=1, max_wait_s=1.0)
    assert b.acquire(0.0, "a").outcome == "permitted"
    d1 = b.acquire(0.1, "b")
    d2 = b.acquire(0.2, "c")
    assert (d1.outcome, d1.deadline_s) == ("waiting", pytest.approx(1.1))
    assert d2.outcome == "waiting"
    assert b.release(0.5) == ["b"]
    assert b.release(0.6) == ["c"]
    assert b.rejected == 0


def test_release_exactly_at_deadline_grants_but_after_deadline_rejects():
    b = SemaphoreBulkhead(max_concurrent_calls=1, max_wait_s=1.0)
    b.acquire(0.0, "a")
    b.acquire(0.0, "b")                 # deadline 1.0
    assert b.release(1.0) == ["b"]      # completion at the deadline is processed first
    b2 = SemaphoreBulkhead(max_concurrent_calls=1, max_wait_s=1.0)
    b2.acquire(0.0, "a")
    b2.acquire(0.0, "b")
    assert b2.release(1.0 + 1e-9) == []  # too late: the waiter already gave up
    assert b2.expire(1.0 + 1e-9) == ["b"] and b2.rejected == 1


def test_expire_rejects_waiters_at_their_deadline():
    b = SemaphoreBulkhead(max_concurrent_calls=1, max_wait_s=0.5)
    b.acquire(0.0, "a")
    b.acquire(0.0, "b")
    b.acquire(0.2, "c")
    assert b.expire(0.49) == []
    assert b.expire(0.5) == ["b"]
    assert b.waiting == 1 and b.rejected == 1


def test_fair_newcomer_does_not_overtake_waiter():
    b = SemaphoreBulkhead(max_concurrent_calls=1, max_wait_s=1.0)
    b.acquire(0.0, "a")
    b.acquire(0.0, "b")
    assert b.acquire(0.1, "c").outcome == "waiting"


@pytest.mark.parametrize("kwargs", [{"max_concurrent_calls": 0}, {"max_wait_s": -1.0},
                                    {"max_concurrent_calls": 1.5}])
def test_bad_arguments_name_the_parameter(kwargs):
    with pytest.raises((ValueError, TypeError), match=next(iter(kwargs))):
        SemaphoreBulkhead(**kwargs)


def test_time_cannot_run_backwards_and_release_needs_a_call():
    b = SemaphoreBulkhead(max_concurrent_calls=1)
    b.acquire(1.0)
    with pytest.raises(ValueError, match="now"):
        b.acquire(0.5)
    b.release(2.0)
    with pytest.raises(RuntimeError):
        b.release(3.0)


events = st.lists(st.tuples(st.sampled_from(["acquire", "release", "expire"]),
                            st.floats(min_value=0.0, max_value=1.0)), max_size=80)


@settings(max_examples=200, deadline=None)
@given(permits=st.integers(1, 5), wait=st.sampled_from([0.0, 0.3, 1.0]), script=events)
def test_never_more_than_max_concurrent_in_flight_and_calls_conserved(permits, wait, script):
    b = SemaphoreBulkhead(max_concurrent_calls=permits, max_wait_s=wait)
    now, offered = 0.0, 0
    for op, dt in script:
        now += dt
        if op == "acquire":
            b.acquire(now, offered)
            offered += 1
        elif op == "release" and b.in_flight:
            b.release(now)
        else:
            b.expire(now)
        assert 0 <= b.in_flight <= permits
        assert offered == b.in_flight + b.completed + b.rejected + b.waiting
        assert b.waiting == 0 or b.in_flight == permits or wait > 0
    assert b.max_in_flight_seen <= permits


# --- ThreadPoolBulkhead ----------------------------------------------------------------------

def test_admission_order_core_then_queue_then_max_then_reject():
    pool = ThreadPoolBulkhead(core_threads=1, max_threads=2, queue_capacity=1)
    outcomes = [pool.submit(0.0, t).outcome for t in (1, 2, 3, 4)]
    assert outcomes == ["running", "queued", "running", "rejected"]
    assert (pool.threads, pool.queued, pool.rejected) == (2, 1, 1)
    assert pool.complete(0.1) == 2      # thread takes the queued task
    assert pool.complete(0.2) is None   # idle now
    assert (pool.busy, pool.idle) == (1, 1)


def test_new_core_thread_started_even_when_one_is_idle():
    pool = ThreadPoolBulkhead(core_threads=2, max_threads=2, queue_capacity=5)
    pool.submit(0.0, "a")
    pool.complete(0.1)
    assert pool.submit(0.2, "b").outcome == "running"
    assert pool.threads == 2


def test_zero_capacity_is_a_hand_off():
    pool = ThreadPoolBulkhead(core_threads=1, max_threads=1, queue_capacity=0)
    assert pool.submit(0.0, "a").outcome == "running"
    assert pool.submit(0.0, "b").outcome == "rejected"
    pool.complete(0.1)
    assert pool.submit(0.1, "c").outcome == "running"   # handed to the idle thread


def test_extra_threads_retire_after_keep_alive_but_core_stays():
    pool = ThreadPoolBulkhead(core_threads=1, max_threads=3, queue_capacity=0, keep_alive_s=0.02)
    for t in range(3):
        pool.submit(0.0, t)
    for when in (0.10, 0.10, 0.10):
        pool.complete(when)
    assert pool.threads == 3
    pool.submit(0.119, "x")         # 19 ms idle: nobody retired yet, an idle thread takes it
    assert pool.threads == 3
    pool.complete(0.2)
    pool.submit(0.5, "y")           # long idle: back to the core thread only, which runs it
    assert pool.threads == 1 and pool.busy == 1


def test_thread_pool_argument_checks():
    with pytest.raises(ValueError, match="max_threads"):
        ThreadPoolBulkhead(core_threads=3, max_threads=2)
    with pytest.raises(ValueError, match="queue_capacity"):
        ThreadPoolBulkhead(queue_capacity=-1)


@settings(max_examples=200, deadline=None)
@given(core=st.integers(1, 3), extra=st.integers(0, 3), capacity=st.integers(0, 4),
       script=st.lists(st.tuples(st.booleans(), st.floats(0.0, 0.05)), max_size=80))
def test_thread_pool_bounds_and_conservation(core, extra, capacity, script):
    pool = ThreadPoolBulkhead(core_threads=core, max_threads=core + extra,
                              queue_capacity=capacity)
    now = 0.0
    for is_submit, dt in script:
        now += dt
        if is_submit:
            pool.submit(now)
        elif pool.busy:
            pool.complete(now)
        assert pool.threads <= pool.max_threads
        assert pool.queued <= capacity
        assert pool.submitted == pool.completed + pool.busy + pool.queued + pool.rejected
        assert pool.queued == 0 or pool.idle == 0


@settings(max_examples=150, deadline=None)
@given(script=st.lists(st.tuples(st.booleans(), st.floats(0.0, 0.2)), max_size=60))
def test_waiters_are_granted_in_arrival_order(script):
    b = SemaphoreBulkhead(max_concurrent_calls=2, max_wait_s=0.5)
    now, offered, waiting_order, granted = 0.0, 0, [], []
    for is_arrival, dt in script:
        now += dt
        if is_arrival:
            if b.acquire(now, offered).outcome == "waiting":
                waiting_order.append(offered)
            offered += 1
        elif b.in_flight:
            granted += b.release(now)
        for gone in b.expire(now):
            waiting_order.remove(gone)
        # FIFO: waiters get permits in the order they arrived, and before any later waiter
        assert granted == sorted(granted)
        assert all(g < w for g in granted[-1:] for w in waiting_order if w not in granted)
