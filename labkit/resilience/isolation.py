"""Scenarios for bulkheads: noisy neighbours, priority queues, Lambda reserved concurrency.

Each model follows the lab's runner convention (:mod:`labkit.core.runner`): a frozen
configuration, ``simulate_<model>(config)`` returning a result with ``.records`` (one row per
request) and ``.summary()``, built from the pure logic in :mod:`labkit.resilience.bulkhead` and
:mod:`labkit.resilience.concurrency`.

- :class:`NoisyNeighbourConfig` / :func:`simulate_noisy_neighbour`: two tenants, A and B, call
  through either one shared :class:`~labkit.resilience.bulkhead.SemaphoreBulkhead` or one
  bulkhead each (partitioned).
- :class:`PriorityQueuesConfig` / :func:`simulate_priority_queues`: high- and low-priority
  messages through one SQS-style queue, one SQS fair queue (a message group per priority) or
  one queue per priority with its own consumers.
- :class:`LambdaConcurrencyConfig` / :func:`simulate_lambda_concurrency`: functions invoked
  synchronously against an account's concurrency, with reservations; throttles are 429s.
- :func:`pool_summary`: success rate and latency percentiles per tenant.

The former entry points ``run_noisy_neighbour``, ``run_priority_queues`` and
``run_lambda_concurrency`` (keyword arguments, a bare DataFrame back) remain for one release;
they warn ``DeprecationWarning``. The noisy-neighbour run uses a small heap-based event loop
(fast enough for explorers); the queue and Lambda scenarios use SimPy.
"""

from __future__ import annotations

import heapq
import warnings
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import simpy

from labkit.core.rng import spawn_rngs
from labkit.core.runner import Config, Result
from labkit.core.service import feed_arrivals
from labkit.core.validation import (
    check_choice,
    check_expected_work,
    check_int,
    check_nonnegative,
    check_positive,
)
from labkit.core.workloads import Distribution, LogNormal, piecewise_poisson_arrivals
from labkit.resilience.bulkhead import SemaphoreBulkhead
from labkit.resilience.concurrency import LambdaConcurrency

__all__ = [
    "LambdaConcurrencyConfig",
    "LambdaConcurrencyResult",
    "LambdaFunction",
    "NoisyNeighbourConfig",
    "NoisyNeighbourResult",
    "PriorityQueuesConfig",
    "PriorityQueuesResult",
    "pool_summary",
    "run_lambda_concurrency",
    "run_noisy_neighbour",
    "run_priority_queues",
    "simulate_lambda_concurrency",
    "simulate_noisy_neighbour",
    "simulate_priority_queues",
]

POOL_DESIGNS = ("shared", "partitioned")
QUEUE_DESIGNS = ("single", "fair", "separate")
#: Longest simulated horizon of these scenarios (bounds the work of one run).
MAX_HORIZON_S = 3_600.0
#: Most requests (messages, invocations) one run may expect at its peak rates.
MAX_EXPECTED_REQUESTS = 500_000
#: Most permits, consumers or concurrent executions one run may model.
MAX_CAPACITY = 10_000


def _check_horizon(horizon_s: float) -> float:
    horizon = check_positive("horizon_s", horizon_s)
    if horizon > MAX_HORIZON_S:
        raise ValueError(f"horizon_s must be <= {MAX_HORIZON_S:g} s on this lab, got {horizon!r}")
    return horizon


def _check_distribution(name: str, value: object) -> None:
    if value is not None and not hasattr(value, "sample"):
        raise TypeError(f"{name} must be a distribution such as LogNormal(0.1, 0.3), got "
                        f"{value!r}")


def _check_window(name: str, window: object, horizon: float, *, allow_zero: bool) -> None:
    if window is None:
        return
    try:
        start, end = (float(v) for v in window)  # type: ignore[union-attr]
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a (start_s, end_s) pair, got {window!r}") from exc
    low_ok = start >= 0 if allow_zero else start > 0
    if not (low_ok and end > start):
        bound = "0 <= start < end" if allow_zero else "0 < start < end"
        raise ValueError(f"{name} must be (start, end) with {bound}, got {window!r}")


