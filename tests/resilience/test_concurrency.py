"""Lambda reserved concurrency (Lambda Developer Guide, configuration-concurrency.html)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.resilience.concurrency import LambdaConcurrency, ReservationError


def test_unreserved_pool_keeps_at_least_100():
    acct = LambdaConcurrency(account_limit=1000)
    acct.reserve("a", 600)
    acct.reserve("b", 300)              # exactly 100 left: allowed
    assert acct.unreserved_capacity == 100
    with pytest.raises(ReservationError, match="at most 300"):
        acct.reserve("b", 301)
    assert acct.reserved["b"] == 300    # refused change leaves the old reservation


def test_floor_is_a_parameter():
    acct = LambdaConcurrency(account_limit=200, unreserved_minimum=50)
    acct.reserve("a", 150)
    with pytest.raises(ReservationError):
        acct.reserve("b", 1)


def test_reserved_function_capped_with_function_reason():
    acct = LambdaConcurrency()
    acct.reserve("checkout", 2)
    assert [acct.invoke("checkout").status_code for _ in range(3)] == [200, 200, 429]
    assert acct.invoke("checkout").reason == "ReservedFunctionConcurrentInvocationLimitExceeded"
    acct.finish("checkout")
    assert not acct.invoke("checkout").throttled


def test_zero_reservation_throttles_everything():
    acct = LambdaConcurrency()
    acct.reserve("paused", 0)
    assert acct.invoke("paused").throttled


def test_unreserved_functions_share_the_pool_with_account_reason():
    acct = LambdaConcurrency(account_limit=110, unreserved_minimum=100)
    acct.reserve("checkout", 10)
    for _ in range(100):
        assert not acct.invoke("thumbnails").throttled
    denied = acct.invoke("search")
    assert denied.status_code == 429 and denied.reason == "ConcurrentInvocationLimitExceeded"
    # the reserved function is untouched by the noisy neighbour
    assert all(not acct.invoke("checkout").throttled for _ in range(10))


@settings(max_examples=150, deadline=None)
@given(script=st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.booleans()), max_size=200),
       ra=st.integers(0, 40))
def test_concurrency_never_exceeds_reservation_or_pool(script, ra):
    acct = LambdaConcurrency(account_limit=150, unreserved_minimum=100)
    acct.reserve("a", ra)
    for fn, start in script:
        if start:
            acct.invoke(fn)
        elif acct.in_flight.get(fn, 0):
            acct.finish(fn)
        assert acct.in_flight.get("a", 0) <= ra
        assert acct.unreserved_in_flight <= acct.unreserved_capacity
        assert sum(acct.in_flight.values()) <= acct.account_limit
