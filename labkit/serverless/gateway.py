"""API Gateway throttling: token buckets, usage plans and the layered throttle.

API Gateway throttles with a **token bucket** (API Gateway Developer Guide,
api-gateway-request-throttling.html): each request takes one token; tokens refill at ``rate``
per second up to ``burst`` (the bucket size). A request that finds no token gets **429 Too Many
Requests**. Limits are layered (REST APIs): the account's Regional limit (default 10,000 RPS with
a 5,000 burst), then the stage or method limit the API owner sets, then per-client **usage
plans** keyed by API key, each with its own throttle and a request **quota** per day, week or
month. Keys in one plan do not share their allowance.

Pure, clock-injected logic: every method takes ``now`` (seconds); nothing reads a wall clock.

Classes
    TokenBucket, UsagePlan, ThrottleDecision, ApiGatewayThrottle
Constants
    ACCOUNT_RATE_RPS, ACCOUNT_BURST
"""

from __future__ import annotations

from dataclasses import dataclass, field

from labkit.core.validation import (
    check_choice,
    check_int,
    check_nonnegative,
    check_positive,
    check_time,
)

__all__ = [
    "ACCOUNT_BURST",
    "ACCOUNT_RATE_RPS",
    "ApiGatewayThrottle",
    "ThrottleDecision",
    "TokenBucket",
    "UsagePlan",
]

#: Default account throttle per Region, shared by HTTP, REST and WebSocket APIs (limits.html).
ACCOUNT_RATE_RPS = 10_000.0
ACCOUNT_BURST = 5_000

_QUOTA_PERIOD_S = {"DAY": 86_400.0, "WEEK": 7 * 86_400.0, "MONTH": 30 * 86_400.0}


class TokenBucket:
    """A token bucket: ``rate`` tokens per second, at most ``burst`` tokens; starts full.

    Parameters
    ----------
    rate : float
        Refill speed in tokens (requests) per second, > 0.
    burst : int
        Bucket size, >= 0 (0 refuses every request: a stopped API).

    Examples
    --------
    >>> b = TokenBucket(rate=2.0, burst=3)
    >>> [b.try_acquire(0.0) for _ in range(4)]
    [True, True, True, False]
    >>> b.try_acquire(0.5)          # one token refilled after 0.5 s at 2 per second
    True
    """

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = check_positive("rate", rate)
        self.burst = check_int("burst", burst, minimum=0)
        self._tokens = float(self.burst)
        self._last: float | None = None

    def tokens(self, now: float) -> float:
        """Tokens available at ``now`` (after refilling)."""
        self._refill(now)
        return self._tokens

    def _refill(self, now: float) -> None:
        t = check_time("now", now, self._last)
        if self._last is not None:
            self._tokens = min(float(self.burst), self._tokens + (t - self._last) * self.rate)
        self._last = t

    def try_acquire(self, now: float, tokens: int = 1) -> bool:
        """Take ``tokens`` if the bucket holds them at ``now``; otherwise take none."""
        n = check_int("tokens", tokens, minimum=1)
        self._refill(now)
        if self._tokens + 1e-9 >= n:
            self._tokens = max(0.0, self._tokens - n)
            return True
        return False

    def __repr__(self) -> str:
        return f"TokenBucket(rate={self.rate:g}, burst={self.burst})"


@dataclass(frozen=True)
class UsagePlan:
    """A usage plan: throttle (``rate_rps``, ``burst``) and optional ``quota`` per ``period``.

    Applied per API key: every key in the plan gets its own bucket and quota.

    >>> UsagePlan("free", rate_rps=5, burst=10, quota=1000, period="DAY").period_s
    86400.0
    """

    name: str
    rate_rps: float
    burst: int
    quota: int | None = None
    period: str = "DAY"

    def __post_init__(self) -> None:
        check_positive("rate_rps", self.rate_rps)
        check_int("burst", self.burst, minimum=0)
        if self.quota is not None:
            check_int("quota", self.quota, minimum=0)
        check_choice("period", self.period, tuple(_QUOTA_PERIOD_S))

    @property
    def period_s(self) -> float:
        """Length of the quota period (a month counts as 30 days here)."""
        return _QUOTA_PERIOD_S[self.period]