def step_segments(rate: float, factor: float, window: tuple[float, float],
                  horizon_s: float) -> list[tuple[float, float]]:
    """Piecewise Poisson segments: ``rate``, times ``factor`` inside ``window``.

    >>> step_segments(10.0, 5.0, (2.0, 4.0), 10.0)
    [(0.0, 10.0), (2.0, 50.0), (4.0, 10.0)]
    >>> step_segments(10.0, 5.0, (0.0, 10.0), 10.0)
    [(0.0, 50.0)]
    """
    start, end = float(window[0]), float(window[1])
    segments = [(0.0, rate * factor)] if start == 0.0 else [(0.0, rate), (start, rate * factor)]
    if end < horizon_s:
        segments.append((end, rate))
    return segments


# -- noisy neighbour --------------------------------------------------------------------------
@dataclass(frozen=True)
class NoisyNeighbourConfig(Config):
    """Two tenants share a dependency's concurrency; B's load is multiplied by ``overload_b``.

    ``design``: ``"shared"`` (one bulkhead of ``permits`` for both) or ``"partitioned"`` (A gets
    ``permits_a``, default half, and B the rest, each its own bulkhead). ``arrival_rate_a`` and
    ``arrival_rate_b`` are the tenants' normal request rates (per second); B's is multiplied by
    ``overload_b`` during ``overload_window`` (default: the whole run). A call waits at most
    ``max_wait_s`` for a permit, then is rejected; it holds its permit for ``service_time``
    (default ``LogNormal(0.1, 0.3)``: median 100 ms). Arrivals on ``[0, horizon_s)``. A's and
    B's arrivals and service times come from separate streams, so A sees the same arrivals in
    both designs.

    >>> NoisyNeighbourConfig(design="partitioned", permits_a=5).permits_b
    15
    >>> NoisyNeighbourConfig(permits=20, permits_a=20)
    Traceback (most recent call last):
    ...
    ValueError: permits_a must be an integer in [1, 19], got 20
    """

    design: str = "shared"
    arrival_rate_a: float = 40.0
    arrival_rate_b: float = 80.0
    overload_b: float = 5.0
    permits: int = 20
    permits_a: int | None = None
    max_wait_s: float = 0.05
    service_time: Distribution | None = None
    horizon_s: float = 20.0
    overload_window: tuple[float, float] | None = None
    seed: int = 0

    def validate(self) -> None:
        check_choice("design", self.design, POOL_DESIGNS)
        check_nonnegative("arrival_rate_a", self.arrival_rate_a)
        check_nonnegative("arrival_rate_b", self.arrival_rate_b)
        check_nonnegative("overload_b", self.overload_b)
        total = check_int("permits", self.permits, minimum=2, maximum=MAX_CAPACITY)
        if self.permits_a is not None:
            check_int("permits_a", self.permits_a, minimum=1, maximum=total - 1)
        check_nonnegative("max_wait_s", self.max_wait_s)
        _check_distribution("service_time", self.service_time)
        horizon = _check_horizon(self.horizon_s)
        _check_window("overload_window", self.overload_window, horizon, allow_zero=True)
        check_expected_work(self.arrival_rate_a + self.arrival_rate_b * max(1.0, self.overload_b),
                            horizon, MAX_EXPECTED_REQUESTS,
                            rate_name="the peak arrival rate (A + B x overload_b)")
        check_int("seed", self.seed, minimum=0)

    @property
    def permits_for_a(self) -> int:
        """A's permits in the partitioned design (half unless ``permits_a`` is set)."""
        return self.permits // 2 if self.permits_a is None else self.permits_a

    @property
    def permits_b(self) -> int:
        """B's permits in the partitioned design."""
        return self.permits - self.permits_for_a

    @property
    def window(self) -> tuple[float, float]:
        """The overload window (the whole run when none is set)."""
        if self.overload_window is None:
            return (0.0, float(self.horizon_s))
        return (float(self.overload_window[0]), float(self.overload_window[1]))


