"""CircuitBreaker (resilience4j semantics) and ConsecutiveFailureBreaker (pybreaker semantics).

Each test names the rule it checks: resilience4j's CircuitBreaker documentation
(https://resilience4j.readme.io/docs/circuitbreaker) and pybreaker's README
(https://github.com/danielfm/pybreaker).
"""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.resilience import CircuitBreaker, ConsecutiveFailureBreaker


def drive(cb, t, outcomes, duration=0.0):
    """Acquire and record each outcome ('F' failure, 'S' success) at times t, t+1, ..."""
    for k, o in enumerate(outcomes):
        now = t + k
        assert cb.try_acquire(now)
        (cb.on_error if o == "F" else cb.on_success)(now, duration)
    return t + len(outcomes)


# -- resilience4j: defaults and validation ------------------------------------------------------
def test_defaults_follow_the_code_constants():
    cb = CircuitBreaker()
    assert (cb.failure_rate_threshold, cb.slow_call_rate_threshold, cb.slow_call_duration_s,
            cb.window_type, cb.window_size, cb.minimum_calls, cb.half_open_calls,
            cb.wait_in_open_s) == (50.0, 100.0, 60.0, "count", 100, 100, 10, 60.0)
    assert cb.state == "closed" and cb.transitions == []


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"failure_rate_threshold": 0}, "failure_rate_threshold"),
    ({"failure_rate_threshold": 100.5}, "failure_rate_threshold"),
    ({"slow_call_rate_threshold": -1}, "slow_call_rate_threshold"),
    ({"slow_call_duration_s": 0}, "slow_call_duration_s"),
    ({"window_size": 0}, "window_size"),
    ({"minimum_calls": 0}, "minimum_calls"),
    ({"half_open_calls": 0}, "half_open_calls"),
    ({"wait_in_open_s": 0.0005}, "wait_in_open_s"),
    ({"wait_in_open_s": float("nan")}, "wait_in_open_s"),
    ({"window_type": "sliding"}, "window_type"),
])
def test_bad_configuration_names_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=name):
        CircuitBreaker(**kwargs)


def test_time_must_not_go_backwards_and_be_finite():
    cb = CircuitBreaker()
    cb.try_acquire(5.0)
    with pytest.raises(ValueError, match="backwards"):
        cb.on_success(4.0)
    with pytest.raises(ValueError, match="finite"):
        cb.try_acquire(float("inf"))
    with pytest.raises(ValueError, match="duration_s"):
        cb.on_success(6.0, -1.0)


# -- thresholds, minimum calls, windows --------------------------------------------------------
def test_threshold_is_greater_or_equal_and_waits_for_minimum():
    cb = CircuitBreaker(window_size=4, minimum_calls=4)
    drive(cb, 1, "FFF")
    assert cb.state == "closed" and cb.failure_rate == -1  # below the minimum: not computed
    drive(cb, 4, "S")  # 3 of 4 failed = 75%
    assert cb.state == "open"
    cb2 = CircuitBreaker(window_size=4, minimum_calls=4)
    drive(cb2, 1, "SSFF")  # exactly 50% >= 50%
    assert cb2.state == "open"
    cb3 = CircuitBreaker(window_size=4, minimum_calls=4, failure_rate_threshold=51)
    drive(cb3, 1, "SSFF")
    assert cb3.state == "closed" and cb3.failure_rate == 50.0


def test_minimum_is_clamped_to_count_window_size():
    cb = CircuitBreaker(window_size=5, minimum_calls=100)
    drive(cb, 1, "FFFFF")
    assert cb.state == "open"


def test_minimum_not_clamped_for_time_window():
    cb = CircuitBreaker(window_type="time", window_size=5, minimum_calls=10)
    for k in range(9):
        assert cb.try_acquire(k * 0.1)
        cb.on_error(k * 0.1)
    assert cb.state == "closed" and cb.failure_rate == -1
    cb.try_acquire(0.95)
    cb.on_error(0.95)
    assert cb.state == "open"


def test_count_window_evicts_oldest():
    cb = CircuitBreaker(window_size=4, minimum_calls=4, failure_rate_threshold=75)
    drive(cb, 1, "FSSS")  # 25%
    drive(cb, 5, "F")  # evicts the first F: F S S S -> S S S F = 25%
    assert cb.state == "closed" and cb.failure_rate == 25.0
    drive(cb, 6, "FF")  # S F F F = 75%
    assert cb.state == "open"


def test_time_window_forgets_calls_older_than_n_seconds():
    cb = CircuitBreaker(window_type="time", window_size=10, minimum_calls=4)
    drive(cb, 0, "FFS")  # seconds 0, 1, 2
    t = 20.0  # everything above is outside "the current second plus the previous 9"
    assert cb.try_acquire(t)
    cb.on_success(t)
    assert cb.buffered_calls == 1 and cb.state == "closed"


