"""Scenarios for bulkheads: noisy neighbours, priority queues, Lambda reserved concurrency.

Each runner returns a tidy DataFrame, one row per request, built from the pure logic in
:mod:`labkit.resilience.bulkhead` and :mod:`labkit.resilience.concurrency`.

- :func:`run_noisy_neighbour` — two tenants, A and B, call through either one shared
  :class:`~labkit.resilience.bulkhead.SemaphoreBulkhead` or one bulkhead each (partitioned).
- :func:`run_priority_queues` — high- and low-priority messages through one SQS-style queue or one
  queue per priority with its own consumers.
- :func:`run_lambda_concurrency` — functions invoked synchronously against an account's
  concurrency, with reservations; throttles are 429s.
- :func:`pool_summary` — success rate and latency percentiles per tenant.

The noisy-neighbour run uses a small heap-based event loop (fast enough for explorers); the queue
and Lambda scenarios use SimPy.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from labkit.core.rng import spawn_rngs
from labkit.core.service import feed_arrivals
from labkit.core.validation import (
    check_choice,
    check_int,
    check_nonnegative,
    check_positive,
)
from labkit.core.workloads import Distribution, LogNormal, piecewise_poisson_arrivals
from labkit.resilience.bulkhead import SemaphoreBulkhead
from labkit.resilience.concurrency import LambdaConcurrency

__all__ = [
    "LambdaFunction",
    "pool_summary",
    "run_lambda_concurrency",
    "run_noisy_neighbour",
    "run_priority_queues",
]

POOL_DESIGNS = ("shared", "partitioned")


def run_noisy_neighbour(design: str = "shared", *, rate_a: float = 40.0, rate_b: float = 80.0,
                        overload_b: float = 5.0, permits: int = 20,
                        permits_a: int | None = None, max_wait_s: float = 0.05,
                        service_time: Distribution | None = None, horizon_s: float = 20.0,
                        overload_window: tuple[float, float] | None = None,
                        seed: int = 0) -> pd.DataFrame:
    """Two tenants share a dependency's concurrency; B's load is multiplied by ``overload_b``.

    Parameters
    ----------
    design : {"shared", "partitioned"}
        ``shared``: one bulkhead of ``permits`` for both tenants. ``partitioned``: A gets
        ``permits_a`` (default half) and B the rest, each its own bulkhead.
    rate_a, rate_b : float
        Normal request rates (per second) of A and B.
    overload_b : float
        Factor on B's rate during ``overload_window`` (default: the whole run).
    permits : int
        Total concurrent calls the dependency is given (the same in both designs).
    max_wait_s : float
        How long a call may wait for a permit before it is rejected.
    service_time : distribution
        Time a call holds its permit (default ``LogNormal(0.1, 0.3)``: median 100 ms).
    horizon_s : float
        Arrivals on [0, horizon_s).
    seed : int
        Seed; A's and B's arrivals and service times come from separate streams, so A sees the
        same arrivals in both designs.

    Returns
    -------
    DataFrame
        One row per request: ``request_id``, ``tenant``, ``arrival_s``, ``start_s`` (NaN if
        rejected), ``end_s``, ``wait_s``, ``latency_s``, ``ok``, ``outcome``
        (``"ok"``/``"rejected"``).

    Examples
    --------
    >>> df = run_noisy_neighbour("partitioned", horizon_s=2.0, seed=1)
    >>> sorted(df.tenant.unique().tolist())
    ['A', 'B']
    >>> bool((df.latency_s >= 0).all())
    True
    """
    check_choice("design", design, POOL_DESIGNS)
    ra = check_nonnegative("rate_a", rate_a)
    rb = check_nonnegative("rate_b", rate_b)
    factor = check_nonnegative("overload_b", overload_b)
    total = check_int("permits", permits, minimum=2)
    pa = total // 2 if permits_a is None else check_int("permits_a", permits_a, minimum=1,
                                                        maximum=total - 1)
    wait = check_nonnegative("max_wait_s", max_wait_s)
    horizon = check_positive("horizon_s", horizon_s)
    svc = service_time if service_time is not None else LogNormal(0.1, 0.3)
    if not hasattr(svc, "sample"):
        raise TypeError("service_time must be a distribution such as LogNormal(0.1, 0.3)")
    start_o, end_o = (0.0, horizon) if overload_window is None else overload_window
    check_nonnegative("overload_window start", start_o)
    if end_o <= start_o:
        raise ValueError(f"overload_window must be (start, end) with end > start, got "
                         f"{overload_window!r}")

    arr_a_rng, arr_b_rng, svc_a_rng, svc_b_rng = spawn_rngs(seed, 4)
    arr_a = piecewise_poisson_arrivals([(0.0, ra)], horizon, arr_a_rng)
    segments = [(0.0, rb * factor)] if start_o == 0.0 else [(0.0, rb), (start_o, rb * factor)]
    if end_o < horizon:
        segments.append((end_o, rb))
    arr_b = piecewise_poisson_arrivals(segments, horizon, arr_b_rng)
    tenants = np.array(["A"] * len(arr_a) + ["B"] * len(arr_b))
    arrival = np.concatenate([arr_a, arr_b])
    service = np.concatenate([svc.sample(svc_a_rng, len(arr_a)), svc.sample(svc_b_rng, len(arr_b))])
    order = np.argsort(arrival, kind="stable")
    tenants, arrival, service = tenants[order], arrival[order], service[order]

    if design == "shared":
        shared = SemaphoreBulkhead(total, wait)
        pools = {"A": shared, "B": shared}
    else:
        pools = {"A": SemaphoreBulkhead(pa, wait), "B": SemaphoreBulkhead(total - pa, wait)}
    frame = _run_bulkhead_requests(arrival, tenants, service, pools)
    return frame


def _run_bulkhead_requests(arrival: np.ndarray, tenants: np.ndarray, service: np.ndarray,
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


def run_priority_queues(design: str = "single", *, rate_high: float = 5.0,
                        rate_low: float = 20.0, flood_factor: float = 5.0,
                        flood_window: tuple[float, float] = (10.0, 20.0), consumers: int = 6,
                        high_consumers: int = 2, service_time: Distribution | None = None,
                        horizon_s: float = 40.0, seed: int = 0) -> pd.DataFrame:
    """High- and low-priority messages: one SQS-style queue, or one queue per priority.

    ``single``: every message goes into one FIFO-ish queue read by ``consumers`` workers.
    ``separate``: a high-priority queue read by ``high_consumers`` dedicated workers and a
    low-priority queue read by the rest. Low-priority traffic is multiplied by ``flood_factor``
    during ``flood_window``.

    Returns one row per message: ``message_id``, ``priority``, ``sent_s``, ``start_s``, ``end_s``,
    ``wait_s`` (time in the queue), ``latency_s``.

    >>> df = run_priority_queues("separate", horizon_s=5.0, seed=0)
    >>> sorted(df.priority.unique().tolist())
    ['high', 'low']
    """
    check_choice("design", design, ("single", "separate"))
    rh = check_nonnegative("rate_high", rate_high)
    rl = check_nonnegative("rate_low", rate_low)
    factor = check_nonnegative("flood_factor", flood_factor)
    c = check_int("consumers", consumers, minimum=2)
    ch = check_int("high_consumers", high_consumers, minimum=1, maximum=c - 1)
    horizon = check_positive("horizon_s", horizon_s)
    f0, f1 = flood_window
    if not 0.0 < f0 < f1:
        raise ValueError(f"flood_window must be (start, end) with 0 < start < end, "
                         f"got {flood_window!r}")
    svc = service_time if service_time is not None else LogNormal(0.15, 0.3)
    rng_h, rng_l, rng_s = spawn_rngs(seed, 3)
    t_high = piecewise_poisson_arrivals([(0.0, rh)], horizon, rng_h)
    seg = [(0.0, rl), (f0, rl * factor)] + ([(f1, rl)] if f1 < horizon else [])
    t_low = piecewise_poisson_arrivals(seg, horizon, rng_l)
    prio = np.array(["high"] * len(t_high) + ["low"] * len(t_low))
    sent = np.concatenate([t_high, t_low])
    order = np.argsort(sent, kind="stable")
    prio, sent = prio[order], sent[order]
    n = len(sent)
    work = svc.sample(rng_s, n)
    start = np.full(n, np.nan)
    end = np.full(n, np.nan)
    env = simpy.Environment()
    if design == "single":
        queues = {"high": simpy.Store(env), "low": None}
        queues["low"] = queues["high"]
        readers = [(queues["high"], c)]
    else:
        queues = {"high": simpy.Store(env), "low": simpy.Store(env)}
        readers = [(queues["high"], ch), (queues["low"], c - ch)]

    def consumer(store: simpy.Store):
        while True:
            i = yield store.get()
            start[i] = env.now
            yield env.timeout(work[i])
            end[i] = env.now

    def producer():
        for i in range(n):
            yield env.timeout(sent[i] - env.now)
            queues[prio[i]].put(i)

    for store, k in readers:
        for _ in range(k):
            env.process(consumer(store))
    env.process(producer())
    env.run(until=horizon * 20)  # drain: ample time after the last send
    return pd.DataFrame({
        "message_id": np.arange(n),
        "priority": prio,
        "sent_s": sent,
        "start_s": start,
        "end_s": end,
        "wait_s": start - sent,
        "latency_s": end - sent,
    })


@dataclass(frozen=True)
class LambdaFunction:
    """A function in :func:`run_lambda_concurrency`.

    ``rate`` invocations per second (times ``burst_factor`` during ``burst_window``), each running
    ``duration_s`` (median of a log-normal with ``sigma`` 0.2); ``reserved`` concurrency or
    ``None`` for the unreserved pool.
    """

    name: str
    rate: float
    duration_s: float
    reserved: int | None = None
    burst_factor: float = 1.0
    burst_window: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        check_nonnegative("rate", self.rate)
        check_positive("duration_s", self.duration_s)
        check_nonnegative("burst_factor", self.burst_factor)
        if self.reserved is not None:
            check_int("reserved", self.reserved, minimum=0)


def run_lambda_concurrency(functions: Sequence[LambdaFunction], *, account_limit: int = 1000,
                           unreserved_minimum: int = 100, horizon_s: float = 20.0,
                           seed: int = 0) -> pd.DataFrame:
    """Synchronous invocations against one account's concurrency; throttles are HTTP 429.

    Returns one row per invocation: ``function``, ``arrival_s``, ``status_code`` (200/429),
    ``reason`` (``""`` or the throttle reason), ``end_s`` (``arrival_s`` for a throttle: the
    code never ran), ``throttled``.

    >>> fns = [LambdaFunction("checkout", 50, 0.5, reserved=100),
    ...        LambdaFunction("thumbnails", 100, 1.0)]
    >>> df = run_lambda_concurrency(fns, account_limit=200, horizon_s=5, seed=0)
    >>> int(df[df.function == "checkout"].throttled.sum())
    0
    """
    if not functions:
        raise ValueError("functions must hold at least one LambdaFunction")
    names = [f.name for f in functions]
    if len(set(names)) != len(names):
        raise ValueError(f"function names must be unique, got {names}")
    horizon = check_positive("horizon_s", horizon_s)
    account = LambdaConcurrency(account_limit, unreserved_minimum)
    for f in functions:
        if f.reserved is not None:
            account.reserve(f.name, f.reserved)
    rngs = spawn_rngs(seed, 2 * len(functions))
    times, fn_idx, durations = [], [], []
    for k, f in enumerate(functions):
        seg = [(0.0, f.rate)]
        if f.burst_window is not None:
            b0, b1 = f.burst_window
            seg = ([(0.0, f.rate)] if b0 > 0 else []) + [(b0, f.rate * f.burst_factor)]
            if b1 < horizon:
                seg.append((b1, f.rate))
        t = piecewise_poisson_arrivals(seg, horizon, rngs[2 * k])
        times.append(t)
        fn_idx.append(np.full(len(t), k))
        durations.append(LogNormal(f.duration_s, 0.2).sample(rngs[2 * k + 1], len(t)))
    arrival = np.concatenate(times)
    which = np.concatenate(fn_idx)
    dur = np.concatenate(durations)
    order = np.argsort(arrival, kind="stable")
    arrival, which, dur = arrival[order], which[order], dur[order]
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
    return pd.DataFrame({
        "invocation_id": np.arange(n),
        "function": np.array(names, dtype=object)[which],
        "arrival_s": arrival,
        "status_code": status,
        "reason": reason.astype(str),
        "end_s": end,
        "throttled": status == 429,
    })
