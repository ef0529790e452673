"""Numbers with their uncertainty: means and differences over independent replications.

A headline number from one seeded run can be luck. Where a notebook claims that one design
beats another, it runs both over at least 20 independent seeds
(:func:`labkit.core.runner.replicate`) and reports the mean with a 95% confidence interval
from Student's t distribution
(:func:`mean_ci`), or the mean paired difference (:func:`paired_difference`, the two designs run
on the same seeds, which removes the shared noise). :func:`difference_statement` words the claim
and refuses to call it a difference when the interval includes zero.

Contents
    Interval, mean_ci, paired_difference, difference_statement, MIN_REPLICATIONS
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from labkit.core.validation import check_probability

__all__ = ["MIN_REPLICATIONS", "Interval", "difference_statement", "mean_ci",
           "paired_difference"]

#: The fewest replications a difference claim in a notebook rests on.
MIN_REPLICATIONS = 20
MAX_REPLICATIONS = 100_000


@dataclass(frozen=True)
class Interval:
    """A mean and its two-sided confidence interval over ``n`` replications.

    >>> Interval(mean=2.0, low=1.5, high=2.5, n=20, confidence=0.95).format("{:.1f}", " ms")
    '2.0 ms (95% CI 1.5 to 2.5 ms, n = 20)'
    """

    mean: float
    low: float
    high: float
    n: int
    confidence: float = 0.95

    @property
    def half_width(self) -> float:
        """Half the interval's width."""
        return (self.high - self.low) / 2

    @property
    def excludes_zero(self) -> bool:
        """True when the whole interval lies on one side of zero."""
        return self.low > 0 or self.high < 0

    def format(self, spec: str = "{:.3g}", unit: str = "") -> str:
        """``mean (95% CI low to high, n = N)`` with ``spec`` applied to each number."""
        pct = f"{self.confidence * 100:g}%"
        return (f"{spec.format(self.mean)}{unit} ({pct} CI {spec.format(self.low)} to "
                f"{spec.format(self.high)}{unit}, n = {self.n})")


def _values(name: str, values: Sequence[float] | np.ndarray) -> np.ndarray:
    try:
        x = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a sequence of numbers") from exc
    if x.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {x.shape}")
    if not 2 <= x.size <= MAX_REPLICATIONS:
        raise ValueError(f"{name} must hold 2 to {MAX_REPLICATIONS:,} replications, got "
                         f"{x.size}")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} must hold finite numbers only (a NaN or infinity is a run "
                         f"that measured nothing)")
    return x


def mean_ci(values: Sequence[float] | np.ndarray, confidence: float = 0.95) -> Interval:
    """The mean of independent replications and its Student-t confidence interval.

    >>> iv = mean_ci([9.8, 10.1, 10.0, 10.3, 9.9])
    >>> round(iv.mean, 2), round(iv.low, 2), round(iv.high, 2)
    (10.02, 9.78, 10.26)
    >>> mean_ci([1.0])
    Traceback (most recent call last):
    ...
    ValueError: values must hold 2 to 100,000 replications, got 1
    """
    from scipy import stats

    x = _values("values", values)
    level = check_probability("confidence", confidence)
    if not 0 < level < 1:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")
    mean = float(x.mean())
    sem = float(x.std(ddof=1)) / math.sqrt(x.size)
    t = float(stats.t.ppf(0.5 + level / 2, df=x.size - 1))
    return Interval(mean=mean, low=mean - t * sem, high=mean + t * sem, n=int(x.size),
                    confidence=level)


def paired_difference(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray,
                      confidence: float = 0.95) -> Interval:
    """Mean of ``a - b`` over paired replications (same seeds), with its confidence interval.

    >>> iv = paired_difference([5.0, 6.0, 5.5, 6.2], [4.0, 5.1, 4.4, 5.0])
    >>> round(iv.mean, 2), iv.excludes_zero
    (1.05, True)
    """
    xa = _values("a", a)
    xb = _values("b", b)
    if xa.size != xb.size:
        raise ValueError(f"a and b must be paired replications of the same length, got "
                         f"{xa.size} and {xb.size}")
    return mean_ci(xa - xb, confidence)


def difference_statement(interval: Interval, *, larger: str, smaller: str, what: str,
                         spec: str = "{:.3g}", unit: str = "") -> str:
    """Word a measured difference ``larger - smaller`` honestly.

    When the interval excludes zero the sentence states the difference with its interval;
    otherwise it says the replications show no difference.

    >>> iv = Interval(mean=3.0, low=1.0, high=5.0, n=20)
    >>> difference_statement(iv, larger="shared pool", smaller="bulkhead", what="p99 latency",
    ...                      spec="{:.0f}", unit=" ms")
    'p99 latency is higher with shared pool than with bulkhead by 3 ms (95% CI 1 to 5 ms, n = 20).'
    >>> difference_statement(Interval(0.5, -1.0, 2.0, 20), larger="A", smaller="B",
    ...                      what="cost")
    'cost: no difference between A and B is shown (mean difference 0.5 (95% CI -1 to 2, n = 20)).'
    """
    if not isinstance(interval, Interval):
        raise TypeError(f"interval must be an Interval, got {type(interval).__name__}")
    if not interval.excludes_zero:
        return (f"{what}: no difference between {larger} and {smaller} is shown (mean "
                f"difference {interval.format(spec, unit)}).")
    if interval.mean < 0:
        larger, smaller = smaller, larger
        interval = Interval(-interval.mean, -interval.high, -interval.low, interval.n,
                            interval.confidence)
    return (f"{what} is higher with {larger} than with {smaller} by "
            f"{interval.format(spec, unit)}.")