@dataclass(frozen=True)
class NoisyNeighbourResult(Result):
    """One noisy-neighbour run. ``records``: one row per request with ``request_id``,
    ``tenant``, ``arrival_s``, ``start_s`` (NaN if rejected), ``end_s``, ``wait_s``,
    ``latency_s``, ``ok``, ``outcome`` (``"ok"``/``"rejected"``)."""

    config: NoisyNeighbourConfig
    records: pd.DataFrame

    def during_overload(self) -> pd.DataFrame:
        """The records of requests that arrived inside the overload window."""
        return self.records[self.records.arrival_s.between(*self.config.window)]

    def summary(self) -> dict[str, float]:
        """Per tenant (``a_``/``b_``), over requests arriving during the overload window:
        ``requests``, ``success_rate``, ``p50_s``, ``p99_s``, ``p99_ok_s`` (see
        :func:`pool_summary`)."""
        table = pool_summary(self.during_overload()).set_index("tenant")
        out: dict[str, float] = {}
        for tenant in ("A", "B"):
            for column in ("requests", "success_rate", "p50_s", "p99_s", "p99_ok_s"):
                value = table.loc[tenant, column] if tenant in table.index else float("nan")
                out[f"{tenant.lower()}_{column}"] = (int(value) if column == "requests"
                                                     else float(value))
        return out


def draw_tenant_requests(config: NoisyNeighbourConfig) -> tuple[np.ndarray, np.ndarray,
                                                                 np.ndarray]:
    """Arrival times, tenants and service times of both tenants, merged in arrival order."""
    c = config
    svc = c.service_time if c.service_time is not None else LogNormal(0.1, 0.3)
    arr_a_rng, arr_b_rng, svc_a_rng, svc_b_rng = spawn_rngs(c.seed, 4)
    arr_a = piecewise_poisson_arrivals([(0.0, c.arrival_rate_a)], c.horizon_s, arr_a_rng)
    arr_b = piecewise_poisson_arrivals(step_segments(c.arrival_rate_b, c.overload_b, c.window,
                                                     c.horizon_s), c.horizon_s, arr_b_rng)
    tenants = np.array(["A"] * len(arr_a) + ["B"] * len(arr_b))
    arrival = np.concatenate([arr_a, arr_b])
    service = np.concatenate([svc.sample(svc_a_rng, len(arr_a)),
                              svc.sample(svc_b_rng, len(arr_b))])
    order = np.argsort(arrival, kind="stable")
    return arrival[order], tenants[order], service[order]


def make_pools(config: NoisyNeighbourConfig) -> dict[str, SemaphoreBulkhead]:
    """Each tenant's bulkhead: the same object for both when shared."""
    if config.design == "shared":
        shared = SemaphoreBulkhead(config.permits, config.max_wait_s)
        return {"A": shared, "B": shared}
    return {"A": SemaphoreBulkhead(config.permits_for_a, config.max_wait_s),
            "B": SemaphoreBulkhead(config.permits_b, config.max_wait_s)}


def simulate_noisy_neighbour(config: NoisyNeighbourConfig) -> NoisyNeighbourResult:
    """Run the noisy-neighbour scenario described by ``config``.

    Examples
    --------
    >>> result = simulate_noisy_neighbour(NoisyNeighbourConfig("partitioned", horizon_s=2.0,
    ...                                                        seed=1))
    >>> sorted(result.records.tenant.unique().tolist())
    ['A', 'B']
    >>> result.summary()["a_success_rate"]
    1.0
    """
    if not isinstance(config, NoisyNeighbourConfig):
        raise TypeError(f"config must be a NoisyNeighbourConfig, got {type(config).__name__}")
    arrival, tenants, service = draw_tenant_requests(config)
    return NoisyNeighbourResult(config, serve_through_bulkheads(arrival, tenants, service,
                                                               make_pools(config)))


