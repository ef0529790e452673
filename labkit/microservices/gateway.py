"""The API gateway scenario: requests routed to user, order and product services.

:func:`run_gateway` sends a Poisson stream of requests through an
:class:`~labkit.microservices.routing.ApiGateway` to three
:class:`~labkit.microservices.services.Microservice` instances, each with its own store, and
returns a :class:`GatewayResult` (configured by :class:`GatewayConfig`): one row per request,
plus a monitor's count of the requests inside each service every ``sample_every_s`` seconds.
:meth:`GatewayResult.littles_law` checks L = lambda x W per service with the sides measured
independently (L from the monitor's samples, lambda from the arrivals counted, W from the request
rows).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import simpy

from labkit.core.metrics import LittleCheck
from labkit.core.rng import spawn_rngs
from labkit.core.runner import Config, Result, config_or_legacy
from labkit.core.service import feed_arrivals
from labkit.core.validation import check_int, check_limit, check_nonnegative, check_positive
from labkit.core.workloads import FaultSchedule, poisson_arrivals
from labkit.microservices.routing import ApiGateway
from labkit.microservices.services import (
    ORDER_SERVICE,
    PRODUCT_SERVICE,
    USER_SERVICE,
    Microservice,
    ServiceSpec,
)

__all__ = ["DEFAULT_MIX", "GatewayConfig", "GatewayResult", "GatewayRun", "default_gateway",
           "run_gateway"]

#: Share of traffic per path template (``{id}`` is replaced by a random id).
DEFAULT_MIX: dict[str, float] = {"/users/{id}": 0.3, "/orders/{id}": 0.3, "/products/{id}": 0.4}
#: Most requests one run may draw (``arrival_rate x horizon_s``), to bound the work.
MAX_EXPECTED_REQUESTS = 500_000


def default_gateway() -> ApiGateway:
    """The notebook's gateway: ``/users``, ``/orders``, ``/products`` to their services."""
    return ApiGateway({"/users": "user", "/orders": "order", "/products": "product"})


@dataclass(frozen=True)
class GatewayConfig(Config):
    """Traffic through the gateway to the services.

    ``arrival_rate``: total requests per second at the gateway (Poisson), arriving in
    ``[0, horizon_s)``; the run then lets every request finish. ``mix``: share of traffic per
    path template (non-negative, summing to 1; default :data:`DEFAULT_MIX`). ``gateway``,
    ``services``, ``faults``: routing table (default :func:`default_gateway`), service specs and
    optional fault schedules by service name. ``gateway_latency_s``: added by the gateway to each
    request. ``sample_every_s``: interval of the occupancy monitor.
    """

    arrival_rate: float = 50.0
    horizon_s: float = 60.0
    seed: int = 0
    mix: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_MIX))
    gateway: ApiGateway | None = None
    services: tuple[ServiceSpec, ...] = (USER_SERVICE, ORDER_SERVICE, PRODUCT_SERVICE)
    faults: Mapping[str, FaultSchedule] | None = None
    gateway_latency_s: float = 0.002
    sample_every_s: float = 0.05

    def validate(self) -> None:
        rate = check_positive("arrival_rate", self.arrival_rate)
        horizon = check_positive("horizon_s", self.horizon_s)
        check_limit("arrival_rate x horizon_s (expected requests)", math.ceil(rate * horizon),
                    MAX_EXPECTED_REQUESTS)
        check_int("seed", self.seed, minimum=0)
        check_nonnegative("gateway_latency_s", self.gateway_latency_s)
        check_positive("sample_every_s", self.sample_every_s)
        if not isinstance(self.mix, Mapping) or not self.mix:
            raise ValueError("mix must map at least one path template to its share")
        shares = [check_nonnegative(f"mix[{p!r}]", s) for p, s in self.mix.items()]
        if abs(sum(shares) - 1.0) > 1e-9:
            raise ValueError(f"mix shares must sum to 1, got {sum(shares):.6g}")
        if self.gateway is not None and not isinstance(self.gateway, ApiGateway):
            raise TypeError(f"gateway must be an ApiGateway, got {type(self.gateway).__name__}")
        for spec in self.services:
            if not isinstance(spec, ServiceSpec):
                raise TypeError(f"services must hold ServiceSpec objects, got "
                                f"{type(spec).__name__}")
        specs = self.service_specs()
        for name in self.routed_services():
            if name not in specs:
                raise ValueError(f"the gateway routes to {name!r} but services has "
                                 f"{sorted(specs)}")
        for name in self.faults or {}:
            if name not in specs:
                raise ValueError(f"faults names unknown service {name!r}; services are "
                                 f"{sorted(specs)}")

    def router(self) -> ApiGateway:
        return self.gateway if self.gateway is not None else default_gateway()

    def service_specs(self) -> dict[str, ServiceSpec]:
        return {s.name: s for s in self.services}

    def routed_services(self) -> list[str]:
        """The service each path template of ``mix`` reaches, in the mix's order."""
        router = self.router()
        return [router.route(t.replace("{id}", "1")) for t in self.mix]

    def offered_rates(self) -> dict[str, float]:
        """Requests per second offered to each service."""
        offered: dict[str, float] = {}
        for name, share in zip(self.routed_services(), self.mix.values(), strict=True):
            offered[name] = offered.get(name, 0.0) + self.arrival_rate * float(share)
        return offered


