"""Synchronous chain vs asynchronous hand-off through a queue, under a downstream outage.

A checkout request enters through the gateway and needs the order service, which is down for a
window. :func:`run_handoff_outage` runs one of two designs (``HandoffConfig.design``) on the
same seeded arrivals:

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

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from labkit.core.rng import spawn_rngs
from labkit.core.runner import Config, Result, legacy_config
from labkit.core.service import feed_arrivals
from labkit.core.validation import (
    check_choice,
    check_int,
    check_limit,
    check_nonnegative,
    check_positive,
)
from labkit.core.workloads import FaultSchedule, FaultWindow, poisson_arrivals
from labkit.microservices.services import ORDER_SERVICE, Microservice, ServiceSpec

__all__ = ["DESIGNS", "OUTCOMES", "HandoffConfig", "HandoffResult", "OutageRun",
           "compare_designs", "compare_handoff_designs", "run_handoff_outage",
           "run_outage_scenario"]

OUTCOMES = ("completed", "failed", "queued")
DESIGNS = ("sync", "async")
#: Most checkouts one run may draw (``arrival_rate x horizon_s``), to bound the work.
MAX_EXPECTED_REQUESTS = 500_000


@dataclass(frozen=True)
class HandoffConfig(Config):
    """A checkout workload through one design while the order service is down.

    ``design``: ``"sync"`` or ``"async"``. ``arrival_rate``: checkouts per second (Poisson),
    arriving in ``[0, horizon_s)``. The order service refuses every call in
    ``[outage_start_s, outage_end_s)``. The run stops at ``horizon_s + drain_s``; anything
    unfinished then is ``queued``. The two designs see the same arrivals for the same ``seed``.
    Async only: ``consumers``, the SQS ``visibility_timeout_s``, ``max_receive_count`` (receives
    before the dead-letter queue) and ``enqueue_s`` (time to put a message on the queue).
    ``sample_every_s``: interval of the backlog samples.
    """

    design: str = "async"
    arrival_rate: float = 20.0
    horizon_s: float = 120.0
    outage_start_s: float = 30.0
    outage_end_s: float = 60.0
    drain_s: float = 120.0
    seed: int = 0
    order_service: ServiceSpec = ORDER_SERVICE
    consumers: int = 8
    visibility_timeout_s: float = 5.0
    max_receive_count: int = 10
    enqueue_s: float = 0.01
    sample_every_s: float = 0.5

    def validate(self) -> None:
        check_choice("design", self.design, DESIGNS)
        rate = check_positive("arrival_rate", self.arrival_rate)
        horizon = check_positive("horizon_s", self.horizon_s)
        check_limit("arrival_rate x horizon_s (expected checkouts)", math.ceil(rate * horizon),
                    MAX_EXPECTED_REQUESTS)
        start = check_nonnegative("outage_start_s", self.outage_start_s)
        end = check_positive("outage_end_s", self.outage_end_s)
        if end <= start:
            raise ValueError(f"outage_end_s must be greater than outage_start_s ({start}), "
                             f"got {end}")
        check_nonnegative("drain_s", self.drain_s)
        check_int("seed", self.seed, minimum=0)
        if not isinstance(self.order_service, ServiceSpec):
            raise TypeError(f"order_service must be a ServiceSpec, got "
                            f"{type(self.order_service).__name__}")
        check_limit("consumers", self.consumers, 1_000, minimum=1)
        check_positive("visibility_timeout_s", self.visibility_timeout_s)
        check_int("max_receive_count", self.max_receive_count, minimum=1)
        check_nonnegative("enqueue_s", self.enqueue_s)
        check_positive("sample_every_s", self.sample_every_s)

    @property
    def stop_s(self) -> float:
        """When the run stops: the end of the arrivals plus the drain time."""
        return self.horizon_s + self.drain_s


@dataclass(frozen=True)
class HandoffResult(Result):
    """Result of :func:`run_handoff_outage`.

    ``records`` (also ``requests``): one row per checkout with ``request_id``, ``design``,
    ``arrival_s``, ``accepted`` (the client got a success answer: 200 for sync, 202 for async),
    ``response_s`` (how long the client waited for that answer), ``outcome``, ``end_s`` (when
    the order was stored or finally failed; NaN if queued), ``end_to_end_s`` and ``attempts``
    (calls made to the order service). ``backlog``: ``time_s``, ``design``, ``backlog`` (orders
    accepted or in progress and not yet finished), sampled.
    """

    config: HandoffConfig
    requests: pd.DataFrame
    backlog: pd.DataFrame

    @property
    def records(self) -> pd.DataFrame:
        return self.requests

    @property
    def design(self) -> str:
        return self.config.design

    @property
    def outage_start_s(self) -> float:
        return float(self.config.outage_start_s)

    @property
    def outage_end_s(self) -> float:
        return float(self.config.outage_end_s)

    @property
    def stop_s(self) -> float:
        return float(self.config.stop_s)

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
        """Counts, the failed share, end-to-end delay percentiles of completed orders, peak
        backlog, drain time."""
        done = self.requests.loc[self.requests.outcome == "completed", "end_to_end_s"]
        pct = (np.percentile(done, [50, 99]) if len(done) else [float("nan")] * 2)
        counts = self.counts()
        return {"design": self.design, **counts,
                "failed_share": counts["failed"] / counts["requests"] if counts["requests"]
                else float("nan"),
                "p50_end_to_end_s": float(pct[0]), "p99_end_to_end_s": float(pct[1]),
                "max_end_to_end_s": float(done.max()) if len(done) else float("nan"),
                "peak_backlog": int(self.backlog.backlog.max()) if len(self.backlog) else 0,
                "drain_time_s": self.drain_time_s()}


#: The former name of :class:`HandoffResult`.
OutageRun = HandoffResult


class _Checkout:
    """The SimPy processes of one run, sharing the per-request arrays they fill in."""

    def __init__(self, config: HandoffConfig) -> None:
        self.config = config
        arrival_rng, service_rng = spawn_rngs(config.seed, 2)
        self.arrivals = poisson_arrivals(config.arrival_rate, config.horizon_s, arrival_rng)
        n = len(self.arrivals)
        self.env = simpy.Environment()
        faults = FaultSchedule((FaultWindow(config.outage_start_s, config.outage_end_s,
                                            "outage"),))
        self.order = Microservice(self.env, config.order_service, service_rng, faults)
        self.queue = simpy.Store(self.env)
        self.accepted = np.zeros(n, dtype=bool)
        self.answered = np.full(n, np.nan)
        self.finished = np.full(n, np.nan)
        self.outcome = np.full(n, "queued", dtype=object)
        self.attempts = np.zeros(n, dtype=int)
        self.open_orders = 0  # accepted or in progress, not finished
        self.samples: list[tuple[float, int]] = []

    def _finish(self, i: int, outcome: str) -> None:
        self.finished[i] = self.env.now
        self.outcome[i] = outcome
        self.open_orders -= 1

    def sync_request(self, i: int):
        """The checkout calls the order service and waits for its answer."""
        self.open_orders += 1
        self.attempts[i] += 1
        result = yield self.env.process(self.order.call())
        self.answered[i] = self.env.now
        self.accepted[i] = result.ok
        self._finish(i, "completed" if result.ok else "failed")

    def async_request(self, i: int):
        """The checkout puts a message on the queue and answers 202 Accepted."""
        self.open_orders += 1
        if self.config.enqueue_s:
            yield self.env.timeout(self.config.enqueue_s)
        self.answered[i] = self.env.now
        self.accepted[i] = True
        yield self.queue.put(i)

    def _reappear(self, i: int):
        yield self.env.timeout(self.config.visibility_timeout_s)
        yield self.queue.put(i)

    def consumer(self):
        """Receive a message, call the order service; a failure waits out the visibility
        timeout, and the last allowed receive sends it to the dead-letter queue."""
        while True:
            i = yield self.queue.get()
            self.attempts[i] += 1
            result = yield self.env.process(self.order.call())
            if result.ok:
                self._finish(i, "completed")
            elif self.attempts[i] >= self.config.max_receive_count:
                self._finish(i, "failed")
            else:
                self.env.process(self._reappear(i))

    def monitor(self):
        while True:
            self.samples.append((self.env.now, self.open_orders))
            yield self.env.timeout(self.config.sample_every_s)

    def run(self) -> HandoffResult:
        env, config = self.env, self.config
        handler = self.sync_request if config.design == "sync" else self.async_request
        env.process(feed_arrivals(env, self.arrivals, lambda i: env.process(handler(i))))
        env.process(self.monitor())
        if config.design == "async":
            for _ in range(config.consumers):
                env.process(self.consumer())
        env.run(until=config.stop_s)
        return HandoffResult(config=config, requests=self.records(), backlog=self.backlog())

    def records(self) -> pd.DataFrame:
        return pd.DataFrame({
            "request_id": np.arange(len(self.arrivals)),
            "design": self.config.design,
            "arrival_s": self.arrivals,
            "accepted": self.accepted,
            "response_s": self.answered - self.arrivals,
            "outcome": self.outcome.astype(str),
            "end_s": self.finished,
            "end_to_end_s": self.finished - self.arrivals,
            "attempts": self.attempts,
        })

    def backlog(self) -> pd.DataFrame:
        backlog = pd.DataFrame(self.samples, columns=["time_s", "backlog"])
        backlog.insert(1, "design", self.config.design)
        return backlog


def run_handoff_outage(config: HandoffConfig) -> HandoffResult:
    """Run the checkout workload through ``config.design`` while the order service is down.

    Examples
    --------
    >>> config = HandoffConfig(design="sync", arrival_rate=10, horizon_s=40, outage_start_s=10,
    ...                        outage_end_s=20, drain_s=20, seed=3)
    >>> c = run_handoff_outage(config).counts()
    >>> c["requests"] == c["completed"] + c["failed"] + c["queued"]
    True
    >>> c["failed"] > 0
    True
    >>> run_handoff_outage(config.replace(design="async")).counts()["failed"]
    0
    """
    if not isinstance(config, HandoffConfig):
        raise TypeError(f"config must be a HandoffConfig, got {type(config).__name__}")
    return _Checkout(config).run()


def compare_handoff_designs(config: HandoffConfig) -> dict[str, HandoffResult]:
    """Both designs on the same arrivals: ``{"sync": result, "async": result}``.

    >>> runs = compare_handoff_designs(HandoffConfig(arrival_rate=5, horizon_s=30,
    ...                                              outage_start_s=5, outage_end_s=10,
    ...                                              drain_s=30, seed=1))
    >>> runs["sync"].counts()["failed"] > runs["async"].counts()["failed"]
    True
    """
    if not isinstance(config, HandoffConfig):
        raise TypeError(f"config must be a HandoffConfig, got {type(config).__name__}")
    return {design: run_handoff_outage(config.replace(design=design)) for design in DESIGNS}


_RENAMES = {"rate_per_s": "arrival_rate"}


def run_outage_scenario(design: str, **kwargs) -> HandoffResult:
    """Deprecated: ``run_handoff_outage(HandoffConfig(design=..., arrival_rate=...))``.

    The former keyword form (``rate_per_s`` is now ``arrival_rate``); it warns
    ``DeprecationWarning``. The name clashed with :func:`labkit.resilience.run_outage_scenario`.
    """
    config = legacy_config(HandoffConfig, "run_outage_scenario", {"design": design, **kwargs},
                           renames=_RENAMES, replacement="run_handoff_outage")
    return run_handoff_outage(config)


def compare_designs(**kwargs) -> tuple[pd.DataFrame, HandoffResult, HandoffResult]:
    """Deprecated: :func:`compare_handoff_designs` (a config, a dict of results) or
    ``labkit.core.compare(run_handoff_outage, config, ...)`` for the table.

    Returns ``(table, sync, async)`` as before and warns ``DeprecationWarning``.
    """
    if "design" in kwargs:
        raise TypeError("compare_designs runs both designs; do not pass design")
    config = legacy_config(HandoffConfig, "compare_designs", kwargs, renames=_RENAMES,
                           replacement="compare_handoff_designs")
    runs = compare_handoff_designs(config)
    table = pd.DataFrame([runs["sync"].summary(), runs["async"].summary()])
    return table, runs["sync"], runs["async"]
