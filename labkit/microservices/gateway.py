"""The API gateway scenario: requests routed to user, order and product services.

:func:`run_gateway` sends a Poisson stream of requests through an
:class:`~labkit.microservices.routing.ApiGateway` to three
:class:`~labkit.microservices.services.Microservice` instances, each with its own store, and
returns a :class:`GatewayRun`: one row per request, plus a monitor's count of the requests
inside each service every ``sample_every_s`` seconds. :meth:`GatewayRun.littles_law` checks
L = lambda x W per service with the sides measured independently (L from the monitor's samples,
lambda from the arrivals counted, W from the request rows).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from labkit.core.metrics import LittleCheck
from labkit.core.rng import spawn_rngs
from labkit.core.service import feed_arrivals
from labkit.core.validation import check_nonnegative, check_positive
from labkit.core.workloads import FaultSchedule, poisson_arrivals
from labkit.microservices.routing import ApiGateway
from labkit.microservices.services import (
    ORDER_SERVICE,
    PRODUCT_SERVICE,
    USER_SERVICE,
    Microservice,
    ServiceSpec,
)

__all__ = ["DEFAULT_MIX", "GatewayRun", "default_gateway", "run_gateway"]

#: Share of traffic per path template (``{id}`` is replaced by a random id).
DEFAULT_MIX: dict[str, float] = {"/users/{id}": 0.3, "/orders/{id}": 0.3, "/products/{id}": 0.4}


def default_gateway() -> ApiGateway:
    """The notebook's gateway: ``/users``, ``/orders``, ``/products`` to their services."""
    return ApiGateway({"/users": "user", "/orders": "order", "/products": "product"})


@dataclass(frozen=True)
class GatewayRun:
    """Result of :func:`run_gateway`.

    ``requests``: ``request_id``, ``path``, ``service``, ``store``, ``arrival_s``,
    ``in_service_s`` (past the gateway), ``end_s``, ``latency_s``, ``ok``.
    ``occupancy``: ``time_s``, ``service``, ``in_system`` (sampled).
    ``offered_rate``: requests per second offered to each service.
    """

    requests: pd.DataFrame
    occupancy: pd.DataFrame
    offered_rate: dict[str, float]
    horizon_s: float

    def to_frame(self) -> pd.DataFrame:
        return self.requests

    def littles_law(self) -> pd.DataFrame:
        """Per service: offered and measured arrival rate (lambda), mean time inside the service
        (W), L predicted (lambda x W) and L measured by the monitor, with their relative error."""
        rows = []
        for service, rate in self.offered_rate.items():
            rows_of = self.requests[self.requests.service == service]
            lat = rows_of["end_s"] - rows_of["in_service_s"]
            occ = self.occupancy.loc[self.occupancy.service == service, "in_system"]
            check = LittleCheck(arrival_rate=len(rows_of) / self.horizon_s,
                                mean_latency_s=float(lat.mean()),
                                mean_in_system=float(occ.mean()))
            rows.append({"service": service, "offered_rate_per_s": rate,
                         "arrival_rate_per_s": check.arrival_rate,
                         "mean_latency_s": check.mean_latency_s,
                         "predicted_in_system": check.predicted_in_system,
                         "measured_in_system": check.mean_in_system,
                         "relative_error": check.relative_error})
        return pd.DataFrame(rows)


