"""Retry storms: layers of services that each retry, in front of a degraded backend.

:func:`run_retry_storm` (configured by :class:`StormConfig`) is a SimPy model: users call
layer 1, layer ``i`` calls layer ``i + 1``,
and the last layer calls the backend (``backend_servers`` workers, a queue, and a failure
probability ``backend_error`` for the degraded state). Every layer makes up to ``attempts``
attempts per call (the original included), sleeping a backoff between them
(:mod:`labkit.resilience.retry`, first retry = ``retry 0``), and asks its retry limiter first:

- ``"none"``: every failed attempt is retried until ``attempts`` is reached;
- ``"budget"``: Envoy's ``retry_budget`` per layer (:class:`~labkit.resilience.retry.RetryBudget`,
  active requests = this layer's calls in flight to the next; a retry is active from scheduling,
  through its backoff, until its outcome is known);
- ``"throttle"``: gRPC ``retryThrottling`` per layer
  (:class:`~labkit.resilience.retry.RetryThrottle`);
- ``"sdk_quota"``: the AWS SDK standard-mode retry quota per layer (each layer one SDK client,
  :class:`~labkit.resilience.retry.RetryQuota`) with ``sdk_behavior`` ``"2026"`` (the default
  since 10 November 2026: a retry after an error costs 14 tokens) or ``"pre-2026"`` (5 tokens,
  10 after a per-try timeout). A failed backend call is a transient error; the backoff between
  attempts is still ``backoff`` / ``base_s`` / ``cap_s``.

The measured **amplification** is backend calls per user request (``a ** layers`` at worst).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from labkit.core.rng import spawn_rngs
from labkit.core.runner import Config, Result, config_or_legacy
from labkit.core.service import feed_arrivals
from labkit.core.validation import (
    check_choice,
    check_int,
    check_limit,
    check_nonnegative,
    check_positive,
    check_probability,
)
from labkit.resilience.retry import (
    BACKOFF_STRATEGIES,
    SDK_RETRY_BEHAVIORS,
    Backoff,
    RetryBudget,
    RetryQuota,
    RetryThrottle,
)

__all__ = ["RETRY_POLICIES", "StormConfig", "StormResult", "run_retry_storm"]

#: Most user requests one run may draw (``arrival_rate x horizon_s``), to bound the work.
MAX_EXPECTED_REQUESTS = 100_000

RETRY_POLICIES = ("none", "budget", "throttle", "sdk_quota")


@dataclass(frozen=True)
class StormConfig(Config):
    """Users at ``arrival_rate`` per second for ``horizon_s`` through ``layers`` retrying layers.

    Backend: ``backend_servers`` workers, exponential work of mean ``backend_time_s``, failing
    with probability ``backend_error``; ``hop_s`` per hop. Every layer makes up to ``attempts``
    attempts (the original included) with ``backoff`` (``base_s``, ``cap_s``) between them and
    its ``policy`` limiter: the Envoy retry budget (``budget_percent``,
    ``min_retry_concurrency``), gRPC retry throttling (``max_tokens``, ``token_ratio``) or the
    AWS SDK retry quota (``sdk_behavior``: ``"2026"`` or ``"pre-2026"``).
    ``per_try_timeout_s`` (Envoy's ``per_try_timeout``) gives up on an attempt that has not
    answered in time: the attempt counts as failed at that instant (and may be retried), while
    the work it started downstream carries on, abandoned but still load on the backend.
    """

    layers: int = 3
    attempts: int = 3
    policy: str = "none"
    backend_error: float = 1.0
    arrival_rate: float = 100.0
    horizon_s: float = 5.0
    backend_servers: int = 200
    backend_time_s: float = 0.02
    hop_s: float = 0.001
    backoff: str = "full"
    base_s: float = 0.025
    cap_s: float = 0.25
    budget_percent: float = 20.0
    min_retry_concurrency: int = 3
    max_tokens: float = 10.0
    token_ratio: float = 0.1
    per_try_timeout_s: float | None = None
    sdk_behavior: str = "2026"
    seed: int = 0

    def validate(self) -> None:
        check_limit("layers", self.layers, 10, minimum=1)
        check_limit("attempts", self.attempts, 10, minimum=1)
        check_choice("policy", self.policy, RETRY_POLICIES)
        check_choice("sdk_behavior", self.sdk_behavior, SDK_RETRY_BEHAVIORS)
        check_choice("backoff", self.backoff, BACKOFF_STRATEGIES)
        check_probability("backend_error", self.backend_error)
        rate = check_positive("arrival_rate", self.arrival_rate)
        horizon = check_positive("horizon_s", self.horizon_s)
        check_limit("arrival_rate x horizon_s (expected requests)", math.ceil(rate * horizon),
                    MAX_EXPECTED_REQUESTS)
        check_int("backend_servers", self.backend_servers, minimum=1)
        check_positive("backend_time_s", self.backend_time_s)
        check_nonnegative("hop_s", self.hop_s)
        check_nonnegative("base_s", self.base_s)
        check_nonnegative("cap_s", self.cap_s)
        check_nonnegative("budget_percent", self.budget_percent)
        check_int("min_retry_concurrency", self.min_retry_concurrency, minimum=0)
        check_positive("max_tokens", self.max_tokens)
        check_positive("token_ratio", self.token_ratio)
        if self.per_try_timeout_s is not None:
            check_positive("per_try_timeout_s", self.per_try_timeout_s)
        check_int("seed", self.seed, minimum=0)


@dataclass(frozen=True)
class StormResult(Result):
    """A retry-storm run: ``records`` (also ``requests``), one row per user request
    (``request_id``, ``arrival_s``, ``end_s``, ``latency_s``, ``ok``, ``backend_calls``), and
    ``layers``, per layer: ``calls``, ``retries``, ``retries_denied``, ``timeouts``."""

    requests: pd.DataFrame
    layers: pd.DataFrame
    backend_calls: int

    @property
    def records(self) -> pd.DataFrame:
        return self.requests

    @property
    def amplification(self) -> float:
        """Backend calls per user request."""
        return self.backend_calls / max(len(self.requests), 1)

    @property
    def success_rate(self) -> float:
        return float(self.requests["ok"].mean()) if len(self.requests) else float("nan")

    def to_frame(self) -> pd.DataFrame:
        return self.requests

    def summary(self) -> dict[str, float | int]:
        """User requests, backend calls, amplification, success rate, p99 latency (s),
        retries made and denied over all layers."""
        r = self.requests
        return {"n_requests": int(len(r)), "backend_calls": int(self.backend_calls),
                "amplification": float(self.amplification),
                "success_rate": self.success_rate,
                "p99_latency_s": float(r.latency_s.quantile(0.99)) if len(r) else float("nan"),
                "retries": int(self.layers.retries.sum()),
                "retries_denied": int(self.layers.retries_denied.sum())}


class _Storm:
    """The SimPy processes of one run and the counters they fill in."""

    def __init__(self, c: StormConfig) -> None:
        self.c = c
        arr_rng, self.svc_rng, self.fail_rng, self.backoff_rng = spawn_rngs(c.seed, 4)
        self.env = simpy.Environment()
        self.backend = simpy.Resource(self.env, capacity=c.backend_servers)
        self.budgets = [RetryBudget(c.budget_percent, c.min_retry_concurrency)
                        for _ in range(c.layers)]
        self.throttles = [RetryThrottle(c.max_tokens, c.token_ratio) for _ in range(c.layers)]
        self.quotas = [RetryQuota(behavior=c.sdk_behavior) for _ in range(c.layers)]
        self.calls, self.retries, self.denied, self.timeouts = (
            np.zeros(c.layers, dtype=int) for _ in range(4))
        self.backend_calls = 0
        n = int(arr_rng.poisson(c.arrival_rate * c.horizon_s))
        self.arrivals = np.sort(arr_rng.uniform(0.0, c.horizon_s, n))
        self.per_request = np.zeros(n, dtype=int)
        self.ok = np.zeros(n, dtype=bool)
        self.end = np.zeros(n)

    def call_backend(self, req: int):
        self.backend_calls += 1
        self.per_request[req] += 1
        with self.backend.request() as slot:
            yield slot
            yield self.env.timeout(float(self.svc_rng.exponential(self.c.backend_time_s)))
        return bool(self.fail_rng.random() >= self.c.backend_error)

    def retry_allowed(self, layer: int, error: str) -> bool:
        """Ask the layer's limiter for a retry after ``error`` (always yes without one)."""
        if self.c.policy == "budget":
            return self.budgets[layer].try_start_retry()
        if self.c.policy == "throttle":
            return self.throttles[layer].try_retry()
        if self.c.policy == "sdk_quota":
            return self.quotas[layer].try_acquire(error)
        return True

    def attempt(self, layer: int, req: int):
        """One attempt from ``layer`` to the next hop, cut short by the per-try timeout:
        ``"ok"``, ``"transient"`` (the call below failed) or ``"timeout"``."""
        env = self.env
        yield env.timeout(self.c.hop_s)
        proc = env.process(self.call_layer(layer + 1, req) if layer + 1 < self.c.layers
                           else self.call_backend(req))
        if self.c.per_try_timeout_s is None:
            return "ok" if (yield proc) else "transient"
        fired = yield proc | env.timeout(self.c.per_try_timeout_s)
        if proc in fired:
            return "ok" if fired[proc] else "transient"
        self.timeouts[layer] += 1
        return "timeout"

    def call_layer(self, layer: int, req: int):
        """Layer ``layer`` (0-based) serves one call: attempts to the next hop, with retries."""
        budget, throttle, quota = self.budgets[layer], self.throttles[layer], self.quotas[layer]
        schedule = Backoff(self.c.backoff, base_s=self.c.base_s, cap_s=self.c.cap_s)
        self.calls[layer] += 1
        outcome = "ok"
        for attempt in range(self.c.attempts):
            is_retry = attempt > 0
            if is_retry:
                if not self.retry_allowed(layer, outcome):
                    self.denied[layer] += 1
                    return False
                paid = quota.cost(outcome)
                self.retries[layer] += 1
                yield self.env.timeout(schedule.next_delay(self.backoff_rng))
            budget.start_request()
            outcome = yield self.env.process(self.attempt(layer, req))
            budget.finish_request()
            if is_retry and self.c.policy == "budget":
                budget.finish_retry()
            if outcome == "ok":
                throttle.on_success()
                if is_retry:         # the SDK refunds the last retry's cost ...
                    quota.release(paid)
                else:                # ... or adds 1 after a first-attempt success
                    quota.on_first_attempt_success()
                return True
            throttle.on_failure()
        return False

    def user(self, req: int):
        self.ok[req] = yield self.env.process(self.call_layer(0, req))
        self.end[req] = self.env.now

    def run(self) -> StormResult:
        env = self.env
        env.process(feed_arrivals(env, self.arrivals, lambda i: env.process(self.user(i))))
        env.run()
        n = len(self.arrivals)
        requests = pd.DataFrame({"request_id": np.arange(n), "arrival_s": self.arrivals,
                                 "end_s": self.end, "latency_s": self.end - self.arrivals,
                                 "ok": self.ok, "backend_calls": self.per_request})
        layer_frame = pd.DataFrame({"layer": np.arange(1, self.c.layers + 1),
                                    "calls": self.calls, "retries": self.retries,
                                    "retries_denied": self.denied, "timeouts": self.timeouts})
        return StormResult(requests, layer_frame, self.backend_calls)


def run_retry_storm(config: StormConfig | None = None, /, **legacy) -> StormResult:
    """Run the retry-storm model described by ``config``.

    The former keyword form (``run_retry_storm(rate=..., policy=...)``; ``rate`` is now
    ``arrival_rate``) still works for one release and warns ``DeprecationWarning``.

    >>> r = run_retry_storm(StormConfig(layers=3, attempts=3, backend_error=1.0,
    ...                                 arrival_rate=20, horizon_s=1))
    >>> r.amplification
    27.0
    >>> r3 = run_retry_storm(StormConfig(policy="budget", min_retry_concurrency=0,
    ...                                  arrival_rate=20, horizon_s=1))
    >>> r3.amplification < 27
    True
    >>> sdk = {b: run_retry_storm(StormConfig(policy="sdk_quota", sdk_behavior=b,
    ...                                       arrival_rate=20, horizon_s=1))
    ...        for b in ("2026", "pre-2026")}
    >>> sdk["2026"].amplification < sdk["pre-2026"].amplification < 27
    True
    """
    config = config_or_legacy(StormConfig, "run_retry_storm", config, legacy,
                              renames={"rate": "arrival_rate"})
    return _Storm(config).run()
