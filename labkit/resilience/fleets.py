"""Bulkheads for EC2 fleets: one Auto Scaling group per workload, or one shared fleet.

Two workloads, A and B, run on EC2 instances behind a load balancer. In the ``"shared"`` design
both run on one Auto Scaling group; in ``"per_workload"`` each has its own group (its own
instances, its own scaling policy). Workload B surges (``overload_b`` times its normal rate
during ``overload_window``). Each group has a target tracking policy on average utilisation
(``target_utilization``): every ``metric_period_s`` it compares the period's average utilisation
with the target and launches enough instances to bring it back (``ceil(current * average /
target)``, capped at the group's maximum); a launched instance serves traffic only
``launch_delay_s`` later (boot, application start, load-balancer health checks). While the group
waits, the surge fills the shared fleet and A's requests queue and time out: the noisy
neighbour, at the size of a fleet. With a group per workload, B's surge stays on B's instances.

The model is a fluid queue in steps of ``step_s`` seconds: each step draws Poisson arrivals per
workload, serves up to the fleet's capacity (``instance_throughput`` requests per second per
instance in service) first come first served (so both workloads on a shared fleet are served in
proportion to their share of the backlog), and drops what would wait longer than ``timeout_s``
(the client gives up). A request's latency is ``service_s`` plus the backlog ahead of it divided
by the capacity. Scale-in is not modelled (target tracking scales in slowly and conservatively;
the surge lasts less than it would take). Utilisation saturates at 1, so the policy can at most
multiply a group by ``1 / target_utilization`` per period, as real CPU-based tracking does.

Modelling choices, not AWS figures: ``launch_delay_s`` (default 120 s) and ``metric_period_s``
(default 60 s, CloudWatch's one-minute detailed monitoring).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from labkit.core.rng import spawn_rngs
from labkit.core.runner import Config, Result
from labkit.core.validation import check_choice, check_int, check_nonnegative, check_positive

__all__ = ["FLEET_DESIGNS", "FleetIsolationConfig", "FleetIsolationResult", "ScalingGroup",
           "simulate_fleet_isolation"]

FLEET_DESIGNS = ("shared", "per_workload")
#: Most steps one run takes (``horizon_s / step_s``).
MAX_STEPS = 200_000


@dataclass(frozen=True)
class FleetIsolationConfig(Config):
    """Two workloads on EC2 Auto Scaling groups (see the module docstring).

    Workload A sends ``arrival_rate_a`` and B ``arrival_rate_b`` requests per second; B's rate
    is multiplied by ``overload_b`` during ``overload_window``. ``instances_a`` and
    ``instances_b`` are each group's starting (and minimum) size, ``max_instances_a`` and
    ``max_instances_b`` its maximum; the shared group starts with the sum and may grow to the
    sum of the maxima (the same budget of instances).

    >>> FleetIsolationConfig(design="per_workload").design
    'per_workload'
    >>> FleetIsolationConfig(target_utilization=1.5)
    Traceback (most recent call last):
    ...
    ValueError: target_utilization must be in (0, 1), got 1.5
    """

    design: str = "shared"
    arrival_rate_a: float = 100.0
    arrival_rate_b: float = 100.0
    overload_b: float = 4.0
    overload_window: tuple[float, float] = (120.0, 720.0)
    instances_a: int = 8
    instances_b: int = 8
    max_instances_a: int = 20
    max_instances_b: int = 20
    instance_throughput: float = 25.0
    target_utilization: float = 0.5
    metric_period_s: float = 60.0
    launch_delay_s: float = 120.0
    timeout_s: float = 2.0
    service_s: float = 0.05
    step_s: float = 1.0
    horizon_s: float = 900.0
    seed: int = 0

    def validate(self) -> None:
        check_choice("design", self.design, FLEET_DESIGNS)
        check_nonnegative("arrival_rate_a", self.arrival_rate_a)
        check_nonnegative("arrival_rate_b", self.arrival_rate_b)
        check_nonnegative("overload_b", self.overload_b)
        for name in ("instances_a", "instances_b"):
            check_int(name, getattr(self, name), minimum=1)
        check_int("max_instances_a", self.max_instances_a, minimum=self.instances_a)
        check_int("max_instances_b", self.max_instances_b, minimum=self.instances_b)
        check_positive("instance_throughput", self.instance_throughput)
        if not 0 < self.target_utilization < 1:
            raise ValueError(f"target_utilization must be in (0, 1), got "
                             f"{self.target_utilization!r}")
        for name in ("metric_period_s", "timeout_s", "service_s", "step_s", "horizon_s"):
            check_positive(name, getattr(self, name))
        check_nonnegative("launch_delay_s", self.launch_delay_s)
        if self.metric_period_s < self.step_s:
            raise ValueError(f"metric_period_s must be >= step_s ({self.step_s:g}), got "
                             f"{self.metric_period_s!r}")
        steps = self.horizon_s / self.step_s
        if steps > MAX_STEPS:
            raise ValueError(f"horizon_s / step_s must be <= {MAX_STEPS:,} steps on this lab; "
                             f"got {steps:,.0f}")
        start, end = (float(v) for v in self.overload_window)
        if not 0 <= start < end:
            raise ValueError(f"overload_window must be (start, end) with 0 <= start < end, got "
                             f"{self.overload_window!r}")
        check_int("seed", self.seed, minimum=0)


class ScalingGroup:
    """One Auto Scaling group with a target tracking policy: instances in service, launches in
    flight, and the utilisation samples of the current metric period."""

    def __init__(self, name: str, instances: int, max_instances: int,
                 config: FleetIsolationConfig) -> None:
        self.name = name
        self.in_service = instances
        self.max_instances = max_instances
        self.config = config
        self.launches: list[tuple[float, int]] = []       # (ready at, instances)
        self.samples: list[float] = []

    @property
    def capacity_per_s(self) -> float:
        """Requests per second the instances in service can serve."""
        return self.in_service * self.config.instance_throughput

    def bring_ready(self, now: float) -> None:
        """Put launched instances in service once their launch delay has passed."""
        ready = [n for t, n in self.launches if t <= now]
        self.launches = [(t, n) for t, n in self.launches if t > now]
        self.in_service += sum(ready)

    def evaluate(self, now: float) -> int:
        """Target tracking at the end of a metric period: launch instances if the period's
        average utilisation is above the target; returns how many were launched."""
        if not self.samples:
            return 0
        average = float(np.mean(self.samples))
        self.samples = []
        current = self.in_service + sum(n for _, n in self.launches)
        desired = min(self.max_instances,
                      math.ceil(round(current * average / self.config.target_utilization, 9)))
        if desired <= current:
            return 0
        self.launches.append((now + self.config.launch_delay_s, desired - current))
        return desired - current


@dataclass(frozen=True)
class FleetIsolationResult(Result):
    """One run. ``records``: one row per step and workload with ``time_s``, ``workload``,
    ``group``, ``instances`` (the group's instances in service), ``arrivals``, ``served``,
    ``dropped`` (timed out), ``backlog`` and ``latency_s`` (of a request served in that step)."""

    config: FleetIsolationConfig
    records: pd.DataFrame

    def summary(self) -> dict[str, float]:
        """Per workload (``a_``/``b_``), over the overload window: ``success_rate`` (1 - timed
        out / arrived) and ``p99_latency_s`` (served requests); and the most instances."""
        r = self.records
        start, end = self.config.overload_window
        inside = r[(r.time_s >= start) & (r.time_s < end)]
        out: dict[str, float] = {}
        for workload in ("A", "B"):
            w = inside[inside.workload == workload]
            arrived = float(w.arrivals.sum())
            out[f"{workload.lower()}_success_rate"] = (1.0 - float(w.dropped.sum()) / arrived
                                                       if arrived else float("nan"))
            out[f"{workload.lower()}_p99_latency_s"] = _weighted_quantile(
                w.latency_s.to_numpy(), w.served.to_numpy(), 0.99)
        per_step = r.drop_duplicates(["time_s", "group"]).groupby("time_s").instances.sum()
        out["max_instances"] = int(per_step.max())
        return out


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The ``q`` quantile of ``values`` weighted by ``weights`` (nan if they sum to 0)."""
    total = float(weights.sum())
    if total <= 0:
        return float("nan")
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, q * total)])


