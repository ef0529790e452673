"""Circuit breakers as pure, clock-injected state machines.

- :class:`CircuitBreaker` follows resilience4j's CircuitBreaker: failure-rate and slow-call-rate
  thresholds (``>=``) over a count- or time-based sliding window, a minimum number of calls, a
  fixed wait in OPEN that must be *strictly* exceeded, permitted calls in HALF_OPEN decided by
  their rate, ignored errors that return their permit, and FORCED_OPEN / DISABLED states.
- :class:`ConsecutiveFailureBreaker` follows pybreaker: it opens after ``fail_max`` consecutive
  failures, lets one trial through once ``reset_timeout_s`` has passed (at exactly the boundary),
  and closes after ``success_threshold`` trial successes.

Both take the time (``now``, in seconds) as an argument to every method, so the same object runs
in a SimPy model (``env.now``) and in real code (``time.monotonic()``). Time must not go backwards.
States are ``"closed"``, ``"open"``, ``"half_open"``, ``"forced_open"`` and ``"disabled"``;
``.transitions`` lists ``(time, from_state, to_state)``.
"""

from __future__ import annotations

import math
from collections import deque

from labkit.core.validation import (
    check_choice,
    check_int,
    check_nonnegative,
    check_percent,
    check_positive,
    check_time,
)

__all__ = ["CircuitBreaker", "ConsecutiveFailureBreaker", "STATES"]

STATES = ("closed", "open", "half_open", "forced_open", "disabled")


class _Window:
    """Outcomes of recorded calls: the last N calls, or the calls of the last N seconds."""

    def __init__(self, kind: str, size: int, minimum: int) -> None:
        self.kind = kind
        self.size = size
        # resilience4j clamps the minimum to the size for count windows only.
        self.minimum = min(minimum, size) if kind == "count" else minimum
        self.calls = 0
        self.failed = 0
        self.slow = 0
        self._ring: deque[tuple[bool, bool]] = deque()
        self._buckets: deque[list[int]] = deque()  # [epoch_second, calls, failed, slow]

    def _evict_old_buckets(self, now: float) -> None:
        current = math.floor(now)
        while self._buckets and self._buckets[0][0] <= current - self.size:
            _, c, f, s = self._buckets.popleft()
            self.calls -= c
            self.failed -= f
            self.slow -= s

    def record(self, now: float, failed: bool, slow: bool) -> None:
        if self.kind == "count":
            if len(self._ring) == self.size:
                old_failed, old_slow = self._ring.popleft()
                self.calls -= 1
                self.failed -= old_failed
                self.slow -= old_slow
            self._ring.append((failed, slow))
        else:
            self._evict_old_buckets(now)
            second = math.floor(now)
            if not self._buckets or self._buckets[-1][0] != second:
                self._buckets.append([second, 0, 0, 0])
            bucket = self._buckets[-1]
            bucket[1] += 1
            bucket[2] += failed
            bucket[3] += slow
        self.calls += 1
        self.failed += failed
        self.slow += slow

    def rates(self, now: float) -> tuple[float, float]:
        """(failure rate %, slow-call rate %), both -1 below the minimum number of calls."""
        if self.kind == "time":
            self._evict_old_buckets(now)
        if self.calls == 0 or self.calls < self.minimum:
            return -1.0, -1.0
        return 100.0 * self.failed / self.calls, 100.0 * self.slow / self.calls


class _StateMachine:
    """What both breakers share: the state, its transition log, the clock check and the manual
    controls (forced open, disabled)."""

    def __init__(self) -> None:
        self.state = "closed"
        self.transitions: list[tuple[float, str, str]] = []
        self.not_permitted_calls = 0
        self._last_now: float | None = None

    def _tick(self, now: object) -> float:
        t = check_time("now", now, self._last_now)
        self._last_now = t
        return t

    def _move(self, now: float, to: str) -> None:
        if to != self.state:
            self.transitions.append((now, self.state, to))
            self.state = to

    def force_open(self, now: float) -> None:
        """Reject every call until :meth:`reset`."""
        self._move(self._tick(now), "forced_open")

    def disable(self, now: float) -> None:
        """Permit every call and record nothing until :meth:`reset`."""
        self._move(self._tick(now), "disabled")


