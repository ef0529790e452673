"""The "Exponential Backoff And Jitter" experiment: clients racing to update one row.

Model of the AWS Architecture Blog's experiment ("Exponential Backoff And Jitter",
https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/, and its simulator,
https://github.com/aws-samples/aws-arch-backoff-simulator): ``clients``
clients each perform one optimistic-concurrency update of the same row — read the version,
then a conditional write that succeeds only if the version is unchanged. A failed write is
retried (read again, write again) after the backoff of :mod:`labkit.resilience.retry`. Every hop
takes ``|Normal(10 ms, 2 ms)|``. The server does no queueing: the conflict itself is the
contention.

Outputs per run: total calls the server handled (reads + writes: the *work*), and the time the
last client succeeded (*completion*).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np
import pandas as pd

from labkit.core.rng import make_rng, spawn_rngs
from labkit.core.validation import check_int, check_positive
from labkit.resilience.retry import BACKOFF_STRATEGIES, Backoff

__all__ = ["compare_backoff_strategies", "run_backoff_contention"]

_READ, _READ_BACK, _WRITE, _WRITE_BACK = range(4)


def run_backoff_contention(clients: int, strategy: str = "full", *, base_s: float = 0.005,
                           cap_s: float = 2.0, hop_mean_s: float = 0.010,
                           hop_sd_s: float = 0.002, max_calls: int = 200_000,
                           seed: int | np.random.Generator = 0) -> dict[str, float]:
    """One run: ``clients`` clients, all starting at 0, update one row with OCC and backoff.

    Returns ``{"clients", "strategy", "calls", "writes", "completion_s"}``. Backoff indexing: the
    first retry is ``retry=0`` (see :mod:`labkit.resilience.retry`).

    >>> r = run_backoff_contention(5, "full", seed=1)
    >>> r["writes"] >= 5 and r["calls"] == 2 * r["writes"]
    True
    """
    n = check_int("clients", clients, minimum=1)
    if strategy not in BACKOFF_STRATEGIES:
        raise ValueError(f"strategy must be one of {BACKOFF_STRATEGIES}; got {strategy!r}")
    check_positive("hop_mean_s", hop_mean_s)
    check_positive("hop_sd_s", hop_sd_s)
    limit = check_int("max_calls", max_calls, minimum=1)
    rng = make_rng(seed)
    backoffs = [Backoff(strategy, base_s=base_s, cap_s=cap_s) for _ in range(n)]
    seen = np.zeros(n, dtype=int)
    version = 0
    calls = writes = 0
    done_at = 0.0
    hop_buffer = np.abs(rng.normal(hop_mean_s, hop_sd_s, 4096))
    hop_i = 0

    def hop() -> float:
        nonlocal hop_buffer, hop_i
        if hop_i >= len(hop_buffer):
            hop_buffer = np.abs(rng.normal(hop_mean_s, hop_sd_s, 4096))
            hop_i = 0
        hop_i += 1
        return float(hop_buffer[hop_i - 1])

    heap: list[tuple[float, int, int, int, bool]] = []
    seq = 0

    def push(t: float, kind: int, client: int, ok: bool = False) -> None:
        nonlocal seq
        heapq.heappush(heap, (t, seq, kind, client, ok))
        seq += 1

    for c in range(n):
        push(hop(), _READ, c)
    remaining = n
    while heap and remaining:
        t, _, kind, c, ok = heapq.heappop(heap)
        if kind == _READ:
            calls += 1
            seen[c] = version
            push(t + hop(), _READ_BACK, c)
        elif kind == _READ_BACK:
            push(t + hop(), _WRITE, c)
        elif kind == _WRITE:
            calls += 1
            writes += 1
            success = seen[c] == version
            if success:
                version += 1
            push(t + hop(), _WRITE_BACK, c, success)
        else:
            if ok:
                remaining -= 1
                done_at = t
            else:
                push(t + backoffs[c].next_delay(rng) + hop(), _READ, c)
        if calls > limit:
            raise RuntimeError(f"more than max_calls={limit} calls: the run does not converge")
    return {"clients": n, "strategy": strategy, "calls": calls, "writes": writes,
            "completion_s": done_at}


def compare_backoff_strategies(clients: Sequence[int] = (10, 20, 30, 40, 50),
                               strategies: Sequence[str] = ("none", "exponential", "full",
                                                            "equal", "decorrelated"),
                               *, runs: int = 20, seed: int = 0, **kwargs) -> pd.DataFrame:
    """Mean work and completion time per strategy and client count (``runs`` runs each).

    Returns one row per (strategy, clients): ``calls``, ``writes``, ``completion_s`` (means over
    the runs). Each (strategy, clients, run) uses its own spawned stream.

    >>> df = compare_backoff_strategies(clients=(5,), strategies=("none", "full"), runs=2)
    >>> list(df.columns)
    ['strategy', 'clients', 'calls', 'writes', 'completion_s']
    """
    k = check_int("runs", runs, minimum=1)
    combos = [(s, c) for s in strategies for c in clients]
    rngs = spawn_rngs(seed, len(combos) * k)
    rows = []
    for i, (strategy, n) in enumerate(combos):
        results = [run_backoff_contention(n, strategy, seed=rngs[i * k + j], **kwargs)
                   for j in range(k)]
        rows.append({"strategy": strategy, "clients": n,
                     "calls": float(np.mean([r["calls"] for r in results])),
                     "writes": float(np.mean([r["writes"] for r in results])),
                     "completion_s": float(np.mean([r["completion_s"] for r in results]))})
    return pd.DataFrame(rows)
