"""Retry storms: layers of services that each retry, in front of a degraded backend.

:func:`run_retry_storm` is a SimPy model: users call layer 1, layer ``i`` calls layer ``i + 1``,
and the last layer calls the backend (``backend_servers`` workers, a queue, and a failure
probability ``backend_error`` for the degraded state). Every layer makes up to ``attempts``
attempts per call (the original included), sleeping a backoff between them
(:mod:`labkit.resilience.retry`, first retry = ``retry 0``), and asks its retry limiter first:

- ``"none"``: every failed attempt is retried until ``attempts`` is reached;
- ``"budget"``: Envoy's ``retry_budget`` per layer (:class:`~labkit.resilience.retry.RetryBudget`,
  active requests = this layer's calls in flight to the next; a retry is active from scheduling,
  through its backoff, until its outcome is known);
- ``"throttle"``: gRPC ``retryThrottling`` per layer
  (:class:`~labkit.resilience.retry.RetryThrottle`).

The measured **amplification** is backend calls per user request (``a ** layers`` at worst).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from labkit.core.rng import spawn_rngs
from labkit.core.service import feed_arrivals
from labkit.core.validation import (
    check_choice,
    check_int,
    check_nonnegative,
    check_positive,
    check_probability,
)
from labkit.resilience.retry import BACKOFF_STRATEGIES, Backoff, RetryBudget, RetryThrottle

__all__ = ["RETRY_POLICIES", "StormResult", "run_retry_storm"]

RETRY_POLICIES = ("none", "budget", "throttle")


@dataclass(frozen=True)
class StormResult:
    """A retry-storm run: per-user-request rows and per-layer counters."""

    requests: pd.DataFrame
    layers: pd.DataFrame
    backend_calls: int

    @property
    def amplification(self) -> float:
        """Backend calls per user request."""
        return self.backend_calls / max(len(self.requests), 1)

    @property
    def success_rate(self) -> float:
        return float(self.requests["ok"].mean()) if len(self.requests) else float("nan")

    def to_frame(self) -> pd.DataFrame:
        return self.requests


def run_retry_storm(*, layers: int = 3, attempts: int = 3, policy: str = "none",
                    backend_error: float = 1.0, rate: float = 100.0, horizon_s: float = 5.0,
                    backend_servers: int = 200, backend_time_s: float = 0.02,
                    hop_s: float = 0.001, backoff: str = "full", base_s: float = 0.025,
                    cap_s: float = 0.25, budget_percent: float = 20.0,
                    min_retry_concurrency: int = 3, max_tokens: float = 10.0,
                    token_ratio: float = 0.1, per_try_timeout_s: float | None = None,
                    seed: int = 0) -> StormResult:
    """Users at ``rate`` per second for ``horizon_s`` through ``layers`` retrying layers.

    Returns a :class:`StormResult`: ``requests`` (one row per user request: ``request_id``,
    ``arrival_s``, ``end_s``, ``latency_s``, ``ok``, ``backend_calls``) and ``layers`` (per layer:
    ``calls``, ``retries``, ``retries_denied``, ``timeouts``).

    ``per_try_timeout_s`` (Envoy's ``per_try_timeout``) gives up on an attempt that has not
    answered in time: the attempt counts as failed at that instant (and may be retried), while the
    work it started downstream carries on — abandoned, but still load on the backend.

    >>> r = run_retry_storm(layers=3, attempts=3, backend_error=1.0, rate=20, horizon_s=1)
    >>> r.amplification
    27.0
    >>> r3 = run_retry_storm(policy="budget", min_retry_concurrency=0, rate=20, horizon_s=1)
    >>> r3.amplification < 27
    True
    """
    n_layers = check_int("layers", layers, minimum=1)
    n_attempts = check_int("attempts", attempts, minimum=1)
    check_choice("policy", policy, RETRY_POLICIES)
    check_choice("backoff", backoff, BACKOFF_STRATEGIES)
    p_fail = check_probability("backend_error", backend_error)
    lam = check_positive("rate", rate)
    horizon = check_positive("horizon_s", horizon_s)
    servers = check_int("backend_servers", backend_servers, minimum=1)
    svc = check_positive("backend_time_s", backend_time_s)
    hop = check_nonnegative("hop_s", hop_s)
    timeout = None if per_try_timeout_s is None else check_positive("per_try_timeout_s",
                                                                    per_try_timeout_s)
    arr_rng, svc_rng, fail_rng, backoff_rng = spawn_rngs(seed, 4)
    env = simpy.Environment()
    backend = simpy.Resource(env, capacity=servers)
    budgets = [RetryBudget(budget_percent, min_retry_concurrency) for _ in range(n_layers)]
    throttles = [RetryThrottle(max_tokens, token_ratio) for _ in range(n_layers)]
    calls = np.zeros(n_layers, dtype=int)
    retries = np.zeros(n_layers, dtype=int)
    denied = np.zeros(n_layers, dtype=int)
    timeouts = np.zeros(n_layers, dtype=int)
    backend_calls = [0]
    n = int(arr_rng.poisson(lam * horizon))
    arrivals = np.sort(arr_rng.uniform(0.0, horizon, n))
    per_request = np.zeros(n, dtype=int)
    ok = np.zeros(n, dtype=bool)
    end = np.zeros(n)

    def call_backend(req: int):
        backend_calls[0] += 1
        per_request[req] += 1
        with backend.request() as slot:
            yield slot
            yield env.timeout(float(svc_rng.exponential(svc)))
        return bool(fail_rng.random() >= p_fail)

    def call_layer(layer: int, req: int):
        """Layer ``layer`` (0-based) serves one call: attempts to the next hop, with retries."""
        budget, throttle = budgets[layer], throttles[layer]
        schedule = Backoff(backoff, base_s=base_s, cap_s=cap_s)
        calls[layer] += 1
        for attempt in range(n_attempts):
            is_retry = attempt > 0
            if is_retry:
                if policy == "budget" and not budget.try_start_retry():
                    denied[layer] += 1
                    return False
                if policy == "throttle" and not throttle.try_retry():
                    denied[layer] += 1
                    return False
                retries[layer] += 1
                yield env.timeout(schedule.next_delay(backoff_rng))
            budget.start_request()
            yield env.timeout(hop)
            if layer + 1 < n_layers:
                attempt_proc = env.process(call_layer(layer + 1, req))
            else:
                attempt_proc = env.process(call_backend(req))
            if timeout is None:
                success = yield attempt_proc
            else:
                fired = yield attempt_proc | env.timeout(timeout)
                if attempt_proc in fired:
                    success = fired[attempt_proc]
                else:
                    timeouts[layer] += 1
                    success = False
            budget.finish_request()
            if is_retry and policy == "budget":
                budget.finish_retry()
            if success:
                throttle.on_success()
                return True
            throttle.on_failure()
        return False

    def user(req: int):
        ok[req] = yield env.process(call_layer(0, req))
        end[req] = env.now

    env.process(feed_arrivals(env, arrivals, lambda i: env.process(user(i))))
    env.run()
    requests = pd.DataFrame({"request_id": np.arange(n), "arrival_s": arrivals, "end_s": end,
                             "latency_s": end - arrivals, "ok": ok,
                             "backend_calls": per_request})
    layer_frame = pd.DataFrame({"layer": np.arange(1, n_layers + 1), "calls": calls,
                                "retries": retries, "retries_denied": denied,
                                "timeouts": timeouts})
    return StormResult(requests, layer_frame, backend_calls[0])