def test_slow_calls_are_strictly_greater_and_orthogonal_to_failure():
    cb = CircuitBreaker(window_size=4, minimum_calls=4, slow_call_duration_s=1.0,
                        slow_call_rate_threshold=50, failure_rate_threshold=100)
    drive(cb, 0, "SS", duration=1.0)  # exactly the threshold: not slow
    assert cb.slow_calls == 0
    drive(cb, 2, "SF", duration=1.5)  # a slow success and a slow failure
    assert cb.slow_calls == 2 and cb.failed_calls == 1
    assert cb.state == "open"  # slow-call rate 50% >= 50%


# -- open state and the wait boundary -----------------------------------------------------------
def test_open_rejects_until_strictly_after_wait():
    cb = CircuitBreaker(window_size=2, minimum_calls=2, wait_in_open_s=10, half_open_calls=3)
    drive(cb, 0, "FF")  # opens at t=1
    assert cb.opened_at == 1
    assert not cb.try_acquire(5)
    assert not cb.try_acquire(11.0)  # exactly opened_at + wait: rejected
    assert cb.state == "open"  # reading the state does not transition
    assert cb.try_acquire(11.0001)
    assert cb.state == "half_open"
    assert cb.not_permitted_calls == 2


def test_late_outcomes_in_open_are_counted_but_do_not_change_state():
    cb = CircuitBreaker(window_size=4, minimum_calls=4)
    for t in range(5):
        assert cb.try_acquire(t)
    for _ in range(4):
        cb.on_error(5)
    assert cb.state == "open"
    cb.on_success(6)  # the fifth call, started while closed, finishes now
    assert cb.state == "open" and cb.buffered_calls == 4 and cb.failed_calls == 3


def test_automatic_transition_stamps_the_expiry_instant():
    cb = CircuitBreaker(window_size=2, minimum_calls=2, wait_in_open_s=10,
                        automatic_transition=True)
    drive(cb, 0, "FF")  # opens at 1
    cb.on_ignored(50.0)  # any call with a clock lets the breaker notice the expiry
    assert cb.state == "half_open"
    assert cb.transitions[-1] == (11.0, "open", "half_open")


# -- half-open ------------------------------------------------------------------------------------
def open_then_half_open(**kwargs):
    cb = CircuitBreaker(window_size=2, minimum_calls=2, wait_in_open_s=10, **kwargs)
    drive(cb, 0, "FF")
    assert cb.try_acquire(12)
    return cb


def test_half_open_permits_and_rate_decision_closes():
    cb = CircuitBreaker(window_size=3, minimum_calls=3, wait_in_open_s=10, half_open_calls=3)
    drive(cb, 0, "FFF")  # opens at t = 2
    assert cb.try_acquire(12.5) and cb.try_acquire(12.6) and cb.try_acquire(12.7)
    assert not cb.try_acquire(12.8)  # permits exhausted while trials are in flight
    cb.on_success(13)
    cb.on_error(13.1)  # one trial failure does not re-open by itself
    assert cb.state == "half_open"
    cb.on_success(13.2)  # 1 of 3 failed = 33% < 50%
    assert cb.state == "closed" and cb.buffered_calls == 0  # fresh window


def test_half_open_reopens_and_restarts_the_wait():
    cb = open_then_half_open(half_open_calls=2)
    assert cb.try_acquire(12.5)
    cb.on_error(13)
    cb.on_success(14)  # 50% >= 50%
    assert cb.state == "open" and cb.opened_at == 14
    assert not cb.try_acquire(24)
    assert cb.try_acquire(24.01)


def test_half_open_decides_after_minimum_calls_when_smaller():
    # also: with the minimum at 2, one success and one failure (50%) re-open at once
    early = open_then_half_open(half_open_calls=3)
    assert early.try_acquire(12.1)
    early.on_success(13)
    early.on_error(13.1)
    assert early.state == "open"
    cb = CircuitBreaker(window_size=2, minimum_calls=2, wait_in_open_s=10, half_open_calls=5)
    drive(cb, 0, "FF")
    assert cb.try_acquire(12) and cb.try_acquire(12.1)
    cb.on_success(13)
    cb.on_success(13.1)  # min(minimum_calls=2, permits=5) = 2 trials decide
    assert cb.state == "closed"


def test_ignored_error_returns_permit_and_records_nothing():
    cb = open_then_half_open(half_open_calls=1)
    assert not cb.try_acquire(12.1)
    cb.on_ignored(12.2)
    assert cb.try_acquire(12.3)
    assert cb.buffered_calls == 0
    closed = CircuitBreaker(window_size=2, minimum_calls=2)
    closed.try_acquire(0)
    closed.on_ignored(0)
    assert closed.buffered_calls == 0


def test_forced_open_disabled_and_reset():
    cb = CircuitBreaker(window_size=2, minimum_calls=2, wait_in_open_s=1)
    cb.force_open(0)
    assert not cb.try_acquire(100)
    assert cb.state == "forced_open"
    cb.disable(101)
    drive(cb, 102, "FFFF")
    assert cb.state == "disabled" and cb.buffered_calls == 0
    cb.reset(200)
    assert cb.state == "closed" and cb.buffered_calls == 0
    assert [to for _, _, to in cb.transitions] == ["forced_open", "disabled", "closed"]