def run_noisy_neighbour(design: str = "shared", *, rate_a: float = 40.0, rate_b: float = 80.0,
                        **params: Any) -> pd.DataFrame:
    """Deprecated: ``simulate_noisy_neighbour(NoisyNeighbourConfig(...)).records``.

    Kept for one release with its former keywords (``rate_a``, ``rate_b``, ...).
    """
    warnings.warn("run_noisy_neighbour is deprecated since labkit 0.2; use "
                  "simulate_noisy_neighbour(NoisyNeighbourConfig(...)).records",
                  DeprecationWarning, stacklevel=2)
    config = NoisyNeighbourConfig(design=design, arrival_rate_a=rate_a, arrival_rate_b=rate_b,
                                  **params)
    return simulate_noisy_neighbour(config).records


def serve_through_bulkheads(arrival: np.ndarray, tenants: np.ndarray, service: np.ndarray,
                           pools: dict[str, SemaphoreBulkhead]) -> pd.DataFrame:
    """Discrete-event run: each request asks its tenant's bulkhead, waits or is rejected.

    A small event loop (a heap) rather than SimPy, so explorers can re-run it quickly. At equal
    times, completions come first, then waiters' deadlines, then new arrivals.
    """
    n = len(arrival)
    start = np.full(n, np.nan)
    end = np.full(n, np.nan)
    completion, deadline = 0, 1
    heap: list[tuple[float, int, int, int]] = []
    seq = 0

    def begin(i: int, now: float) -> None:
        nonlocal seq
        start[i] = now
        heapq.heappush(heap, (now + float(service[i]), completion, seq, i))
        seq += 1

    next_arrival = 0
    while next_arrival < n or heap:
        if heap and (next_arrival >= n or heap[0][0] <= arrival[next_arrival]):
            now, kind, _, i = heapq.heappop(heap)
            pool = pools[tenants[i]]
            if kind == completion:
                end[i] = now
                for j in pool.release(now):
                    begin(j, now)
            else:
                for j in pool.expire(now):
                    end[j] = now
            continue
        i = next_arrival
        next_arrival += 1
        now = float(arrival[i])
        decision = pools[tenants[i]].acquire(now, i)
        if decision.outcome == "permitted":
            begin(i, now)
        elif decision.outcome == "rejected":
            end[i] = now
        else:
            heapq.heappush(heap, (decision.deadline_s, deadline, seq, i))
            seq += 1
    ok = ~np.isnan(start)
    latency = end - arrival
    return pd.DataFrame({
        "request_id": np.arange(n),
        "tenant": tenants,
        "arrival_s": arrival,
        "start_s": start,
        "end_s": end,
        "wait_s": np.where(ok, start - arrival, latency),
        "latency_s": latency,
        "ok": ok,
        "outcome": np.where(ok, "ok", "rejected"),
    })


def pool_summary(frame: pd.DataFrame, *, by: str = "tenant") -> pd.DataFrame:
    """Per group: ``requests``, ``success_rate``, ``p50_s``, ``p99_s`` (latency of all requests,
    what the caller waited, rejected or not) and ``p99_ok_s`` (successful requests only).

    >>> df = pd.DataFrame({"tenant": ["A", "A"], "latency_s": [0.1, 0.3], "ok": [True, False]})
    >>> pool_summary(df).round(3).to_dict("records")[0]["success_rate"]
    0.5
    """
    for col in (by, "latency_s", "ok"):
        if col not in frame.columns:
            raise ValueError(f"frame lacks column {col!r}; it has {list(frame.columns)}")
    rows = []
    for key, g in frame.groupby(by, sort=True):
        lat = g["latency_s"].to_numpy(dtype=float)
        ok_lat = g.loc[g["ok"], "latency_s"].to_numpy(dtype=float)
        rows.append({
            by: key,
            "requests": int(len(g)),
            "success_rate": float(g["ok"].mean()),
            "p50_s": float(np.percentile(lat, 50)),
            "p99_s": float(np.percentile(lat, 99)),
            "p99_ok_s": float(np.percentile(ok_lat, 99)) if len(ok_lat) else float("nan"),
        })
    return pd.DataFrame(rows)


