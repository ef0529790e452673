"""The "Exponential Backoff And Jitter" experiment: clients racing to update one row.

Model of the AWS Architecture Blog's experiment ("Exponential Backoff And Jitter",
https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/, and its simulator,
https://github.com/aws-samples/aws-arch-backoff-simulator): ``clients``
clients each perform one optimistic-concurrency update of the same row — read the version,
then a conditional write that succeeds only if the version is unchanged. A failed write is
retried (read again, write again) after the backoff of :mod:`labkit.resilience.retry`. Every hop
takes ``|Normal(10 ms, 2 ms)|``. The server does no queueing: the conflict itself is the
contention.

Under the runner convention: :class:`ContentionConfig` → :func:`simulate_backoff_contention` →
:class:`ContentionResult` (one row per client; the summary has the total calls the server
handled, reads + writes: the *work*, and the time the last client succeeded: *completion*).
:func:`compare_backoff_strategies` averages runs per strategy and client count;
``run_backoff_contention`` is the former keyword form (deprecated).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from labkit.core.rng import make_rng, spawn_rngs
from labkit.core.runner import Config, Result, deprecated_alias
from labkit.core.validation import check_int, check_limit, check_positive
from labkit.resilience.retry import BACKOFF_STRATEGIES, Backoff

__all__ = ["ContentionConfig", "ContentionResult", "compare_backoff_strategies",
           "run_backoff_contention", "simulate_backoff_contention"]

_READ, _READ_BACK, _WRITE, _WRITE_BACK = range(4)


MAX_CLIENTS = 10_000


@dataclass(frozen=True)
class ContentionConfig(Config):
    """``clients`` clients (1 to 10,000), all starting at 0, each updating one row once.

    ``strategy`` is one of :data:`~labkit.resilience.retry.BACKOFF_STRATEGIES`; ``base_s`` and
    ``cap_s`` set the backoff; every hop takes ``|Normal(hop_mean_s, hop_sd_s)|``. A run that
    needs more than ``max_calls`` server calls stops with ``RuntimeError`` (it does not
    converge).
    """

    clients: int = 10
    strategy: str = "full"
    base_s: float = 0.005
    cap_s: float = 2.0
    hop_mean_s: float = 0.010
    hop_sd_s: float = 0.002
    max_calls: int = 200_000
    seed: int = 0

    def validate(self) -> None:
        check_limit("clients", self.clients, MAX_CLIENTS, minimum=1)
        if self.strategy not in BACKOFF_STRATEGIES:
            raise ValueError(f"strategy must be one of {BACKOFF_STRATEGIES}; got "
                             f"{self.strategy!r}")
        check_positive("base_s", self.base_s)
        check_positive("cap_s", self.cap_s)
        check_positive("hop_mean_s", self.hop_mean_s)
        check_positive("hop_sd_s", self.hop_sd_s)
        check_int("max_calls", self.max_calls, minimum=1)
        check_int("seed", self.seed, minimum=0)


@dataclass(frozen=True)
class ContentionResult(Result):
    """One run: ``records`` has one row per client — ``client``, ``calls`` (reads + writes it
    made), ``writes`` (conditional writes it tried) and ``done_s`` (when its write succeeded)."""

    config: ContentionConfig
    records: pd.DataFrame

    def summary(self) -> dict[str, float | int | str]:
        """Total server calls (the work), writes, and when the last client succeeded (s)."""
        r = self.records
        return {"clients": int(len(r)), "strategy": self.config.strategy,
                "calls": int(r["calls"].sum()), "writes": int(r["writes"].sum()),
                "completion_s": float(r["done_s"].max())}


def _race(config: ContentionConfig, rng: np.random.Generator) -> pd.DataFrame:
    """The event loop: reads, conditional writes and backoffs until every client succeeded."""
    n, limit = config.clients, config.max_calls
    backoffs = [Backoff(config.strategy, base_s=config.base_s, cap_s=config.cap_s)
                for _ in range(n)]
    seen = np.zeros(n, dtype=int)
    calls = np.zeros(n, dtype=int)
    writes = np.zeros(n, dtype=int)
    done = np.zeros(n)
    version = total = 0
    hops = _Hops(rng, config.hop_mean_s, config.hop_sd_s)
    heap: list[tuple[float, int, int, int, bool]] = []
    seq = 0

    def push(t: float, kind: int, client: int, ok: bool = False) -> None:
        nonlocal seq
        heapq.heappush(heap, (t, seq, kind, client, ok))
        seq += 1

    for c in range(n):
        push(hops(), _READ, c)
    remaining = n
    while heap and remaining:
        t, _, kind, c, ok = heapq.heappop(heap)
        if kind == _READ:
            calls[c] += 1
            total += 1
            seen[c] = version
            push(t + hops(), _READ_BACK, c)
        elif kind == _READ_BACK:
            push(t + hops(), _WRITE, c)
        elif kind == _WRITE:
            calls[c] += 1
            writes[c] += 1
            total += 1
            success = seen[c] == version
            if success:
                version += 1
            push(t + hops(), _WRITE_BACK, c, success)
        elif ok:
            remaining -= 1
            done[c] = t
        else:
            push(t + backoffs[c].next_delay(rng) + hops(), _READ, c)
        if total > limit:
            raise RuntimeError(f"more than max_calls={limit} calls: the run does not converge")
    return pd.DataFrame({"client": np.arange(n), "calls": calls, "writes": writes,
                         "done_s": done})


class _Hops:
    """Hop times drawn in blocks from one stream (fast, and the same sequence every run)."""

    def __init__(self, rng: np.random.Generator, mean_s: float, sd_s: float) -> None:
        self.rng, self.mean_s, self.sd_s = rng, mean_s, sd_s
        self.buffer = np.empty(0)
        self.i = 0

    def __call__(self) -> float:
        if self.i >= len(self.buffer):
            self.buffer = np.abs(self.rng.normal(self.mean_s, self.sd_s, 4096))
            self.i = 0
        self.i += 1
        return float(self.buffer[self.i - 1])


def simulate_backoff_contention(config: ContentionConfig, *,
                                rng: np.random.Generator | None = None) -> ContentionResult:
    """One run of the experiment described by ``config`` (``rng`` overrides ``config.seed``,
    for callers that spawn independent streams).

    Backoff indexing: the first retry is ``retry=0`` (see :mod:`labkit.resilience.retry`).

    >>> r = simulate_backoff_contention(ContentionConfig(clients=5, seed=1)).summary()
    >>> r["writes"] >= 5 and r["calls"] == 2 * r["writes"]
    True
    """
    if not isinstance(config, ContentionConfig):
        raise TypeError(f"config must be a ContentionConfig, got {type(config).__name__}")
    return ContentionResult(config, _race(config, rng if rng is not None
                                          else make_rng(config.seed)))


def _run_backoff_contention(clients: int, strategy: str = "full", *, base_s: float = 0.005,
                            cap_s: float = 2.0, hop_mean_s: float = 0.010,
                            hop_sd_s: float = 0.002, max_calls: int = 200_000,
                            seed: int | np.random.Generator = 0) -> dict[str, float]:
    config = ContentionConfig(clients=clients, strategy=strategy, base_s=base_s, cap_s=cap_s,
                              hop_mean_s=hop_mean_s, hop_sd_s=hop_sd_s, max_calls=max_calls,
                              seed=seed if isinstance(seed, int) else 0)
    rng = seed if isinstance(seed, np.random.Generator) else None
    return simulate_backoff_contention(config, rng=rng).summary()


_run_backoff_contention.__name__ = "simulate_backoff_contention"
_run_backoff_contention.__module__ = __name__
#: Deprecated keyword form of :func:`simulate_backoff_contention` (returns its summary dict).
run_backoff_contention = deprecated_alias(_run_backoff_contention, "run_backoff_contention")


def compare_backoff_strategies(clients: Sequence[int] = (10, 20, 30, 40, 50),
                               strategies: Sequence[str] = ("none", "exponential", "full",
                                                            "equal", "decorrelated"),
                               *, runs: int = 20, seed: int = 0, **kwargs) -> pd.DataFrame:
    """Mean work and completion time per strategy and client count (``runs`` runs each).

    Returns one row per (strategy, clients): ``calls``, ``writes``, ``completion_s`` (means over
    the runs). Each (strategy, clients, run) uses its own spawned stream; ``kwargs`` are
    :class:`ContentionConfig` fields.

    >>> df = compare_backoff_strategies(clients=(5,), strategies=("none", "full"), runs=2)
    >>> list(df.columns)
    ['strategy', 'clients', 'calls', 'writes', 'completion_s']
    """
    k = check_int("runs", runs, minimum=1)
    combos = [(s, c) for s in strategies for c in clients]
    rngs = spawn_rngs(seed, len(combos) * k)
    rows = []
    for i, (strategy, n) in enumerate(combos):
        config = ContentionConfig(clients=n, strategy=strategy, **kwargs)
        results = [simulate_backoff_contention(config, rng=rngs[i * k + j]).summary()
                   for j in range(k)]
        rows.append({"strategy": strategy, "clients": n,
                     "calls": float(np.mean([r["calls"] for r in results])),
                     "writes": float(np.mean([r["writes"] for r in results])),
                     "completion_s": float(np.mean([r["completion_s"] for r in results]))})
    return pd.DataFrame(rows)
