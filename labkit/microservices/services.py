"""Microservices with their own data store, built on :class:`labkit.core.service.Service`.

A :class:`Microservice` is two SimPy services in a row: its compute (``workers`` parallel
workers) and its own store (a :class:`~labkit.microservices.stores.StoreProfile`). A call first
waits for a worker, then queries the store. A fault schedule on the compute side takes the
service down (calls fail fast) or slows it.

:data:`USER_SERVICE`, :data:`ORDER_SERVICE` and :data:`PRODUCT_SERVICE` are the three services
of the notebook: users and orders in relational stores, the product catalogue in a key-value
store.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import simpy

from labkit.core.service import CallResult, Service
from labkit.core.validation import check_int
from labkit.core.workloads import Constant, Exponential, FaultSchedule, LogNormal
from labkit.microservices.stores import DYNAMODB_LIKE, RDS_LIKE, StoreProfile

__all__ = ["ORDER_SERVICE", "PRODUCT_SERVICE", "USER_SERVICE", "Microservice", "ServiceSpec"]

Distribution = Exponential | Constant | LogNormal


@dataclass(frozen=True)
class ServiceSpec:
    """What a microservice is: its name, ``workers``, time of its own work, and its store.

    >>> ORDER_SERVICE.store.kind
    'relational'
    """

    name: str
    workers: int
    work_time: Distribution
    store: StoreProfile

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("name must be a non-empty string")
        check_int("workers", self.workers, minimum=1)
        if not hasattr(self.work_time, "sample"):
            raise TypeError("work_time must be a distribution such as LogNormal(median, sigma)")
        if not isinstance(self.store, StoreProfile):
            raise TypeError(f"store must be a StoreProfile, got {type(self.store).__name__}")

    @property
    def mean_time_s(self) -> float:
        """Mean time of one call with no queueing (own work + one store query)."""
        return self.work_time.mean + self.store.query_time.mean


USER_SERVICE = ServiceSpec("user", workers=4, work_time=LogNormal(0.010, 0.4), store=RDS_LIKE)
ORDER_SERVICE = ServiceSpec("order", workers=4, work_time=LogNormal(0.020, 0.4), store=RDS_LIKE)
PRODUCT_SERVICE = ServiceSpec("product", workers=4, work_time=LogNormal(0.008, 0.4),
                              store=DYNAMODB_LIKE)


class Microservice:
    """A running microservice in a SimPy environment: compute, then its own store.

    Parameters
    ----------
    env : simpy.Environment
    spec : ServiceSpec
    rng : numpy.random.Generator
        Split into independent streams for the compute and the store.
    faults : FaultSchedule, optional
        Outages or slowdowns of the service's compute.

    Examples
    --------
    >>> import numpy as np, simpy
    >>> env = simpy.Environment()
    >>> svc = Microservice(env, ORDER_SERVICE, np.random.default_rng(0))
    >>> out = []
    >>> def client():
    ...     out.append((yield env.process(svc.call())))
    >>> _ = env.process(client()); env.run()
    >>> out[0].ok, svc.in_system
    (True, 0)
    """

    def __init__(self, env: simpy.Environment, spec: ServiceSpec, rng: np.random.Generator,
                 faults: FaultSchedule | None = None) -> None:
        if not isinstance(spec, ServiceSpec):
            raise TypeError(f"spec must be a ServiceSpec, got {type(spec).__name__}")
        compute_rng, store_rng = rng.spawn(2)
        self.env = env
        self.spec = spec
        self.name = spec.name
        self.compute = Service(env, servers=spec.workers, service_time=spec.work_time,
                               rng=compute_rng, faults=faults, name=spec.name)
        self.store = Service(env, servers=spec.store.connections,
                             service_time=spec.store.query_time, rng=store_rng,
                             name=spec.store.name)
        self.in_system = 0

    def call(self):
        """SimPy process: one request; its value is a :class:`~labkit.core.service.CallResult`."""
        self.in_system += 1
        try:
            work = yield self.env.process(self.compute.call())
            if not work.ok:
                return work
            query = yield self.env.process(self.store.call())
            return CallResult(work.start_s, query.end_s, query.ok, query.error)
        finally:
            self.in_system -= 1
