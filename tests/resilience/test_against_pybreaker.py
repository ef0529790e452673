"""ConsecutiveFailureBreaker against pybreaker itself, driven by the same call script.

pybreaker (https://github.com/danielfm/pybreaker) reads the wall clock (``datetime.now``); the
test replaces that clock with a scripted one, so both breakers see the same call times. For every
call the two must agree on whether the call ran and on the state afterwards. Calls are sequential
(pybreaker serialises calls with a lock), times are multiples of 0.25 s so the reset-timeout
boundary is hit exactly (pybreaker lets a call through when ``now >= opened_at + timeout``).
"""

from datetime import UTC, datetime, timedelta

import pybreaker
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.resilience import ConsecutiveFailureBreaker

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
STATE = {"closed": "closed", "open": "open", "half-open": "half_open"}


class Failure(Exception):
    """A failure pybreaker counts."""


class Excluded(Exception):
    """An error pybreaker is told to exclude (counted as a success; the lab's on_ignored)."""


def run_both(script, *, fail_max, reset_timeout_s, success_threshold, monkeypatch):
    clock = {"t": 0.0}

    class ScriptedDatetime(datetime):
        @classmethod
        def now(cls, tz=None):  # pybreaker calls datetime.now(UTC)
            return EPOCH + timedelta(seconds=clock["t"])

    monkeypatch.setattr(pybreaker, "datetime", ScriptedDatetime)
    theirs = pybreaker.CircuitBreaker(fail_max=fail_max, reset_timeout=reset_timeout_s,
                                      success_threshold=success_threshold, exclude=[Excluded])
    ours = ConsecutiveFailureBreaker(fail_max=fail_max, reset_timeout_s=reset_timeout_s,
                                     success_threshold=success_threshold)
    trace = []
    now = 0.0
    for gap, outcome in script:
        now += gap
        clock["t"] = now
        ran = []

        def operation(outcome=outcome, ran=ran):
            ran.append(True)
            if outcome == "error":
                raise Failure()
            if outcome == "ignored":
                raise Excluded()
            return "ok"

        try:
            theirs.call(operation)
        except (Failure, Excluded, pybreaker.CircuitBreakerError):
            pass
        their_step = (bool(ran), STATE[theirs.current_state])

        if ours.try_acquire(now):
            {"ok": ours.on_success, "error": ours.on_error,
             "ignored": lambda t: ours.on_ignored(t)}[outcome](now)
            our_step = (True, ours.state)
        else:
            our_step = (False, ours.state)
        trace.append((now, outcome, their_step, our_step))
    return trace


calls = st.lists(st.tuples(st.sampled_from([0.0, 0.25, 0.5, 1.0, 2.0, 3.0]),
                           st.sampled_from(["ok", "error", "error", "ignored"])),
                 min_size=1, max_size=60)


@settings(max_examples=300, deadline=None)
@given(script=calls, fail_max=st.integers(1, 5), reset_timeout_s=st.sampled_from([0.5, 1.0, 2.0]),
       success_threshold=st.integers(1, 3))
def test_same_decisions_and_states_as_pybreaker(script, fail_max, reset_timeout_s,
                                                success_threshold):
    with pytest.MonkeyPatch.context() as monkeypatch:
        trace = run_both(script, fail_max=fail_max, reset_timeout_s=reset_timeout_s,
                         success_threshold=success_threshold, monkeypatch=monkeypatch)
    for now, outcome, theirs, ours in trace:
        assert ours == theirs, f"at t={now} ({outcome}): pybreaker {theirs}, lab {ours}"


def test_script_that_opens_waits_and_recovers(monkeypatch):
    """A hand-written script that visits every state, so the comparison is not vacuous."""
    script = [(0.0, "error"), (0.25, "error"),  # trips at fail_max=2, opened at t=0.25
              (0.25, "ok"),                    # t=0.5: rejected while open
              (1.0, "error"),                  # t=1.5: trial (timeout over at 1.25) fails
              (1.0, "ok"), (0.25, "ok")]       # t=2.5 = 1.5 + 1.0 exactly: trial passes
    trace = run_both(script, fail_max=2, reset_timeout_s=1.0, success_threshold=1,
                     monkeypatch=monkeypatch)
    states = [theirs for _, _, theirs, _ in trace]
    assert states == [(True, "closed"), (True, "open"), (False, "open"), (True, "open"),
                      (True, "closed"), (True, "closed")]
    assert [ours for *_, ours in trace] == states
