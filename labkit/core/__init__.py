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
    percentiles, latency_summary, throughput, littles_law, LittleCheck, time_average_in_system
Running models (configuration -> run -> records; see labkit.core.runner)
    Config, Result, compare, replicate, QueueConfig, QueueResult, simulate_queue
Uncertainty (means and differences over replications, 95% confidence intervals)
    Interval, mean_ci, paired_difference, difference_statement
AWS facts (limits, quotas, prices, defaults with their sources)
    fact, fact_value, fact_text, fact_table, sources_markdown (and labkit.core.facts.facts)

Names are loaded on first use (PEP 562), so importing one core module does not pull in pandas
and SimPy for the others.
"""

from importlib import import_module

_HOME = {
    "make_rng": "rng", "spawn_rngs": "rng",
    "Exponential": "workloads", "Constant": "workloads", "LogNormal": "workloads",
    "poisson_arrivals": "workloads", "piecewise_poisson_arrivals": "workloads",
    "FaultWindow": "workloads", "FaultSchedule": "workloads",
    "Service": "service", "CallResult": "service", "run_queue": "service",
    "erlang_b": "queueing", "erlang_c_probability": "queueing", "erlang_c_wait": "queueing",
    "percentiles": "metrics", "latency_summary": "metrics", "throughput": "metrics",
    "littles_law": "metrics", "LittleCheck": "metrics",
    "time_average_in_system": "metrics",
    "fact": "facts", "fact_value": "facts", "fact_text": "facts",
    "fact_table": "facts", "sources_markdown": "facts",
    "Config": "runner", "Result": "runner", "compare": "runner", "replicate": "runner",
    "QueueConfig": "service", "QueueResult": "service", "simulate_queue": "service",
    "Interval": "replication", "mean_ci": "replication", "paired_difference": "replication",
    "difference_statement": "replication",
}

__all__ = sorted(_HOME)


def __getattr__(name: str):
    if name in _HOME:
        value = getattr(import_module(f"labkit.core.{_HOME[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'labkit.core' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
