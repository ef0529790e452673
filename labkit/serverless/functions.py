"""Lambda-style function instances: the SimFaaS scale-per-request model in SimPy.

The model (Mahmoudi & Khazaei, *SimFaaS*, CLOSER 2021; ``pacslab/simfaas`` 0.2.2):

- Poisson arrivals; one request per instance at a time.
- A request goes to an idle warm instance if there is one — the **most recently created** idle
  instance — and takes a warm service time (exponential, mean ``warm_service_s``). Otherwise a new
  instance starts and the request's whole response is a cold service time (exponential, mean
  ``cold_service_s`` >= ``warm_service_s``): initialisation plus processing.
- An instance idle for ``idle_timeout_s`` (deterministic, measured from the end of its last
  request) terminates; a request that reuses it before then cancels the expiry.
- A request that arrives while ``max_concurrency`` instances are busy is rejected (no queue).
- ``provisioned`` instances (provisioned concurrency) are initialised before the run, serve warm
  and never expire; they are used before on-demand instances.

Time averages (instances, running, idle) are areas under the count curves over ``[0, horizon_s)``
divided by the horizon, from an empty platform, as SimFaaS reports them. The cold-start and
rejection probabilities count every request that arrived, rejected ones included.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import simpy

from labkit.core.rng import spawn_rngs
from labkit.core.runner import Config, Result
from labkit.core.validation import check_expected_work, check_int, check_positive
from labkit.core.workloads import Exponential

__all__ = ["FunctionStats", "FunctionsConfig", "run_functions", "simulate_functions"]

#: The most requests one run may draw (arrival_rate x horizon_s): bounded work.
MAX_EXPECTED_REQUESTS = 5_000_000


@dataclass(frozen=True)
class FunctionsConfig(Config):
    """One function platform and its workload (SimFaaS's model; see the module docstring).

    ``arrival_rate`` (requests/s, Poisson) x ``horizon_s`` may not exceed 5,000,000 requests.

    >>> FunctionsConfig(arrival_rate=2.0, warm_service_s=0.2, cold_service_s=1.0).idle_timeout_s
    600.0
    >>> FunctionsConfig(warm_service_s=2.0, cold_service_s=1.0)
    Traceback (most recent call last):
    ...
    ValueError: cold_service_s must be >= warm_service_s (2), got 1
    """

    arrival_rate: float = 1.0
    warm_service_s: float = 0.2
    cold_service_s: float = 1.0
    idle_timeout_s: float = 600.0
    max_concurrency: int = 1000
    provisioned: int = 0
    horizon_s: float = 3600.0
    seed: int = 0

    def validate(self) -> None:
        check_positive("arrival_rate", self.arrival_rate)
        warm = check_positive("warm_service_s", self.warm_service_s)
        cold = check_positive("cold_service_s", self.cold_service_s)
        if cold < warm:
            raise ValueError(f"cold_service_s must be >= warm_service_s ({warm:g}), got {cold:g}")
        check_positive("idle_timeout_s", self.idle_timeout_s, allow_inf=True)
        cap = check_int("max_concurrency", self.max_concurrency, minimum=1)
        check_int("provisioned", self.provisioned, minimum=0, maximum=cap)
        horizon = check_positive("horizon_s", self.horizon_s)
        check_int("seed", self.seed, minimum=0)
        check_expected_work(self.arrival_rate, horizon, MAX_EXPECTED_REQUESTS,
                            what="expected requests")


@dataclass(frozen=True)
class FunctionStats(Result):
    """What one run of :func:`run_functions` measured.

    ``records`` (also ``requests``) has one row per request: ``arrival_s``, ``instance`` (-1
    when rejected), ``start`` ("warm", "cold" or "rejected"), ``response_s`` (NaN when
    rejected).
    """

    cold_start_prob: float
    rejection_prob: float
    mean_instances: float
    mean_running: float
    mean_idle: float
    utilization: float
    mean_response_s: float
    mean_lifespan_s: float
    n_requests: int
    n_cold: int
    n_rejected: int
    horizon_s: float
    requests: pd.DataFrame = field(repr=False)

    @property
    def records(self) -> pd.DataFrame:  # type: ignore[override]
        """One row per request (the runner convention's name for :attr:`requests`)."""
        return self.requests

    def to_frame(self) -> pd.DataFrame:
        return self.requests

    def peak_running(self) -> int:
        """Most requests in flight at once during the run (from the request log).

        >>> simulate_functions(1.0, 0.5, 1.0, 60, horizon_s=100, seed=2).peak_running() >= 1
        True
        """
        f = self.requests.dropna(subset=["response_s"])
        if f.empty:
            return 0
        starts = f.arrival_s.to_numpy()
        ends = starts + f.response_s.to_numpy()
        times = np.concatenate([starts, ends])
        steps = np.concatenate([np.ones(len(starts)), -np.ones(len(ends))])
        order = np.lexsort((steps, times))  # at equal times an end comes before a start
        return int(np.cumsum(steps[order]).max())

    def summary(self) -> dict[str, float]:
        """The headline numbers as plain numbers (for tables)."""
        return {
            "n_requests": self.n_requests,
            "cold_start_prob": self.cold_start_prob,
            "rejection_prob": self.rejection_prob,
            "mean_instances": self.mean_instances,
            "mean_running": self.mean_running,
            "mean_idle": self.mean_idle,
            "utilization": self.utilization,
            "mean_response_s": self.mean_response_s,
        }


def _poisson_arrivals(rng: np.random.Generator, rate: float, horizon: float) -> np.ndarray:
    """Poisson arrival times in ``[0, horizon)`` (exponential gaps drawn in one block)."""
    expected = rate * horizon
    gaps = Exponential(rate).sample(rng, int(expected + 10 * math.sqrt(expected) + 100))
    times = np.cumsum(gaps)
    while times[-1] < horizon:  # extremely unlikely; keep drawing until the horizon is covered
        more = np.cumsum(Exponential(rate).sample(rng, len(times))) + times[-1]
        times = np.concatenate([times, more])
    return times[times < horizon]


class _Platform:
    """The instances of one function: creation, newest-idle routing, expiry, busy time."""

    def __init__(self, keep: float, horizon: float, provisioned: int) -> None:
        self.keep = keep
        self.horizon = horizon
        self.created: list[float] = []     # creation time per instance id
        self.idle_since: list[float] = []  # when each instance last became idle
        self.terminated: list[float] = []
        self.expires: list[bool] = []
        self.idle_heap: list[int] = []     # -instance_id: newest-created idle instance on top
        self.idle_provisioned: list[int] = []  # idle provisioned instances (used first)
        self.busy_time = 0.0
        self.running = 0
        for _ in range(provisioned):
            self.idle_provisioned.append(self._new(0.0, expires=False))

    def _new(self, now: float, *, expires: bool) -> int:
        self.created.append(now)
        self.idle_since.append(now)
        self.terminated.append(math.inf)
        self.expires.append(expires)
        return len(self.created) - 1

    def take_idle(self, now: float) -> int | None:
        """An idle provisioned instance if any, else the newest-created idle on-demand instance
        still alive at ``now`` (expired ones met on the way are terminated)."""
        if self.idle_provisioned:
            return self.idle_provisioned.pop()
        while self.idle_heap:
            k = -heapq.heappop(self.idle_heap)
            if self.idle_since[k] + self.keep <= now:
                self.terminated[k] = self.idle_since[k] + self.keep
                continue
            return k
        return None

    def start(self, now: float) -> tuple[int, bool]:
        """The instance a request arriving at ``now`` runs on, and whether it is a cold start."""
        k = self.take_idle(now)
        self.running += 1
        if k is None:
            return self._new(now, expires=True), True
        return k, False

    def depart(self, arrival: float, now: float, k: int) -> None:
        """A request that arrived at ``arrival`` ends at ``now``: its instance becomes idle."""
        self.running -= 1
        self.busy_time += min(now, self.horizon) - min(arrival, self.horizon)
        self.idle_since[k] = now
        if self.expires[k]:
            heapq.heappush(self.idle_heap, -k)
        else:
            self.idle_provisioned.append(k)

    def close(self) -> None:
        """Instances still idle at the end expire at ``idle_since + keep``."""
        for k in range(len(self.created)):
            if self.terminated[k] == math.inf and self.expires[k]:
                self.terminated[k] = self.idle_since[k] + self.keep

    def mean_instances(self) -> float:
        h = self.horizon
        return sum(min(t, h) - min(c, h) for c, t in zip(self.created, self.terminated,
                                                          strict=True)) / h

    def lifespans(self) -> list[float]:
        return [self.terminated[k] - self.created[k] for k in range(len(self.created))
                if self.expires[k] and self.terminated[k] <= self.horizon]


def _serve(config: FunctionsConfig, arrivals: np.ndarray, warm_times: np.ndarray,
           cold_times: np.ndarray) -> tuple[_Platform, np.ndarray, np.ndarray, np.ndarray]:
    """Replay the arrivals through the platform in SimPy; per request: start kind, instance,
    response time."""
    n = len(arrivals)
    platform = _Platform(config.idle_timeout_s, config.horizon_s, config.provisioned)
    env = simpy.Environment()
    start_kind = np.empty(n, dtype=object)
    instance_of = np.full(n, -1, dtype=np.int64)
    response = np.full(n, np.nan)

    def source():
        previous = 0.0
        for i in range(n):
            t = float(arrivals[i])
            yield env.timeout(t - previous)
            previous = t
            if platform.running >= config.max_concurrency:
                start_kind[i] = "rejected"
                continue
            k, cold = platform.start(t)
            duration = float(cold_times[i] if cold else warm_times[i])
            start_kind[i] = "cold" if cold else "warm"
            instance_of[i] = k
            response[i] = duration
            env.timeout(duration).callbacks.append(
                lambda _event, t=t, k=k: platform.depart(t, float(env.now), k))

    env.process(source())
    env.run()
    platform.close()
    return platform, start_kind, instance_of, response


def run_functions(config: FunctionsConfig) -> FunctionStats:
    """Simulate a scale-per-request function platform (SimFaaS's model) for ``horizon_s``.

    Examples
    --------
    >>> s = run_functions(FunctionsConfig(arrival_rate=0.5, warm_service_s=1.0,
    ...                                   cold_service_s=2.0, horizon_s=2_000, seed=1))
    >>> 0 < s.cold_start_prob < 0.1, s.rejection_prob, list(s.records.columns)
    (True, 0.0, ['arrival_s', 'instance', 'start', 'response_s'])
    """
    if not isinstance(config, FunctionsConfig):
        raise TypeError(f"config must be a FunctionsConfig, got {type(config).__name__}")
    arrival_rng, warm_rng, cold_rng = spawn_rngs(config.seed, 3)
    arrivals = _poisson_arrivals(arrival_rng, config.arrival_rate, config.horizon_s)
    n = len(arrivals)
    warm_times = Exponential(1.0 / config.warm_service_s).sample(warm_rng, n)
    cold_times = Exponential(1.0 / config.cold_service_s).sample(cold_rng, n)
    platform, start_kind, instance_of, response = _serve(config, arrivals, warm_times,
                                                         cold_times)
    horizon = config.horizon_s
    mean_instances = platform.mean_instances()
    mean_running = platform.busy_time / horizon
    n_cold = int((start_kind == "cold").sum())
    n_rej = int((start_kind == "rejected").sum())
    ended = platform.lifespans()
    accepted = response[~np.isnan(response)]
    frame = pd.DataFrame({"arrival_s": arrivals, "instance": instance_of,
                          "start": pd.Categorical(start_kind, categories=["warm", "cold",
                                                                          "rejected"]),
                          "response_s": response})
    return FunctionStats(
        cold_start_prob=n_cold / n if n else float("nan"),
        rejection_prob=n_rej / n if n else float("nan"),
        mean_instances=mean_instances,
        mean_running=mean_running,
        mean_idle=mean_instances - mean_running,
        utilization=mean_running / mean_instances if mean_instances > 0 else float("nan"),
        mean_response_s=float(accepted.mean()) if len(accepted) else float("nan"),
        mean_lifespan_s=float(np.mean(ended)) if ended else float("nan"),
        n_requests=n, n_cold=n_cold, n_rejected=n_rej, horizon_s=horizon, requests=frame)


def simulate_functions(arrival_rate: float, warm_service_s: float, cold_service_s: float,
                       idle_timeout_s: float, max_concurrency: int = 1000,
                       horizon_s: float = 3600.0, seed: int = 0, *,
                       provisioned: int = 0) -> FunctionStats:
    """Simulate a scale-per-request function platform (SimFaaS's model) for ``horizon_s``.

    The public entry point with its original signature: it is
    ``run_functions(FunctionsConfig(...))``.

    Parameters
    ----------
    arrival_rate : float
        Requests per second (Poisson), > 0.
    warm_service_s, cold_service_s : float
        Mean warm response and mean cold response (initialisation included), > 0, with
        ``cold_service_s >= warm_service_s`` as SimFaaS requires.
    idle_timeout_s : float
        Keep-alive after a request finishes, > 0; ``math.inf`` keeps instances forever.
    max_concurrency : int
        Busy instances at which new requests are rejected (>= 1).
    horizon_s : float
        Arrivals during ``[0, horizon_s)``; statistics over the same window.
    seed : int
        Seed for arrivals and service times.
    provisioned : int
        Pre-initialised instances that never expire (0 to ``max_concurrency``).

    Examples
    --------
    >>> s = simulate_functions(0.5, 1.0, 2.0, 600, horizon_s=2_000, seed=1)
    >>> 0 < s.cold_start_prob < 0.1, s.rejection_prob
    (True, 0.0)
    """
    return run_functions(FunctionsConfig(
        arrival_rate=arrival_rate, warm_service_s=warm_service_s, cold_service_s=cold_service_s,
        idle_timeout_s=idle_timeout_s, max_concurrency=max_concurrency, provisioned=provisioned,
        horizon_s=horizon_s, seed=seed))
