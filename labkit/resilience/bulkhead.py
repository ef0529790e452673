"""Bulkheads: limits on how many calls one dependency may hold at once.

Two pure, clock-injected state machines with resilience4j's semantics
(resilience4j documentation, "Bulkhead": https://resilience4j.readme.io/docs/bulkhead):

- :class:`SemaphoreBulkhead` — a counting semaphore of ``max_concurrent_calls`` permits; a caller
  that finds none free waits up to ``max_wait_s`` in FIFO order (``max_wait_s=0``: rejected at
  once, ``BulkheadFullException``).
- :class:`ThreadPoolBulkhead` — a fixed thread pool with a bounded queue; admission order is
  core threads → queue → extra threads up to the maximum → reject.

Neither reads a clock: every method takes ``now``, so the same object runs inside a SimPy model
(``env.now``) or real code (``time.monotonic()``).

Tie-breaking at equal timestamps: a permit released at exactly a waiter's deadline still goes to
that waiter (completions are processed before timeouts); a waiter whose deadline has passed
(``now > deadline``) is rejected.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass

from labkit.core.validation import check_int, check_nonnegative, check_time

__all__ = ["BulkheadDecision", "SemaphoreBulkhead", "ThreadPoolBulkhead"]

PERMITTED = "permitted"
WAITING = "waiting"
REJECTED = "rejected"
RUNNING = "running"
QUEUED = "queued"


@dataclass(frozen=True)
class BulkheadDecision:
    """What a bulkhead did with one call: ``outcome`` and, if it waits, its ``deadline_s``."""

    call: Hashable
    outcome: str
    deadline_s: float | None = None


class SemaphoreBulkhead:
    """resilience4j ``SemaphoreBulkhead``: at most ``max_concurrent_calls`` calls in flight.

    Parameters
    ----------
    max_concurrent_calls : int
        Permits (resilience4j default 25), >= 1.
    max_wait_s : float
        How long a caller may wait for a permit (default 0: reject at once). Waiters are served
        first come, first served (``fairCallHandlingEnabled=true``, the default).

    Notes
    -----
    Drive it with ``acquire(now, call)`` when a call arrives, ``release(now)`` when a permitted
    call completes (it returns the waiters that now get a permit), and ``expire(now)`` at a
    waiter's deadline (it returns the waiters that gave up). Counters: ``permitted``,
    ``rejected``, ``completed``, ``in_flight``, ``waiting``; every call ever offered is in exactly
    one of ``in_flight + completed`` (permitted), ``rejected`` or ``waiting``.

    Examples
    --------
    Two permits, no wait: the third concurrent call is rejected; after one completes, a new call
    gets a permit.

    >>> b = SemaphoreBulkhead(max_concurrent_calls=2)
    >>> [b.acquire(0.0, c).outcome for c in ("a", "b", "c")]
    ['permitted', 'permitted', 'rejected']
    >>> _ = b.release(1.0)
    >>> b.acquire(1.0, "d").outcome
    'permitted'
    """

    def __init__(self, max_concurrent_calls: int = 25, max_wait_s: float = 0.0) -> None:
        self.max_concurrent_calls = check_int("max_concurrent_calls", max_concurrent_calls,
                                              minimum=1)
        self.max_wait_s = check_nonnegative("max_wait_s", max_wait_s)
        self.in_flight = 0
        self.permitted = 0
        self.rejected = 0
        self.completed = 0
        self.max_in_flight_seen = 0
        self._waiters: deque[tuple[Hashable, float]] = deque()
        self._gave_up: list[Hashable] = []
        self._last: float | None = None

    @property
    def available_permits(self) -> int:
        """Permits free right now."""
        return self.max_concurrent_calls - self.in_flight

    @property
    def waiting(self) -> int:
        """Callers waiting for a permit (including any past their deadline not yet reported by
        :meth:`expire`)."""
        return len(self._waiters) + len(self._gave_up)

    def _tick(self, now: float) -> float:
        self._last = check_time("now", now, self._last)
        return self._last

    def _grant(self) -> None:
        self.in_flight += 1
        self.permitted += 1
        self.max_in_flight_seen = max(self.max_in_flight_seen, self.in_flight)

    def acquire(self, now: float, call: Hashable = None) -> BulkheadDecision:
        """A call asks for a permit at ``now``: ``permitted``, ``waiting`` or ``rejected``.

        A fair semaphore never lets a newcomer overtake a waiter: while anyone waits, a new
        call waits too (or is rejected when ``max_wait_s`` is 0).
        """
        t = self._tick(now)
        self._drop_expired(t)
        if self.in_flight < self.max_concurrent_calls and not self._waiters:
            self._grant()
            return BulkheadDecision(call, PERMITTED)
        if self.max_wait_s == 0.0:
            self.rejected += 1
            return BulkheadDecision(call, REJECTED)
        deadline = t + self.max_wait_s
        self._waiters.append((call, deadline))
        return BulkheadDecision(call, WAITING, deadline)

    def try_acquire(self, now: float, call: Hashable = None) -> bool:
        """``True`` if the call got a permit at once (a waiting call counts as not yet)."""
        return self.acquire(now, call).outcome == PERMITTED

    def release(self, now: float) -> list[Hashable]:
        """A permitted call completed at ``now``; return the waiters that now hold a permit."""
        t = self._tick(now)
        if self.in_flight == 0:
            raise RuntimeError("release() without a call in flight")
        self.in_flight -= 1
        self.completed += 1
        self._drop_expired(t)
        granted = []
        while self._waiters and self.in_flight < self.max_concurrent_calls:
            call, _ = self._waiters.popleft()
            self._grant()
            granted.append(call)
        return granted

    def expire(self, now: float) -> list[Hashable]:
        """Reject the waiters whose deadline is ``<= now`` and return them (together with any
        waiter found past its deadline by an earlier ``acquire``/``release``).

        Call it at a waiter's deadline, *after* any release at the same instant.
        """
        t = self._tick(now)
        gone = self._gave_up + [c for c, d in self._waiters if d <= t]
        self._gave_up = []
        self._waiters = deque((c, d) for c, d in self._waiters if d > t)
        self.rejected += len(gone)
        return gone

    def _drop_expired(self, t: float) -> None:
        # Waiters past their deadline (now > deadline) have given up; count them as rejected at
        # the next expire() so every caller hears about its rejection exactly once.
        late = [c for c, d in self._waiters if d < t]
        if late:
            self._waiters = deque((c, d) for c, d in self._waiters if d >= t)
            self._gave_up.extend(late)

    def __repr__(self) -> str:
        return (f"SemaphoreBulkhead(max_concurrent_calls={self.max_concurrent_calls}, "
                f"max_wait_s={self.max_wait_s}, in_flight={self.in_flight}, "
                f"waiting={self.waiting})")


class ThreadPoolBulkhead:
    """resilience4j ``FixedThreadPoolBulkhead``: a ``ThreadPoolExecutor`` with a bounded queue.

    Parameters
    ----------
    core_threads : int
        ``coreThreadPoolSize`` (>= 1): threads kept alive.
    max_threads : int
        ``maxThreadPoolSize`` (>= core_threads).
    queue_capacity : int
        ``queueCapacity`` (default 100); 0 is a hand-off (``SynchronousQueue``): a task is
        accepted only by an idle thread or a new one.
    keep_alive_s : float
        ``keepAliveDuration`` (default 0.02 s): a thread above the core count that has been idle
        this long retires.

    Notes
    -----
    Admission (``ThreadPoolExecutor.execute``): fewer than ``core_threads`` threads → start a
    new thread for the task (even if another is idle); else offer it to the queue, where an
    idle thread takes it at once; queue full → start an extra thread up to ``max_threads``;
    else reject (``BulkheadFullException``).

    Examples
    --------
    Core 1, max 2, queue 1, tasks that block: task 1 runs on thread 1, task 2 waits in the queue,
    task 3 starts thread 2, task 4 is rejected (``ThreadPoolExecutor``'s rules, which
    resilience4j's ``FixedThreadPoolBulkhead`` uses).

    >>> pool = ThreadPoolBulkhead(core_threads=1, max_threads=2, queue_capacity=1)
    >>> [pool.submit(0.0, t).outcome for t in (1, 2, 3, 4)]
    ['running', 'queued', 'running', 'rejected']
    >>> pool.complete(1.0)   # a thread finishes and takes task 2 from the queue
    2
    """

    def __init__(self, core_threads: int = 1, max_threads: int = 1, queue_capacity: int = 100,
                 keep_alive_s: float = 0.02) -> None:
        self.core_threads = check_int("core_threads", core_threads, minimum=1)
        self.max_threads = check_int("max_threads", max_threads, minimum=self.core_threads)
        self.queue_capacity = check_int("queue_capacity", queue_capacity, minimum=0)
        self.keep_alive_s = check_nonnegative("keep_alive_s", keep_alive_s)
        self.busy = 0
        self.submitted = 0
        self.rejected = 0
        self.completed = 0
        self.max_threads_seen = 0
        self._idle_since: list[float] = []  # one entry per idle thread
        self._queue: deque[Hashable] = deque()
        self._last: float | None = None

    @property
    def threads(self) -> int:
        """Threads alive (busy + idle)."""
        return self.busy + len(self._idle_since)

    @property
    def idle(self) -> int:
        return len(self._idle_since)

    @property
    def queued(self) -> int:
        return len(self._queue)

    def _tick(self, now: float) -> float:
        self._last = check_time("now", now, self._last)
        self._retire_idle(self._last)
        return self._last

    def _retire_idle(self, t: float) -> None:
        # Threads above the core count time out after keep_alive_s idle (oldest idle first).
        self._idle_since.sort()
        while self.threads > self.core_threads and self._idle_since \
                and t - self._idle_since[0] >= self.keep_alive_s:
            self._idle_since.pop(0)

    def _start(self) -> None:
        self.busy += 1
        self.max_threads_seen = max(self.max_threads_seen, self.threads)

    def submit(self, now: float, task: Hashable = None) -> BulkheadDecision:
        """Offer ``task`` at ``now``: ``running``, ``queued`` or ``rejected``."""
        self._tick(now)
        self.submitted += 1
        if self.threads < self.core_threads:
            self._start()
            return BulkheadDecision(task, RUNNING)
        if self._idle_since:
            # Offered to the queue and taken at once by an idle worker (also a hand-off
            # to a waiting thread when the capacity is 0).
            self._idle_since.pop()
            self.busy += 1
            return BulkheadDecision(task, RUNNING)
        if len(self._queue) < self.queue_capacity:
            self._queue.append(task)
            return BulkheadDecision(task, QUEUED)
        if self.threads < self.max_threads:
            self._start()
            return BulkheadDecision(task, RUNNING)
        self.rejected += 1
        return BulkheadDecision(task, REJECTED)

    def complete(self, now: float) -> Hashable | None:
        """A running task finished at ``now``; return the queued task its thread takes, if any."""
        t = self._tick(now)
        if self.busy == 0:
            raise RuntimeError("complete() without a running task")
        self.completed += 1
        if self._queue:
            return self._queue.popleft()
        self.busy -= 1
        self._idle_since.append(t)
        return None

    def __repr__(self) -> str:
        return (f"ThreadPoolBulkhead(core_threads={self.core_threads}, "
                f"max_threads={self.max_threads}, queue_capacity={self.queue_capacity}, "
                f"busy={self.busy}, idle={self.idle}, queued={self.queued})")
