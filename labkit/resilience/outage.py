"""The outage scenario: a caller whose dependency fails or slows down for a while.

Under the runner convention (:mod:`labkit.core.runner`): :class:`OutageConfig` describes one
seeded SimPy experiment and :func:`simulate_outage` runs it. Requests arrive at a caller, which
calls a dependency (a :class:`~labkit.core.service.Service`) with a timeout, optionally through a
circuit breaker and with a fallback answer. During the incident window the dependency either hangs
(an outage: calls get no answer until the caller's timeout) or slows down by a factor. The
:class:`OutageResult` holds one row per request (``records``) and the breaker's state
transitions, so a notebook can measure calls that reached the failing dependency, caller-visible
latency and errors, and time to recover; ``compare`` and ``replicate`` work on it.

Several caller instances (``instances``) model Lambda functions: each keeps its own breaker in
memory, or all share one breaker whose state lives in a table (``shared_state=True``), in which
case every permission check is a read and every recorded outcome a write.

:func:`run_outage_scenario` is the public entry point with its original keyword signature (a
thin wrapper that builds the configuration).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import simpy

from labkit.core.metrics import percentiles
from labkit.core.rng import spawn_rngs
from labkit.core.runner import Config, Result
from labkit.core.service import CallResult, Service, feed_arrivals
from labkit.core.validation import (
    check_choice,
    check_int,
    check_nonnegative,
    check_positive,
    check_window,
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

__all__ = ["OUTCOMES", "OutageConfig", "OutageResult", "compare_runs", "run_outage_scenario",
           "simulate_outage"]

Breaker = CircuitBreaker | ConsecutiveFailureBreaker
OUTCOMES = ("success", "failed", "rejected")
#: The most requests one run may simulate (arrival_rate x horizon_s).
MAX_EXPECTED_REQUESTS = 2_000_000


@dataclass(frozen=True)
class OutageConfig(Config):
    """One caller/dependency experiment.

    Fields
    ------
    breaker : None, a breaker, or a function returning a new breaker
        None runs without a breaker. With several ``instances`` and no shared state, pass a
        factory such as ``lambda: CircuitBreaker(window_size=20, minimum_calls=10)`` (a factory
        is also what makes replications independent: each run builds fresh breakers).
    arrival_rate : float
        Requests per second arriving at the caller (Poisson), > 0.
    horizon_s : float
        Length of the run (s); arrivals stop then and in-flight calls finish.
        ``arrival_rate * horizon_s`` is at most 2,000,000.
    incident_start_s, incident_end_s : float
        When the dependency misbehaves: ``0 <= start < end <= horizon_s``.
    kind : {"outage", "slowdown"}
        ``"outage"``: calls hang for ``hang_s`` with no answer (the caller's timeout fires);
        ``"slowdown"``: service times are multiplied by ``slowdown_factor``.
    servers, service_time
        The dependency's workers and normal service time (default log-normal, median 50 ms).
    timeout_s : float
        The caller's timeout per call (> 0).
    fallback, fallback_latency_s
        Answer rejected or failed calls from a fallback (a cached or default response) that
        takes ``fallback_latency_s``.
    instances : int
        Caller instances (e.g. Lambda execution environments); requests are spread round-robin.
    shared_state : bool
        All instances share one breaker (state in a table): reads and writes are counted.
    seed : int
        Seed for arrivals and service times.
    """

    breaker: Any = None
    arrival_rate: float = 50.0
    horizon_s: float = 300.0
    incident_start_s: float = 60.0
    incident_end_s: float = 150.0
    kind: str = "outage"
    slowdown_factor: float = 20.0
    servers: int = 8
    service_time: Distribution | None = None
    timeout_s: float = 1.0
    hang_s: float = 30.0
    fallback: bool = False
    fallback_latency_s: float = 0.002
    instances: int = 1
    shared_state: bool = False
    seed: int = 0

    def validate(self) -> None:
        b = self.breaker
        if b is not None and not isinstance(b, CircuitBreaker | ConsecutiveFailureBreaker) \
                and not callable(b):
            raise TypeError("breaker must be None, a breaker, or a function returning a new "
                            "breaker")
        lam = check_positive("arrival_rate", self.arrival_rate)
        horizon = check_positive("horizon_s", self.horizon_s)
        if lam * horizon > MAX_EXPECTED_REQUESTS:
            raise ValueError(f"arrival_rate * horizon_s must be at most "
                             f"{MAX_EXPECTED_REQUESTS:,} expected requests, got "
                             f"{lam * horizon:,.0f}")
        check_window("incident", self.incident_start_s, self.incident_end_s, horizon)
        check_choice("kind", self.kind, ("outage", "slowdown"))
        check_positive("slowdown_factor", self.slowdown_factor)
        check_int("servers", self.servers, minimum=1)
        if self.service_time is not None and not hasattr(self.service_time, "sample"):
            raise TypeError("service_time must be None or a distribution such as "
                            "LogNormal(0.05, 0.3)")
        check_positive("timeout_s", self.timeout_s)
        check_positive("hang_s", self.hang_s)
        check_nonnegative("fallback_latency_s", self.fallback_latency_s)
        n = check_int("instances", self.instances, minimum=1)
        for name in ("fallback", "shared_state"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if isinstance(b, CircuitBreaker | ConsecutiveFailureBreaker) and n > 1 \
                and not self.shared_state:
            raise ValueError("breaker must be a factory (a function returning a new breaker) "
                             "when instances > 1 and shared_state is False")
        check_int("seed", self.seed, minimum=0)

    @property
    def incident(self) -> tuple[float, float]:
        """``(incident_start_s, incident_end_s)``."""
        return (float(self.incident_start_s), float(self.incident_end_s))


@dataclass(frozen=True)
class OutageResult(Result):
    """One run of :func:`simulate_outage`.

    ``records``: one row per request — ``request_id``, ``instance``, ``arrival_s``, ``end_s``,
    ``latency_s``, ``outcome`` (success / failed / rejected), ``reached_dependency``,
    ``during_incident`` (the dependency was failing or slow when the call was made),
    ``fallback`` (the caller answered from its fallback), ``ok`` (the caller got an answer: a
    success or a fallback) and ``state_at_arrival``.
    ``transitions``: ``time_s``, ``instance``, ``from_state``, ``to_state``.
    """

    config: OutageConfig
    records: pd.DataFrame
    transitions: pd.DataFrame
    state_reads: int = 0
    state_writes: int = 0
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def requests(self) -> pd.DataFrame:
        """The records (the name this result had before the runner convention)."""
        return self.records

    @property
    def incident(self) -> tuple[float, float]:
        return self.config.incident

    @property
    def kind(self) -> str:
        return self.config.kind

    @property
    def horizon_s(self) -> float:
        return float(self.config.horizon_s)

    def to_frame(self) -> pd.DataFrame:
        return self.records

    @property
    def recovery_delay_s(self) -> float:
        """Seconds from the end of the incident to the first successful dependency call after it."""
        r = self.records
        after = r[(r.outcome == "success") & (r.arrival_s >= self.incident[1])]
        if after.empty:
            return float("nan")
        return float(after.arrival_s.min() - self.incident[1])

    def summary(self) -> dict[str, float]:
        """The numbers the lesson rests on, measured on this run.

        ``p50_latency_s``/``p99_latency_s`` are over every answered request (a rejection counts
        with its own, near-zero, latency); ``p50_success_latency_s``/``p99_success_latency_s``
        only over calls the dependency served successfully.
        """
        r = self.records
        lat = percentiles(r.latency_s, (50, 99))
        ok_latency = r.latency_s[r.outcome == "success"]
        ok = (percentiles(ok_latency, (50, 99)) if len(ok_latency)
              else {"p50": float("nan"), "p99": float("nan")})
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
            "p50_success_latency_s": ok["p50"],
            "p99_success_latency_s": ok["p99"],
            "recovery_delay_s": self.recovery_delay_s,
            "state_reads": self.state_reads,
            "state_writes": self.state_writes,
        }


def _make_breakers(breaker: Any, instances: int, shared: bool) -> list[Breaker | None]:
    """One breaker slot per caller instance (the same object when the state is shared)."""
    if breaker is None:
        return [None] * instances
    if isinstance(breaker, CircuitBreaker | ConsecutiveFailureBreaker):
        return [breaker] * instances
    if shared:
        one = breaker()
        return [one] * instances
    return [breaker() for _ in range(instances)]


def _incident_window(config: OutageConfig) -> FaultWindow:
    start, end = config.incident
    if config.kind == "outage":
        return FaultWindow(start, end, "outage", latency_s=config.hang_s)
    return FaultWindow(start, end, "slowdown", factor=config.slowdown_factor)


@dataclass
class _Fates:
    """What happened to each request, filled in by the caller processes."""

    end_s: np.ndarray
    outcome: np.ndarray
    reached: np.ndarray
    fallback: np.ndarray
    state_at_arrival: np.ndarray
    reads: int = 0
    writes: int = 0

    @classmethod
    def empty(cls, n: int) -> _Fates:
        return cls(np.zeros(n), np.empty(n, dtype=object), np.zeros(n, dtype=bool),
                   np.zeros(n, dtype=bool), np.empty(n, dtype=object))


def _call_free_worker(env: simpy.Environment, dependency: Service, timeout_s: float):
    """A call that finds a worker free (the common case): the same outcome as
    :func:`~labkit.resilience.timeout.call_with_timeout`, without its extra process.

    The worker is held for the whole service time; the caller gives up at ``timeout_s`` when
    the service takes longer (the abandoned work keeps the worker busy until it ends).
    """
    dependency.calls += 1
    started = float(env.now)
    req = dependency.resource.request()
    yield req
    duration = dependency.draw_service_time() * dependency.faults.slowdown_at(env.now)
    if duration <= timeout_s:
        yield env.timeout(duration)
        dependency.resource.release(req)
        return CallResult(started, float(env.now), True)
    yield env.timeout(timeout_s)
    env.timeout(duration - timeout_s).callbacks.append(
        lambda _event: dependency.resource.release(req))
    return CallResult(started, float(env.now), False, "timeout")


def _caller(env: simpy.Environment, config: OutageConfig, dependency: Service,
            breakers: list[Breaker | None], fates: _Fates) -> Callable[[int], Any]:
    """The caller's per-request SimPy process: ask the breaker, call with a timeout, record."""
    instances, shared, timeout = config.instances, config.shared_state, config.timeout_s
    hangs_past_timeout = config.kind == "outage" and config.hang_s >= timeout
    fallback, fb_latency = config.fallback, config.fallback_latency_s
    faults = dependency.faults
    resource, capacity = dependency.resource, dependency.servers

    def request(i: int):
        cb = breakers[i % instances]
        now = float(env.now)
        if cb is not None:
            permitted = cb.try_acquire(now)
            fates.state_at_arrival[i] = cb.state
            fates.reads += shared
        else:
            permitted, fates.state_at_arrival[i] = True, "none"
        if not permitted:
            fates.outcome[i] = "rejected"
        else:
            fates.reached[i] = True
            if hangs_past_timeout and faults.outage_at(now) is not None:
                # the dependency hangs past the caller's timeout: the caller gives up at it
                dependency.calls += 1
                yield env.timeout(timeout)
                result = CallResult(now, float(env.now), False, "timeout")
            elif resource.count < capacity and not resource.queue \
                    and faults.outage_at(now) is None:
                result = yield from _call_free_worker(env, dependency, timeout)
            else:
                result = yield env.process(call_with_timeout(env, dependency, timeout))
            if cb is not None:
                (cb.on_success if result.ok else cb.on_error)(float(env.now),
                                                              result.end_s - result.start_s)
                fates.writes += shared
            fates.outcome[i] = "success" if result.ok else "failed"
        if fallback and fates.outcome[i] != "success":
            fates.fallback[i] = True
            if fb_latency > 0:
                yield env.timeout(fb_latency)
        fates.end_s[i] = env.now

    return lambda i: env.process(request(i))


def _records(config: OutageConfig, arrivals: np.ndarray, fates: _Fates) -> pd.DataFrame:
    n = len(arrivals)
    start, end = config.incident
    return pd.DataFrame({
        "request_id": np.arange(n),
        "instance": np.arange(n) % config.instances,
        "arrival_s": arrivals,
        "end_s": fates.end_s,
        "latency_s": fates.end_s - arrivals,
        "outcome": pd.Categorical(fates.outcome, categories=OUTCOMES),
        "reached_dependency": fates.reached,
        "during_incident": (arrivals >= start) & (arrivals < end),
        "fallback": fates.fallback,
        "ok": (fates.outcome == "success") | fates.fallback,
        "state_at_arrival": fates.state_at_arrival,
    })


def _transitions(breakers: list[Breaker | None]) -> pd.DataFrame:
    seen: set[int] = set()
    rows = []
    for k, cb in enumerate(breakers):
        if cb is None or id(cb) in seen:
            continue
        seen.add(id(cb))
        rows += [(t, k, a, b) for t, a, b in cb.transitions]
    frame = pd.DataFrame(rows, columns=["time_s", "instance", "from_state", "to_state"])
    return frame.sort_values(["time_s", "instance"], kind="stable", ignore_index=True)


def simulate_outage(config: OutageConfig) -> OutageResult:
    """Run the caller/dependency experiment once and return every request's fate.

    Examples
    --------
    >>> from labkit.core.runner import compare
    >>> from labkit.resilience.breaker import CircuitBreaker
    >>> config = OutageConfig(arrival_rate=20, horizon_s=120, incident_start_s=30,
    ...                       incident_end_s=60, seed=3)
    >>> table = compare(simulate_outage, config, {
    ...     "no breaker": {},
    ...     "breaker": {"breaker": lambda: CircuitBreaker(window_size=20, minimum_calls=10,
    ...                                                   wait_in_open_s=5)}})
    >>> bool(table.loc["breaker", "calls_during_incident"]
    ...      < table.loc["no breaker", "calls_during_incident"])
    True
    """
    if not isinstance(config, OutageConfig):
        raise TypeError(f"config must be an OutageConfig, got {type(config).__name__}")
    breakers = _make_breakers(config.breaker, config.instances, config.shared_state)
    arrival_rng, service_rng = spawn_rngs(config.seed, 2)
    arrivals = poisson_arrivals(config.arrival_rate, config.horizon_s, arrival_rng)
    env = simpy.Environment()
    dependency = Service(env, servers=config.servers,
                         service_time=config.service_time or LogNormal(0.05, 0.3),
                         rng=service_rng, faults=FaultSchedule((_incident_window(config),)))
    fates = _Fates.empty(len(arrivals))
    env.process(feed_arrivals(env, arrivals, _caller(env, config, dependency, breakers, fates)))
    env.run()
    return OutageResult(config, _records(config, arrivals, fates), _transitions(breakers),
                        fates.reads, fates.writes,
                        {"arrival_rate": float(config.arrival_rate),
                         "timeout_s": float(config.timeout_s),
                         "instances": config.instances, "shared_state": config.shared_state,
                         "fallback": config.fallback})


def run_outage_scenario(breaker: Breaker | Callable[[], Breaker] | None = None, *,
                        arrival_rate: float = 50.0, horizon_s: float = 300.0,
                        incident: tuple[float, float] = (60.0, 150.0), kind: str = "outage",
                        slowdown_factor: float = 20.0, servers: int = 8,
                        service_time: Distribution | None = None, timeout_s: float = 1.0,
                        hang_s: float = 30.0, fallback: bool = False,
                        fallback_latency_s: float = 0.002, instances: int = 1,
                        shared_state: bool = False, seed: int = 0) -> OutageResult:
    """The public entry point: :func:`simulate_outage` with keyword arguments.

    ``incident`` is the ``(start_s, end_s)`` pair; every other argument is the
    :class:`OutageConfig` field of the same name.

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
    if not (isinstance(incident, tuple | list) and len(incident) == 2):
        raise TypeError("incident must be a (start_s, end_s) pair")
    return simulate_outage(OutageConfig(
        breaker=breaker, arrival_rate=arrival_rate, horizon_s=horizon_s,
        incident_start_s=incident[0], incident_end_s=incident[1], kind=kind,
        slowdown_factor=slowdown_factor, servers=servers, service_time=service_time,
        timeout_s=timeout_s, hang_s=hang_s, fallback=fallback,
        fallback_latency_s=fallback_latency_s, instances=instances, shared_state=shared_state,
        seed=seed))


def compare_runs(runs: dict[str, OutageResult]) -> pd.DataFrame:
    """Deprecated: one row per labelled run with its summary.

    Use ``labkit.core.runner.compare(simulate_outage, config, variants)``, which runs the
    variants itself.

    >>> import warnings
    >>> a = run_outage_scenario(arrival_rate=5, horizon_s=40, incident=(10, 20), seed=1)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     list(compare_runs({"no breaker": a}).index)
    ['no breaker']
    """
    warnings.warn("compare_runs is deprecated since labkit 0.2 and will be removed in the next "
                  "release; use labkit.core.runner.compare(simulate_outage, config, variants) "
                  "instead", DeprecationWarning, stacklevel=2)
    if not runs:
        raise ValueError("runs must hold at least one labelled OutageResult")
    return pd.DataFrame.from_dict({name: r.summary() for name, r in runs.items()}, orient="index")
