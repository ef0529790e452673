"""Retries: backoff with jitter, retry budgets and retry throttling.

Pure logic, following the published definitions below exactly.

Backoff (AWS Architecture Blog "Exponential Backoff And Jitter")
    :func:`backoff_delay` / :class:`Backoff` with strategies ``"none"``, ``"exponential"``
    (capped), ``"full"``, ``"equal"`` and ``"decorrelated"`` jitter.

    **Indexing: the first retry is ``retry=0``**, so its ceiling is ``min(cap, base · 2**0) =
    base``. (``aws-arch-backoff-simulator`` counts from 1, so its first retry waits up to
    ``2 · base``; pass ``retry + 1`` to reproduce it.)

Envoy and gRPC backoff
    :func:`envoy_backoff_interval_ms` (the implementation's interval sequence, 25, 50, 100, 200,
    250, 250 ms for the defaults) and :func:`grpc_backoff_s` (gRFC A6, retry ``n`` counts from 1).

resilience4j Retry intervals
    :func:`resilience4j_intervals_ms` (``ofExponentialBackoff``, attempt 1 = initial, whole
    milliseconds) and :func:`resilience4j_randomized_ms` (``ofExponentialRandomBackoff``'s draw).

Budgets and throttles
    :class:`RetryBudget` (Envoy ``retry_budget``), :class:`RetryThrottle` (gRPC
    ``retryThrottling``), :class:`RetryQuota` (AWS SDK "standard" mode), and the amplification
    formulas :func:`retry_amplification` and :func:`budget_amplification`.

AWS SDK standard retry mode
    :func:`sdk_retry_defaults`, :class:`RetryQuota` and :func:`sdk_backoff_s` model both sets of
    defaults: ``behavior="2026"`` (the default since 10 November 2026 in every AWS SDK and tool
    except Java and Kotlin: transient retry 14 tokens, throttling retry 5, backoff base 50 ms /
    1 s) and ``behavior="pre-2026"`` (Java, Kotlin, older SDK versions: 5 tokens, 10 after a
    timeout, backoff base 1 s).

Sources
    https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/ and
    https://github.com/aws-samples/aws-arch-backoff-simulator (backoff and jitter);
    https://github.com/grpc/proposal/blob/master/A6-client-retries.md (gRPC backoff, throttling);
    https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/circuit_breaker.proto
    (Envoy ``retry_budget``); https://resilience4j.readme.io/docs/retry (resilience4j Retry);
    https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html (SDK retry quota);
    https://aws.amazon.com/blogs/developer/updated-default-retry-behavior-for-aws-sdks-and-tools/
    (the 2026 switch); https://github.com/aws/aws-sdk-go-v2/pull/3400 and botocore's
    ``botocore/retries/standard.py`` (the 2026 and pre-2026 costs and backoff bases).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labkit.core.validation import (
    check_choice,
    check_int,
    check_limit,
    check_nonnegative,
    check_positive,
)

__all__ = [
    "BACKOFF_STRATEGIES",
    "Backoff",
    "RetryBudget",
    "RetryQuota",
    "RetryThrottle",
    "SDK_ERROR_KINDS",
    "SDK_RETRY_BEHAVIORS",
    "SdkRetryDefaults",
    "backoff_ceiling",
    "backoff_delay",
    "budget_amplification",
    "envoy_backoff_interval_ms",
    "grpc_backoff_s",
    "resilience4j_intervals_ms",
    "resilience4j_randomized_ms",
    "retry_amplification",
    "sdk_backoff_s",
    "sdk_retry_defaults",
]

BACKOFF_STRATEGIES = ("none", "exponential", "full", "equal", "decorrelated")


def backoff_ceiling(retry: int, base_s: float, cap_s: float) -> float:
    """Capped exponential ``min(cap, base · 2**retry)``; the first retry is ``retry=0``.

    >>> [backoff_ceiling(k, 0.005, 2.0) for k in range(3)]
    [0.005, 0.01, 0.02]
    >>> backoff_ceiling(20, 0.005, 2.0)
    2.0
    """
    k = check_int("retry", retry, minimum=0)
    base = check_positive("base_s", base_s)
    cap = check_positive("cap_s", cap_s)
    if k > 1000:  # 2**k overflows a float long after it has reached any cap
        return cap
    return min(cap, base * 2.0**k)


def backoff_delay(strategy: str, retry: int, *, base_s: float, cap_s: float,
                  rng: np.random.Generator, previous_s: float | None = None) -> float:
    """Seconds to sleep before retry number ``retry`` (0 = first retry).

    - ``none``: 0
    - ``exponential``: ``v = min(cap, base · 2**retry)``
    - ``full``: ``U(0, v)``
    - ``equal``: ``v/2 + U(0, v/2)``
    - ``decorrelated``: ``min(cap, U(base, 3 · previous))`` with ``previous`` = the last sleep
      (``base`` before the first retry); it ignores ``retry``.

    >>> rng = np.random.default_rng(0)
    >>> d = backoff_delay("full", 0, base_s=0.005, cap_s=2.0, rng=rng)
    >>> 0.0 <= d < 0.005
    True
    """
    check_choice("strategy", strategy, BACKOFF_STRATEGIES)
    base = check_positive("base_s", base_s)
    cap = check_positive("cap_s", cap_s)
    if strategy in ("full", "equal", "decorrelated") and not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator for the {strategy!r} strategy "
                        f"(e.g. numpy.random.default_rng(seed)); got {type(rng).__name__}")
    if strategy == "none":
        check_int("retry", retry, minimum=0)
        return 0.0
    if strategy == "decorrelated":
        check_int("retry", retry, minimum=0)
        prev = base if previous_s is None else check_positive("previous_s", previous_s)
        high = 3.0 * prev
        return min(cap, base + float(rng.random()) * (high - base))
    v = backoff_ceiling(retry, base, cap)
    if strategy == "exponential":
        return v
    if strategy == "full":
        return float(rng.random()) * v
    return v / 2.0 + float(rng.random()) * (v / 2.0)


class Backoff:
    """One client's backoff schedule; remembers the retry count and (decorrelated) last sleep.

    >>> b = Backoff("exponential", base_s=0.1, cap_s=1.0)
    >>> [b.next_delay(None) for _ in range(5)]
    [0.1, 0.2, 0.4, 0.8, 1.0]
    >>> b.reset(); b.retries
    0
    """

    def __init__(self, strategy: str = "full", *, base_s: float = 0.005,
                 cap_s: float = 2.0) -> None:
        self.strategy = check_choice("strategy", strategy, BACKOFF_STRATEGIES)
        self.base_s = check_positive("base_s", base_s)
        self.cap_s = check_positive("cap_s", cap_s)
        self.reset()

    def reset(self) -> None:
        """Start over (after a success)."""
        self.retries = 0
        self.previous_s: float | None = None

    def next_delay(self, rng: np.random.Generator | None) -> float:
        """Sleep before the next retry, and count it."""
        if rng is None and self.strategy in ("full", "equal", "decorrelated"):
            raise ValueError(f"strategy {self.strategy!r} needs an rng")
        d = backoff_delay(self.strategy, self.retries, base_s=self.base_s, cap_s=self.cap_s,
                          rng=rng, previous_s=self.previous_s)  # type: ignore[arg-type]
        self.retries += 1
        self.previous_s = d if self.strategy == "decorrelated" else None
        return d


def envoy_backoff_interval_ms(retry: int, base_ms: int = 25, max_ms: int | None = None) -> int:
    """Upper bound (exclusive) of Envoy's jittered backoff for retry ``retry`` (0 = first).

    Envoy's ``JitteredExponentialBackOffStrategy`` sleeps ``random % interval`` ms; ``interval``
    starts at ``base_ms`` and after each retry doubles while below ``max_ms / 2``, else becomes
    ``max_ms`` (default ``10 · base_ms``). (The router docs' ``[0, (2**N − 1) · base)`` is a
    different description; labkit follows the implementation.)

    >>> [envoy_backoff_interval_ms(k) for k in range(6)]
    [25, 50, 100, 200, 250, 250]
    """
    k = check_int("retry", retry, minimum=0)
    base = check_int("base_ms", base_ms, minimum=1)
    top = 10 * base if max_ms is None else check_int("max_ms", max_ms, minimum=base)
    interval = base
    for _ in range(k):
        interval = interval * 2 if interval < top / 2 else top
    return interval


def grpc_backoff_s(n: int, *, initial_s: float, max_s: float, multiplier: float,
                   rng: np.random.Generator) -> float:
    """gRFC A6: retry ``n`` (1 = first) waits ``U(0, min(initial · multiplier**(n−1), max))``.

    >>> rng = np.random.default_rng(1)
    >>> d = grpc_backoff_s(1, initial_s=0.1, max_s=1.0, multiplier=2.0, rng=rng)
    >>> 0.0 <= d < 0.1
    True
    """
    k = check_int("n", n, minimum=1)
    initial = check_positive("initial_s", initial_s)
    top = check_positive("max_s", max_s)
    mult = check_positive("multiplier", multiplier)
    try:
        ceiling = min(initial * mult ** (k - 1), top)
    except OverflowError:
        ceiling = top
    return float(rng.random()) * ceiling


def resilience4j_intervals_ms(attempts: int, *, initial_ms: int = 500, multiplier: float = 1.5,
                             max_ms: int | None = None) -> list[int]:
    """resilience4j ``IntervalFunction.ofExponentialBackoff``: waits before attempts 1..n.

    Attempt 1 waits ``initial_ms``; each next interval is the previous one times ``multiplier``,
    kept as whole milliseconds (truncated at every step: 750 → 1125 → 1687); ``max_ms`` caps it.

    >>> resilience4j_intervals_ms(4, initial_ms=500)
    [500, 750, 1125, 1687]
    """
    n = check_int("attempts", attempts, minimum=1)
    v = check_int("initial_ms", initial_ms, minimum=1)
    mult = check_positive("multiplier", multiplier)
    top = None if max_ms is None else check_int("max_ms", max_ms, minimum=1)
    out = []
    for _ in range(n):
        out.append(v if top is None else min(v, top))
        v = int(v * mult)
    return out


def resilience4j_randomized_ms(interval_ms: int, rng: np.random.Generator, *,
                               randomization_factor: float = 0.5) -> int:
    """resilience4j ``ofExponentialRandomBackoff``'s draw around an integer interval ``v``:
    ``int(v − f·v + u · ((v + f·v) − (v − f·v) + 1))`` — the integer range
    ``[v − f·v, v + f·v]`` with its upper bound included — and never below 1 ms.

    >>> draws = {resilience4j_randomized_ms(100, np.random.default_rng(s)) for s in range(300)}
    >>> min(draws), max(draws)
    (50, 150)
    """
    v = check_int("interval_ms", interval_ms, minimum=1)
    f = check_nonnegative("randomization_factor", randomization_factor)
    if f >= 1.0:
        raise ValueError(f"randomization_factor must be in [0, 1), got {randomization_factor!r}")
    delta = f * v
    low, high = v - delta, v + delta
    return max(1, int(low + float(rng.random()) * (high - low + 1)))


class RetryBudget:
    """Envoy's cluster ``retry_budget``: concurrent retries limited to a share of active load.

    ``limit = max(trunc(budget_percent / 100 × (active_requests + pending_requests)),
    min_retry_concurrency)``, evaluated when a retry is wanted; the retry is allowed iff
    ``active_retries < limit``, else dropped (``overflow`` +1, the failed response goes to the
    client). A retry stays active from scheduling (including its backoff) until its outcome is
    known: call :meth:`finish_retry` then.

    The caller keeps ``active_requests`` / ``pending_requests`` up to date (the gauges behind
    Envoy's ``max_requests`` / ``max_pending_requests``), e.g. with :meth:`start_request` and
    :meth:`finish_request`. Whether the retries themselves count as active requests is up to the
    model (in Envoy they do while they are on the wire).

    Parameters
    ----------
    budget_percent : float
        Default 20 (%); in [0, 100].
    min_retry_concurrency : int
        Default 3: the floor that keeps retries possible at low traffic.

    Examples
    --------
    >>> b = RetryBudget(budget_percent=29, min_retry_concurrency=0)
    >>> b.active_requests = 100
    >>> b.limit()           # 29 % of 100 in floating point is 28.999..., truncated
    28
    >>> RetryBudget().limit()   # no traffic: the floor of 3
    3
    """

    def __init__(self, budget_percent: float = 20.0, min_retry_concurrency: int = 3) -> None:
        self.budget_percent = check_nonnegative("budget_percent", budget_percent)
        if self.budget_percent > 100.0:
            raise ValueError(f"budget_percent must be in [0, 100], got {budget_percent!r}")
        self.min_retry_concurrency = check_int("min_retry_concurrency", min_retry_concurrency,
                                               minimum=0)
        self.active_requests = 0
        self.pending_requests = 0
        self.active_retries = 0
        self.retries_allowed = 0
        self.overflow = 0

    def limit(self) -> int:
        """Concurrent retries allowed now (truncate first, then apply the floor)."""
        share = int(self.budget_percent / 100.0 * (self.active_requests + self.pending_requests))
        return max(share, self.min_retry_concurrency)

    def try_start_retry(self) -> bool:
        """A retry is wanted: allow it (``active_retries`` +1) or count an overflow."""
        if self.active_retries < self.limit():
            self.active_retries += 1
            self.retries_allowed += 1
            return True
        self.overflow += 1
        return False

    def finish_retry(self) -> None:
        """An allowed retry's outcome is known."""
        if self.active_retries <= 0:
            raise RuntimeError("finish_retry() without an active retry")
        self.active_retries -= 1

    def start_request(self) -> None:
        self.active_requests += 1

    def finish_request(self) -> None:
        if self.active_requests <= 0:
            raise RuntimeError("finish_request() without an active request")
        self.active_requests -= 1


class RetryThrottle:
    """gRPC ``retryThrottling {maxTokens, tokenRatio}`` (gRFC A6), per server name.

    ``tokens`` starts at ``max_tokens`` and stays in ``[0, max_tokens]``; a failed RPC takes 1,
    a success adds ``token_ratio``; retries are allowed only while ``tokens > max_tokens / 2``
    (strictly: at exactly half they are throttled, and the failure is returned at once).

    >>> t = RetryThrottle(max_tokens=10, token_ratio=0.1)
    >>> for _ in range(4): t.on_failure()
    >>> t.tokens, t.retry_allowed()
    (6.0, True)
    >>> t.on_failure(); t.tokens, t.retry_allowed()
    (5.0, False)
    """

    def __init__(self, max_tokens: float = 10.0, token_ratio: float = 0.1) -> None:
        self.max_tokens = check_positive("max_tokens", max_tokens)
        if self.max_tokens > 1000:
            raise ValueError(f"max_tokens must be in (0, 1000], got {max_tokens!r}")
        self.token_ratio = check_positive("token_ratio", token_ratio)
        self.tokens = self.max_tokens
        self.throttled = 0

    def on_failure(self) -> None:
        self.tokens = max(0.0, self.tokens - 1.0)

    def on_success(self) -> None:
        self.tokens = min(self.max_tokens, self.tokens + self.token_ratio)

    def retry_allowed(self) -> bool:
        return self.tokens > self.max_tokens / 2.0

    def try_retry(self) -> bool:
        """Like :meth:`retry_allowed`, counting the throttled ones."""
        ok = self.retry_allowed()
        if not ok:
            self.throttled += 1
        return ok


#: The AWS SDKs' two sets of standard-mode retry defaults, in the reader's words: ``"2026"``
#: (the default since 10 November 2026 in every AWS SDK and tool except Java and Kotlin) and
#: ``"pre-2026"`` (what Java and Kotlin, and SDK versions older than the switch, still do).
SDK_RETRY_BEHAVIORS = ("2026", "pre-2026")
#: What failed, as the SDK classifies it: a transient error (5xx, connection error, timeout) or a
#: throttling error (``ThrottlingException``, 429 ...). ``"timeout"`` is a transient error that
#: the pre-2026 quota charged separately.
SDK_ERROR_KINDS = ("transient", "throttling", "timeout")


def _retry_cost(costs: SdkRetryDefaults | RetryQuota, error: str) -> int:
    """The cost field of ``costs`` that applies to a retry after ``error``."""
    kind = check_choice("error", error, SDK_ERROR_KINDS)
    return {"transient": costs.retry_cost, "throttling": costs.throttling_retry_cost,
            "timeout": costs.timeout_retry_cost}[kind]


@dataclass(frozen=True)
class SdkRetryDefaults:
    """One behaviour's standard-mode retry defaults (tokens, seconds, attempts)."""

    behavior: str
    initial_tokens: int
    retry_cost: int
    throttling_retry_cost: int
    timeout_retry_cost: int
    no_retry_increment: int
    transient_base_s: float
    throttling_base_s: float
    max_backoff_s: float
    max_attempts: int

    def cost(self, error: str) -> int:
        """Tokens one retry after ``error`` takes from the quota."""
        return _retry_cost(self, error)

    def base_s(self, error: str) -> float:
        """Backoff base (the first retry's ceiling) after ``error``."""
        kind = check_choice("error", error, SDK_ERROR_KINDS)
        return self.throttling_base_s if kind == "throttling" else self.transient_base_s


def sdk_retry_defaults(behavior: str = "2026", service: str | None = None) -> SdkRetryDefaults:
    """The standard-mode defaults of ``behavior`` ("2026" or "pre-2026"), for ``service``.

    ``"2026"`` (botocore ``NEW_RETRIES_ENABLED``, aws-sdk-go-v2 PR #3400): a transient retry
    costs 14 tokens and a throttling retry 5 (timeouts are transient errors, no separate cost);
    backoff base 50 ms after a transient error and 1 s after throttling, capped at 20 s; 3
    attempts. DynamoDB and DynamoDB Streams (``service="dynamodb"``): 25 ms and 4 attempts.

    ``"pre-2026"`` (botocore and Go v2 standard mode before the switch): 5 tokens per retry, 10
    after a timeout; backoff base 1 s for every error, capped at 20 s; 3 attempts. Other SDKs'
    old standard modes differed (JavaScript charged 10 per transient retry and used 100 ms), and
    some SDKs (Python's botocore, Java 2.x, C++) defaulted to legacy mode before the switch made
    standard their default: this is the botocore/Go standard-mode set, the one the lab teaches.

    Both start the quota at 500 tokens and give 1 back per first-attempt success.

    >>> new, old = sdk_retry_defaults("2026"), sdk_retry_defaults("pre-2026")
    >>> new.cost("transient"), new.cost("throttling"), old.cost("transient"), old.cost("timeout")
    (14, 5, 5, 10)
    >>> new.base_s("transient"), new.base_s("throttling"), old.base_s("transient")
    (0.05, 1.0, 1.0)
    >>> sdk_retry_defaults(service="dynamodb").max_attempts
    4
    """
    b = check_choice("behavior", behavior, SDK_RETRY_BEHAVIORS)
    if service is not None and not isinstance(service, str):
        raise TypeError(f"service must be a service name such as 'dynamodb' or None, "
                        f"got {type(service).__name__}")
    dynamodb = service in ("dynamodb", "dynamodb-streams")
    if b == "2026":
        return SdkRetryDefaults(b, 500, 14, 5, 14, 1, 0.025 if dynamodb else 0.05, 1.0, 20.0,
                                4 if dynamodb else 3)
    return SdkRetryDefaults(b, 500, 5, 5, 10, 1, 1.0, 1.0, 20.0, 3)


def sdk_backoff_s(retry: int, *, rng: np.random.Generator, error: str = "transient",
                  behavior: str = "2026", service: str | None = None) -> float:
    """An AWS SDK standard-mode backoff before retry ``retry`` (0 = first retry), in seconds.

    Full jitter on a capped exponential: ``U(0, 1) · min(base · 2**retry, 20 s)``, with ``base``
    from :func:`sdk_retry_defaults` (2026: 50 ms transient, 1 s throttling; pre-2026: 1 s). The
    cap applies before the jitter, as in botocore's ``ExponentialBackoff``. (A service's
    ``x-amz-retry-after`` header, honoured since 2026, is not modelled.)

    >>> rng = np.random.default_rng(0)
    >>> 0.0 <= sdk_backoff_s(0, rng=rng) < 0.05
    True
    >>> 0.0 <= sdk_backoff_s(0, rng=rng, behavior="pre-2026") < 1.0
    True
    """
    d = sdk_retry_defaults(behavior, service)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (e.g. numpy.random.default_rng"
                        f"(seed)); got {type(rng).__name__}")
    return float(rng.random()) * backoff_ceiling(retry, d.base_s(error), d.max_backoff_s)


class RetryQuota:
    """The AWS SDKs' standard-mode retry quota, in its ``"2026"`` (default) or ``"pre-2026"`` form.

    500 tokens to start; each retry pays by the kind of error it follows (2026: 14 after a
    transient error, 5 after throttling; pre-2026: 5, or 10 after a timeout); a retried call that
    succeeds refunds its last cost; a first-attempt success adds 1 (never above the initial 500);
    when the bucket cannot pay, the SDK stops retrying and returns the error. The 2026 costs are
    the default of every AWS SDK and tool except Java and Kotlin since 10 November 2026 (AWS
    Developer Tools Blog, "Updated default retry behavior for AWS SDKs and tools"); pass
    ``behavior="pre-2026"`` for Java, Kotlin and older SDK versions. Explicit costs override the
    behaviour's.

    >>> q = RetryQuota()
    >>> q.try_acquire("transient"), q.tokens
    (True, 486)
    >>> q.try_acquire("throttling"), q.tokens
    (True, 481)
    >>> q.release(14); q.tokens
    495
    >>> full = RetryQuota()
    >>> full.retries_until_empty("transient"), full.retries_until_empty("throttling")
    (35, 100)
    >>> RetryQuota(behavior="pre-2026").retries_until_empty("transient")
    100
    """

    def __init__(self, initial_tokens: int = 500, retry_cost: int | None = None,
                 timeout_retry_cost: int | None = None, no_retry_increment: int = 1, *,
                 behavior: str = "2026", throttling_retry_cost: int | None = None) -> None:
        d = sdk_retry_defaults(behavior)
        self.behavior = d.behavior
        self.initial_tokens = check_int("initial_tokens", initial_tokens, minimum=0)
        self.retry_cost = (d.retry_cost if retry_cost is None
                           else check_int("retry_cost", retry_cost, minimum=0))
        self.throttling_retry_cost = (
            d.throttling_retry_cost if throttling_retry_cost is None
            else check_int("throttling_retry_cost", throttling_retry_cost, minimum=0))
        if timeout_retry_cost is not None:
            self.timeout_retry_cost = check_int("timeout_retry_cost", timeout_retry_cost,
                                                minimum=0)
        elif d.behavior == "2026":  # a timeout is a transient error: it costs what they cost
            self.timeout_retry_cost = self.retry_cost
        else:
            self.timeout_retry_cost = d.timeout_retry_cost
        self.no_retry_increment = check_int("no_retry_increment", no_retry_increment, minimum=0)
        self.tokens = self.initial_tokens

    def cost(self, error: str = "transient") -> int:
        """Tokens a retry after ``error`` ("transient", "throttling" or "timeout") costs."""
        return _retry_cost(self, error)

    def try_acquire(self, error: str = "transient", *, timeout: bool | None = None) -> bool:
        """Pay for one retry after ``error``; ``False`` (nothing taken) when the bucket cannot pay.

        ``timeout=True`` is the former spelling of ``error="timeout"`` (``timeout=False`` of
        ``error="transient"``).
        """
        if timeout is not None:
            if error != "transient":
                raise ValueError(f"give either error= or timeout=, not both (error={error!r})")
            if not isinstance(timeout, bool):
                raise TypeError(f"timeout must be True or False, got {type(timeout).__name__}")
            error = "timeout" if timeout else "transient"
        cost = self.cost(error)
        if self.tokens < cost:
            return False
        self.tokens -= cost
        return True

    def release(self, cost: int) -> None:
        """A retried call succeeded: refund what its retry cost."""
        self.tokens = min(self.initial_tokens, self.tokens + check_int("cost", cost, minimum=0))

    def on_first_attempt_success(self) -> None:
        self.tokens = min(self.initial_tokens, self.tokens + self.no_retry_increment)

    def retries_until_empty(self, error: str = "transient") -> int:
        """Retries a full bucket pays for when every call fails with ``error`` (an outage)."""
        cost = self.cost(error)
        if cost == 0:
            raise ValueError(f"a {error} retry costs 0 tokens here: the quota never empties")
        return self.initial_tokens // cost


def retry_amplification(attempts: int, layers: int) -> int:
    """Worst-case calls at the bottom per user request: ``attempts ** layers``.

    >>> retry_amplification(3, 3), retry_amplification(3, 5)
    (27, 243)

    ``attempts`` is at most 1,000 and ``layers`` at most 100 on this lab (the answer for the
    largest has 301 digits).
    """
    a = check_limit("attempts", attempts, 1_000, minimum=1)
    n = check_limit("layers", layers, 100, minimum=1)
    return a**n


def budget_amplification(budget_percent: float, layers: int) -> float:
    """Steady multiplier a per-layer ratio budget allows: about ``(1 + b) ** layers``.

    >>> round(budget_amplification(20, 3), 2), round(budget_amplification(20, 5), 2)
    (1.73, 2.49)
    """
    b = check_nonnegative("budget_percent", budget_percent) / 100.0
    if b > 10.0:
        raise ValueError(f"budget_percent must be in [0, 1000]; got {budget_percent!r}")
    n = check_limit("layers", layers, 100, minimum=1)
    return (1.0 + b) ** n
