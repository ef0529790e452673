"""Envoy outlier detection: eject hosts that keep failing, bring them back after a while.

:class:`OutlierDetector` is a pure, clock-injected model of Envoy's
``envoy.config.cluster.v3.OutlierDetection`` (Envoy documentation:
https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/outlier_detection.proto and
https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/outlier):

- **consecutive 5xx**, per host, inline: each 5xx increments the host's counter, any other
  response resets it; on *reaching* ``consecutive_5xx`` an ejection is attempted at once (with
  probability ``enforcing_consecutive_5xx`` %) and the counter resets either way;
- **ejection cap**, an explicit parameter ``ejection_cap_rule``:
  ``"current"`` (Envoy ≥ 1.28, PRs #27624/#27909): eject only if
  ``100 × (ejected + 1) / hosts ≤ max_ejection_percent`` — with the default 10 %, clusters under
  10 hosts eject nothing unless ``always_eject_one_host``; ``"legacy"`` (earlier Envoy): eject if
  ``100 × ejected / hosts < max_ejection_percent``, so one host is always ejectable;
- **ejection time** = ``base_ejection_time × k``: ``k`` grows by one per ejection while
  ``k × base < max_ejection_time``; each sweep that finds a host not ejected lowers its ``k``
  by one;
- **sweeps** every ``interval_s`` (at ``start_s + m·interval``): an ejected host returns once
  ``now − ejected_at ≥ ejection time`` (so ejections last until the next sweep after that), with its
  counters cleared; success-rate ejection is evaluated at sweeps (hosts with at least
  ``success_rate_request_volume`` requests in the interval, if at least
  ``success_rate_minimum_hosts`` qualify: eject those below ``mean − stdev_factor/1000 × stdev``);
- **panic**: when fewer than ``panic_threshold`` % of hosts are healthy, load balancing uses all
  hosts again (:meth:`routable_hosts`).

:func:`run_outlier_detection` runs a seeded cluster with one bad host (:class:`OutlierConfig`) and
returns an :class:`OutlierResult`: the requests and the detector's events.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from labkit.core.rng import spawn_rngs
from labkit.core.runner import Config, Result, legacy_config
from labkit.core.validation import (
    check_choice,
    check_int,
    check_limit,
    check_nonnegative,
    check_positive,
    check_probability,
    check_time,
)

__all__ = ["OutlierConfig", "OutlierDetection", "OutlierDetector", "OutlierResult",
           "run_outlier_detection"]

#: Most requests one run may draw (``arrival_rate x horizon_s``), to bound the work.
MAX_EXPECTED_REQUESTS = 200_000

CAP_RULES = ("current", "legacy")


@dataclass
class _Host:
    consecutive_5xx: int = 0
    ejected: bool = False
    ejected_at: float = 0.0
    backoff: int = 0           # k: ejection time = base × k (bounded by max_ejection_time)
    ejections: int = 0
    requests: int = 0          # in the current interval (success-rate detection)
    successes: int = 0


@dataclass(frozen=True)
class OutlierDetection(Config):
    """The settings of Envoy's ``OutlierDetection`` (defaults as in Envoy's proto), checked on
    construction; ``ejection_cap_rule`` picks the current or the legacy ejection cap.

    >>> OutlierDetection(max_ejection_percent=20).max_ejection_percent
    20.0
    >>> OutlierDetection(max_ejection_percent=120)
    Traceback (most recent call last):
    ...
    ValueError: max_ejection_percent must be in [0, 100], got 120
    """

    consecutive_5xx: int = 5
    interval_s: float = 10.0
    base_ejection_time_s: float = 30.0
    max_ejection_percent: float = 10.0
    enforcing_consecutive_5xx: float = 100.0
    max_ejection_time_s: float = 300.0
    ejection_cap_rule: str = "current"
    always_eject_one_host: bool = False
    success_rate_minimum_hosts: int = 5
    success_rate_request_volume: int = 100
    success_rate_stdev_factor: int = 1900
    enforcing_success_rate: float = 100.0
    panic_threshold: float = 50.0

    def validate(self) -> None:
        check_int("consecutive_5xx", self.consecutive_5xx, minimum=1)
        check_positive("interval_s", self.interval_s)
        check_positive("base_ejection_time_s", self.base_ejection_time_s)
        check_positive("max_ejection_time_s", self.max_ejection_time_s)
        for name in ("max_ejection_percent", "enforcing_consecutive_5xx",
                     "enforcing_success_rate", "panic_threshold"):
            x = check_nonnegative(name, getattr(self, name))
            if x > 100:
                raise ValueError(f"{name} must be in [0, 100], got {getattr(self, name)!r}")
            object.__setattr__(self, name, x)
        check_choice("ejection_cap_rule", self.ejection_cap_rule, CAP_RULES)
        if not isinstance(self.always_eject_one_host, bool):
            raise TypeError(f"always_eject_one_host must be True or False, got "
                            f"{self.always_eject_one_host!r}")
        check_int("success_rate_minimum_hosts", self.success_rate_minimum_hosts, minimum=1)
        check_int("success_rate_request_volume", self.success_rate_request_volume, minimum=1)
        check_int("success_rate_stdev_factor", self.success_rate_stdev_factor, minimum=0)


class OutlierDetector:
    """Envoy outlier detection over a fixed set of hosts.

    ``settings`` is an :class:`OutlierDetection` (or give its fields as keywords); ``rng`` is
    needed when an enforcing percentage is strictly between 0 and 100; sweeps run every
    ``interval_s`` from ``start_s``.

    Examples
    --------
    Five hosts, default 10 %: the current cap rule ejects nothing, the legacy rule ejects one.

    >>> hosts = ["h0", "h1", "h2", "h3", "h4"]
    >>> current = OutlierDetector(hosts)
    >>> legacy = OutlierDetector(hosts, OutlierDetection(ejection_cap_rule="legacy"))
    >>> for t in range(5):
    ...     _ = current.on_response(float(t), "h0", 503)
    ...     _ = legacy.on_response(float(t), "h0", 503)
    >>> current.ejected_hosts(), current.overflow, legacy.ejected_hosts()
    ([], 1, ['h0'])
    >>> legacy.advance(30.0); legacy.ejected_hosts()   # ejected at 4 s for 30 s: still out
    ['h0']
    >>> legacy.advance(40.0); legacy.ejected_hosts()   # the sweep at 40 s returns it
    []
    """

    def __init__(self, hosts: Sequence[str], settings: OutlierDetection | None = None, *,
                 rng: np.random.Generator | None = None, start_s: float = 0.0,
                 **fields: Any) -> None:
        names = [str(h) for h in hosts]
        if not names or len(set(names)) != len(names):
            raise ValueError(f"hosts must be a non-empty list of distinct names, got {names}")
        if settings is None:
            settings = OutlierDetection(**fields)
        elif fields:
            raise TypeError("pass either an OutlierDetection or its fields as keywords, not both")
        if not isinstance(settings, OutlierDetection):
            raise TypeError(f"settings must be an OutlierDetection, got "
                            f"{type(settings).__name__}")
        self.settings = settings
        self.hosts = {h: _Host() for h in names}
        for name, value in settings.as_dict().items():   # read as self.<setting> below
            setattr(self, name, value)
        # Envoy: max_ejection_time, or base_ejection_time if that is larger
        self.max_ejection_time_s = max(settings.max_ejection_time_s,
                                       settings.base_ejection_time_s)
        self.rng = rng
        if self.rng is None and (0 < self.enforcing_consecutive_5xx < 100
                                 or 0 < self.enforcing_success_rate < 100):
            raise ValueError("an rng is needed when an enforcing percentage is between 0 and 100")
        self._next_sweep = check_nonnegative("start_s", start_s) + self.interval_s
        self._last: float | None = None
        self.overflow = 0
        self.events: list[tuple[float, str, str]] = []

    # --- queries ---------------------------------------------------------------------------
    def ejected_hosts(self) -> list[str]:
        return [h for h, s in self.hosts.items() if s.ejected]

    def ejection_time_s(self, host: str) -> float:
        """How long ``host``'s current (or next) ejection lasts: ``min(base × k, max)``."""
        k = max(self.hosts[host].backoff, 1)
        return min(self.base_ejection_time_s * k, self.max_ejection_time_s)

    def routable_hosts(self) -> list[str]:
        """Hosts the load balancer may pick: the healthy ones, or all of them in panic mode."""
        healthy = [h for h, s in self.hosts.items() if not s.ejected]
        if 100.0 * len(healthy) / len(self.hosts) < self.panic_threshold:
            return list(self.hosts)
        return healthy

    # --- time --------------------------------------------------------------------------------
    def advance(self, now: float) -> None:
        """Run every sweep due at or before ``now``."""
        t = check_time("now", now, self._last)
        self._last = t
        while self._next_sweep <= t:
            self._sweep(self._next_sweep)
            self._next_sweep += self.interval_s

    def _sweep(self, at: float) -> None:
        for name, h in self.hosts.items():
            if h.ejected:
                if at - h.ejected_at >= min(self.base_ejection_time_s * h.backoff,
                                            self.max_ejection_time_s):
                    h.ejected = False
                    h.consecutive_5xx = 0
                    self.events.append((at, name, "unejected"))
            elif h.backoff > 0:
                h.backoff -= 1
        self._success_rate_sweep(at)
        for h in self.hosts.values():
            h.requests = h.successes = 0

    def _success_rate_sweep(self, at: float) -> None:
        volume = {n: h for n, h in self.hosts.items()
                  if h.requests >= self.success_rate_request_volume}
        if len(volume) < self.success_rate_minimum_hosts:
            return
        rates = {n: 100.0 * h.successes / h.requests for n, h in volume.items()}
        values = list(rates.values())
        mean = sum(values) / len(values)
        stdev = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
        threshold = mean - self.success_rate_stdev_factor / 1000.0 * stdev
        for name, rate in rates.items():
            if rate < threshold:
                self._try_eject(at, name, self.enforcing_success_rate, "success_rate")

    # --- traffic -----------------------------------------------------------------------------
    def on_response(self, now: float, host: str, status: int) -> bool:
        """Record a response from ``host`` at ``now`` (``status`` >= 500 is a 5xx; 0 stands for a
        local-origin failure such as a reset or timeout, which counts like a 5xx).

        Returns ``True`` if this response got the host ejected.
        """
        self.advance(now)
        if host not in self.hosts:
            raise ValueError(f"unknown host {host!r}; hosts are {list(self.hosts)}")
        code = check_int("status", status, minimum=0, maximum=599)
        h = self.hosts[host]
        h.requests += 1
        failed = code >= 500 or code == 0
        if not failed:
            h.successes += 1
            h.consecutive_5xx = 0
            return False
        h.consecutive_5xx += 1
        if h.consecutive_5xx < self.consecutive_5xx:
            return False
        h.consecutive_5xx = 0
        return self._try_eject(self._last, host, self.enforcing_consecutive_5xx,
                               "consecutive_5xx")

    def _cap_allows(self) -> bool:
        n = len(self.hosts)
        ejected = len(self.ejected_hosts())
        if self.ejection_cap_rule == "legacy":
            return 100.0 * ejected / n < self.max_ejection_percent
        if 100.0 * (ejected + 1) / n <= self.max_ejection_percent:
            return True
        return self.always_eject_one_host and ejected == 0

    def _try_eject(self, at: float, host: str, enforcing: float, reason: str) -> bool:
        h = self.hosts[host]
        if h.ejected:
            return False
        if enforcing <= 0 or (enforcing < 100 and float(self.rng.random()) * 100 >= enforcing):
            self.events.append((at, host, f"detected_{reason}"))
            return False
        if not self._cap_allows():
            self.overflow += 1
            self.events.append((at, host, "ejection_overflow"))
            return False
        h.ejected = True
        h.ejected_at = at
        h.ejections += 1
        if h.backoff * self.base_ejection_time_s < self.max_ejection_time_s:
            h.backoff += 1
        self.events.append((at, host, f"ejected_{reason}"))
        return True

    def events_frame(self) -> pd.DataFrame:
        """The detector's events: ``time_s``, ``host``, ``event``."""
        return pd.DataFrame(self.events, columns=["time_s", "host", "event"])


