"""Serverless: Lambda-style functions and the managed services around them.

Function instances (SimFaaS's scale-per-request model)
    simulate_functions, FunctionStats
Concurrency and throttling (Lambda)
    LambdaConcurrency, InvokeDecision, run_lambda_burst, ACCOUNT_CONCURRENCY,
    SCALING_ENVIRONMENTS_PER_10S, UNRESERVED_MINIMUM
API Gateway throttling
    TokenBucket, UsagePlan, ApiGatewayThrottle, ThrottleDecision, ACCOUNT_RATE_RPS,
    ACCOUNT_BURST
CDN in front
    zipf_popularity, cdn_hit_ratio, origin_load, simulate_cdn
DynamoDB capacity
    write_units, read_units, provisioned_table, on_demand_table, demand_spike
Authentication (Cognito-style JWTs)
    UserPool, TokenVerifier, InvalidToken, AuthorizedApi, ApiResponse
Pricing
    load_serverless_prices, lambda_monthly_cost, LambdaBill, provisioned_share,
    lambda_cost_curve, break_even_with_containers
"""

from labkit.serverless.auth import ApiResponse, AuthorizedApi, InvalidToken, TokenVerifier, UserPool
from labkit.serverless.cdn import cdn_hit_ratio, origin_load, simulate_cdn, zipf_popularity
from labkit.serverless.concurrency import (
    ACCOUNT_CONCURRENCY,
    SCALING_ENVIRONMENTS_PER_10S,
    UNRESERVED_MINIMUM,
    InvokeDecision,
    LambdaConcurrency,
    run_lambda_burst,
)
from labkit.serverless.dynamodb import (
    demand_spike,
    on_demand_table,
    provisioned_table,
    read_units,
    write_units,
)
from labkit.serverless.functions import FunctionStats, simulate_functions
from labkit.serverless.gateway import (
    ACCOUNT_BURST,
    ACCOUNT_RATE_RPS,
    ApiGatewayThrottle,
    ThrottleDecision,
    TokenBucket,
    UsagePlan,
)
from labkit.serverless.pricing import (
    LambdaBill,
    break_even_with_containers,
    lambda_cost_curve,
    lambda_monthly_cost,
    load_serverless_prices,
    provisioned_share,
)

__all__ = [
    # Function instances
    "simulate_functions", "FunctionStats",
    # Concurrency and throttling
    "LambdaConcurrency", "InvokeDecision", "run_lambda_burst", "ACCOUNT_CONCURRENCY",
    "SCALING_ENVIRONMENTS_PER_10S", "UNRESERVED_MINIMUM",
    # API Gateway throttling
    "TokenBucket", "UsagePlan", "ApiGatewayThrottle", "ThrottleDecision", "ACCOUNT_RATE_RPS",
    "ACCOUNT_BURST",
    # CDN
    "zipf_popularity", "cdn_hit_ratio", "origin_load", "simulate_cdn",
    # DynamoDB
    "write_units", "read_units", "provisioned_table", "on_demand_table", "demand_spike",
    # Authentication
    "UserPool", "TokenVerifier", "InvalidToken", "AuthorizedApi", "ApiResponse",
    # Pricing
    "load_serverless_prices", "lambda_monthly_cost", "LambdaBill", "provisioned_share",
    "lambda_cost_curve", "break_even_with_containers",
]