class CircuitBreaker(_StateMachine):
    """resilience4j's CircuitBreaker, driven by an injected clock.

    Parameters
    ----------
    failure_rate_threshold : float
        Percentage in (0, 100]; open when failed / recorded * 100 >= it.
    slow_call_rate_threshold : float
        Percentage in (0, 100]; open when slow / recorded * 100 >= it.
    slow_call_duration_s : float
        A call is slow when its duration is strictly greater than this (> 0).
    window_type : {"count", "time"}
        Last ``window_size`` calls, or calls in the last ``window_size`` one-second buckets.
    window_size : int
        Calls or seconds (>= 1).
    minimum_calls : int
        Rates are not computed until the window holds this many calls (>= 1); clamped to the
        window size for count windows, as resilience4j does.
    half_open_calls : int
        Trial permits in HALF_OPEN (>= 1).
    wait_in_open_s : float
        Time in OPEN (>= 0.001 s); a permission request passes only when ``now`` is strictly later
        than ``opened_at + wait_in_open_s``.
    automatic_transition : bool
        If True, OPEN becomes HALF_OPEN at the end of the wait even without traffic (the
        transition is stamped at that instant when the breaker is next consulted).

    Examples
    --------
    >>> cb = CircuitBreaker(window_size=4, minimum_calls=4, wait_in_open_s=10)
    >>> for t in (1, 2, 3, 4):
    ...     cb.try_acquire(t)
    ...     cb.on_error(t)
    True
    True
    True
    True
    >>> cb.state, cb.try_acquire(14), cb.try_acquire(14.001), cb.state
    ('open', False, True, 'half_open')
    """

    def __init__(self, *, failure_rate_threshold: float = 50.0,
                 slow_call_rate_threshold: float = 100.0, slow_call_duration_s: float = 60.0,
                 window_type: str = "count", window_size: int = 100, minimum_calls: int = 100,
                 half_open_calls: int = 10, wait_in_open_s: float = 60.0,
                 automatic_transition: bool = False) -> None:
        self.failure_rate_threshold = check_percent("failure_rate_threshold",
                                                    failure_rate_threshold)
        self.slow_call_rate_threshold = check_percent("slow_call_rate_threshold",
                                                      slow_call_rate_threshold)
        self.slow_call_duration_s = check_positive("slow_call_duration_s", slow_call_duration_s)
        self.window_type = check_choice("window_type", window_type, ("count", "time"))
        self.window_size = check_int("window_size", window_size, minimum=1)
        self.minimum_calls = check_int("minimum_calls", minimum_calls, minimum=1)
        self.half_open_calls = check_int("half_open_calls", half_open_calls, minimum=1)
        wait = check_positive("wait_in_open_s", wait_in_open_s)
        if wait < 0.001:
            raise ValueError(f"wait_in_open_s must be at least 0.001 s (1 ms), got {wait!r}")
        self.wait_in_open_s = wait
        if not isinstance(automatic_transition, bool):
            raise TypeError("automatic_transition must be True or False")
        self.automatic_transition = automatic_transition
        super().__init__()
        self.opened_at: float | None = None
        self._window = self._closed_window()
        self._permits = 0

    # -- helpers -------------------------------------------------------------------------------
    def _closed_window(self) -> _Window:
        return _Window(self.window_type, self.window_size, self.minimum_calls)

    def _tick(self, now: object) -> float:
        t = super()._tick(now)
        if (self.automatic_transition and self.state == "open" and self.opened_at is not None
                and t >= self.opened_at + self.wait_in_open_s):
            self._to_half_open(self.opened_at + self.wait_in_open_s)
        return t

    def _to_half_open(self, now: float) -> None:
        self._move(now, "half_open")
        self._permits = self.half_open_calls
        self._window = _Window("count", self.half_open_calls,
                               min(self.minimum_calls, self.half_open_calls))

    def _to_open(self, now: float) -> None:
        self._move(now, "open")
        self.opened_at = now

    def _to_closed(self, now: float) -> None:
        self._move(now, "closed")
        self.opened_at = None
        self._window = self._closed_window()

    # -- metrics -------------------------------------------------------------------------------
    @property
    def failure_rate(self) -> float:
        """Failure rate (%) over the current window, -1 below the minimum number of calls."""
        return self._window.rates(self._last_now or 0.0)[0]

    @property
    def slow_call_rate(self) -> float:
        """Slow-call rate (%) over the current window, -1 below the minimum number of calls."""
        return self._window.rates(self._last_now or 0.0)[1]

    @property
    def buffered_calls(self) -> int:
        """Recorded calls in the current window."""
        return self._window.calls

    @property
    def failed_calls(self) -> int:
        return self._window.failed

    @property
    def slow_calls(self) -> int:
        return self._window.slow

    # -- the protocol ----------------------------------------------------------------------------
    def try_acquire(self, now: float) -> bool:
        """Ask permission for a call at ``now``; False means the call must not run."""
        t = self._tick(now)
        if self.state in ("closed", "disabled"):
            return True
        if self.state == "open":
            assert self.opened_at is not None
            if t > self.opened_at + self.wait_in_open_s:
                self._to_half_open(t)
            else:
                self.not_permitted_calls += 1
                return False
        if self.state == "half_open":
            if self._permits > 0:
                self._permits -= 1
                return True
        self.not_permitted_calls += 1
        return False

    def _record(self, now: object, duration_s: object, failed: bool) -> None:
        t = self._tick(now)
        d = check_nonnegative("duration_s", duration_s)
        if self.state in ("disabled", "forced_open"):
            return
        self._window.record(t, failed, d > self.slow_call_duration_s)
        if self.state == "open":
            return  # late outcomes of calls started while closed: counted, cannot change state
        failure_rate, slow_rate = self._window.rates(t)
        if failure_rate < 0:
            return
        tripped = (failure_rate >= self.failure_rate_threshold
                   or slow_rate >= self.slow_call_rate_threshold)
        if tripped:
            self._to_open(t)
        elif self.state == "half_open":
            self._to_closed(t)

    def on_success(self, now: float, duration_s: float = 0.0) -> None:
        """Record a successful call that finished at ``now`` after ``duration_s`` seconds."""
        self._record(now, duration_s, failed=False)

    def on_error(self, now: float, duration_s: float = 0.0) -> None:
        """Record a failed call that finished at ``now`` after ``duration_s`` seconds."""
        self._record(now, duration_s, failed=True)

    def on_ignored(self, now: float) -> None:
        """An ignored error: recorded as nothing; in HALF_OPEN its permit is returned."""
        self._tick(now)
        if self.state == "half_open":
            self._permits = min(self._permits + 1, self.half_open_calls)

    def reset(self, now: float) -> None:
        """Back to CLOSED with an empty window."""
        t = self._tick(now)
        self._to_closed(t)
        self.not_permitted_calls = 0