@dataclass(frozen=True)
class GatewayResult(Result):
    """Result of :func:`run_gateway`.

    ``records`` (also ``requests``): ``request_id``, ``path``, ``service``, ``store``,
    ``arrival_s``, ``in_service_s`` (past the gateway), ``end_s``, ``latency_s``, ``ok``.
    ``occupancy``: ``time_s``, ``service``, ``in_system`` (sampled).
    """

    config: GatewayConfig
    requests: pd.DataFrame
    occupancy: pd.DataFrame

    @property
    def records(self) -> pd.DataFrame:
        return self.requests

    @property
    def offered_rate(self) -> dict[str, float]:
        """Requests per second offered to each service."""
        return self.config.offered_rates()

    @property
    def horizon_s(self) -> float:
        return float(self.config.horizon_s)

    def to_frame(self) -> pd.DataFrame:
        return self.requests

    def summary(self) -> dict[str, float | int]:
        """Requests, share answered OK, mean and p99 latency (s), and the largest gap between
        L measured and lambda x W over the services."""
        r = self.requests
        return {"n_requests": int(len(r)),
                "ok_share": float(r.ok.mean()) if len(r) else float("nan"),
                "mean_latency_s": float(r.latency_s.mean()) if len(r) else float("nan"),
                "p99_latency_s": float(r.latency_s.quantile(0.99)) if len(r) else float("nan"),
                "max_littles_law_error": float(self.littles_law().relative_error.max())}

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


#: The former name of :class:`GatewayResult`.
GatewayRun = GatewayResult


def _simulate(config: GatewayConfig, arrivals: np.ndarray, routed: np.ndarray,
              service_rngs: list[np.random.Generator]) -> tuple[np.ndarray, np.ndarray, list]:
    """Run the SimPy model; return each request's end time, its success and the samples."""
    env = simpy.Environment()
    faults = dict(config.faults or {})
    running = {name: Microservice(env, spec, rng, faults.get(name))
               for (name, spec), rng in zip(config.service_specs().items(), service_rngs,
                                            strict=True)}
    n, latency = len(arrivals), config.gateway_latency_s
    end = np.full(n, np.nan)
    ok = np.zeros(n, dtype=bool)
    samples: list[tuple[float, str, int]] = []

    def request(i: int, service: Microservice):
        if latency:
            yield env.timeout(latency)
        result = yield env.process(service.call())
        end[i] = env.now
        ok[i] = result.ok

    def monitor():
        while env.now < config.horizon_s:
            for name, svc in running.items():
                samples.append((env.now, name, svc.in_system))
            yield env.timeout(config.sample_every_s)

    env.process(feed_arrivals(env, arrivals,
                              lambda i: env.process(request(i, running[routed[i]]))))
    env.process(monitor())
    env.run()
    return end, ok, samples


def run_gateway(config: GatewayConfig | None = None, /, **legacy) -> GatewayResult:
    """Simulate ``config.horizon_s`` seconds of traffic through the gateway to the services.

    The former keyword form (``run_gateway(rate_per_s=..., horizon_s=...)``) still works for one
    release and warns ``DeprecationWarning``.

    Examples
    --------
    >>> run = run_gateway(GatewayConfig(arrival_rate=20, horizon_s=10, seed=1))
    >>> sorted(run.records.service.unique())
    ['order', 'product', 'user']
    >>> bool(run.records.ok.all())
    True
    """
    config = config_or_legacy(GatewayConfig, "run_gateway", config, legacy,
                              renames={"rate_per_s": "arrival_rate"})
    templates = list(config.mix)
    arrival_rng, route_rng, id_rng, *service_rngs = spawn_rngs(
        config.seed, 3 + len(config.service_specs()))
    arrivals = poisson_arrivals(config.arrival_rate, config.horizon_s, arrival_rng)
    n = len(arrivals)
    which = route_rng.choice(len(templates), size=n, p=np.array(list(config.mix.values())))
    ids = id_rng.integers(1, 10_000, size=n)
    routed = np.array(config.routed_services(), dtype=object)[which] if n else \
        np.array([], dtype=object)
    end, ok, samples = _simulate(config, arrivals, routed, service_rngs)
    store_of = {name: spec.store.name for name, spec in config.service_specs().items()}
    requests = pd.DataFrame({
        "request_id": np.arange(n),
        "path": [templates[k].replace("{id}", str(int(i))) for k, i in zip(which, ids,
                                                                            strict=True)],
        "service": routed.astype(str),
        "store": [store_of[s] for s in routed],
        "arrival_s": arrivals,
        "in_service_s": arrivals + config.gateway_latency_s,
        "end_s": end,
        "latency_s": end - arrivals,
        "ok": ok,
    })
    occupancy = pd.DataFrame(samples, columns=["time_s", "service", "in_system"])
    return GatewayResult(config=config, requests=requests, occupancy=occupancy)