def _groups(config: FleetIsolationConfig) -> dict[str, ScalingGroup]:
    """Each workload's group (the same object for both in the shared design)."""
    c = config
    if c.design == "shared":
        shared = ScalingGroup("shared", c.instances_a + c.instances_b,
                              c.max_instances_a + c.max_instances_b, c)
        return {"A": shared, "B": shared}
    return {"A": ScalingGroup("A", c.instances_a, c.max_instances_a, c),
            "B": ScalingGroup("B", c.instances_b, c.max_instances_b, c)}


def serve_step(group: ScalingGroup, backlog: dict[str, float], workloads: list[str],
               step_s: float, timeout_s: float) -> tuple[dict[str, float], dict[str, float]]:
    """Serve one step of a group's FIFO backlog (shared in proportion), then drop what would
    wait past ``timeout_s``; returns served and dropped per workload and records utilisation.

    >>> from labkit.resilience.fleets import FleetIsolationConfig, ScalingGroup
    >>> g = ScalingGroup("g", 2, 2, FleetIsolationConfig(instance_throughput=10.0))
    >>> backlog = {"A": 30.0, "B": 10.0}
    >>> served, dropped = serve_step(g, backlog, ["A", "B"], 1.0, 1.0)
    >>> served, dropped, backlog
    ({'A': 15.0, 'B': 5.0}, {'A': 0.0, 'B': 0.0}, {'A': 15.0, 'B': 5.0})
    """
    capacity = group.capacity_per_s * step_s
    total = sum(backlog[w] for w in workloads)
    done = min(total, capacity)
    served = {w: (done * backlog[w] / total if total else 0.0) for w in workloads}
    for w in workloads:
        backlog[w] -= served[w]
    group.samples.append(done / capacity if capacity else 1.0)
    limit = group.capacity_per_s * timeout_s
    left = sum(backlog[w] for w in workloads)
    excess = max(0.0, left - limit)
    dropped = {w: (excess * backlog[w] / left if left else 0.0) for w in workloads}
    for w in workloads:
        backlog[w] -= dropped[w]
    return served, dropped