@dataclass(frozen=True)
class ThrottleDecision:
    """Outcome for one request: ``allowed``, HTTP ``status`` (200 or 429) and the ``layer`` that
    refused it ("account", "stage", "usage_plan", "quota", or "" when allowed)."""

    allowed: bool
    status: int
    layer: str = ""


@dataclass
class _KeyState:
    bucket: TokenBucket
    used: int = 0
    period_start: float = 0.0


@dataclass
class ApiGatewayThrottle:
    """Layered throttle of one REST API stage: account, stage, then the caller's usage plan.

    A request must find a token in every layer that applies; a refused request takes no token
    from the layers after the one that refused it (and keeps those before it spent, as API
    Gateway counts the request there).

    Parameters
    ----------
    account_rate_rps, account_burst :
        The Region's account limit (default 10,000 RPS, 5,000 burst).
    stage_rate_rps, stage_burst :
        The stage (or method) limit the owner sets; ``None`` for none.
    plans : dict
        Usage plan per API key (``{"key-a": UsagePlan(...)}``). Requests without a key, or with
        an unknown key, are refused with 403 when ``require_api_key`` is true.

    Examples
    --------
    >>> gw = ApiGatewayThrottle(stage_rate_rps=100, stage_burst=2,
    ...                         plans={"k1": UsagePlan("basic", rate_rps=1, burst=1)},
    ...                         require_api_key=True)
    >>> [gw.check(0.0, api_key="k1").status for _ in range(2)]
    [200, 429]
    >>> gw.check(0.0, api_key="nope").status
    403
    """

    account_rate_rps: float = ACCOUNT_RATE_RPS
    account_burst: int = ACCOUNT_BURST
    stage_rate_rps: float | None = None
    stage_burst: int | None = None
    plans: dict[str, UsagePlan] = field(default_factory=dict)
    require_api_key: bool = False
    _account: TokenBucket = field(init=False, repr=False)
    _stage: TokenBucket | None = field(init=False, repr=False)
    _keys: dict[str, _KeyState] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._account = TokenBucket(self.account_rate_rps, self.account_burst)
        if (self.stage_rate_rps is None) != (self.stage_burst is None):
            raise ValueError("stage_rate_rps and stage_burst must be given together")
        self._stage = (TokenBucket(self.stage_rate_rps, self.stage_burst)
                       if self.stage_rate_rps is not None else None)
        for key, plan in self.plans.items():
            if not isinstance(plan, UsagePlan):
                raise TypeError(f"plans[{key!r}] must be a UsagePlan, got {type(plan).__name__}")
        self._keys = {k: _KeyState(TokenBucket(p.rate_rps, p.burst)) for k, p in self.plans.items()}

    def check(self, now: float, api_key: str | None = None) -> ThrottleDecision:
        """Decide one request arriving at ``now`` with ``api_key`` (or none)."""
        check_nonnegative("now", now)
        state = self._keys.get(api_key) if api_key is not None else None
        if self.require_api_key and state is None:
            return ThrottleDecision(False, 403, "api_key")
        # API Gateway applies limits in this order: the usage plan's per-client limits, the
        # stage's per-method limits, then the account's (Developer Guide, "How throttling limit
        # settings are applied"). A request refused at one level takes no token from the next.
        if state is not None:
            plan = self.plans[api_key]  # type: ignore[index]
            if plan.quota is not None:
                while now >= state.period_start + plan.period_s:
                    state.period_start += plan.period_s
                    state.used = 0
                if state.used >= plan.quota:
                    return ThrottleDecision(False, 429, "quota")
            if not state.bucket.try_acquire(now):
                return ThrottleDecision(False, 429, "usage_plan")
            state.used += 1
        if self._stage is not None and not self._stage.try_acquire(now):
            return ThrottleDecision(False, 429, "stage")
        if not self._account.try_acquire(now):
            return ThrottleDecision(False, 429, "account")
        return ThrottleDecision(True, 200, "")