def run_gateway(rate_per_s: float = 50.0, horizon_s: float = 60.0, *, seed: int = 0,
                mix: Mapping[str, float] | None = None,
                gateway: ApiGateway | None = None,
                services: Sequence[ServiceSpec] = (USER_SERVICE, ORDER_SERVICE, PRODUCT_SERVICE),
                faults: Mapping[str, FaultSchedule] | None = None,
                gateway_latency_s: float = 0.002, sample_every_s: float = 0.05) -> GatewayRun:
    """Simulate ``horizon_s`` seconds of traffic through the gateway to the services.

    Parameters
    ----------
    rate_per_s : float
        Total request rate at the gateway (Poisson).
    horizon_s : float
        Arrivals happen in ``[0, horizon_s)``; the run then lets every request finish.
    seed : int
        Same seed, same frames.
    mix : mapping of path template to share
        Shares must be non-negative and sum to 1. Default :data:`DEFAULT_MIX`.
    gateway, services, faults
        Routing table, service specs, and optional fault schedules by service name.
    gateway_latency_s : float
        Added by the gateway to each request (its own processing).
    sample_every_s : float
        Interval of the occupancy monitor.

    Examples
    --------
    >>> run = run_gateway(rate_per_s=20, horizon_s=10, seed=1)
    >>> sorted(run.requests.service.unique())
    ['order', 'product', 'user']
    >>> bool(run.requests.ok.all())
    True
    """
    rate = check_positive("rate_per_s", rate_per_s)
    horizon = check_positive("horizon_s", horizon_s)
    gw_latency = check_nonnegative("gateway_latency_s", gateway_latency_s)
    every = check_positive("sample_every_s", sample_every_s)
    mix = dict(mix if mix is not None else DEFAULT_MIX)
    if not mix:
        raise ValueError("mix must hold at least one path template")
    shares = np.array([check_nonnegative(f"mix[{p!r}]", s) for p, s in mix.items()])
    if abs(shares.sum() - 1.0) > 1e-9:
        raise ValueError(f"mix shares must sum to 1, got {shares.sum():.6g}")
    gateway = gateway if gateway is not None else default_gateway()
    specs = {s.name: s for s in services}
    templates = list(mix)
    routed = [gateway.route(t.replace("{id}", "1")) for t in templates]
    for name in routed:
        if name not in specs:
            raise ValueError(f"the gateway routes to {name!r} but services has {sorted(specs)}")
    faults = dict(faults or {})
    for name in faults:
        if name not in specs:
            raise ValueError(f"faults names unknown service {name!r}; services are {sorted(specs)}")

    arrival_rng, route_rng, id_rng, *service_rngs = spawn_rngs(seed, 3 + len(specs))
    arrivals = poisson_arrivals(rate, horizon, arrival_rng)
    n = len(arrivals)
    which = route_rng.choice(len(templates), size=n, p=shares)
    ids = id_rng.integers(1, 10_000, size=n)

    env = simpy.Environment()
    running = {name: Microservice(env, spec, rng, faults.get(name))
               for (name, spec), rng in zip(specs.items(), service_rngs, strict=True)}
    end = np.full(n, np.nan)
    ok = np.zeros(n, dtype=bool)

    def request(i: int, service: Microservice):
        if gw_latency:
            yield env.timeout(gw_latency)
        result = yield env.process(service.call())
        end[i] = env.now
        ok[i] = result.ok


    samples: list[tuple[float, str, int]] = []

    def monitor():
        while env.now < horizon:
            for name, svc in running.items():
                samples.append((env.now, name, svc.in_system))
            yield env.timeout(every)

    env.process(feed_arrivals(
        env, arrivals, lambda i: env.process(request(i, running[routed[which[i]]]))))
    env.process(monitor())
    env.run()

    service_col = np.array(routed, dtype=object)[which] if n else np.array([], dtype=object)
    store_of = {name: spec.store.name for name, spec in specs.items()}
    paths = [templates[k].replace("{id}", str(int(i))) for k, i in zip(which, ids, strict=True)]
    requests = pd.DataFrame({
        "request_id": np.arange(n),
        "path": paths,
        "service": service_col.astype(str),
        "store": [store_of[s] for s in service_col],
        "arrival_s": arrivals,
        "in_service_s": arrivals + gw_latency,
        "end_s": end,
        "latency_s": end - arrivals,
        "ok": ok,
    })
    occupancy = pd.DataFrame(samples, columns=["time_s", "service", "in_system"])
    offered: dict[str, float] = {}
    for k, name in enumerate(routed):
        offered[name] = offered.get(name, 0.0) + rate * float(shares[k])
    return GatewayRun(requests=requests, occupancy=occupancy, offered_rate=offered,
                      horizon_s=horizon)
