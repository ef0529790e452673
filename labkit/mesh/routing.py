"""Weighted routing and a canary controller that shifts traffic in steps and rolls back.

- :class:`WeightedRouter` — Envoy ``weighted_clusters`` (Envoy documentation,
  https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto): a
  random integer modulo the total weight picks the cluster whose cumulative interval
  ``[begin, begin + weight)`` contains it (v1: 95, v2: 5 → 0–94 v1, 95–99 v2).
- :class:`CanaryController` — pure, clock-free logic: at each step it compares the canary's error
  rate with the baseline's over that step and either advances to the next weight or rolls back
  to 0 % (and stays there).
- :func:`run_canary` — a seeded rollout (:class:`CanaryConfig`): requests split by the router,
  each version failing with its own probability; one row per request (:class:`CanaryResult`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from labkit.core.rng import spawn_rngs
from labkit.core.runner import Config, Result, legacy_config
from labkit.core.validation import check_int, check_limit, check_nonnegative, check_probability

__all__ = ["CanaryConfig", "CanaryController", "CanaryResult", "CanaryStep", "WeightedRouter",
           "run_canary"]


class WeightedRouter:
    """Pick a cluster by integer weights, as Envoy's ``weighted_clusters`` does.

    >>> r = WeightedRouter({"v1": 95, "v2": 5})
    >>> r.pick(94), r.pick(95), r.pick(199)
    ('v1', 'v2', 'v2')
    """

    def __init__(self, weights: Mapping[str, int]) -> None:
        if not weights:
            raise ValueError("weights must name at least one cluster")
        self.weights = {str(k): check_int(f"weights[{k!r}]", v, minimum=0)
                        for k, v in weights.items()}
        self.total = sum(self.weights.values())
        if self.total == 0:
            raise ValueError("weights must not all be 0")
        self._bounds = np.cumsum(list(self.weights.values()))
        self._names = list(self.weights)

    def pick(self, value: int) -> str:
        """The cluster for the random integer ``value`` (taken modulo the total weight)."""
        v = check_int("value", value, minimum=0) % self.total
        return self._names[int(np.searchsorted(self._bounds, v, side="right"))]

    def route(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Clusters for ``n`` requests (vectorised ``pick`` on uniform random integers)."""
        values = rng.integers(0, 2**32, size=check_int("n", n, minimum=0)) % self.total
        idx = np.searchsorted(self._bounds, values, side="right")
        return np.array(self._names, dtype=object)[idx]


@dataclass(frozen=True)
class CanaryStep:
    """One judged step: the canary's weight, each version's counts in the step, and the rates
    compared (baseline: everything so far; canary: this step, including held steps)."""

    step: int
    canary_percent: int
    baseline_requests: int
    baseline_errors: int
    canary_requests: int
    canary_errors: int
    decision: str
    baseline_error_rate: float
    canary_error_rate: float


