"""Fan-out and tail latency: a request that calls n services waits for the slowest one.

If one call is slower than a threshold with probability ``p``, a request that fans out to ``n``
independent calls is slower than it with probability ``1 - (1 - p)^n`` ("The Tail at Scale",
Dean and Barroso, 2013): a 1-in-100 slow call becomes the common case at n = 100. Likewise the
request's q-quantile is the single call's ``q^(1/n)`` quantile.

*Hedged requests* are one cure: if a call has not answered after ``hedge_after_s`` (the call's
95th percentile in the paper), send a second copy to another replica and take whichever answers
first. At most about 5 % extra calls buy a much shorter tail.

:func:`run_fanout` samples call latencies from a :class:`LeafLatency` (mostly fast, sometimes
slow) with numpy; calls are independent and replicas unloaded (no queueing from the extra
hedged calls).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from labkit.core.rng import spawn_rngs
from labkit.core.validation import check_int, check_nonnegative, check_probability
from labkit.core.workloads import Constant, Exponential, LogNormal

__all__ = ["LeafLatency", "fanout_slow_probability", "run_fanout"]

Distribution = Exponential | Constant | LogNormal


def fanout_slow_probability(p: float, n: int) -> float:
    """Closed form: probability that at least one of ``n`` calls is slow, ``1 - (1 - p)^n``.

    >>> round(fanout_slow_probability(0.01, 100), 3)
    0.634
    """
    p = check_probability("p", p)
    n = check_int("n", n, minimum=1)
    return 1.0 - (1.0 - p) ** n


@dataclass(frozen=True)
class LeafLatency:
    """One downstream call: ``fast`` most of the time, ``slow`` with ``slow_probability``
    (a garbage-collection pause, a cold cache, a noisy neighbour).

    >>> leaf = LeafLatency()
    >>> bool(leaf.sample(np.random.default_rng(0), 5).min() > 0)
    True
    """

    fast: Distribution = field(default_factory=lambda: LogNormal(median=0.010, sigma=0.25))
    slow: Distribution = field(default_factory=lambda: LogNormal(median=0.250, sigma=0.3))
    slow_probability: float = 0.02

    def __post_init__(self) -> None:
        for name in ("fast", "slow"):
            if not hasattr(getattr(self, name), "sample"):
                raise TypeError(f"{name} must be a distribution such as LogNormal(median, sigma)")
        check_probability("slow_probability", self.slow_probability)

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        shape = (size,) if isinstance(size, int) else tuple(size)
        count = int(np.prod(shape))
        fast = self.fast.sample(rng, count)
        slow = self.slow.sample(rng, count)
        is_slow = rng.random(count) < self.slow_probability
        return np.where(is_slow, slow, fast).reshape(shape)


def run_fanout(fanouts: Sequence[int] = (1, 2, 5, 10, 20, 50, 100), *, n_requests: int = 10_000,
               leaf: LeafLatency | None = None, tail_probability: float = 0.01,
               hedge_after_s: float | None = None, hedge_quantile: float = 0.95,
               seed: int = 0) -> pd.DataFrame:
    """Measure request latency against fan-out, with and without hedged calls.

    The "slow" threshold is the single call's ``1 - tail_probability`` quantile (its p99 by
    default), estimated from a large sample; hedging starts after ``hedge_after_s`` or, if
    that is None, after the call's ``hedge_quantile`` quantile.

    Returns one row per fan-out: ``fanout``, ``p50_s``, ``p99_s``, ``predicted_p99_s``
    (single-call quantile at 0.99^(1/n)), ``slow_fraction`` (requests above the threshold),
    ``predicted_slow_fraction`` (``1 - (1 - p)^n``), ``hedged_p99_s``,
    ``hedged_slow_fraction`` and ``hedge_extra_calls`` (extra calls per call).

    Examples
    --------
    >>> df = run_fanout((1, 100), n_requests=4000, seed=1)
    >>> float(df.predicted_slow_fraction.iloc[1].round(3))
    0.634
    >>> bool((df.hedged_p99_s < df.p99_s).iloc[1])
    True
    """
    ns = [check_int("fanouts", k, minimum=1) for k in fanouts]
    if not ns:
        raise ValueError("fanouts must hold at least one fan-out")
    requests = check_int("n_requests", n_requests, minimum=100)
    leaf = leaf if leaf is not None else LeafLatency()
    p = check_probability("tail_probability", tail_probability)
    if not 0.0 < p < 1.0:
        raise ValueError(f"tail_probability must be in (0, 1), got {p!r}")
    q_hedge = check_probability("hedge_quantile", hedge_quantile)

    ref_rng, *rngs = spawn_rngs(seed, 1 + len(ns))
    reference = leaf.sample(ref_rng, 200_000)
    threshold = float(np.quantile(reference, 1.0 - p))
    hedge_at = (check_nonnegative("hedge_after_s", hedge_after_s) if hedge_after_s is not None
                else float(np.quantile(reference, q_hedge)))

    rows = []
    for n, rng in zip(ns, rngs, strict=True):
        first = leaf.sample(rng, (requests, n))
        backup = leaf.sample(rng, (requests, n))
        hedged_calls = first > hedge_at
        hedged = np.where(hedged_calls, np.minimum(first, hedge_at + backup), first)
        plain = first.max(axis=1)
        with_hedge = hedged.max(axis=1)
        rows.append({
            "fanout": n,
            "p50_s": float(np.percentile(plain, 50)),
            "p99_s": float(np.percentile(plain, 99)),
            "predicted_p99_s": float(np.quantile(reference, 0.99 ** (1.0 / n))),
            "slow_fraction": float((plain > threshold).mean()),
            "predicted_slow_fraction": fanout_slow_probability(p, n),
            "hedged_p99_s": float(np.percentile(with_hedge, 99)),
            "hedged_slow_fraction": float((with_hedge > threshold).mean()),
            "hedge_extra_calls": float(hedged_calls.mean()),
        })
    frame = pd.DataFrame(rows)
    frame.attrs["threshold_s"] = threshold
    frame.attrs["hedge_after_s"] = hedge_at
    return frame