# -- priority queues --------------------------------------------------------------------------
@dataclass(frozen=True)
class PriorityQueuesConfig(Config):
    """High- and low-priority messages: one SQS-style queue, a fair queue, or a queue per priority.

    ``design``: ``"single"`` (every message in one FIFO-ish queue read by ``consumers``
    workers), ``"fair"`` (the same queue as an SQS fair queue, each message's priority its
    message group; see :func:`consume_fair_queue`) or ``"separate"`` (a high-priority queue
    read by ``high_consumers`` dedicated workers and a low-priority queue read by the rest).
    Low-priority traffic (``arrival_rate_low`` per second) is multiplied by ``flood_factor`` during
    ``flood_window``; high-priority traffic arrives at ``arrival_rate_high``. Each message takes
    ``service_time`` (default ``LogNormal(0.15, 0.3)``).

    >>> PriorityQueuesConfig(flood_window=(0.0, 5.0))
    Traceback (most recent call last):
    ...
    ValueError: flood_window must be (start, end) with 0 < start < end, got (0.0, 5.0)
    """

    design: str = "single"
    arrival_rate_high: float = 5.0
    arrival_rate_low: float = 20.0
    flood_factor: float = 5.0
    flood_window: tuple[float, float] = (10.0, 20.0)
    consumers: int = 6
    high_consumers: int = 2
    service_time: Distribution | None = None
    horizon_s: float = 40.0
    seed: int = 0

    def validate(self) -> None:
        check_choice("design", self.design, QUEUE_DESIGNS)
        check_nonnegative("arrival_rate_high", self.arrival_rate_high)
        check_nonnegative("arrival_rate_low", self.arrival_rate_low)
        check_nonnegative("flood_factor", self.flood_factor)
        c = check_int("consumers", self.consumers, minimum=2, maximum=MAX_CAPACITY)
        check_int("high_consumers", self.high_consumers, minimum=1, maximum=c - 1)
        _check_distribution("service_time", self.service_time)
        horizon = _check_horizon(self.horizon_s)
        _check_window("flood_window", self.flood_window, horizon, allow_zero=False)
        check_expected_work(self.arrival_rate_high
                            + self.arrival_rate_low * max(1.0, self.flood_factor),
                            horizon, MAX_EXPECTED_REQUESTS, what="messages",
                            rate_name="the peak arrival rate (high + low x flood_factor)")
        check_int("seed", self.seed, minimum=0)


@dataclass(frozen=True)
class PriorityQueuesResult(Result):
    """One priority-queue run. ``records``: one row per message with ``message_id``,
    ``priority``, ``sent_s``, ``start_s``, ``end_s``, ``wait_s`` (time in the queue),
    ``latency_s``."""

    config: PriorityQueuesConfig
    records: pd.DataFrame

    def summary(self) -> dict[str, float]:
        """Per priority: messages, mean and p99 wait in the queue (s)."""
        out: dict[str, float] = {}
        for priority in ("high", "low"):
            waits = self.records.loc[self.records.priority == priority, "wait_s"]
            out[f"{priority}_messages"] = int(len(waits))
            out[f"{priority}_mean_wait_s"] = float(waits.mean()) if len(waits) else float("nan")
            out[f"{priority}_p99_wait_s"] = (float(waits.quantile(0.99)) if len(waits)
                                             else float("nan"))
        return out


