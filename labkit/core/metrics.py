"""Metrics over tidy request frames: latency percentiles, error rates, throughput, Little's law.

Every function takes a DataFrame with one row per request and returns numbers or a tidy
DataFrame, so notebooks print measured values rather than typed-in ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from labkit.core.validation import check_positive

__all__ = ["LittleCheck", "latency_summary", "littles_law", "percentiles", "throughput"]


def _need(frame: pd.DataFrame, columns: Sequence[str], name: str = "frame") -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks column(s) {missing}; it has {list(frame.columns)}")


def percentiles(values: Sequence[float] | np.ndarray | pd.Series,
                qs: Sequence[float] = (50, 90, 99)) -> dict[str, float]:
    """Percentiles of ``values`` keyed ``"p50"``, ``"p90"``, ... (NaN when there are none).

    >>> percentiles([1, 2, 3, 4, 5], qs=(50,))
    {'p50': 3.0}
    """
    arr = np.asarray(values, dtype=float)
    for q in qs:
        if not 0 <= q <= 100:
            raise ValueError(f"qs must hold percentiles in [0, 100], got {q!r}")
    if arr.size == 0:
        return {f"p{q:g}": float("nan") for q in qs}
    return {f"p{q:g}": float(np.percentile(arr, q)) for q in qs}


def latency_summary(frame: pd.DataFrame, *, by: str | None = None,
                    latency: str = "latency_s", ok: str | None = "ok") -> pd.DataFrame:
    """One row per group: ``requests``, ``error_rate``, ``mean_s``, ``p50_s``, ``p99_s``.

    Latency percentiles are over all requests (what the caller waits, failed or not).

    >>> df = pd.DataFrame({"latency_s": [0.1, 0.2, 0.3, 0.4], "ok": [True, True, False, True]})
    >>> latency_summary(df).round(3).to_dict("records")
    [{'requests': 4, 'error_rate': 0.25, 'mean_s': 0.25, 'p50_s': 0.25, 'p99_s': 0.397}]
    """
    cols = [latency] + ([ok] if ok else []) + ([by] if by else [])
    _need(frame, cols)

    def one(g: pd.DataFrame) -> dict[str, float]:
        lat = g[latency].to_numpy(dtype=float)
        return {
            "requests": int(len(g)),
            "error_rate": float(1.0 - g[ok].mean()) if ok and len(g) else float("nan"),
            "mean_s": float(lat.mean()) if len(lat) else float("nan"),
            "p50_s": float(np.percentile(lat, 50)) if len(lat) else float("nan"),
            "p99_s": float(np.percentile(lat, 99)) if len(lat) else float("nan"),
        }

    if by is None:
        return pd.DataFrame([one(frame)])
    rows = [{by: key, **one(g)} for key, g in frame.groupby(by, sort=False)]
    return pd.DataFrame(rows)


def throughput(frame: pd.DataFrame, *, bin_s: float = 1.0, time: str = "end_s",
               by: str | None = None) -> pd.DataFrame:
    """Events per second in bins of ``bin_s`` seconds: columns ``time_s``, (``by``), ``per_s``.

    >>> df = pd.DataFrame({"end_s": [0.1, 0.5, 1.2]})
    >>> throughput(df, bin_s=1.0).to_dict("list")
    {'time_s': [0.0, 1.0], 'per_s': [2.0, 1.0]}
    """
    width = check_positive("bin_s", bin_s)
    _need(frame, [time] + ([by] if by else []))
    binned = frame.assign(time_s=np.floor(frame[time].to_numpy(dtype=float) / width) * width)
    keys = ["time_s"] + ([by] if by else [])
    counts = binned.groupby(keys, sort=True).size().rename("per_s").reset_index()
    counts["per_s"] = counts["per_s"] / width
    return counts


@dataclass(frozen=True)
class LittleCheck:
    """Little's law, L = λ·W, measured both ways on one run."""

    arrival_rate: float
    mean_latency_s: float
    mean_in_system: float

    @property
    def predicted_in_system(self) -> float:
        return self.arrival_rate * self.mean_latency_s

    @property
    def relative_error(self) -> float:
        return abs(self.mean_in_system - self.predicted_in_system) / self.mean_in_system


def littles_law(frame: pd.DataFrame, *, arrival: str = "arrival_s",
                end: str = "end_s") -> LittleCheck:
    """Check Little's law on a run: time-average number in system vs arrival rate × mean latency.

    Both sides are measured over ``[first arrival, last departure]``.

    >>> df = pd.DataFrame({"arrival_s": [0.0, 1.0], "end_s": [2.0, 3.0]})
    >>> c = littles_law(df)
    >>> round(c.mean_in_system, 3), round(c.predicted_in_system, 3)
    (1.333, 1.333)
    """
    _need(frame, [arrival, end])
    if len(frame) == 0:
        raise ValueError("frame must hold at least one request")
    a = frame[arrival].to_numpy(dtype=float)
    e = frame[end].to_numpy(dtype=float)
    if (e < a).any():
        raise ValueError(f"every {end} must be >= its {arrival}")
    t0, t1 = float(a.min()), float(e.max())
    span = t1 - t0
    if span <= 0:
        raise ValueError("the run must span a positive time")
    time_in_system = float((e - a).sum())
    return LittleCheck(arrival_rate=len(a) / span, mean_latency_s=float((e - a).mean()),
                       mean_in_system=time_in_system / span)
