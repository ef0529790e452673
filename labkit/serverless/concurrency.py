"""Lambda concurrency: account limit, scaling rate, reserved and provisioned concurrency, 429s.

The rules (Lambda Developer Guide: lambda-concurrency.html, scaling-behavior.html,
configuration-concurrency.html, provisioned-concurrency.html under
https://docs.aws.amazon.com/lambda/latest/dg/):

- **Account concurrency**: at most ``account_limit`` requests in flight across all functions of
  a Region (default 1,000).
- **Reserved concurrency**: a function with ``reserved=r`` may have at most ``r`` in flight and
  those ``r`` are kept for it; all reservations together may leave no less than 100 for the
  other functions (``account_limit - 100``). ``reserved=0`` stops the function.
- **Scaling rate**: each function may add at most 1,000 execution environments every 10 s,
  refilled continuously (100 per second) and never saved beyond 1,000.
- **Provisioned concurrency**: ``provisioned`` environments are initialised in advance; they
  serve without a cold start; above them the function scales on demand.
- A request over any limit is refused with ``TooManyRequestsException`` (HTTP **429**) and a
  ``reason``: ``ReservedFunctionConcurrentInvocationLimitExceeded``,
  ``ConcurrentInvocationLimitExceeded``, or — for the scaling rate, which the Lambda guide
  describes only as a 429 throttle — labkit's label ``ScalingRateExceeded``.

Environments, once created, stay warm for the run (bursts last seconds, keep-alive minutes; see
:func:`labkit.serverless.simulate_functions` for expiry). Pure, clock-injected logic.

Classes
    LambdaScaling, InvokeDecision
Functions
    simulate_lambda_burst (configuration LambdaBurstConfig): a seeded burst through an optional
    API Gateway stage throttle. Behind API Gateway a Lambda throttle reaches the client as
    **500** (the invocation was rejected), not 429; API Gateway's own throttle is 429
    (Lambda Developer Guide, services-apigateway.html; API Gateway Developer Guide,
    api-gateway-request-throttling.html).
Constants
    ACCOUNT_CONCURRENCY, SCALING_ENVIRONMENTS_PER_10S, UNRESERVED_MINIMUM
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from labkit.core.rng import spawn_rngs
from labkit.core.runner import Config, Result, deprecated_alias
from labkit.core.validation import (
    check_choice,
    check_expected_work,
    check_int,
    check_nonnegative,
    check_positive,
)
from labkit.core.workloads import Exponential, piecewise_poisson_arrivals
from labkit.serverless.gateway import ApiGatewayThrottle, TokenBucket

__all__ = [
    "ACCOUNT_CONCURRENCY",
    "InvokeDecision",
    "LambdaBurstConfig",
    "LambdaBurstResult",
    "LambdaScaling",
    "SCALING_ENVIRONMENTS_PER_10S",
    "UNRESERVED_MINIMUM",
    "run_lambda_burst",
    "simulate_lambda_burst",
]

ACCOUNT_CONCURRENCY = 1000
SCALING_ENVIRONMENTS_PER_10S = 1000
UNRESERVED_MINIMUM = 100

RESERVED_LIMIT = "ReservedFunctionConcurrentInvocationLimitExceeded"
ACCOUNT_LIMIT = "ConcurrentInvocationLimitExceeded"
SCALING_LIMIT = "ScalingRateExceeded"

#: What a client of API Gateway receives when Lambda rejects the invocation (a throttle).
GATEWAY_STATUS_FOR_LAMBDA_THROTTLE = 500
MAX_BURST_REQUESTS = 1_000_000


@dataclass(frozen=True)
class InvokeDecision:
    """One invocation's fate: ``allowed``, ``status`` (200 or 429), ``reason`` ("" if allowed),
    ``start`` ("provisioned", "warm", "cold" or "" when throttled)."""

    allowed: bool
    status: int
    reason: str
    start: str


@dataclass
class _Function:
    reserved: int | None
    provisioned: int
    environments: int
    scaler: TokenBucket
    busy_provisioned: int = 0


class LambdaScaling:
    """Lambda concurrency of one account in one Region, with execution environments.

    Reservations and the shared unreserved pool are kept by
    :class:`labkit.resilience.LambdaConcurrency` (the bulkhead notebook's model); this class adds
    what a burst meets on top of them: the per-function scaling rate and provisioned
    environments, so each admitted request also says whether it started ``"provisioned"``,
    ``"warm"`` or ``"cold"``.

    Examples
    --------
    >>> acct = LambdaScaling(account_limit=1000)
    >>> acct.add_function("orders", reserved=2, provisioned=1)
    >>> [acct.try_start("orders", 0.0).start for _ in range(2)]
    ['provisioned', 'cold']
    >>> acct.try_start("orders", 0.0).reason
    'ReservedFunctionConcurrentInvocationLimitExceeded'
    >>> acct.finish("orders", 1.0, "provisioned"); acct.try_start("orders", 1.0).start
    'provisioned'
    """

    def __init__(self, account_limit: int = ACCOUNT_CONCURRENCY, *,
                 scaling_per_10s: int = SCALING_ENVIRONMENTS_PER_10S,
                 unreserved_minimum: int = UNRESERVED_MINIMUM) -> None:
        from labkit.resilience.concurrency import LambdaConcurrency

        self.account_limit = check_int("account_limit", account_limit, minimum=1)
        self.scaling_per_10s = check_int("scaling_per_10s", scaling_per_10s, minimum=1)
        self._books = LambdaConcurrency(self.account_limit, unreserved_minimum)
        self._functions: dict[str, _Function] = {}

    # -- configuration -------------------------------------------------------------------------
    @property
    def unreserved_limit(self) -> int:
        """Concurrency shared by functions without a reservation
        (``UnreservedConcurrentExecutions``)."""
        return self._books.unreserved_capacity

    def add_function(self, name: str, *, reserved: int | None = None,
                     provisioned: int = 0) -> None:
        """Register a function with optional reserved and provisioned concurrency.

        A reservation that would leave the unreserved pool below its minimum raises
        :class:`labkit.resilience.ReservationError` (a ``ValueError``).
        """
        if not isinstance(name, str) or not name:
            raise ValueError(f"name must be a non-empty string, got {name!r}")
        if name in self._functions:
            raise ValueError(f"function {name!r} is already registered")
        cap = self.account_limit
        if reserved is not None:
            check_int("reserved", reserved, minimum=0, maximum=self.account_limit)
            self._books.reserve(name, reserved)
            cap = int(reserved)
        provisioned = check_int("provisioned", provisioned, minimum=0, maximum=cap)
        rate = self.scaling_per_10s / 10.0
        self._functions[name] = _Function(reserved, provisioned, provisioned,
                                          TokenBucket(rate, self.scaling_per_10s))

    def _get(self, name: str) -> _Function:
        try:
            return self._functions[name]
        except KeyError:
            raise KeyError(f"unknown function {name!r}; registered: "
                           f"{sorted(self._functions)}") from None

    def in_flight(self, name: str | None = None) -> int:
        """Requests in flight for one function, or for the whole account."""
        if name is not None:
            self._get(name)
            return self._books.in_flight.get(name, 0)
        return sum(self._books.in_flight.values())

    def environments(self, name: str) -> int:
        """Execution environments the function has (busy or idle)."""
        return self._get(name).environments

    # -- invocations ---------------------------------------------------------------------------
    def try_start(self, name: str, now: float) -> InvokeDecision:
        """Admit or throttle one invocation of ``name`` at ``now``."""
        f = self._get(name)
        check_nonnegative("now", now)
        admitted = self._books.invoke(name)          # reservation and account limits
        if admitted.throttled:
            f.scaler.tokens(now)
            return InvokeDecision(False, 429, admitted.reason or ACCOUNT_LIMIT, "")
        busy = self._books.in_flight[name] - 1       # before this request
        if f.busy_provisioned < f.provisioned:
            f.busy_provisioned += 1
            return InvokeDecision(True, 200, "", "provisioned")
        if busy - f.busy_provisioned < f.environments - f.provisioned:
            return InvokeDecision(True, 200, "", "warm")
        if f.scaler.try_acquire(now):
            f.environments += 1
            return InvokeDecision(True, 200, "", "cold")
        self._books.finish(name)                     # not admitted after all: scaling rate
        self._books.throttles[name] = self._books.throttles.get(name, 0) + 1
        return InvokeDecision(False, 429, SCALING_LIMIT, "")

    def finish(self, name: str, now: float, start: str = "warm") -> None:
        """One invocation of ``name`` ended at ``now``; ``start`` is the kind its
        :meth:`try_start` returned (a provisioned environment goes back to the provisioned pool).
        """
        f = self._get(name)
        check_nonnegative("now", now)
        check_choice("start", start, ("provisioned", "warm", "cold"))
        if self._books.in_flight.get(name, 0) == 0:
            raise ValueError(f"function {name!r} has no invocation in flight")
        if start == "provisioned":
            if f.busy_provisioned == 0:
                raise ValueError(f"function {name!r} has no provisioned invocation in flight")
            f.busy_provisioned -= 1
        self._books.finish(name)


@dataclass(frozen=True)
class LambdaBurstConfig(Config):
    """A (piecewise Poisson) burst to one function, optionally behind an API Gateway stage.

    ``segments`` is a tuple of ``(start_s, arrival_rate)`` pairs (see
    :func:`labkit.core.workloads.piecewise_poisson_arrivals`); ``duration_s`` the mean
    (exponential) warm duration, ``cold_start_s`` the extra time of a cold start;
    ``account_limit``, ``reserved``, ``provisioned`` the Lambda concurrency settings
    (:class:`LambdaScaling`); ``stage_rate_rps`` and ``stage_burst`` the API Gateway stage
    throttle (``None``: Lambda is invoked directly, without API Gateway). A refused request is
    retried up to ``client_retries`` times after a full-jitter backoff, uniform in
    ``[0, min(backoff_cap_s, backoff_base_s x 2^attempt)]``.

    >>> LambdaBurstConfig(segments=((0, 10.0),), stage_rate_rps=100.0).stage_burst
    Traceback (most recent call last):
    ...
    ValueError: stage_rate_rps and stage_burst must be given together
    """

    segments: tuple[tuple[float, float], ...] = ((0.0, 100.0),)
    horizon_s: float = 10.0
    duration_s: float = 0.5
    cold_start_s: float = 0.5
    account_limit: int = ACCOUNT_CONCURRENCY
    reserved: int | None = None
    provisioned: int = 0
    stage_rate_rps: float | None = None
    stage_burst: int | None = None
    client_retries: int = 0
    backoff_base_s: float = 0.1
    backoff_cap_s: float = 10.0
    seed: int = 0

    def validate(self) -> None:
        if not isinstance(self.segments, tuple) or not self.segments:
            raise TypeError(f"segments must be a non-empty tuple of (start_s, arrival_rate) "
                            f"pairs, got {self.segments!r}")
        horizon = check_positive("horizon_s", self.horizon_s)
        peak = max(float(rate) for _, rate in self.segments)
        check_expected_work(peak, horizon, MAX_BURST_REQUESTS, rate_name="the peak arrival_rate")
        check_positive("duration_s", self.duration_s)
        check_nonnegative("cold_start_s", self.cold_start_s)
        check_int("account_limit", self.account_limit, minimum=1)
        if self.reserved is not None:
            check_int("reserved", self.reserved, minimum=0, maximum=self.account_limit)
        check_int("provisioned", self.provisioned, minimum=0, maximum=self.account_limit)
        if (self.stage_rate_rps is None) != (self.stage_burst is None):
            raise ValueError("stage_rate_rps and stage_burst must be given together")
        check_int("client_retries", self.client_retries, minimum=0, maximum=20)
        check_positive("backoff_base_s", self.backoff_base_s)
        check_positive("backoff_cap_s", self.backoff_cap_s)
        check_int("seed", self.seed, minimum=0)


@dataclass(frozen=True)
class LambdaBurstResult(Result):
    """``records``: one row per request with ``arrival_s``, ``status`` (the final HTTP status
    the client sees: 200; 429 from API Gateway's throttle, or from Lambda when invoked
    directly; 500 when Lambda throttles behind API Gateway), ``layer`` ("", "api_gateway",
    "lambda"), ``reason``, ``start``, ``attempts``, ``latency_s`` (first try to response,
    backoff included; NaN when finally refused), ``in_flight`` (function concurrency just after
    the final decision)."""

    config: LambdaBurstConfig
    records: pd.DataFrame

    def summary(self) -> dict[str, Any]:
        """Requests, served, refused by each layer, cold starts, most in flight, p99 latency."""
        r = self.records
        served = r[r.status == 200]
        return {
            "n_requests": len(r),
            "served": len(served),
            "refused_by_api_gateway": int((r.layer == "api_gateway").sum()),
            "refused_by_lambda": int((r.layer == "lambda").sum()),
            "cold_starts": int((r.start == "cold").sum()),
            "peak_in_flight": int(r.in_flight.max()) if len(r) else 0,
            "p99_latency_s": float(served.latency_s.quantile(0.99)) if len(served) else
            float("nan"),
        }


def _burst_outcomes(config: LambdaBurstConfig, arrivals: np.ndarray, services: np.ndarray,
                    jitter_rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Replay the tries (first tries and retries, in time order) through API Gateway and
    Lambda; the arrays of the records frame."""
    n = len(arrivals)
    gateway = (ApiGatewayThrottle(stage_rate_rps=config.stage_rate_rps,
                                  stage_burst=config.stage_burst)
               if config.stage_rate_rps is not None else None)
    lambda_refusal = GATEWAY_STATUS_FOR_LAMBDA_THROTTLE if gateway is not None else 429
    acct = LambdaScaling(config.account_limit)
    acct.add_function("fn", reserved=config.reserved, provisioned=config.provisioned)
    out = {"status": np.full(n, 200, dtype=np.int64), "layer": np.full(n, "", dtype=object),
           "reason": np.full(n, "", dtype=object), "start": np.full(n, "", dtype=object),
           "latency_s": np.full(n, np.nan), "in_flight": np.zeros(n, dtype=np.int64),
           "attempts": np.ones(n, dtype=np.int64)}
    ends: list[tuple[float, str]] = []
    tries: list[tuple[float, int, int]] = [(float(arrivals[i]), i, 1) for i in range(n)]
    heapq.heapify(tries)
    while tries:
        t, i, attempt = heapq.heappop(tries)
        while ends and ends[0][0] <= t:
            end, kind = heapq.heappop(ends)
            acct.finish("fn", end, kind)
        refused = None
        if gateway is not None:
            g = gateway.check(t)
            if not g.allowed:
                refused = (g.status, "api_gateway", g.layer)
        d = None
        if refused is None:
            d = acct.try_start("fn", t)
            if not d.allowed:
                refused = (lambda_refusal, "lambda", d.reason)
        out["attempts"][i] = attempt
        if refused is not None:
            if attempt <= config.client_retries:
                cap = min(config.backoff_cap_s, config.backoff_base_s * 2.0 ** attempt)
                heapq.heappush(tries, (t + float(jitter_rng.uniform(0.0, cap)), i,
                                       attempt + 1))
                continue
            out["status"][i], out["layer"][i], out["reason"][i] = refused
        else:
            assert d is not None
            service = float(services[i]) + (config.cold_start_s if d.start == "cold" else 0.0)
            out["latency_s"][i] = (t - float(arrivals[i])) + service
            out["start"][i] = d.start
            heapq.heappush(ends, (t + service, d.start))
        out["in_flight"][i] = acct.in_flight("fn")
    return out


def simulate_lambda_burst(config: LambdaBurstConfig) -> LambdaBurstResult:
    """Send the burst of ``config`` to one function; one row per request.

    Examples
    --------
    >>> r = simulate_lambda_burst(LambdaBurstConfig(
    ...     segments=((0, 50.0), (2, 4000.0), (3, 50.0)), horizon_s=5, reserved=200, seed=1))
    >>> r.summary()["refused_by_lambda"] > 0, r.summary()["peak_in_flight"]
    (True, 200)
    >>> sorted(set(r.records.status))          # invoked directly: Lambda's own 429
    [200, 429]
    >>> behind = simulate_lambda_burst(r.config.replace(stage_rate_rps=10_000.0,
    ...                                                 stage_burst=5_000))
    >>> sorted(set(behind.records.status))     # behind API Gateway the client sees 500
    [200, 500]
    """
    if not isinstance(config, LambdaBurstConfig):
        raise TypeError(f"config must be a LambdaBurstConfig, got {type(config).__name__}")
    arrival_rng, service_rng, jitter_rng = spawn_rngs(config.seed, 3)
    arrivals = piecewise_poisson_arrivals(list(config.segments), config.horizon_s, arrival_rng)
    services = Exponential(1.0 / config.duration_s).sample(service_rng, len(arrivals))
    out = _burst_outcomes(config, arrivals, services, jitter_rng)
    records = pd.DataFrame({"arrival_s": arrivals, "status": out["status"],
                            "layer": out["layer"], "reason": out["reason"],
                            "start": out["start"], "attempts": out["attempts"],
                            "latency_s": out["latency_s"], "in_flight": out["in_flight"]})
    return LambdaBurstResult(config, records)


def _run_lambda_burst(segments: Sequence[tuple[float, float]], *, horizon_s: float,
                      duration_s: float = 0.5, cold_start_s: float = 0.5,
                      account_limit: int = ACCOUNT_CONCURRENCY, reserved: int | None = None,
                      provisioned: int = 0, gateway: ApiGatewayThrottle | None = None,
                      client_retries: int = 0, backoff_base_s: float = 0.1,
                      backoff_cap_s: float = 10.0, seed: int = 0) -> pd.DataFrame:
    """The former signature: ``simulate_lambda_burst(LambdaBurstConfig(...)).records`` (a
    ``gateway`` contributes its stage rate and burst)."""
    if gateway is not None and gateway.plans:
        raise ValueError("gateway: usage plans are not part of a burst run; use "
                         "ApiGatewayThrottle.check directly")
    stage = (gateway.stage_rate_rps, gateway.stage_burst) if gateway is not None else (None,
                                                                                        None)
    if gateway is not None and stage[0] is None:
        stage = (gateway.account_rate_rps, gateway.account_burst)
    return simulate_lambda_burst(LambdaBurstConfig(
        segments=tuple((float(a), float(b)) for a, b in segments), horizon_s=horizon_s,
        duration_s=duration_s, cold_start_s=cold_start_s, account_limit=account_limit,
        reserved=reserved, provisioned=provisioned, stage_rate_rps=stage[0],
        stage_burst=stage[1], client_retries=client_retries, backoff_base_s=backoff_base_s,
        backoff_cap_s=backoff_cap_s, seed=seed)).records


run_lambda_burst = deprecated_alias(_run_lambda_burst, "run_lambda_burst",
                                    replacement=simulate_lambda_burst)
