"""Microservices: an API gateway in front of services that own their data, and what it costs.

Routing (pure logic)
    ApiGateway, RouteNotFound
Services and stores
    StoreProfile, RDS_LIKE, DYNAMODB_LIKE, ServiceSpec, Microservice,
    USER_SERVICE, ORDER_SERVICE, PRODUCT_SERVICE
Scenarios (configuration -> run -> result with ``.records`` and ``.summary()``)
    GatewayConfig, run_gateway, GatewayResult, default_gateway, DEFAULT_MIX
    HandoffConfig, run_handoff_outage, compare_handoff_designs, HandoffResult, OUTCOMES
    FanoutConfig, run_fanout, FanoutResult, LeafLatency, fanout_slow_probability
    QueryConfig, run_query_designs, QueryDesigns
Deprecated (one release)
    run_outage_scenario, compare_designs, OutageRun, GatewayRun
Compute cost
    load_prices, PriceTable, Workload, LambdaOption, FargateOption, EC2Option,
    AppRunnerOption, monthly_cost, cost_curve, break_even_rate, break_even_table,
    operational_tradeoffs, HOURS_PER_MONTH
"""

from labkit.microservices.composition import QueryConfig, QueryDesigns, run_query_designs
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
from labkit.microservices.fanout import (
    FanoutConfig,
    FanoutResult,
    LeafLatency,
    fanout_slow_probability,
    run_fanout,
)
from labkit.microservices.gateway import (
    DEFAULT_MIX,
    GatewayConfig,
    GatewayResult,
    GatewayRun,
    default_gateway,
    run_gateway,
)
from labkit.microservices.handoff import (
    OUTCOMES,
    HandoffConfig,
    HandoffResult,
    OutageRun,
    compare_designs,
    compare_handoff_designs,
    run_handoff_outage,
    run_outage_scenario,
)
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
    "GatewayConfig", "run_gateway", "GatewayResult", "default_gateway", "DEFAULT_MIX",
    "HandoffConfig", "run_handoff_outage", "compare_handoff_designs", "HandoffResult", "OUTCOMES",
    "FanoutConfig", "run_fanout", "FanoutResult", "LeafLatency", "fanout_slow_probability",
    "QueryConfig", "run_query_designs", "QueryDesigns",
    # Deprecated (one release)
    "run_outage_scenario", "compare_designs", "OutageRun", "GatewayRun",
    # Compute cost
    "load_prices", "PriceTable", "Workload", "LambdaOption", "FargateOption", "EC2Option",
    "AppRunnerOption", "monthly_cost", "cost_curve", "break_even_rate", "break_even_table",
    "operational_tradeoffs", "HOURS_PER_MONTH",
]
