"""A timeout around a SimPy call: the caller gives up at the timeout instant.

The call itself is not cancelled (a real dependency keeps working on an abandoned request), but
the caller sees a failure named ``"timeout"`` exactly ``timeout_s`` after it started waiting. That
is how a breaker without a slow-call notion (pybreaker) learns that a dependency is slow.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from labkit.core.service import CallResult, Service
from labkit.core.validation import check_positive

__all__ = ["call_with_timeout"]


def call_with_timeout(env: simpy.Environment, service: Service,
                      timeout_s: float) -> Generator[Any, Any, CallResult]:
    """SimPy process: call ``service``; fail with ``error="timeout"`` after ``timeout_s``.

    The result's ``start_s`` is when the caller started waiting (so ``end_s - start_s`` is the
    latency the caller saw).

    >>> import numpy as np, simpy
    >>> from labkit.core.workloads import Constant
    >>> env = simpy.Environment()
    >>> svc = Service(env, service_time=Constant(5.0), rng=np.random.default_rng(0))
    >>> proc = env.process(call_with_timeout(env, svc, 1.0)); env.run()
    >>> proc.value
    CallResult(start_s=0.0, end_s=1.0, ok=False, error='timeout')
    """
    limit = check_positive("timeout_s", timeout_s)
    started = float(env.now)
    call = env.process(service.call())
    fired = yield call | env.timeout(limit)
    if call in fired:
        result = call.value
        return CallResult(started, result.end_s, result.ok, result.error)
    return CallResult(started, float(env.now), False, "timeout")