def simulate_priority_queues(config: PriorityQueuesConfig) -> PriorityQueuesResult:
    """Run the priority-queue scenario described by ``config``.

    >>> result = simulate_priority_queues(PriorityQueuesConfig("separate", horizon_s=5.0))
    >>> sorted(result.records.priority.unique().tolist())
    ['high', 'low']
    """
    if not isinstance(config, PriorityQueuesConfig):
        raise TypeError(f"config must be a PriorityQueuesConfig, got {type(config).__name__}")
    c = config
    svc = c.service_time if c.service_time is not None else LogNormal(0.15, 0.3)
    rng_h, rng_l, rng_s = spawn_rngs(c.seed, 3)
    t_high = piecewise_poisson_arrivals([(0.0, c.arrival_rate_high)], c.horizon_s, rng_h)
    t_low = piecewise_poisson_arrivals(step_segments(c.arrival_rate_low, c.flood_factor,
                                                     c.flood_window, c.horizon_s),
                                       c.horizon_s, rng_l)
    prio = np.array(["high"] * len(t_high) + ["low"] * len(t_low))
    sent = np.concatenate([t_high, t_low])
    order = np.argsort(sent, kind="stable")
    prio, sent = prio[order], sent[order]
    work = svc.sample(rng_s, len(sent))
    start, end = consume_queues(c, prio, sent, work)
    records = pd.DataFrame({
        "message_id": np.arange(len(sent)),
        "priority": prio,
        "sent_s": sent,
        "start_s": start,
        "end_s": end,
        "wait_s": start - sent,
        "latency_s": end - sent,
    })
    return PriorityQueuesResult(c, records)


def consume_queues(config: PriorityQueuesConfig, priority: np.ndarray, sent: np.ndarray,
                   work: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SimPy: producers put each message in its queue, consumers take and work on them;
    returns start and end times per message."""
    if config.design == "fair":
        return consume_fair_queue(config, priority, sent, work)
    n = len(sent)
    start = np.full(n, np.nan)
    end = np.full(n, np.nan)
    env = simpy.Environment()
    if config.design == "single":
        one = simpy.Store(env)
        queues = {"high": one, "low": one}
        readers = [(one, config.consumers)]
    else:
        queues = {"high": simpy.Store(env), "low": simpy.Store(env)}
        readers = [(queues["high"], config.high_consumers),
                   (queues["low"], config.consumers - config.high_consumers)]

    def consumer(store: simpy.Store):
        while True:
            i = yield store.get()
            start[i] = env.now
            yield env.timeout(work[i])
            end[i] = env.now

    def producer():
        for i in range(n):
            yield env.timeout(sent[i] - env.now)
            queues[priority[i]].put(i)

    for store, k in readers:
        for _ in range(k):
            env.process(consumer(store))
    env.process(producer())
    env.run(until=config.horizon_s * 20)  # drain: ample time after the last send
    return start, end


def consume_fair_queue(config: PriorityQueuesConfig, priority: np.ndarray, sent: np.ndarray,
                       work: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SimPy: one queue read by ``config.consumers`` workers as an idealised SQS fair queue,
    each message's priority its ``MessageGroupId``; returns start and end times per message.

    A free consumer receives the oldest waiting message of the group with the fewest messages
    in flight. That is SQS's rule once it has flagged noisy neighbours: quiet groups' messages
    first, and among noisy groups the one with the fewest in-flight messages first
    (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-fair-queues-detailed.html).
    Idealised: the flood's group is treated as noisy at once, whereas SQS detects it from
    approximate shares of in-flight messages and recent processing time.
    """
    n = len(sent)
    start = np.full(n, np.nan)
    end = np.full(n, np.nan)
    env = simpy.Environment()
    waiting: dict[str, deque] = {"high": deque(), "low": deque()}
    in_flight = {"high": 0, "low": 0}
    arrived = [env.event()]

    def consumer():
        while True:
            groups = [g for g in waiting if waiting[g]]
            if not groups:
                yield arrived[0]
                continue
            group = min(groups, key=lambda g: (in_flight[g], sent[waiting[g][0]]))
            i = waiting[group].popleft()
            in_flight[group] += 1
            start[i] = env.now
            yield env.timeout(work[i])
            end[i] = env.now
            in_flight[group] -= 1

    def producer():
        for i in range(n):
            yield env.timeout(sent[i] - env.now)
            waiting[priority[i]].append(i)
            event, arrived[0] = arrived[0], env.event()
            event.succeed()

    for _ in range(config.consumers):
        env.process(consumer())
    env.process(producer())
    env.run(until=config.horizon_s * 20)  # drain: ample time after the last send
    return start, end


def run_priority_queues(design: str = "single", *, rate_high: float = 5.0,
                        rate_low: float = 20.0, **params: Any) -> pd.DataFrame:
    """Deprecated: ``simulate_priority_queues(PriorityQueuesConfig(...)).records``."""
    warnings.warn("run_priority_queues is deprecated since labkit 0.2; use "
                  "simulate_priority_queues(PriorityQueuesConfig(...)).records",
                  DeprecationWarning, stacklevel=2)
    config = PriorityQueuesConfig(design=design, arrival_rate_high=rate_high,
                                  arrival_rate_low=rate_low, **params)
    return simulate_priority_queues(config).records


# -- Lambda concurrency -----------------------------------------------------------------------
@dataclass(frozen=True)
class LambdaFunction:
    """A function in :class:`LambdaConcurrencyConfig`.

    ``arrival_rate`` invocations per second (times ``burst_factor`` during ``burst_window``),
    each running ``duration_s`` (median of a log-normal with ``sigma`` 0.2); ``reserved``
    concurrency or ``None`` for the unreserved pool.
    """

    name: str
    arrival_rate: float
    duration_s: float
    reserved: int | None = None
    burst_factor: float = 1.0
    burst_window: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"name must be a non-empty string, got {self.name!r}")
        check_nonnegative("arrival_rate", self.arrival_rate)
        check_positive("duration_s", self.duration_s)
        check_nonnegative("burst_factor", self.burst_factor)
        if self.reserved is not None:
            check_int("reserved", self.reserved, minimum=0)
        _check_window("burst_window", self.burst_window, float("inf"), allow_zero=True)

    @property
    def rate(self) -> float:
        """Deprecated name of :attr:`arrival_rate`."""
        return self.arrival_rate

    def segments(self, horizon_s: float) -> list[tuple[float, float]]:
        """Its Poisson rate segments over ``[0, horizon_s)``."""
        if self.burst_window is None:
            return [(0.0, self.arrival_rate)]
        return step_segments(self.arrival_rate, self.burst_factor, self.burst_window, horizon_s)