@dataclass
class CanaryController:
    """Shift traffic to a canary in steps; roll back when it errs more than the baseline.

    Parameters
    ----------
    steps : sequence of int
        Canary weights in percent, increasing, ending at 100 (default 5, 10, 25, 50, 100).
    tolerance : float
        Roll back when ``canary_error_rate > baseline_error_rate + tolerance`` (default 0: any
        excess). A step is judged only if the canary saw at least ``min_requests`` requests;
        otherwise it is extended (``"hold"``).
    min_requests : int
        Canary requests needed before a step is judged (default 20).

    Decisions: ``"advance"`` (next weight), ``"promote"`` (the 100 % step passed: done),
    ``"rollback"`` (canary weight 0, done), ``"hold"`` (too few requests, same weight).

    Examples
    --------
    >>> c = CanaryController(steps=(10, 50, 100), min_requests=5)
    >>> c.canary_percent
    10
    >>> c.observe(baseline=(90, 1), canary=(10, 0))
    'advance'
    >>> c.observe(baseline=(50, 1), canary=(50, 9))
    'rollback'
    >>> c.canary_percent, c.done
    (0, True)
    """

    steps: Sequence[int] = (5, 10, 25, 50, 100)
    tolerance: float = 0.0
    min_requests: int = 20
    history: list[CanaryStep] = field(default_factory=list)

    def __post_init__(self) -> None:
        steps = [check_int("steps", s, minimum=1, maximum=100) for s in self.steps]
        if not steps or steps[-1] != 100 or any(b <= a for a, b in zip(steps, steps[1:],
                                                                        strict=False)):
            raise ValueError(f"steps must increase strictly and end at 100, got {list(self.steps)}")
        self.steps = tuple(steps)
        self.tolerance = check_nonnegative("tolerance", self.tolerance)
        self.min_requests = check_int("min_requests", self.min_requests, minimum=1)
        self._index = 0
        self._baseline_requests = self._baseline_errors = 0
        self._canary_requests = self._canary_errors = 0
        self.state = "rolling"   # "rolling", "promoted", "rolled_back"

    @property
    def done(self) -> bool:
        return self.state != "rolling"

    @property
    def canary_percent(self) -> int:
        if self.state == "rolled_back":
            return 0
        if self.state == "promoted":
            return 100
        return self.steps[self._index]

    def weights(self) -> dict[str, int]:
        """Current weights for a :class:`WeightedRouter`."""
        return {"baseline": 100 - self.canary_percent, "canary": self.canary_percent}

    def observe(self, *, baseline: tuple[int, int], canary: tuple[int, int]) -> str:
        """Judge one step from ``(requests, errors)`` of each version; return the decision.

        The canary's rate is over the current step (counts of ``"hold"`` steps accumulate);
        the baseline's rate is over everything the baseline served so far, so the last step
        (100 % canary, no baseline traffic) is still compared with a real baseline.
        """
        if self.done:
            raise RuntimeError(f"the rollout is over ({self.state})")
        b_req, b_err = (check_int("baseline requests", baseline[0], minimum=0),
                        check_int("baseline errors", baseline[1], minimum=0))
        c_req, c_err = (check_int("canary requests", canary[0], minimum=0),
                        check_int("canary errors", canary[1], minimum=0))
        if b_err > b_req or c_err > c_req:
            raise ValueError("errors cannot exceed requests")
        pct = self.canary_percent
        self._baseline_requests += b_req
        self._baseline_errors += b_err
        self._canary_requests += c_req
        self._canary_errors += c_err
        b_rate = (self._baseline_errors / self._baseline_requests
                  if self._baseline_requests else 0.0)
        c_rate = self._canary_errors / self._canary_requests if self._canary_requests else 0.0
        if self._canary_requests < self.min_requests:
            decision = "hold"
        elif c_rate > b_rate + self.tolerance:
            decision = "rollback"
            self.state = "rolled_back"
        elif self._index == len(self.steps) - 1:
            decision = "promote"
            self.state = "promoted"
        else:
            decision = "advance"
            self._index += 1
        self.history.append(CanaryStep(len(self.history), pct, b_req, b_err, c_req, c_err,
                                       decision, b_rate, c_rate))
        if decision != "hold":
            self._canary_requests = self._canary_errors = 0
        return decision

    def to_frame(self) -> pd.DataFrame:
        """One row per judged step."""
        return pd.DataFrame([s.__dict__ for s in self.history])