@dataclass(frozen=True)
class OutlierConfig(Config):
    """A cluster of ``hosts`` behind random load balancing; host ``h0`` starts failing with
    probability ``bad_host_error`` at ``bad_from_s``, the others fail with ``healthy_error``.

    Requests arrive at ``arrival_rate`` per second for ``horizon_s``. The detector settings
    named here are the ones the notebook turns; ``detector_options`` passes any other
    :class:`OutlierDetector` keyword (``interval_s``, ``panic_threshold``...).
    """

    hosts: int = 5
    bad_host_error: float = 0.9
    bad_from_s: float = 20.0
    arrival_rate: float = 50.0
    horizon_s: float = 120.0
    healthy_error: float = 0.001
    consecutive_5xx: int = 5
    max_ejection_percent: float = 10.0
    ejection_cap_rule: str = "current"
    always_eject_one_host: bool = False
    detector_options: Mapping[str, Any] = field(default_factory=dict)
    seed: int = 0

    def validate(self) -> None:
        check_limit("hosts", self.hosts, 1_000, minimum=1)
        check_probability("bad_host_error", self.bad_host_error)
        check_probability("healthy_error", self.healthy_error)
        rate = check_positive("arrival_rate", self.arrival_rate)
        horizon = check_positive("horizon_s", self.horizon_s)
        check_limit("arrival_rate x horizon_s (expected requests)", math.ceil(rate * horizon),
                    MAX_EXPECTED_REQUESTS)
        check_nonnegative("bad_from_s", self.bad_from_s)
        check_int("seed", self.seed, minimum=0)
        self.detection()  # the detector's own checks

    def detection(self) -> OutlierDetection:
        """The detector's settings: the fields named here plus ``detector_options``."""
        return OutlierDetection(consecutive_5xx=self.consecutive_5xx,
                                max_ejection_percent=self.max_ejection_percent,
                                ejection_cap_rule=self.ejection_cap_rule,
                                always_eject_one_host=self.always_eject_one_host,
                                **dict(self.detector_options))

    def detector(self, rng: np.random.Generator) -> OutlierDetector:
        """A fresh detector with these settings over hosts ``h0``, ``h1``..."""
        return OutlierDetector([f"h{i}" for i in range(self.hosts)], self.detection(), rng=rng)


