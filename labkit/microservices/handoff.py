"""Synchronous chain vs asynchronous hand-off through a queue, under a downstream outage.

A checkout request enters through the gateway and needs the order service, which is down for a
window. :func:`run_outage_scenario` runs one of two designs on the same seeded arrivals:

``"sync"``
    The checkout calls the order service and waits. During the outage the call fails fast and
    the client gets an error (HTTP 503): the request is lost unless the client retries.
``"async"``
    The checkout puts an order message on a queue (SQS-style) and answers 202 Accepted at once.
    A pool of consumers receives messages and calls the order service. A failed call leaves the
    message in the queue; it becomes visible again after ``visibility_timeout_s``. A message
    received ``max_receive_count`` times without success goes to a dead-letter queue (failed).
    The backlog grows during the outage and drains after recovery.

Every request ends in exactly one outcome: ``completed``, ``failed`` or ``queued`` (still
waiting, or being processed, when the run stops), so requests = completed + failed + queued.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from labkit.core.rng import spawn_rngs
from labkit.core.service import feed_arrivals
from labkit.core.validation import check_choice, check_int, check_nonnegative, check_positive
from labkit.core.workloads import FaultSchedule, FaultWindow, poisson_arrivals
from labkit.microservices.services import ORDER_SERVICE, Microservice, ServiceSpec

__all__ = ["OUTCOMES", "OutageRun", "compare_designs", "run_outage_scenario"]

OUTCOMES = ("completed", "failed", "queued")


@dataclass(frozen=True)
class OutageRun:
    """Result of :func:`run_outage_scenario`.

    ``requests``: one row per checkout with ``request_id``, ``design``, ``arrival_s``,
    ``accepted`` (the client got a success answer: 200 for sync, 202 for async),
    ``response_s`` (how long the client waited for that answer), ``outcome``, ``end_s`` (when
    the order was stored or finally failed; NaN if queued), ``end_to_end_s`` and ``attempts``
    (calls made to the order service). ``backlog``: ``time_s``, ``design``, ``backlog`` (orders
    accepted or in progress and not yet finished), sampled.
    """

    design: str
    requests: pd.DataFrame
    backlog: pd.DataFrame
    outage_start_s: float
    outage_end_s: float
    stop_s: float

    def to_frame(self) -> pd.DataFrame:
        return self.requests

    def counts(self) -> dict[str, int]:
        """Requests by outcome, plus ``requests`` and ``accepted``."""
        out = {"requests": int(len(self.requests)),
               "accepted": int(self.requests.accepted.sum())}
        for name in OUTCOMES:
            out[name] = int((self.requests.outcome == name).sum())
        return out

    def drain_time_s(self) -> float:
        """Seconds after the outage ends until the backlog is back to its level before it.

        The level before is the largest backlog sampled in the ten seconds before the outage
        (at least 1). NaN if it never gets back before the run stops.
        """
        b = self.backlog
        before = b[(b.time_s < self.outage_start_s) & (b.time_s >= self.outage_start_s - 10.0)]
        level = max(1.0, float(before.backlog.max()) if len(before) else 1.0)
        after = b[(b.time_s >= self.outage_end_s) & (b.backlog <= level)]
        return float(after.time_s.iloc[0] - self.outage_end_s) if len(after) else float("nan")

    def summary(self) -> dict[str, float | int | str]:
        """Counts, end-to-end delay percentiles of completed orders, peak backlog, drain time."""
        done = self.requests.loc[self.requests.outcome == "completed", "end_to_end_s"]
        pct = (np.percentile(done, [50, 99]) if len(done) else [float("nan")] * 2)
        return {"design": self.design, **self.counts(),
                "p50_end_to_end_s": float(pct[0]), "p99_end_to_end_s": float(pct[1]),
                "max_end_to_end_s": float(done.max()) if len(done) else float("nan"),
                "peak_backlog": int(self.backlog.backlog.max()) if len(self.backlog) else 0,
                "drain_time_s": self.drain_time_s()}


def run_outage_scenario(design: str, *, rate_per_s: float = 20.0, horizon_s: float = 120.0,
                        outage_start_s: float = 30.0, outage_end_s: float = 60.0,
                        drain_s: float = 120.0, seed: int = 0,
                        order_service: ServiceSpec = ORDER_SERVICE, consumers: int = 8,
                        visibility_timeout_s: float = 5.0, max_receive_count: int = 10,
                        enqueue_s: float = 0.01, sample_every_s: float = 0.5) -> OutageRun:
    """Run the checkout workload through one design while the order service is down.

    Parameters
    ----------
    design : {"sync", "async"}
    rate_per_s : float
        Checkout requests per second (Poisson), arriving in ``[0, horizon_s)``.
    outage_start_s, outage_end_s : float
        The order service refuses every call in this window.
    drain_s : float
        The run stops at ``horizon_s + drain_s``; anything unfinished then is ``queued``.
    seed : int
        The two designs see the same arrivals for the same seed.
    order_service : ServiceSpec
        The downstream service (workers, work time, its store).
    consumers, visibility_timeout_s, max_receive_count, enqueue_s
        Async only: queue consumers, SQS visibility timeout, receives before the dead-letter
        queue, and time to put a message on the queue.
    sample_every_s : float
        Interval of the backlog samples.

    Examples
    --------
    >>> sync = run_outage_scenario("sync", rate_per_s=10, horizon_s=40, outage_start_s=10,
    ...                            outage_end_s=20, drain_s=20, seed=3)
    >>> c = sync.counts()
    >>> c["requests"] == c["completed"] + c["failed"] + c["queued"]
    True
    >>> c["failed"] > 0
    True
    >>> run_outage_scenario("async", rate_per_s=10, horizon_s=40, outage_start_s=10,
    ...                     outage_end_s=20, drain_s=20, seed=3).counts()["failed"]
    0
    """
    check_choice("design", design, ("sync", "async"))
    rate = check_positive("rate_per_s", rate_per_s)
    horizon = check_positive("horizon_s", horizon_s)
    start = check_nonnegative("outage_start_s", outage_start_s)
    end = check_positive("outage_end_s", outage_end_s)
    if end <= start:
        raise ValueError(f"outage_end_s must be greater than outage_start_s ({start}), got {end}")
    drain = check_nonnegative("drain_s", drain_s)
    if not isinstance(order_service, ServiceSpec):
        raise TypeError(f"order_service must be a ServiceSpec, got {type(order_service).__name__}")
    n_consumers = check_int("consumers", consumers, minimum=1)
    visibility = check_positive("visibility_timeout_s", visibility_timeout_s)
    max_receives = check_int("max_receive_count", max_receive_count, minimum=1)
    enqueue = check_nonnegative("enqueue_s", enqueue_s)
    every = check_positive("sample_every_s", sample_every_s)

    arrival_rng, service_rng = spawn_rngs(seed, 2)
    arrivals = poisson_arrivals(rate, horizon, arrival_rng)
    n = len(arrivals)
    stop = horizon + drain

    env = simpy.Environment()
    faults = FaultSchedule((FaultWindow(start, end, "outage"),))
    order = Microservice(env, order_service, service_rng, faults)

    accepted = np.zeros(n, dtype=bool)
    answered = np.full(n, np.nan)
    finished = np.full(n, np.nan)
    outcome = np.full(n, "queued", dtype=object)
    attempts = np.zeros(n, dtype=int)
    open_orders = [0]  # accepted or in progress, not finished

    def sync_request(i: int):
        open_orders[0] += 1
        attempts[i] += 1
        result = yield env.process(order.call())
        open_orders[0] -= 1
        answered[i] = finished[i] = env.now
        accepted[i] = result.ok
        outcome[i] = "completed" if result.ok else "failed"

    queue = simpy.Store(env)

    def async_request(i: int):
        open_orders[0] += 1
        if enqueue:
            yield env.timeout(enqueue)
        answered[i] = env.now
        accepted[i] = True
        yield queue.put(i)

    def reappear(i: int):
        yield env.timeout(visibility)
        yield queue.put(i)

    def consumer():
        while True:
            i = yield queue.get()
            attempts[i] += 1
            result = yield env.process(order.call())
            if result.ok:
                finished[i] = env.now
                outcome[i] = "completed"
                open_orders[0] -= 1
            elif attempts[i] >= max_receives:
                finished[i] = env.now
                outcome[i] = "failed"
                open_orders[0] -= 1
            else:
                env.process(reappear(i))

    handler = sync_request if design == "sync" else async_request


    samples: list[tuple[float, int]] = []

    def monitor():
        while True:
            samples.append((env.now, open_orders[0]))
            yield env.timeout(every)

    env.process(feed_arrivals(env, arrivals, lambda i: env.process(handler(i))))
    env.process(monitor())
    if design == "async":
        for _ in range(n_consumers):
            env.process(consumer())
    env.run(until=stop)

    finished_mask = ~np.isnan(finished)
    outcome[~finished_mask] = "queued"
    requests = pd.DataFrame({
        "request_id": np.arange(n),
        "design": design,
        "arrival_s": arrivals,
        "accepted": accepted,
        "response_s": answered - arrivals,
        "outcome": outcome.astype(str),
        "end_s": finished,
        "end_to_end_s": finished - arrivals,
        "attempts": attempts,
    })
    backlog = pd.DataFrame(samples, columns=["time_s", "backlog"])
    backlog.insert(1, "design", design)
    return OutageRun(design=design, requests=requests, backlog=backlog, outage_start_s=start,
                     outage_end_s=end, stop_s=stop)


def compare_designs(**kwargs) -> tuple[pd.DataFrame, OutageRun, OutageRun]:
    """Run both designs with the same arguments; return a summary table and the two runs.

    >>> table, _, _ = compare_designs(rate_per_s=5, horizon_s=30, outage_start_s=5,
    ...                               outage_end_s=10, drain_s=30, seed=1)
    >>> list(table.design)
    ['sync', 'async']
    """
    if "design" in kwargs:
        raise TypeError("compare_designs runs both designs; do not pass design")
    sync = run_outage_scenario("sync", **kwargs)
    asyn = run_outage_scenario("async", **kwargs)
    return pd.DataFrame([sync.summary(), asyn.summary()]), sync, asyn
