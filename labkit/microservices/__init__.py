"""Microservices: an API gateway in front of services that own their data, and what it costs.

Routing (pure logic)
    ApiGateway, RouteNotFound
Services and stores
    StoreProfile, RDS_LIKE, DYNAMODB_LIKE, ServiceSpec, Microservice,
    USER_SERVICE, ORDER_SERVICE, PRODUCT_SERVICE
Scenarios (SimPy / numpy models returning tidy frames)
    run_gateway, GatewayRun, default_gateway, DEFAULT_MIX
    run_outage_scenario, compare_designs, OutageRun, OUTCOMES
    run_fanout, LeafLatency, fanout_slow_probability
    run_query_designs, QueryDesigns
Compute cost
    load_prices, PriceTable, Workload, LambdaOption, FargateOption, EC2Option,
    AppRunnerOption, monthly_cost, cost_curve, break_even_rate, break_even_table,
    operational_tradeoffs, HOURS_PER_MONTH
"""

from labkit.microservices.composition import QueryDesigns, run_query_designs
from labkit.microservices.cost import (
    HOURS_PER_MONTH,
    AppRunnerOption,
    EC2Option,
    FargateOption,
    LambdaOption,
    PriceTable,
    Workload,
    break_even_rate,
    break_even_table,
    cost_curve,
    load_prices,
    monthly_cost,
    operational_tradeoffs,
)
from labkit.microservices.fanout import LeafLatency, fanout_slow_probability, run_fanout
from labkit.microservices.gateway import DEFAULT_MIX, GatewayRun, default_gateway, run_gateway
from labkit.microservices.handoff import OUTCOMES, OutageRun, compare_designs, run_outage_scenario
from labkit.microservices.routing import ApiGateway, RouteNotFound
from labkit.microservices.services import (
    ORDER_SERVICE,
    PRODUCT_SERVICE,
    USER_SERVICE,
    Microservice,
    ServiceSpec,
)
from labkit.microservices.stores import DYNAMODB_LIKE, RDS_LIKE, StoreProfile

__all__ = [
    # Routing
    "ApiGateway", "RouteNotFound",
    # Services and stores
    "StoreProfile", "RDS_LIKE", "DYNAMODB_LIKE", "ServiceSpec", "Microservice",
    "USER_SERVICE", "ORDER_SERVICE", "PRODUCT_SERVICE",
    # Scenarios
    "run_gateway", "GatewayRun", "default_gateway", "DEFAULT_MIX",
    "run_outage_scenario", "compare_designs", "OutageRun", "OUTCOMES",
    "run_fanout", "LeafLatency", "fanout_slow_probability",
    "run_query_designs", "QueryDesigns",
    # Compute cost
    "load_prices", "PriceTable", "Workload", "LambdaOption", "FargateOption", "EC2Option",
    "AppRunnerOption", "monthly_cost", "cost_curve", "break_even_rate", "break_even_table",
    "operational_tradeoffs", "HOURS_PER_MONTH",
]
