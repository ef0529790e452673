"""A SimPy service: ``servers`` workers, a service-time distribution and a fault schedule.

:class:`Service` is the building block every model in the lab uses for "a thing that serves
requests": a dependency behind a circuit breaker, a microservice, a pool behind a bulkhead.
:func:`run_queue` runs the plain M/M/c queue with it (exponential arrivals and service, FIFO).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from labkit.core.rng import spawn_rngs
from labkit.core.validation import check_int, check_positive
from labkit.core.workloads import Distribution, Exponential, FaultSchedule

__all__ = ["CallResult", "Service", "feed_arrivals", "run_queue"]

_BLOCK = 4096


@dataclass(frozen=True)
class CallResult:
    """What one call to a :class:`Service` saw: start of service, end, and whether it failed."""

    start_s: float
    end_s: float
    ok: bool
    error: str | None = None


class Service:
    """A service with ``servers`` parallel workers and a FIFO queue, inside a SimPy environment.

    Parameters
    ----------
    env : simpy.Environment
        The simulation clock.
    servers : int
        Parallel workers (>= 1).
    service_time : Exponential | Constant | LogNormal
        How long a worker spends on one request, before any slowdown.
    rng : numpy.random.Generator
        The stream service times are drawn from (drawn in blocks, so it stays fast).
    faults : FaultSchedule, optional
        Outage windows (calls fail after the window's ``latency_s``, without using a worker) and
        slowdown windows (service time multiplied by the window's factor).

    Examples
    --------
    >>> import numpy as np, simpy
    >>> from labkit.core.workloads import Constant
    >>> env = simpy.Environment()
    >>> svc = Service(env, servers=1, service_time=Constant(2.0), rng=np.random.default_rng(0))
    >>> results = []
    >>> def caller():
    ...     results.append((yield env.process(svc.call())))
    >>> _ = env.process(caller()); _ = env.process(caller()); env.run()
    >>> [(r.start_s, r.end_s) for r in results]
    [(0.0, 2.0), (2.0, 4.0)]
    """

    def __init__(self, env: simpy.Environment, *, servers: int = 1,
                 service_time: Distribution, rng: np.random.Generator,
                 faults: FaultSchedule | None = None, name: str = "service") -> None:
        self.env = env
        self.servers = check_int("servers", servers, minimum=1)
        if not hasattr(service_time, "sample"):
            raise TypeError("service_time must be a distribution such as Exponential(rate)")
        self.service_time = service_time
        self.rng = rng
        self.faults = faults or FaultSchedule()
        self.name = name
        self.resource = simpy.Resource(env, capacity=self.servers)
        self.calls = 0
        self._buffer = np.empty(0)
        self._next = 0

    def draw_service_time(self) -> float:
        """Next base service time from the stream (before any slowdown)."""
        if self._next >= len(self._buffer):
            self._buffer = self.service_time.sample(self.rng, _BLOCK)
            self._next = 0
        value = self._buffer[self._next]
        self._next += 1
        return float(value)

    @property
    def busy(self) -> int:
        """Workers serving a request now."""
        return self.resource.count

    @property
    def queued(self) -> int:
        """Requests waiting for a worker now."""
        return len(self.resource.queue)

    def call(self):
        """SimPy process: one request through the service; its value is a :class:`CallResult`."""
        env = self.env
        self.calls += 1
        outage = self.faults.outage_at(env.now)
        if outage is not None:
            start = env.now
            yield env.timeout(outage.latency_s)
            return CallResult(float(start), float(env.now), False, "unavailable")
        with self.resource.request() as req:
            yield req
            start = env.now
            duration = self.draw_service_time() * self.faults.slowdown_at(start)
            yield env.timeout(duration)
        return CallResult(float(start), float(env.now), True)


def feed_arrivals(env: simpy.Environment, times, on_arrival):
    """SimPy process: at each of the sorted arrival ``times`` (s), call ``on_arrival(i)``.

    The models that draw their arrivals up front replay them with this one process;
    ``on_arrival`` typically starts the request's own process.

    >>> env = simpy.Environment(); seen = []
    >>> _ = env.process(feed_arrivals(env, [0.5, 2.0], lambda i: seen.append((i, env.now))))
    >>> env.run(); seen
    [(0, 0.5), (1, 2.0)]
    """
    for i in range(len(times)):
        yield env.timeout(max(float(times[i]) - env.now, 0.0))
        on_arrival(i)


def run_queue(arrival_rate: float, service_rate: float, servers: int, n_requests: int,
              seed: int = 0) -> pd.DataFrame:
    """Simulate an M/M/c queue (Poisson arrivals, exponential service, FIFO) for ``n_requests``.

    Returns one row per request with ``request_id``, ``arrival_s``, ``start_s``, ``end_s``,
    ``wait_s`` (queueing delay) and ``latency_s`` (wait plus service), in arrival order.
    The queue need not be stable (``arrival_rate >= servers * service_rate`` simply grows the
    queue), but the run is finite.

    Examples
    --------
    >>> df = run_queue(arrival_rate=8, service_rate=10, servers=1, n_requests=1000, seed=1)
    >>> list(df.columns)
    ['request_id', 'arrival_s', 'start_s', 'end_s', 'wait_s', 'latency_s']
    >>> bool((df.start_s >= df.arrival_s).all())
    True
    """
    lam = check_positive("arrival_rate", arrival_rate)
    mu = check_positive("service_rate", service_rate)
    c = check_int("servers", servers, minimum=1)
    n = check_int("n_requests", n_requests, minimum=1)
    arrival_rng, service_rng = spawn_rngs(seed, 2)
    gaps = Exponential(lam).sample(arrival_rng, n)
    env = simpy.Environment()
    service = Service(env, servers=c, service_time=Exponential(mu), rng=service_rng)
    arrival = np.empty(n)
    start = np.empty(n)
    end = np.empty(n)

    def request(i: int):
        result = yield from service.call()
        start[i] = result.start_s
        end[i] = result.end_s

    def source():
        for i in range(n):
            yield env.timeout(gaps[i])
            arrival[i] = env.now
            env.process(request(i))

    env.process(source())
    env.run()
    return pd.DataFrame({
        "request_id": np.arange(n),
        "arrival_s": arrival,
        "start_s": start,
        "end_s": end,
        "wait_s": start - arrival,
        "latency_s": end - arrival,
    })