@dataclass(frozen=True)
class OutlierResult(Result):
    """Result of :func:`run_outlier_detection`: ``records`` (also ``requests``), one row per
    request (``time_s``, ``host``, ``status``, ``ok``, ``h0_ejected``), and ``events``, the
    detector's events (``time_s``, ``host``, ``event``)."""

    config: OutlierConfig
    requests: pd.DataFrame
    events: pd.DataFrame

    @property
    def records(self) -> pd.DataFrame:
        return self.requests

    def summary(self) -> dict[str, float | int]:
        """Success rate before and after the fault, ejections, ejection overflows and the share
        of the time after the fault (by requests) during which ``h0`` was ejected."""
        r, bad_from = self.requests, self.config.bad_from_s
        before, after = r[r.time_s < bad_from], r[r.time_s >= bad_from]
        nan = float("nan")
        return {"n_requests": int(len(r)),
                "success_rate_before": float(before.ok.mean()) if len(before) else nan,
                "success_rate_after": float(after.ok.mean()) if len(after) else nan,
                "ejections": int(self.events.event.str.startswith("ejected_").sum()),
                "overflows": int((self.events.event == "ejection_overflow").sum()),
                "h0_ejected_share": float(after.h0_ejected.mean()) if len(after) else nan}


def run_outlier_detection(config: OutlierConfig | None = None, /,
                          **legacy: Any) -> OutlierResult | tuple[pd.DataFrame, pd.DataFrame]:
    """Run the cluster of ``config``: every request is routed among the routable hosts.

    The former keyword form (``rate`` is now ``arrival_rate``; other keywords went to the
    detector) still works for one release: it warns ``DeprecationWarning`` and returns
    ``(requests, events)``.

    >>> result = run_outlier_detection(OutlierConfig(horizon_s=60, max_ejection_percent=20,
    ...                                              seed=1))
    >>> "ejected_consecutive_5xx" in set(result.events.event)
    True
    """
    if not isinstance(config, OutlierConfig):
        if config is not None:
            raise TypeError(f"config must be an OutlierConfig, got {type(config).__name__}")
        fields = set(OutlierConfig.__dataclass_fields__) | {"rate"}
        known = {k: v for k, v in legacy.items() if k in fields}
        known["detector_options"] = {k: v for k, v in legacy.items() if k not in fields}
        result = run_outlier_detection(legacy_config(OutlierConfig, "run_outlier_detection",
                                                     known, renames={"rate": "arrival_rate"}))
        return result.requests, result.events
    c = config
    arr_rng, pick_rng, fail_rng, det_rng = spawn_rngs(c.seed, 4)
    det = c.detector(det_rng)
    n = int(arr_rng.poisson(c.arrival_rate * c.horizon_s))
    times = np.sort(arr_rng.uniform(0.0, c.horizon_s, n))
    picks = pick_rng.random(n)
    fails = fail_rng.random(n)
    host_col, status_col, ejected_col = [], [], []
    for t, u, f in zip(times, picks, fails, strict=True):
        det.advance(float(t))
        choices = det.routable_hosts()
        host = choices[int(u * len(choices))]
        p = c.bad_host_error if host == "h0" and t >= c.bad_from_s else c.healthy_error
        status = 503 if f < p else 200
        det.on_response(float(t), host, status)
        host_col.append(host)
        status_col.append(status)
        ejected_col.append(det.hosts["h0"].ejected)
    requests = pd.DataFrame({"time_s": times, "host": host_col, "status": status_col,
                             "ok": np.array(status_col) < 500, "h0_ejected": ejected_col})
    return OutlierResult(config=c, requests=requests, events=det.events_frame())
