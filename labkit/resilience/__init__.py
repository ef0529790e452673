"""Resilience patterns: circuit breakers, bulkheads, retries, timeouts and their scenarios.

Breakers (pure, clock-injected state machines; ``breaker.py``)
    CircuitBreaker (resilience4j semantics), ConsecutiveFailureBreaker (pybreaker semantics)
Bulkheads and concurrency limits (``bulkhead.py``, ``concurrency.py``)
    SemaphoreBulkhead, ThreadPoolBulkhead, BulkheadDecision, LambdaConcurrency, Invocation,
    ReservationError
Retries, backoff and budgets (``retry.py``; the first retry is ``retry=0``)
    Backoff, backoff_delay, backoff_ceiling, BACKOFF_STRATEGIES, envoy_backoff_interval_ms,
    grpc_backoff_s, resilience4j_intervals_ms, resilience4j_randomized_ms, RetryBudget,
    RetryThrottle, RetryQuota, retry_amplification, budget_amplification; AWS SDK standard mode
    in its 2026 (default) and pre-2026 forms: sdk_retry_defaults, SdkRetryDefaults,
    sdk_backoff_s, SDK_RETRY_BEHAVIORS, SDK_ERROR_KINDS
Timeouts (SimPy; ``timeout.py``)
    call_with_timeout
Scenarios (SimPy)
    OutageConfig, simulate_outage, OutageResult, run_outage_scenario (public wrapper),
    compare_runs (deprecated) (``outage.py``);
    NoisyNeighbourConfig, simulate_noisy_neighbour, PriorityQueuesConfig,
    simulate_priority_queues, LambdaConcurrencyConfig, simulate_lambda_concurrency,
    LambdaFunction, pool_summary; run_noisy_neighbour, run_priority_queues,
    run_lambda_concurrency (deprecated) (``isolation.py``);
    FleetIsolationConfig, simulate_fleet_isolation (Auto Scaling group per workload or shared;
    ``fleets.py``); ContentionConfig, simulate_backoff_contention, compare_backoff_strategies,
    run_backoff_contention (deprecated) (``contention.py``)
"""

from labkit.resilience.breaker import STATES, CircuitBreaker, ConsecutiveFailureBreaker
from labkit.resilience.bulkhead import BulkheadDecision, SemaphoreBulkhead, ThreadPoolBulkhead
from labkit.resilience.concurrency import Invocation, LambdaConcurrency, ReservationError
from labkit.resilience.contention import (
    ContentionConfig,
    compare_backoff_strategies,
    run_backoff_contention,
    simulate_backoff_contention,
)
from labkit.resilience.fleets import FleetIsolationConfig, simulate_fleet_isolation
from labkit.resilience.isolation import (
    LambdaConcurrencyConfig,
    LambdaFunction,
    NoisyNeighbourConfig,
    PriorityQueuesConfig,
    pool_summary,
    run_lambda_concurrency,
    run_noisy_neighbour,
    run_priority_queues,
    simulate_lambda_concurrency,
    simulate_noisy_neighbour,
    simulate_priority_queues,
)
from labkit.resilience.outage import (
    OutageConfig,
    OutageResult,
    compare_runs,
    run_outage_scenario,
    simulate_outage,
)
from labkit.resilience.retry import (
    BACKOFF_STRATEGIES,
    SDK_ERROR_KINDS,
    SDK_RETRY_BEHAVIORS,
    Backoff,
    RetryBudget,
    RetryQuota,
    RetryThrottle,
    SdkRetryDefaults,
    backoff_ceiling,
    backoff_delay,
    budget_amplification,
    envoy_backoff_interval_ms,
    grpc_backoff_s,
    resilience4j_intervals_ms,
    resilience4j_randomized_ms,
    retry_amplification,
    sdk_backoff_s,
    sdk_retry_defaults,
)
from labkit.resilience.timeout import call_with_timeout

__all__ = [
    "ContentionConfig", "OutageConfig", "simulate_backoff_contention", "simulate_outage",
    "FleetIsolationConfig", "LambdaConcurrencyConfig", "NoisyNeighbourConfig",
    "PriorityQueuesConfig", "simulate_fleet_isolation", "simulate_lambda_concurrency",
    "simulate_noisy_neighbour", "simulate_priority_queues",
    "BACKOFF_STRATEGIES", "Backoff", "BulkheadDecision", "CircuitBreaker",
    "ConsecutiveFailureBreaker", "Invocation", "LambdaConcurrency", "LambdaFunction",
    "OutageResult", "ReservationError", "RetryBudget", "RetryQuota", "RetryThrottle", "STATES",
    "SDK_ERROR_KINDS", "SDK_RETRY_BEHAVIORS", "SdkRetryDefaults", "sdk_backoff_s",
    "sdk_retry_defaults",
    "SemaphoreBulkhead", "ThreadPoolBulkhead", "backoff_ceiling", "backoff_delay",
    "budget_amplification", "call_with_timeout", "compare_backoff_strategies", "compare_runs",
    "envoy_backoff_interval_ms", "grpc_backoff_s", "pool_summary", "resilience4j_intervals_ms",
    "resilience4j_randomized_ms", "retry_amplification", "run_backoff_contention",
    "run_lambda_concurrency", "run_noisy_neighbour", "run_outage_scenario", "run_priority_queues",
]