# -- hypothesis properties ------------------------------------------------------------------------
events = st.lists(st.tuples(st.sampled_from(["call", "ignore"]),
                            st.floats(0.0, 3.0), st.booleans(), st.floats(0.0, 2.0)),
                  min_size=1, max_size=200)


@settings(max_examples=150, deadline=None)
@given(events=events, window_type=st.sampled_from(["count", "time"]),
       window=st.integers(1, 12), minimum=st.integers(1, 12), permits=st.integers(1, 4),
       threshold=st.floats(1.0, 100.0), wait=st.floats(0.5, 5.0))
def test_properties_of_the_state_machine(events, window_type, window, minimum, permits,
                                         threshold, wait):
    """A rejected call never runs; half-open never admits more than its permits between
    decisions; requests in = succeeded + failed + rejected (+ ignored); states are valid."""
    cb = CircuitBreaker(window_type=window_type, window_size=window, minimum_calls=minimum,
                        half_open_calls=permits, failure_rate_threshold=threshold,
                        wait_in_open_s=wait, slow_call_duration_s=1.0)
    now = 0.0
    in_flight = 0
    counts = {"in": 0, "ok": 0, "failed": 0, "rejected": 0, "ignored": 0}
    half_open_admitted = 0
    for kind, gap, failed, duration in events:
        now += gap
        counts["in"] += 1
        before = cb.state
        permitted = cb.try_acquire(now)
        if cb.state == "half_open" and permitted:
            half_open_admitted = half_open_admitted + 1 if before == "half_open" else 1
            assert half_open_admitted <= permits
        if not permitted:
            counts["rejected"] += 1
            assert cb.state in ("open", "half_open", "forced_open")
            continue
        in_flight += 1
        if kind == "ignore":
            cb.on_ignored(now)
            counts["ignored"] += 1
            if cb.state == "half_open":
                half_open_admitted -= 1
        elif failed:
            cb.on_error(now, duration)
            counts["failed"] += 1
        else:
            cb.on_success(now, duration)
            counts["ok"] += 1
        in_flight -= 1
        assert cb.state in ("closed", "open", "half_open")
        if cb.state != "half_open":
            half_open_admitted = 0
    assert counts["in"] == counts["ok"] + counts["failed"] + counts["rejected"] + counts["ignored"]
    assert in_flight == 0
    times = [t for t, _, _ in cb.transitions]
    assert times == sorted(times)
    for (_, _, to), (_, frm, _) in zip(cb.transitions, cb.transitions[1:], strict=False):
        assert to == frm  # transitions chain


@settings(max_examples=100, deadline=None)
@given(outcomes=st.lists(st.booleans(), min_size=1, max_size=300), window=st.integers(1, 30))
def test_failure_rate_equals_the_last_n_outcomes(outcomes, window):
    cb = CircuitBreaker(window_size=window, minimum_calls=1, failure_rate_threshold=100)
    for k, failed in enumerate(outcomes):
        if cb.state != "closed":
            return
        cb.try_acquire(k)
        (cb.on_error if failed else cb.on_success)(k)
        last = outcomes[max(0, k + 1 - window):k + 1]
        if cb.state == "closed":
            assert math.isclose(cb.failure_rate, 100.0 * sum(last) / len(last))


# -- pybreaker -------------------------------------------------------------------------------------
def test_pybreaker_opens_on_consecutive_failures_only():
    cb = ConsecutiveFailureBreaker(fail_max=3, reset_timeout_s=10)
    drive(cb, 0, "FFSFF")  # the success resets the counter
    assert cb.state == "closed" and cb.fail_counter == 2
    drive(cb, 5, "F")
    assert cb.state == "open" and cb.opened_at == 5


def test_pybreaker_boundary_passes_at_exactly_the_timeout():
    cb = ConsecutiveFailureBreaker(fail_max=1, reset_timeout_s=10)
    drive(cb, 0, "F")
    assert not cb.try_acquire(9.999)
    assert cb.try_acquire(10.0)  # >= : the opposite boundary to resilience4j
    assert cb.state == "half_open"
    assert not cb.try_acquire(10.1)  # one trial at a time


def test_pybreaker_half_open_failure_reopens_and_counter_keeps_growing():
    cb = ConsecutiveFailureBreaker(fail_max=2, reset_timeout_s=10)
    drive(cb, 0, "FF")
    assert cb.fail_counter == 2
    assert cb.try_acquire(12)
    cb.on_error(12.5)
    assert cb.state == "open" and cb.opened_at == 12.5 and cb.fail_counter == 3


def test_pybreaker_success_threshold():
    cb = ConsecutiveFailureBreaker(fail_max=1, reset_timeout_s=1, success_threshold=2)
    drive(cb, 0, "F")
    assert cb.try_acquire(2)
    cb.on_success(2.1)
    assert cb.state == "half_open"
    assert cb.try_acquire(2.2)
    cb.on_ignored(2.3)  # excluded errors count as successes
    assert cb.state == "closed" and cb.fail_counter == 0


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"fail_max": 0}, "fail_max"), ({"reset_timeout_s": -1}, "reset_timeout_s"),
    ({"success_threshold": 0}, "success_threshold"),
])
def test_pybreaker_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        ConsecutiveFailureBreaker(**kwargs)
