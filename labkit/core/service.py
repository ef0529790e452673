"""A SimPy service: ``servers`` workers, a service-time distribution and a fault schedule.

:class:`Service` is the building block every model in the lab uses for "a thing that serves
requests": a dependency behind a circuit breaker, a microservice, a pool behind a bulkhead.
:func:`simulate_queue` runs the plain M/M/c queue with it (exponential arrivals and service, FIFO)
under the runner convention (:class:`QueueConfig` → :class:`QueueResult`); :func:`run_queue` is
the same run with the public entry point's original signature.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from labkit.core.rng import spawn_rngs
from labkit.core.runner import Config, Result
from labkit.core.validation import check_int, check_limit, check_positive
from labkit.core.workloads import Distribution, Exponential, FaultSchedule

__all__ = ["CallResult", "QueueConfig", "QueueResult", "Service", "feed_arrivals", "run_queue",
           "simulate_queue"]

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


MAX_QUEUE_REQUESTS = 5_000_000


@dataclass(frozen=True)
class QueueConfig(Config):
    """An M/M/c queue: Poisson arrivals, exponential service, ``servers`` FIFO servers.

    ``arrival_rate`` and ``service_rate`` are per second (per server for the service); the run
    serves ``n_requests`` requests (1 to 5,000,000). The queue need not be stable
    (``arrival_rate >= servers * service_rate`` simply grows the queue); the run is finite.
    """

    arrival_rate: float = 8.0
    service_rate: float = 10.0
    servers: int = 1
    n_requests: int = 10_000
    seed: int = 0

    def validate(self) -> None:
        check_positive("arrival_rate", self.arrival_rate)
        check_positive("service_rate", self.service_rate)
        check_int("servers", self.servers, minimum=1)
        check_limit("n_requests", self.n_requests, MAX_QUEUE_REQUESTS, minimum=1)
        check_int("seed", self.seed, minimum=0)


@dataclass(frozen=True)
class QueueResult(Result):
    """One M/M/c run: ``records`` has one row per request, in arrival order."""

    config: QueueConfig
    records: pd.DataFrame

    def summary(self) -> dict[str, float | int]:
        """Requests served, mean and p99 wait and latency (s), and the last departure (s)."""
        r = self.records
        return {
            "n_requests": len(r),
            "mean_wait_s": float(r["wait_s"].mean()),
            "p99_wait_s": float(r["wait_s"].quantile(0.99)),
            "mean_latency_s": float(r["latency_s"].mean()),
            "p99_latency_s": float(r["latency_s"].quantile(0.99)),
            "makespan_s": float(r["end_s"].max()),
        }


def simulate_queue(config: QueueConfig) -> QueueResult:
    """Run an M/M/c queue described by ``config`` (the runner convention of labkit).

    Examples
    --------
    >>> result = simulate_queue(QueueConfig(arrival_rate=8, service_rate=10, n_requests=1000,
    ...                                     seed=1))
    >>> bool((result.records.start_s >= result.records.arrival_s).all())
    True
    >>> round(result.summary()["mean_wait_s"], 3)
    0.34
    """
    if not isinstance(config, QueueConfig):
        raise TypeError(f"config must be a QueueConfig, got {type(config).__name__}")
    n = config.n_requests
    arrival_rng, service_rng = spawn_rngs(config.seed, 2)
    gaps = Exponential(config.arrival_rate).sample(arrival_rng, n)
    env = simpy.Environment()
    service = Service(env, servers=config.servers, service_time=Exponential(config.service_rate),
                      rng=service_rng)
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
    records = pd.DataFrame({
        "arrival_s": arrival,
        "start_s": start,
        "end_s": end,
        "wait_s": start - arrival,
        "latency_s": end - arrival,
    })
    records.index.name = "request_id"
    return QueueResult(config, records)


def run_queue(arrival_rate: float, service_rate: float, servers: int, n_requests: int,
              seed: int = 0) -> pd.DataFrame:
    """Simulate an M/M/c queue (Poisson arrivals, exponential service, FIFO) for ``n_requests``.

    A public entry point kept with its original signature: it is
    ``simulate_queue(QueueConfig(...)).records`` with ``request_id`` as the first column.
    Returns one row per request with ``request_id``, ``arrival_s``, ``start_s``, ``end_s``,
    ``wait_s`` (queueing delay) and ``latency_s`` (wait plus service), in arrival order.

    Examples
    --------
    >>> df = run_queue(arrival_rate=8, service_rate=10, servers=1, n_requests=1000, seed=1)
    >>> list(df.columns)
    ['request_id', 'arrival_s', 'start_s', 'end_s', 'wait_s', 'latency_s']
    >>> bool((df.start_s >= df.arrival_s).all())
    True
    """
    config = QueueConfig(arrival_rate=arrival_rate, service_rate=service_rate, servers=servers,
                         n_requests=n_requests, seed=seed)
    return simulate_queue(config).records.reset_index()
