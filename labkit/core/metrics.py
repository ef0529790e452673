"""Metrics over tidy request frames: latency percentiles, error rates, throughput, Little's law
(with the occupancy measured by an event sweep).

Every function takes a DataFrame with one row per request and returns numbers or a tidy
DataFrame, so notebooks print measured values rather than typed-in ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from labkit.core.validation import check_positive

__all__ = ["LittleCheck", "latency_summary", "littles_law", "percentiles", "throughput",
           "time_average_in_system"]


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


def time_average_in_system(frame: pd.DataFrame, start_s: float, end_s: float, *,
                           arrival: str = "arrival_s", end: str = "end_s") -> float:
    """Time-weighted mean number of requests in the system over ``[start_s, end_s)``.

    Sweeps the arrival (+1) and departure (-1) events in time order and integrates the count
    N(t), so it measures L directly from the queue's occupancy, not from latencies.

    >>> df = pd.DataFrame({"arrival_s": [0.0, 1.0], "end_s": [2.0, 3.0]})
    >>> time_average_in_system(df, 0.0, 3.0), time_average_in_system(df, 1.0, 2.0)
    (1.3333333333333333, 2.0)
    """
    _need(frame, [arrival, end])
    t0 = float(start_s)
    t1 = check_positive("end_s - start_s", float(end_s) - t0) + t0
    a = frame[arrival].to_numpy(dtype=float)
    e = frame[end].to_numpy(dtype=float)
    if (e < a).any():
        raise ValueError(f"every {end} must be >= its {arrival}")
    times = np.concatenate([a, e])
    steps = np.concatenate([np.ones(len(a)), -np.ones(len(e))])
    order = np.argsort(times, kind="stable")
    times, steps = times[order], steps[order]
    # N just after each event; the count before the window is the level the window starts at.
    level = np.cumsum(steps)
    inside = (times > t0) & (times < t1)
    before = times <= t0
    n0 = float(level[before][-1]) if before.any() else 0.0
    edges = np.concatenate([[t0], times[inside], [t1]])
    levels = np.concatenate([[n0], level[inside]])
    return float((levels * np.diff(edges)).sum() / (t1 - t0))


def littles_law(frame: pd.DataFrame, *, arrival: str = "arrival_s", end: str = "end_s",
                window: tuple[float, float] | None = None) -> LittleCheck:
    """Check Little's law on a run: time-average number in system vs arrival rate × mean latency.

    ``mean_in_system`` (L) is measured from the occupancy N(t) (:func:`time_average_in_system`);
    the prediction λ·W uses the arrivals in the window and their mean latency. Over the whole run
    (the default window, first arrival to last departure) the two agree exactly; over a window
    inside a long run they agree up to requests that straddle its edges.

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
    t0, t1 = (float(a.min()), float(e.max())) if window is None else map(float, window)
    if not t1 > t0:
        raise ValueError(f"window must span a positive time; got {(t0, t1)}")
    arrived = (a >= t0) & (a < t1) if window is not None else np.ones(len(a), dtype=bool)
    if not arrived.any():
        raise ValueError(f"no request arrives in window {(t0, t1)}")
    return LittleCheck(arrival_rate=int(arrived.sum()) / (t1 - t0),
                       mean_latency_s=float((e - a)[arrived].mean()),
                       mean_in_system=time_average_in_system(frame, t0, t1, arrival=arrival,
                                                             end=end))
