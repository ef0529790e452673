"""The outage scenario: a caller whose dependency fails or slows down for a while.

:func:`run_outage_scenario` runs one seeded SimPy experiment: requests arrive at a caller, which
calls a dependency (a :class:`~labkit.core.service.Service`) with a timeout, optionally through a
circuit breaker and with a fallback answer. During the incident window the dependency either hangs
(an outage: calls get no answer until the caller's timeout) or slows down by a factor. The result
holds one row per request and the breaker's state transitions, so a notebook can measure calls
that reached the failing dependency, caller-visible latency and errors, and time to recover.

Several caller instances (``instances``) model Lambda functions: each keeps its own breaker in
memory, or all share one breaker whose state lives in a table (``shared_state=True``), in which
case every permission check is a read and every recorded outcome a write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import simpy

from labkit.core.metrics import percentiles
from labkit.core.rng import spawn_rngs
from labkit.core.service import CallResult, Service, feed_arrivals
from labkit.core.validation import (
    check_choice,
    check_int,
    check_nonnegative,
    check_positive,
)
from labkit.core.workloads import (
    Distribution,
    FaultSchedule,
    FaultWindow,
    LogNormal,
    poisson_arrivals,
)
from labkit.resilience.breaker import CircuitBreaker, ConsecutiveFailureBreaker
from labkit.resilience.timeout import call_with_timeout

__all__ = ["OutageResult", "compare_runs", "run_outage_scenario"]

Breaker = CircuitBreaker | ConsecutiveFailureBreaker
OUTCOMES = ("success", "failed", "rejected")


@dataclass(frozen=True)
class OutageResult:
    """One run of :func:`run_outage_scenario`.

    ``requests``: one row per request — ``request_id``, ``instance``, ``arrival_s``, ``end_s``,
    ``latency_s``, ``outcome`` (success / failed / rejected), ``reached_dependency``,
    ``during_incident`` (the dependency was failing or slow when the call was made),
    ``fallback`` (the caller answered from its fallback), ``ok`` (the caller got an answer: a
    success or a fallback) and ``state_at_arrival``.
    ``transitions``: ``time_s``, ``instance``, ``from_state``, ``to_state``.
    """

    requests: pd.DataFrame
    transitions: pd.DataFrame
    incident: tuple[float, float]
    kind: str
    horizon_s: float
    state_reads: int = 0
    state_writes: int = 0
    settings: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        return self.requests

    @property
    def recovery_delay_s(self) -> float:
        """Seconds from the end of the incident to the first successful dependency call after it."""
        r = self.requests
        after = r[(r.outcome == "success") & (r.arrival_s >= self.incident[1])]
        if after.empty:
            return float("nan")
        return float(after.arrival_s.min() - self.incident[1])

    def summary(self) -> dict[str, float]:
        """The numbers the lesson rests on, measured on this run."""
        r = self.requests
        lat = percentiles(r.latency_s, (50, 99))
        incident = r[r.during_incident]
        return {
            "requests": int(len(r)),
            "succeeded": int((r.outcome == "success").sum()),
            "failed": int((r.outcome == "failed").sum()),
            "rejected": int((r.outcome == "rejected").sum()),
            "calls_to_dependency": int(r.reached_dependency.sum()),
            "calls_during_incident": int(incident.reached_dependency.sum()),
            "error_rate": float(1.0 - r.ok.mean()),
            "p50_latency_s": lat["p50"],
            "p99_latency_s": lat["p99"],
            "recovery_delay_s": self.recovery_delay_s,
            "state_reads": self.state_reads,
            "state_writes": self.state_writes,
        }


def compare_runs(runs: dict[str, OutageResult]) -> pd.DataFrame:
    """One row per labelled run with its :meth:`OutageResult.summary`.

    >>> a = run_outage_scenario(arrival_rate=5, horizon_s=40, incident=(10, 20), seed=1)
    >>> list(compare_runs({"no breaker": a}).index)
    ['no breaker']
    """
    if not runs:
        raise ValueError("runs must hold at least one labelled OutageResult")
    return pd.DataFrame.from_dict({name: r.summary() for name, r in runs.items()}, orient="index")


def _make_breakers(breaker: Any, instances: int, shared: bool) -> list[Breaker | None]:
    if breaker is None:
        return [None] * instances
    if isinstance(breaker, CircuitBreaker | ConsecutiveFailureBreaker):
        if instances > 1 and not shared:
            raise ValueError("breaker must be a factory (a function returning a new breaker) "
                             "when instances > 1 and shared_state is False")
        return [breaker] * instances
    if not callable(breaker):
        raise TypeError("breaker must be None, a breaker, or a function returning a new breaker")
    if shared:
        one = breaker()
        return [one] * instances
    return [breaker() for _ in range(instances)]


def run_outage_scenario(breaker: Breaker | Callable[[], Breaker] | None = None, *,
                        arrival_rate: float = 50.0, horizon_s: float = 300.0,
                        incident: tuple[float, float] = (60.0, 150.0), kind: str = "outage",
                        slowdown_factor: float = 20.0, servers: int = 8,
                        service_time: Distribution | None = None, timeout_s: float = 1.0,
                        hang_s: float = 30.0, fallback: bool = False,
                        fallback_latency_s: float = 0.002, instances: int = 1,
                        shared_state: bool = False, seed: int = 0) -> OutageResult:
    """Run the caller/dependency experiment once and return every request's fate.

    Parameters
    ----------
    breaker : None, a breaker, or a function returning a new breaker
        None runs without a breaker. With several ``instances`` and no shared state, pass a
        factory such as ``lambda: CircuitBreaker(window_size=20, minimum_calls=10)``.
    arrival_rate : float
        Requests per second arriving at the caller (Poisson), > 0.
    horizon_s : float
        Length of the run (s); arrivals stop then and in-flight calls finish.
    incident : (start_s, end_s)
        When the dependency misbehaves, inside [0, horizon_s].
    kind : {"outage", "slowdown"}
        ``"outage"``: calls hang for ``hang_s`` with no answer (the caller's timeout fires);
        ``"slowdown"``: service times are multiplied by ``slowdown_factor``.
    servers, service_time
        The dependency's workers and normal service time (default log-normal, median 50 ms).
    timeout_s : float
        The caller's timeout per call (> 0).
    fallback : bool
        Answer rejected or failed calls from a fallback (a cached or default response) that takes
        ``fallback_latency_s``.
    instances : int
        Caller instances (e.g. Lambda execution environments); requests are spread round-robin.
    shared_state : bool
        All instances share one breaker (state in a table): reads and writes are counted.
    seed : int
        Seed for arrivals and service times.

    Examples
    --------
    >>> from labkit.resilience.breaker import CircuitBreaker
    >>> plain = run_outage_scenario(arrival_rate=20, horizon_s=120, incident=(30, 60), seed=3)
    >>> guarded = run_outage_scenario(lambda: CircuitBreaker(window_size=20, minimum_calls=10,
    ...                               wait_in_open_s=5), arrival_rate=20, horizon_s=120,
    ...                               incident=(30, 60), seed=3)
    >>> guarded.summary()["calls_during_incident"] < plain.summary()["calls_during_incident"]
    True
    """
    lam = check_positive("arrival_rate", arrival_rate)
    horizon = check_positive("horizon_s", horizon_s)
    if not (isinstance(incident, tuple | list) and len(incident) == 2):
        raise TypeError("incident must be a (start_s, end_s) pair")
    start, end = (check_nonnegative("incident start_s", incident[0]),
                  check_nonnegative("incident end_s", incident[1]))
    if not start < end <= horizon:
        raise ValueError(f"incident must satisfy 0 <= start_s < end_s <= horizon_s ({horizon:g}), "
                         f"got ({start:g}, {end:g})")
    kind = check_choice("kind", kind, ("outage", "slowdown"))
    factor = check_positive("slowdown_factor", slowdown_factor)
    timeout = check_positive("timeout_s", timeout_s)
    hang = check_positive("hang_s", hang_s)
    fb_latency = check_nonnegative("fallback_latency_s", fallback_latency_s)
    n_instances = check_int("instances", instances, minimum=1)
    if not isinstance(fallback, bool) or not isinstance(shared_state, bool):
        raise TypeError("fallback and shared_state must be True or False")
    window = (FaultWindow(start, end, "outage", latency_s=hang) if kind == "outage"
              else FaultWindow(start, end, "slowdown", factor=factor))
    breakers = _make_breakers(breaker, n_instances, shared_state)

    arrival_rng, service_rng = spawn_rngs(seed, 2)
    arrivals = poisson_arrivals(lam, horizon, arrival_rng)
    env = simpy.Environment()
    dependency = Service(env, servers=servers,
                         service_time=service_time or LogNormal(0.05, 0.3),
                         rng=service_rng, faults=FaultSchedule((window,)))
    n = len(arrivals)
    end_s = np.zeros(n)
    outcome = np.empty(n, dtype=object)
    reached = np.zeros(n, dtype=bool)
    used_fallback = np.zeros(n, dtype=bool)
    state_at_arrival = np.empty(n, dtype=object)
    counters = {"reads": 0, "writes": 0}

    def request(i: int):
        cb = breakers[i % n_instances]
        now = float(env.now)
        if cb is not None:
            permitted = cb.try_acquire(now)
            state_at_arrival[i] = cb.state
            if shared_state:
                counters["reads"] += 1
        else:
            permitted, state_at_arrival[i] = True, "none"
        if not permitted:
            outcome[i] = "rejected"
        else:
            reached[i] = True
            if dependency.faults.outage_at(now) is not None and hang >= timeout:
                # the dependency hangs past the caller's timeout: the caller gives up at it
                dependency.calls += 1
                yield env.timeout(timeout)
                result = CallResult(now, float(env.now), False, "timeout")
            else:
                result = yield env.process(call_with_timeout(env, dependency, timeout))
            duration = result.end_s - result.start_s
            if cb is not None:
                (cb.on_success if result.ok else cb.on_error)(float(env.now), duration)
                if shared_state:
                    counters["writes"] += 1
            outcome[i] = "success" if result.ok else "failed"
        if outcome[i] != "success" and fallback:
            used_fallback[i] = True
            if fb_latency > 0:
                yield env.timeout(fb_latency)
        end_s[i] = env.now

    env.process(feed_arrivals(env, arrivals, lambda i: env.process(request(i))))
    env.run()

    frame = pd.DataFrame({
        "request_id": np.arange(n),
        "instance": np.arange(n) % n_instances,
        "arrival_s": arrivals,
        "end_s": end_s,
        "latency_s": end_s - arrivals,
        "outcome": pd.Categorical(outcome, categories=OUTCOMES),
        "reached_dependency": reached,
        "during_incident": (arrivals >= start) & (arrivals < end),
        "fallback": used_fallback,
        "ok": (outcome == "success") | used_fallback,
        "state_at_arrival": state_at_arrival,
    })
    seen: set[int] = set()
    rows = []
    for k, cb in enumerate(breakers):
        if cb is None or id(cb) in seen:
            continue
        seen.add(id(cb))
        rows += [(t, k, a, b) for t, a, b in cb.transitions]
    transitions = pd.DataFrame(rows, columns=["time_s", "instance", "from_state", "to_state"])
    transitions = transitions.sort_values(["time_s", "instance"], kind="stable",
                                          ignore_index=True)
    return OutageResult(frame, transitions, (start, end), kind, horizon,
                        counters["reads"], counters["writes"],
                        {"arrival_rate": lam, "timeout_s": timeout, "instances": n_instances,
                         "shared_state": shared_state, "fallback": fallback})