@dataclass(frozen=True)
class LambdaConcurrencyConfig(Config):
    """Synchronous invocations of ``functions`` against one account's concurrency
    (``account_limit``, of which ``unreserved_minimum`` always stays unreserved) for
    ``horizon_s`` seconds.

    >>> LambdaConcurrencyConfig(functions=())
    Traceback (most recent call last):
    ...
    ValueError: functions must hold at least one LambdaFunction
    """

    functions: tuple[LambdaFunction, ...] = ()
    account_limit: int = 1000
    unreserved_minimum: int = 100
    horizon_s: float = 20.0
    seed: int = 0

    def validate(self) -> None:
        if not isinstance(self.functions, tuple):
            raise TypeError("functions must be a tuple of LambdaFunction (a frozen config), got "
                            f"{type(self.functions).__name__}")
        if not self.functions:
            raise ValueError("functions must hold at least one LambdaFunction")
        for f in self.functions:
            if not isinstance(f, LambdaFunction):
                raise TypeError(f"functions must hold LambdaFunction objects, got {f!r}")
        names = [f.name for f in self.functions]
        if len(set(names)) != len(names):
            raise ValueError(f"function names must be unique, got {names}")
        check_int("account_limit", self.account_limit, minimum=1, maximum=MAX_CAPACITY)
        check_int("unreserved_minimum", self.unreserved_minimum, minimum=0)
        horizon = _check_horizon(self.horizon_s)
        check_expected_work(sum(f.arrival_rate * max(1.0, f.burst_factor) for f in self.functions),
                            horizon, MAX_EXPECTED_REQUESTS, what="invocations",
                            rate_name="the functions' peak arrival rate")
        check_int("seed", self.seed, minimum=0)


