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
from labkit.core.validation import check_int, check_positive
from labkit.core.workloads import Exponential

__all__ = ["FunctionStats", "simulate_functions"]


@dataclass(frozen=True)
class FunctionStats:
    """What one run of :func:`simulate_functions` measured.

    ``requests`` has one row per request: ``arrival_s``, ``instance`` (-1 when rejected),
    ``start`` ("warm", "cold" or "rejected"), ``response_s`` (NaN when rejected).
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
        """The headline numbers as plain floats (for tables)."""
        return {
            "requests": self.n_requests,
            "cold_start_prob": self.cold_start_prob,
            "rejection_prob": self.rejection_prob,
            "mean_instances": self.mean_instances,
            "mean_running": self.mean_running,
            "mean_idle": self.mean_idle,
            "utilization": self.utilization,
            "mean_response_s": self.mean_response_s,
        }


def simulate_functions(arrival_rate: float, warm_service_s: float, cold_service_s: float,
                       idle_timeout_s: float, max_concurrency: int = 1000,
                       horizon_s: float = 3600.0, seed: int = 0, *,
                       provisioned: int = 0) -> FunctionStats:
    """Simulate a scale-per-request function platform (SimFaaS's model) for ``horizon_s``.

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
    lam = check_positive("arrival_rate", arrival_rate)
    warm = check_positive("warm_service_s", warm_service_s)
    cold = check_positive("cold_service_s", cold_service_s)
    if cold < warm:
        raise ValueError(f"cold_service_s must be >= warm_service_s ({warm:g}), got {cold:g}")
    keep = check_positive("idle_timeout_s", idle_timeout_s, allow_inf=True)
    cap = check_int("max_concurrency", max_concurrency, minimum=1)
    horizon = check_positive("horizon_s", horizon_s)
    n_prov = check_int("provisioned", provisioned, minimum=0, maximum=cap)

    arrival_rng, warm_rng, cold_rng = spawn_rngs(seed, 3)
    expected = lam * horizon
    gaps = Exponential(lam).sample(arrival_rng, int(expected + 10 * math.sqrt(expected) + 100))
    times = np.cumsum(gaps)
    while times[-1] < horizon:  # extremely unlikely; keep drawing until the horizon is covered
        more = np.cumsum(Exponential(lam).sample(arrival_rng, len(times))) + times[-1]
        times = np.concatenate([times, more])
    arrivals = times[times < horizon]
    n = len(arrivals)
    warm_times = Exponential(1.0 / warm).sample(warm_rng, n)
    cold_times = Exponential(1.0 / cold).sample(cold_rng, n)

    env = simpy.Environment()
    created: list[float] = []     # creation time per instance id
    idle_since: list[float] = []  # when each instance last became idle
    terminated: list[float] = []
    expires: list[bool] = []
    idle_heap: list[int] = []     # -instance_id: newest-created idle on-demand instance on top
    idle_provisioned: list[int] = []  # idle provisioned instances (used first, never expire)
    busy_time = 0.0
    running = 0
    start_kind = np.empty(n, dtype=object)
    instance_of = np.full(n, -1, dtype=np.int64)
    response = np.full(n, np.nan)

    for _ in range(n_prov):
        created.append(0.0)
        idle_since.append(0.0)
        terminated.append(math.inf)
        expires.append(False)
        idle_provisioned.append(len(created) - 1)

    def take_idle(now: float) -> int | None:
        """An idle provisioned instance if any, else the newest-created idle on-demand instance
        still alive at ``now`` (expired ones met on the way are terminated)."""
        if idle_provisioned:
            return idle_provisioned.pop()
        while idle_heap:
            k = -idle_heap[0]
            if expires[k] and idle_since[k] + keep <= now:
                heapq.heappop(idle_heap)
                terminated[k] = idle_since[k] + keep
                continue
            heapq.heappop(idle_heap)
            return k
        return None

    def depart(i: int, k: int) -> None:
        """A request ends: its instance becomes idle (a timeout callback, not a process)."""
        nonlocal busy_time, running
        running -= 1
        busy_time += min(float(env.now), horizon) - min(arrivals[i], horizon)
        idle_since[k] = float(env.now)
        if expires[k]:
            heapq.heappush(idle_heap, -k)
        else:
            idle_provisioned.append(k)

    def source():
        nonlocal running
        previous = 0.0
        for i in range(n):
            t = float(arrivals[i])
            yield env.timeout(t - previous)
            previous = t
            if running >= cap:
                start_kind[i] = "rejected"
                continue
            k = take_idle(t)
            if k is None:
                created.append(t)
                idle_since.append(t)
                terminated.append(math.inf)
                expires.append(True)
                k = len(created) - 1
                duration, start_kind[i] = float(cold_times[i]), "cold"
            else:
                duration, start_kind[i] = float(warm_times[i]), "warm"
            running += 1
            instance_of[i] = k
            response[i] = duration
            env.timeout(duration).callbacks.append(lambda _event, i=i, k=k: depart(i, k))

    env.process(source())
    env.run()

    # Instances still idle at the end expire at idle_since + keep (if that comes after the run).
    for k in range(len(created)):
        if terminated[k] == math.inf and expires[k]:
            terminated[k] = idle_since[k] + keep
    lifetimes = np.array([min(terminated[k], horizon) - min(created[k], horizon)
                          for k in range(len(created))])
    instance_area = float(lifetimes.sum())
    mean_instances = instance_area / horizon
    mean_running = busy_time / horizon
    n_cold = int((start_kind == "cold").sum())
    n_rej = int((start_kind == "rejected").sum())
    ended = [terminated[k] - created[k] for k in range(len(created))
             if expires[k] and terminated[k] <= horizon]
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
