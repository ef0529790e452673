"""Fan-out and tail latency: a request that calls n services waits for the slowest one.

If one call is slower than a threshold with probability ``p``, a request that fans out to ``n``
independent calls is slower than it with probability ``1 - (1 - p)^n`` ("The Tail at Scale",
Dean and Barroso, 2013): a 1-in-100 slow call becomes the common case at n = 100. Likewise the
request's q-quantile is the single call's ``q^(1/n)`` quantile.

*Hedged requests* are one cure: if a call has not answered after ``hedge_after_s`` (the call's
95th percentile in the paper), send a second copy to another replica and take whichever answers
first. At most about 5 % extra calls buy a much shorter tail.

:func:`run_fanout` (configured by :class:`FanoutConfig`) samples call latencies from a
:class:`LeafLatency` (mostly fast, sometimes slow) with numpy; calls are independent and
replicas unloaded (no queueing from the extra hedged calls).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from labkit.core.rng import spawn_rngs
from labkit.core.runner import Config, Result, legacy_config
from labkit.core.validation import (
    check_int,
    check_limit,
    check_nonnegative,
    check_probability,
)
from labkit.core.workloads import Constant, Exponential, LogNormal

__all__ = ["FanoutConfig", "FanoutResult", "LeafLatency", "fanout_slow_probability",
           "run_fanout"]

#: Most latencies one run may draw (requests x total fan-out x 2), to bound the work.
MAX_CALLS = 20_000_000
#: Size of the reference sample that fixes the slow threshold and the hedge delay.
REFERENCE_CALLS = 200_000

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


@dataclass(frozen=True)
class FanoutConfig(Config):
    """Requests that each fan out to ``n`` calls, for every ``n`` in ``fanouts``.

    ``n_requests`` requests per fan-out (at least 100). The "slow" threshold is the single
    call's ``1 - tail_probability`` quantile (its p99 by default), estimated from a large sample;
    hedging starts after ``hedge_after_s`` or, if that is None, after the call's
    ``hedge_quantile`` quantile (the p95, as in the paper).
    """

    fanouts: tuple[int, ...] = (1, 2, 5, 10, 20, 50, 100)
    n_requests: int = 10_000
    leaf: LeafLatency = field(default_factory=LeafLatency)
    tail_probability: float = 0.01
    hedge_after_s: float | None = None
    hedge_quantile: float = 0.95
    seed: int = 0

    def validate(self) -> None:
        ns = [check_int("fanouts", k, minimum=1) for k in self.fanouts]
        if not ns:
            raise ValueError("fanouts must hold at least one fan-out")
        requests = check_int("n_requests", self.n_requests, minimum=100)
        check_limit("n_requests x sum(fanouts) x 2", 2 * requests * sum(ns), MAX_CALLS)
        if not isinstance(self.leaf, LeafLatency):
            raise TypeError(f"leaf must be a LeafLatency, got {type(self.leaf).__name__}")
        p = check_probability("tail_probability", self.tail_probability)
        if not 0.0 < p < 1.0:
            raise ValueError(f"tail_probability must be in (0, 1), got {p!r}")
        if self.hedge_after_s is not None:
            check_nonnegative("hedge_after_s", self.hedge_after_s)
        check_probability("hedge_quantile", self.hedge_quantile)
        check_int("seed", self.seed, minimum=0)


@dataclass(frozen=True)
class FanoutResult(Result):
    """Result of :func:`run_fanout`.

    ``records``: one row per request with ``fanout``, ``request_id``, ``latency_s`` (the slowest
    of its calls), ``hedged_latency_s`` (the same calls, hedged) and ``hedged_calls`` (extra
    calls it sent). ``threshold_s``: the slow threshold; ``hedge_after_s``: when a hedge starts;
    ``reference``: the large sample of single-call latencies both come from.
    """

    config: FanoutConfig
    records: pd.DataFrame
    threshold_s: float
    hedge_after_s: float
    reference_quantiles: dict[int, float]

    def table(self) -> pd.DataFrame:
        """One row per fan-out: ``fanout``, ``p50_s``, ``p99_s``, ``predicted_p99_s``
        (single-call quantile at 0.99^(1/n)), ``slow_fraction`` (requests above the threshold),
        ``predicted_slow_fraction`` (``1 - (1 - p)^n``), ``hedged_p99_s``,
        ``hedged_slow_fraction`` and ``hedge_extra_calls`` (extra calls per call)."""
        rows = []
        for n, g in self.records.groupby("fanout", sort=False):
            rows.append({
                "fanout": int(n),
                "p50_s": float(np.percentile(g.latency_s, 50)),
                "p99_s": float(np.percentile(g.latency_s, 99)),
                "predicted_p99_s": self.reference_quantiles[int(n)],
                "slow_fraction": float((g.latency_s > self.threshold_s).mean()),
                "predicted_slow_fraction": fanout_slow_probability(
                    self.config.tail_probability, int(n)),
                "hedged_p99_s": float(np.percentile(g.hedged_latency_s, 99)),
                "hedged_slow_fraction": float((g.hedged_latency_s > self.threshold_s).mean()),
                "hedge_extra_calls": float(g.hedged_calls.sum() / (len(g) * n)),
            })
        frame = pd.DataFrame(rows)
        frame.attrs["threshold_s"] = self.threshold_s
        frame.attrs["hedge_after_s"] = self.hedge_after_s
        return frame

    def summary(self) -> dict[str, float]:
        """Per fan-out ``n``: ``p99_s_n<n>``, ``hedged_p99_s_n<n>``, ``slow_fraction_n<n>``,
        ``hedged_slow_fraction_n<n>`` and ``hedge_extra_calls_n<n>``."""
        out: dict[str, float] = {}
        for row in self.table().itertuples(index=False):
            for name in ("p99_s", "hedged_p99_s", "slow_fraction", "hedged_slow_fraction",
                         "hedge_extra_calls"):
                out[f"{name}_n{row.fanout}"] = float(getattr(row, name))
        return out


def _requests(leaf: LeafLatency, n: int, requests: int, hedge_at: float,
              rng: np.random.Generator) -> pd.DataFrame:
    """``requests`` requests of ``n`` calls each, plain and hedged, as records."""
    first = leaf.sample(rng, (requests, n))
    backup = leaf.sample(rng, (requests, n))
    hedged_calls = first > hedge_at
    hedged = np.where(hedged_calls, np.minimum(first, hedge_at + backup), first)
    return pd.DataFrame({"fanout": n, "request_id": np.arange(requests),
                         "latency_s": first.max(axis=1), "hedged_latency_s": hedged.max(axis=1),
                         "hedged_calls": hedged_calls.sum(axis=1)})


def run_fanout(config: FanoutConfig | Sequence[int] | None = None, /,
               **legacy) -> FanoutResult | pd.DataFrame:
    """Measure request latency against fan-out, with and without hedged calls.

    The former form ``run_fanout(fanouts, n_requests=..., ...)`` still works for one release: it
    warns ``DeprecationWarning`` and returns the per-fan-out table (:meth:`FanoutResult.table`).

    Examples
    --------
    >>> result = run_fanout(FanoutConfig(fanouts=(1, 100), n_requests=4000, seed=1))
    >>> df = result.table()
    >>> float(df.predicted_slow_fraction.iloc[1].round(3))
    0.634
    >>> bool((df.hedged_p99_s < df.p99_s).iloc[1])
    True
    """
    if not isinstance(config, FanoutConfig):
        if config is not None:
            legacy["fanouts"] = tuple(config)
        legacy_result = run_fanout(legacy_config(FanoutConfig, "run_fanout", legacy))
        return legacy_result.table()
    ref_rng, *rngs = spawn_rngs(config.seed, 1 + len(config.fanouts))
    reference = config.leaf.sample(ref_rng, REFERENCE_CALLS)
    threshold = float(np.quantile(reference, 1.0 - config.tail_probability))
    hedge_at = (float(config.hedge_after_s) if config.hedge_after_s is not None
                else float(np.quantile(reference, config.hedge_quantile)))
    records = pd.concat([_requests(config.leaf, n, config.n_requests, hedge_at, rng)
                         for n, rng in zip(config.fanouts, rngs, strict=True)],
                        ignore_index=True)
    quantiles = {int(n): float(np.quantile(reference, 0.99 ** (1.0 / n)))
                 for n in config.fanouts}
    return FanoutResult(config=config, records=records, threshold_s=threshold,
                        hedge_after_s=hedge_at, reference_quantiles=quantiles)