@dataclass(frozen=True)
class LambdaConcurrencyResult(Result):
    """One run. ``records``: one row per invocation with ``invocation_id``, ``function``,
    ``arrival_s``, ``status_code`` (200/429), ``reason`` (``""`` or the throttle reason),
    ``end_s`` (``arrival_s`` for a throttle: the code never ran), ``throttled``."""

    config: LambdaConcurrencyConfig
    records: pd.DataFrame

    def summary(self) -> dict[str, float]:
        """Per function: invocations and throttled share (``<name>_invocations``,
        ``<name>_throttled_fraction``)."""
        out: dict[str, float] = {}
        for f in self.config.functions:
            g = self.records[self.records.function == f.name]
            out[f"{f.name}_invocations"] = int(len(g))
            out[f"{f.name}_throttled_fraction"] = (float(g.throttled.mean()) if len(g)
                                                   else float("nan"))
        return out


def simulate_lambda_concurrency(config: LambdaConcurrencyConfig) -> LambdaConcurrencyResult:
    """Synchronous invocations against one account's concurrency; throttles are HTTP 429.

    >>> fns = (LambdaFunction("checkout", 50, 0.5, reserved=100),
    ...        LambdaFunction("thumbnails", 100, 1.0))
    >>> result = simulate_lambda_concurrency(LambdaConcurrencyConfig(fns, account_limit=200,
    ...                                                              horizon_s=5))
    >>> result.summary()["checkout_throttled_fraction"]
    0.0
    """
    if not isinstance(config, LambdaConcurrencyConfig):
        raise TypeError(f"config must be a LambdaConcurrencyConfig, got "
                        f"{type(config).__name__}")
    functions = config.functions
    account = LambdaConcurrency(config.account_limit, config.unreserved_minimum)
    for f in functions:
        if f.reserved is not None:
            account.reserve(f.name, f.reserved)
    arrival, which, dur = _draw_invocations(config)
    n = len(arrival)
    status = np.zeros(n, dtype=int)
    reason = np.empty(n, dtype=object)
    end = np.empty(n)
    env = simpy.Environment()

    def run(i: int, name: str):
        yield env.timeout(dur[i])
        end[i] = env.now
        account.finish(name)

    def arrive(i: int) -> None:
        name = functions[which[i]].name
        result = account.invoke(name)
        status[i] = result.status_code
        reason[i] = result.reason or ""
        if result.throttled:
            end[i] = env.now
        else:
            env.process(run(i, name))

    env.process(feed_arrivals(env, arrival, arrive))
    env.run()
    names = np.array([f.name for f in functions], dtype=object)
    records = pd.DataFrame({
        "invocation_id": np.arange(n),
        "function": names[which],
        "arrival_s": arrival,
        "status_code": status,
        "reason": reason.astype(str),
        "end_s": end,
        "throttled": status == 429,
    })
    return LambdaConcurrencyResult(config, records)


def _draw_invocations(config: LambdaConcurrencyConfig) -> tuple[np.ndarray, np.ndarray,
                                                                np.ndarray]:
    """Arrival times, function index and durations of every invocation, in arrival order."""
    rngs = spawn_rngs(config.seed, 2 * len(config.functions))
    times, fn_idx, durations = [], [], []
    for k, f in enumerate(config.functions):
        t = piecewise_poisson_arrivals(f.segments(config.horizon_s), config.horizon_s,
                                       rngs[2 * k])
        times.append(t)
        fn_idx.append(np.full(len(t), k))
        durations.append(LogNormal(f.duration_s, 0.2).sample(rngs[2 * k + 1], len(t)))
    arrival = np.concatenate(times)
    which = np.concatenate(fn_idx)
    dur = np.concatenate(durations)
    order = np.argsort(arrival, kind="stable")
    return arrival[order], which[order], dur[order]


def run_lambda_concurrency(functions: Any, **params: Any) -> pd.DataFrame:
    """Deprecated: ``simulate_lambda_concurrency(LambdaConcurrencyConfig(...)).records``."""
    warnings.warn("run_lambda_concurrency is deprecated since labkit 0.2; use "
                  "simulate_lambda_concurrency(LambdaConcurrencyConfig(...)).records",
                  DeprecationWarning, stacklevel=2)
    config = LambdaConcurrencyConfig(functions=tuple(functions), **params)
    return simulate_lambda_concurrency(config).records
