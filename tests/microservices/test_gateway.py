"""Gateway routing and the gateway scenario: routes, determinism, Little's law, bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from labkit.core.workloads import FaultSchedule, FaultWindow
from labkit.microservices.gateway import GatewayConfig, default_gateway, run_gateway
from labkit.microservices.routing import ApiGateway, RouteNotFound
from labkit.microservices.services import ORDER_SERVICE, ServiceSpec
from labkit.microservices.stores import RDS_LIKE, StoreProfile


def test_longest_prefix_on_whole_segments():
    gw = ApiGateway({"/": "web", "/orders": "order", "/orders/reports": "reporting"})
    assert gw.route("/orders/7") == "order"
    assert gw.route("/orders/reports/2024?x=1") == "reporting"
    assert gw.route("/ordersx") == "web"
    assert gw.services == ("web", "order", "reporting")


def test_unknown_path_raises_route_not_found():
    with pytest.raises(RouteNotFound, match="/carts"):
        default_gateway().route("/carts/1")


@pytest.mark.parametrize("routes", [{}, {"orders": "order"}, {"/orders": ""}])
def test_bad_routes(routes):
    with pytest.raises(ValueError):
        ApiGateway(routes)


def test_bad_path():
    with pytest.raises(ValueError, match="path"):
        default_gateway().route("orders")


def test_each_request_reaches_the_service_its_path_names():
    run = run_gateway(GatewayConfig(arrival_rate=30, horizon_s=10, seed=3))
    r = run.requests
    gw = default_gateway()
    assert all(gw.route(p) == s for p, s in zip(r.path, r.service, strict=True))
    assert set(r[r.service == "product"].store) == {"DynamoDB-like"}
    assert set(r[r.service != "product"].store) == {"RDS-like"}
    assert (r.latency_s > 0).all() and r.ok.all()


def test_same_seed_same_frame():
    a = run_gateway(GatewayConfig(arrival_rate=30, horizon_s=5, seed=7))
    b = run_gateway(GatewayConfig(arrival_rate=30, horizon_s=5, seed=7))
    pd.testing.assert_frame_equal(a.requests, b.requests)
    pd.testing.assert_frame_equal(a.occupancy, b.occupancy)


def test_littles_law_holds_per_service():
    table = run_gateway(GatewayConfig(arrival_rate=100, horizon_s=60, seed=2)).littles_law()
    assert set(table.service) == {"user", "order", "product"}
    assert (table.relative_error < 0.15).all()


def test_a_small_connection_pool_queues_requests():
    tight = ServiceSpec("order", workers=8, work_time=ORDER_SERVICE.work_time,
                        store=StoreProfile("RDS-like", "relational", 1, RDS_LIKE.query_time))
    base = run_gateway(GatewayConfig(arrival_rate=150, horizon_s=20, seed=1)).requests
    others = [s for s in _default_services() if s.name != "order"]
    slow = run_gateway(GatewayConfig(arrival_rate=150, horizon_s=20, seed=1,
                                     services=(*others, tight))).requests
    assert (slow[slow.service == "order"].latency_s.mean()
            > base[base.service == "order"].latency_s.mean())


def _default_services():
    from labkit.microservices.services import PRODUCT_SERVICE, USER_SERVICE
    return [USER_SERVICE, ORDER_SERVICE, PRODUCT_SERVICE]


def test_an_outage_fails_only_that_service():
    faults = {"order": FaultSchedule((FaultWindow(2.0, 4.0),))}
    r = run_gateway(GatewayConfig(arrival_rate=50, horizon_s=6, seed=5, faults=faults)).requests
    failed = r[~r.ok]
    assert len(failed) > 0 and set(failed.service) == {"order"}


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"arrival_rate": 0}, "arrival_rate"), ({"horizon_s": -1}, "horizon_s"),
    ({"mix": {"/users/{id}": 0.5}}, "sum to 1"),
    ({"mix": {"/users/{id}": -0.5, "/orders/1": 1.5}}, "mix"),
    ({"faults": {"cart": FaultSchedule()}}, "cart"), ({"sample_every_s": 0}, "sample_every_s"),
    ({"services": [ORDER_SERVICE]}, "routes to"),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GatewayConfig(**kwargs)


def test_the_keyword_form_warns_and_runs_the_same_model():
    with pytest.warns(DeprecationWarning, match="GatewayConfig"):
        old = run_gateway(rate_per_s=30, horizon_s=5, seed=7)
    new = run_gateway(GatewayConfig(arrival_rate=30, horizon_s=5, seed=7))
    pd.testing.assert_frame_equal(old.records, new.records)
    assert new.summary()["n_requests"] == len(new.records)
    assert 0 < new.summary()["max_littles_law_error"] < 1
    with pytest.raises(TypeError, match="not both"):
        run_gateway(GatewayConfig(), seed=1)


def test_service_spec_and_store_checks():
    with pytest.raises(ValueError, match="workers"):
        ServiceSpec("x", 0, ORDER_SERVICE.work_time, RDS_LIKE)
    with pytest.raises(TypeError, match="store"):
        ServiceSpec("x", 1, ORDER_SERVICE.work_time, "postgres")
    with pytest.raises(ValueError, match="kind"):
        StoreProfile("x", "graph", 1, RDS_LIKE.query_time)
    with pytest.raises(ValueError, match="connections"):
        StoreProfile("x", "relational", 0, RDS_LIKE.query_time)