@dataclass(frozen=True)
class CanaryConfig(Config):
    """A rollout: each step routes ``requests_per_step`` requests by the controller's weights.

    ``baseline_error`` and ``canary_error``: each version's failure probability. ``steps``,
    ``tolerance`` and ``min_requests`` configure the :class:`CanaryController`; the rollout
    stops after ``max_steps`` judged steps even if it has not finished.
    """

    baseline_error: float = 0.01
    canary_error: float = 0.05
    requests_per_step: int = 400
    steps: tuple[int, ...] = (5, 10, 25, 50, 100)
    tolerance: float = 0.0
    min_requests: int = 20
    max_steps: int = 20
    seed: int = 0

    def validate(self) -> None:
        check_probability("baseline_error", self.baseline_error)
        check_probability("canary_error", self.canary_error)
        check_limit("requests_per_step", self.requests_per_step, 1_000_000, minimum=1)
        check_limit("max_steps", self.max_steps, 1_000, minimum=1)
        check_int("seed", self.seed, minimum=0)
        self.controller()  # the controller's own checks

    def controller(self) -> CanaryController:
        return CanaryController(steps=self.steps, tolerance=self.tolerance,
                                min_requests=self.min_requests)


@dataclass(frozen=True)
class CanaryResult(Result):
    """Result of :func:`run_canary`: ``records`` (also ``requests``), one row per request with
    ``request_id``, ``step``, ``canary_percent``, ``version`` (``"baseline"``/``"canary"``) and
    ``ok``; ``controller``, the :class:`CanaryController` with its judged steps."""

    config: CanaryConfig
    requests: pd.DataFrame
    controller: CanaryController

    @property
    def records(self) -> pd.DataFrame:
        return self.requests

    @property
    def state(self) -> str:
        return self.controller.state

    def steps(self) -> pd.DataFrame:
        """One row per judged step (:meth:`CanaryController.to_frame`)."""
        return self.controller.to_frame()

    def summary(self) -> dict[str, float | int | str]:
        """Final state (and 0/1 flags for it), steps judged, requests and failed requests that
        reached the canary."""
        r = self.requests
        canary = r[r.version == "canary"]
        return {"state": self.state, "promoted": int(self.state == "promoted"),
                "rolled_back": int(self.state == "rolled_back"),
                "steps_judged": len(self.controller.history), "n_requests": int(len(r)),
                "canary_requests": int(len(canary)),
                "canary_failures": int((~canary.ok).sum())}


def run_canary(config: CanaryConfig | None = None, /,
               **legacy) -> CanaryResult | tuple[pd.DataFrame, CanaryController]:
    """Run the rollout of ``config``.

    The former keyword form still works for one release: it warns ``DeprecationWarning`` and
    returns ``(requests, controller)``.

    >>> result = run_canary(CanaryConfig(canary_error=0.5, seed=1))
    >>> result.state, int(result.records.step.max()) == result.controller.history[-1].step
    ('rolled_back', True)
    """
    if not isinstance(config, CanaryConfig):
        if config is not None:
            raise TypeError(f"config must be a CanaryConfig, got {type(config).__name__}")
        result = run_canary(legacy_config(CanaryConfig, "run_canary", legacy))
        return result.requests, result.controller
    c, n = config, config.requests_per_step
    route_rng, fail_rng = spawn_rngs(c.seed, 2)
    ctl = c.controller()
    frames = []
    while not ctl.done and len(ctl.history) < c.max_steps:
        pct = ctl.canary_percent
        versions = WeightedRouter(ctl.weights()).route(route_rng, n) if pct < 100 else \
            np.array(["canary"] * n, dtype=object)
        p_fail = np.where(versions == "canary", c.canary_error, c.baseline_error)
        ok = fail_rng.random(n) >= p_fail
        frames.append(pd.DataFrame({"step": len(ctl.history), "canary_percent": pct,
                                    "version": versions, "ok": ok}))
        is_c = versions == "canary"
        ctl.observe(baseline=(int((~is_c).sum()), int((~is_c & ~ok).sum())),
                    canary=(int(is_c.sum()), int((is_c & ~ok).sum())))
    requests = pd.concat(frames, ignore_index=True)
    requests.insert(0, "request_id", np.arange(len(requests)))
    return CanaryResult(config=c, requests=requests, controller=ctl)