class ConsecutiveFailureBreaker(_StateMachine):
    """pybreaker's CircuitBreaker, driven by an injected clock.

    Opens when ``fail_max`` consecutive failures have been recorded. While open, calls are
    rejected until ``now >= opened_at + reset_timeout_s`` (at exactly the boundary the call
    passes, the opposite of resilience4j); that call is the half-open trial. pybreaker serialises
    every call with one lock; here only the half-open trial is exclusive (one trial in flight at a
    time), so closed-state calls run concurrently. A trial failure re-opens at once; the breaker
    closes after ``success_threshold`` trial successes. ``on_ignored`` counts as a success, like
    pybreaker's excluded exceptions.

    Examples
    --------
    >>> cb = ConsecutiveFailureBreaker(fail_max=2, reset_timeout_s=30)
    >>> cb.try_acquire(0); cb.on_error(0.1); cb.try_acquire(1); cb.on_error(1.1)
    True
    True
    >>> cb.state, cb.try_acquire(31.0), cb.try_acquire(31.1), cb.state   # opened at 1.1
    ('open', False, True, 'half_open')
    """

    def __init__(self, *, fail_max: int = 5, reset_timeout_s: float = 60.0,
                 success_threshold: int = 1) -> None:
        self.fail_max = check_int("fail_max", fail_max, minimum=1)
        self.reset_timeout_s = check_nonnegative("reset_timeout_s", reset_timeout_s)
        self.success_threshold = check_int("success_threshold", success_threshold, minimum=1)
        super().__init__()
        self.fail_counter = 0
        self.success_counter = 0
        self.opened_at: float | None = None
        self._trial_in_flight = False

    def _open(self, now: float) -> None:
        self._move(now, "open")
        self.opened_at = now
        self.success_counter = 0
        self._trial_in_flight = False

    def try_acquire(self, now: float) -> bool:
        """Ask permission for a call at ``now``; False means the call is rejected."""
        t = self._tick(now)
        if self.state in ("closed", "disabled"):
            return True
        if self.state == "open":
            assert self.opened_at is not None
            if t >= self.opened_at + self.reset_timeout_s:
                self._move(t, "half_open")
                self.success_counter = 0
                self._trial_in_flight = True
                return True
            self.not_permitted_calls += 1
            return False
        if self.state == "half_open" and not self._trial_in_flight:
            self._trial_in_flight = True
            return True
        self.not_permitted_calls += 1
        return False

    def on_success(self, now: float, duration_s: float = 0.0) -> None:
        """Record a success (``duration_s`` only for symmetry: pybreaker has no slow calls)."""
        t = self._tick(now)
        check_nonnegative("duration_s", duration_s)
        if self.state == "closed":
            self.fail_counter = 0
        elif self.state == "half_open":
            self._trial_in_flight = False
            self.fail_counter = 0
            self.success_counter += 1
            if self.success_counter >= self.success_threshold:
                self._move(t, "closed")
                self.success_counter = 0
                self.opened_at = None

    def on_error(self, now: float, duration_s: float = 0.0) -> None:
        """Record a failure; in CLOSED it may trip, in HALF_OPEN it re-opens at once."""
        t = self._tick(now)
        check_nonnegative("duration_s", duration_s)
        if self.state == "closed":
            self.fail_counter += 1
            if self.fail_counter >= self.fail_max:
                self._open(t)
        elif self.state == "half_open":
            self.fail_counter += 1
            self._open(t)

    def on_ignored(self, now: float) -> None:
        """An excluded error: pybreaker counts it as a success."""
        self.on_success(now)

    def reset(self, now: float) -> None:
        t = self._tick(now)
        self._move(t, "closed")
        self.fail_counter = 0
        self.success_counter = 0
        self.opened_at = None
        self._trial_in_flight = False
        self.not_permitted_calls = 0
