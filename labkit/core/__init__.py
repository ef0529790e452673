"""Core building blocks: seeded randomness, workloads, the SimPy service, queueing formulas,
metrics and argument checks.

Randomness
    make_rng, spawn_rngs
Workloads
    Exponential, Constant, LogNormal, poisson_arrivals, piecewise_poisson_arrivals,
    FaultWindow, FaultSchedule
Service and queues
    Service, CallResult, run_queue, erlang_b, erlang_c_probability, erlang_c_wait
Metrics
    percentiles, latency_summary, throughput, littles_law, LittleCheck
"""

from labkit.core.metrics import LittleCheck, latency_summary, littles_law, percentiles, throughput
from labkit.core.queueing import erlang_b, erlang_c_probability, erlang_c_wait
from labkit.core.rng import make_rng, spawn_rngs
from labkit.core.service import CallResult, Service, run_queue
from labkit.core.workloads import (
    Constant,
    Exponential,
    FaultSchedule,
    FaultWindow,
    LogNormal,
    piecewise_poisson_arrivals,
    poisson_arrivals,
)

__all__ = [
    "CallResult", "Constant", "Exponential", "FaultSchedule", "FaultWindow", "LittleCheck",
    "LogNormal", "Service", "erlang_b", "erlang_c_probability", "erlang_c_wait",
    "latency_summary", "littles_law", "make_rng", "percentiles", "piecewise_poisson_arrivals",
    "poisson_arrivals", "run_queue", "spawn_rngs", "throughput",
]
