"""Workloads: service-time distributions, arrival processes and fault windows.

- Distributions (:class:`Exponential`, :class:`Constant`, :class:`LogNormal`) draw from an explicit
  ``numpy.random.Generator``.
- Arrival processes return sorted arrival times: :func:`poisson_arrivals` (constant rate) and
  :func:`piecewise_poisson_arrivals` (step or burst load given as rate segments).
- :class:`FaultWindow` / :class:`FaultSchedule` describe when a dependency is down (outage) or
  slow (slowdown), for the models that need an incident in the middle of a run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from labkit.core.validation import check_choice, check_finite, check_nonnegative, check_positive

__all__ = [
    "Constant",
    "Exponential",
    "FaultSchedule",
    "FaultWindow",
    "LogNormal",
    "piecewise_poisson_arrivals",
    "poisson_arrivals",
]


@dataclass(frozen=True)
class Exponential:
    """Exponentially distributed durations with the given ``rate`` (per second); mean = 1/rate.

    >>> Exponential(2.0).mean
    0.5
    """

    rate: float

    def __post_init__(self) -> None:
        check_positive("rate", self.rate)

    @property
    def mean(self) -> float:
        return 1.0 / self.rate

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.exponential(1.0 / self.rate, size)


@dataclass(frozen=True)
class Constant:
    """Every duration equals ``value`` seconds.

    >>> Constant(0.1).sample(None, 2).tolist()
    [0.1, 0.1]
    """

    value: float

    def __post_init__(self) -> None:
        check_nonnegative("value", self.value)

    @property
    def mean(self) -> float:
        return self.value

    def sample(self, rng: np.random.Generator | None, size: int) -> np.ndarray:
        return np.full(size, self.value)


@dataclass(frozen=True)
class LogNormal:
    """Log-normal durations given by their ``median`` (s) and log-space ``sigma``.

    Service latencies are typically right-skewed like this: most calls are fast, a few are slow.

    >>> round(LogNormal(0.1, 0.0).mean, 3)
    0.1
    """

    median: float
    sigma: float

    def __post_init__(self) -> None:
        check_positive("median", self.median)
        check_nonnegative("sigma", self.sigma)

    @property
    def mean(self) -> float:
        return float(self.median * np.exp(self.sigma**2 / 2))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.lognormal(np.log(self.median), self.sigma, size)


Distribution = Exponential | Constant | LogNormal


def poisson_arrivals(rate: float, horizon_s: float, rng: np.random.Generator) -> np.ndarray:
    """Arrival times of a Poisson process with ``rate`` per second on [0, horizon_s).

    >>> import numpy as np
    >>> t = poisson_arrivals(10.0, 100.0, np.random.default_rng(0))
    >>> bool(900 < len(t) < 1100) and bool((np.diff(t) >= 0).all())
    True
    """
    return piecewise_poisson_arrivals([(0.0, rate)], horizon_s, rng)


def piecewise_poisson_arrivals(segments: Sequence[tuple[float, float]], horizon_s: float,
                               rng: np.random.Generator) -> np.ndarray:
    """Arrival times of a Poisson process whose rate changes at given times.

    ``segments`` is a list of ``(start_s, rate)`` pairs sorted by start; the first starts at 0.
    A step load is two segments; a burst is three (base, burst, base).

    >>> import numpy as np
    >>> segments = [(0, 1.0), (10, 100.0), (11, 1.0)]
    >>> t = piecewise_poisson_arrivals(segments, 20, np.random.default_rng(1))
    >>> int(((t >= 10) & (t < 11)).sum()) > 50
    True
    """
    horizon = check_positive("horizon_s", horizon_s)
    if not segments:
        raise ValueError("segments must hold at least one (start_s, rate) pair")
    starts = [check_finite("segments start_s", s) for s, _ in segments]
    rates = [check_nonnegative("segments rate", r) for _, r in segments]
    if starts[0] != 0.0:
        raise ValueError(f"segments must start at 0.0, got {starts[0]!r}")
    if any(b <= a for a, b in zip(starts, starts[1:], strict=False)):
        raise ValueError("segments start_s values must be strictly increasing")
    ends = starts[1:] + [horizon]
    parts = []
    for start, end, rate in zip(starts, ends, rates, strict=True):
        if rate == 0.0 or end <= start:
            continue
        n = rng.poisson(rate * (end - start))
        parts.append(np.sort(rng.uniform(start, end, n)))
    return np.concatenate(parts) if parts else np.empty(0)


@dataclass(frozen=True)
class FaultWindow:
    """A period ``[start_s, end_s)`` when a dependency misbehaves.

    ``kind="outage"``: every call fails after ``latency_s`` seconds (a refused connection is fast,
    a hung one lasts until the caller's timeout). ``kind="slowdown"``: calls succeed but take
    ``factor`` times their normal service time.
    """

    start_s: float
    end_s: float
    kind: str = "outage"
    factor: float = 1.0
    latency_s: float = 0.05

    def __post_init__(self) -> None:
        check_nonnegative("start_s", self.start_s)
        check_finite("end_s", self.end_s)
        if self.end_s <= self.start_s:
            raise ValueError(
                f"end_s must be greater than start_s ({self.start_s}), got {self.end_s}")
        check_choice("kind", self.kind, ("outage", "slowdown"))
        check_positive("factor", self.factor)
        check_nonnegative("latency_s", self.latency_s)

    def covers(self, t: float) -> bool:
        return self.start_s <= t < self.end_s


@dataclass(frozen=True)
class FaultSchedule:
    """The fault windows of one dependency.

    >>> s = FaultSchedule((FaultWindow(10, 20), FaultWindow(30, 40, "slowdown", factor=5)))
    >>> s.outage_at(15) is not None, s.slowdown_at(35), s.slowdown_at(5)
    (True, 5.0, 1.0)
    """

    windows: tuple[FaultWindow, ...] = ()

    def __post_init__(self) -> None:
        for w in self.windows:
            if not isinstance(w, FaultWindow):
                raise TypeError(f"windows must hold FaultWindow objects, got {type(w).__name__}")

    def outage_at(self, t: float) -> FaultWindow | None:
        for w in self.windows:
            if w.kind == "outage" and w.covers(t):
                return w
        return None

    def slowdown_at(self, t: float) -> float:
        factor = 1.0
        for w in self.windows:
            if w.kind == "slowdown" and w.covers(t):
                factor *= w.factor
        return factor
