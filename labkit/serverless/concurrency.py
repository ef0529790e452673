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
    run_lambda_burst (a seeded burst through an optional API Gateway throttle)
Constants
    ACCOUNT_CONCURRENCY, SCALING_ENVIRONMENTS_PER_10S, UNRESERVED_MINIMUM
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from labkit.core.rng import spawn_rngs
from labkit.core.validation import check_choice, check_int, check_nonnegative, check_positive
from labkit.core.workloads import Exponential, piecewise_poisson_arrivals
from labkit.serverless.gateway import ApiGatewayThrottle, TokenBucket

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "ACCOUNT_CONCURRENCY",
    "InvokeDecision",
    "LambdaScaling",
    "SCALING_ENVIRONMENTS_PER_10S",
    "UNRESERVED_MINIMUM",
    "run_lambda_burst",
]

ACCOUNT_CONCURRENCY = 1000
SCALING_ENVIRONMENTS_PER_10S = 1000
UNRESERVED_MINIMUM = 100

RESERVED_LIMIT = "ReservedFunctionConcurrentInvocationLimitExceeded"
ACCOUNT_LIMIT = "ConcurrentInvocationLimitExceeded"
SCALING_LIMIT = "ScalingRateExceeded"


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


def run_lambda_burst(segments: Sequence[tuple[float, float]], *, horizon_s: float,
                     duration_s: float = 0.5, cold_start_s: float = 0.5,
                     account_limit: int = ACCOUNT_CONCURRENCY, reserved: int | None = None,
                     provisioned: int = 0, gateway: ApiGatewayThrottle | None = None,
                     client_retries: int = 0, backoff_base_s: float = 0.1,
                     backoff_cap_s: float = 10.0, seed: int = 0) -> pd.DataFrame:
    """Send a (piecewise Poisson) burst to one function; one row per request.

    Parameters
    ----------
    segments : list of (start_s, rate)
        Arrival rate per period (see :func:`labkit.core.workloads.piecewise_poisson_arrivals`).
    horizon_s : float
        Arrivals in ``[0, horizon_s)``.
    duration_s : float
        Mean (exponential) duration of a warm invocation.
    cold_start_s : float
        Extra initialisation time added to a cold start.
    account_limit, reserved, provisioned :
        Lambda concurrency settings (see :class:`LambdaScaling`).
    gateway : ApiGatewayThrottle, optional
        API Gateway throttle in front; refused requests never reach Lambda.
    client_retries : int
        How many times a client retries a 429, each time after a "full jitter" exponential
        backoff: a uniform wait in ``[0, min(backoff_cap_s, backoff_base_s x 2^attempt)]``.

    Returns
    -------
    DataFrame with ``arrival_s``, ``status`` (200/429, the final answer), ``layer`` ("",
    "api_gateway", "lambda"), ``reason``, ``start``, ``attempts``, ``latency_s`` (first try to
    response, backoff included; NaN when finally refused), ``in_flight`` (function concurrency
    just after the final decision).

    Examples
    --------
    >>> df = run_lambda_burst([(0, 50.0), (2, 4000.0), (3, 50.0)], horizon_s=5,
    ...                       reserved=200, seed=1)
    >>> int((df.status == 429).sum()) > 0, int(df.in_flight.max())
    (True, 200)
    """
    import numpy as np
    import pandas as pd

    horizon = check_positive("horizon_s", horizon_s)
    dur = check_positive("duration_s", duration_s)
    cold = check_nonnegative("cold_start_s", cold_start_s)
    retries = check_int("client_retries", client_retries, minimum=0)
    base = check_positive("backoff_base_s", backoff_base_s)
    cap = check_positive("backoff_cap_s", backoff_cap_s)
    arrival_rng, service_rng, jitter_rng = spawn_rngs(seed, 3)
    arrivals = piecewise_poisson_arrivals(segments, horizon, arrival_rng)
    n = len(arrivals)
    services = Exponential(1.0 / dur).sample(service_rng, n)
    acct = LambdaScaling(account_limit)
    acct.add_function("fn", reserved=reserved, provisioned=provisioned)
    status = np.full(n, 200, dtype=np.int64)
    layer = np.full(n, "", dtype=object)
    reason = np.full(n, "", dtype=object)
    start = np.full(n, "", dtype=object)
    latency = np.full(n, np.nan)
    in_flight = np.zeros(n, dtype=np.int64)
    attempts = np.ones(n, dtype=np.int64)
    ends: list[tuple[float, str]] = []
    tries: list[tuple[float, int, int]] = [(float(arrivals[i]), i, 1) for i in range(n)]
    heapq.heapify(tries)
    while tries:
        t, i, attempt = heapq.heappop(tries)
        while ends and ends[0][0] <= t:
            end, kind = heapq.heappop(ends)
            acct.finish("fn", end, kind)
        if gateway is not None:
            g = gateway.check(t)
            refused = None if g.allowed else (g.status, "api_gateway", g.layer)
        else:
            refused = None
        d = None
        if refused is None:
            d = acct.try_start("fn", t)
            if not d.allowed:
                refused = (d.status, "lambda", d.reason)
        attempts[i] = attempt
        if refused is not None:
            if attempt <= retries:
                wait = float(jitter_rng.uniform(0.0, min(cap, base * 2.0 ** attempt)))
                heapq.heappush(tries, (t + wait, i, attempt + 1))
                continue
            status[i], layer[i], reason[i] = refused
        else:
            assert d is not None
            service = float(services[i]) + (cold if d.start == "cold" else 0.0)
            latency[i] = (t - float(arrivals[i])) + service
            start[i] = d.start
            heapq.heappush(ends, (t + service, d.start))
        in_flight[i] = acct.in_flight("fn")
    return pd.DataFrame({"arrival_s": arrivals, "status": status, "layer": layer,
                         "reason": reason, "start": start, "attempts": attempts,
                         "latency_s": latency, "in_flight": in_flight})
