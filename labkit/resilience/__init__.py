"""Resilience patterns: circuit breakers, timeouts and the outage scenario.

Breakers (pure, clock-injected state machines)
    CircuitBreaker (resilience4j semantics), ConsecutiveFailureBreaker (pybreaker semantics)
Timeouts (SimPy)
    call_with_timeout
Scenarios (SimPy)
    run_outage_scenario, OutageResult, compare_runs
"""

from labkit.resilience.breaker import STATES, CircuitBreaker, ConsecutiveFailureBreaker
from labkit.resilience.sim import OutageResult, compare_runs, run_outage_scenario
from labkit.resilience.timeout import call_with_timeout

__all__ = [
    "STATES", "CircuitBreaker", "ConsecutiveFailureBreaker", "OutageResult", "call_with_timeout",
    "compare_runs", "run_outage_scenario",
]