def simulate_fleet_isolation(config: FleetIsolationConfig) -> FleetIsolationResult:
    """Run the two workloads on a shared Auto Scaling group or one group each.

    Examples
    --------
    >>> shared = simulate_fleet_isolation(FleetIsolationConfig(seed=1)).summary()
    >>> split = simulate_fleet_isolation(FleetIsolationConfig("per_workload", seed=1)).summary()
    >>> bool(split["a_success_rate"] > shared["a_success_rate"])
    True
    >>> split["a_success_rate"]
    1.0
    """
    if not isinstance(config, FleetIsolationConfig):
        raise TypeError(f"config must be a FleetIsolationConfig, got {type(config).__name__}")
    c = config
    steps = int(round(c.horizon_s / c.step_s))
    times = np.arange(steps) * c.step_s
    start, end = c.overload_window
    rate_b = np.where((times >= start) & (times < end), c.arrival_rate_b * c.overload_b,
                      c.arrival_rate_b)
    rng_a, rng_b = spawn_rngs(c.seed, 2)
    arrivals = {"A": rng_a.poisson(c.arrival_rate_a * c.step_s, steps).astype(float),
                "B": rng_b.poisson(rate_b * c.step_s).astype(float)}
    groups = _groups(c)
    members: dict[str, list[str]] = {}
    for w, g in groups.items():
        members.setdefault(g.name, []).append(w)
    unique = {g.name: g for g in groups.values()}
    backlog = {"A": 0.0, "B": 0.0}
    period_steps = max(1, int(round(c.metric_period_s / c.step_s)))
    rows = []
    for k, now in enumerate(times.tolist()):
        for name, group in unique.items():
            group.bring_ready(now)
            workloads = members[name]
            for w in workloads:
                backlog[w] += arrivals[w][k]
            served, dropped = serve_step(group, backlog, workloads, c.step_s, c.timeout_s)
            wait = sum(backlog[w] for w in workloads) / group.capacity_per_s
            for w in workloads:
                rows.append((now, w, name, group.in_service, arrivals[w][k], served[w],
                             dropped[w], backlog[w], c.service_s + wait))
            if (k + 1) % period_steps == 0:
                group.evaluate(now + c.step_s)
    records = pd.DataFrame(rows, columns=["time_s", "workload", "group", "instances",
                                          "arrivals", "served", "dropped", "backlog",
                                          "latency_s"])
    return FleetIsolationResult(c, records)
