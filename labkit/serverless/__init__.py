"""Serverless: Lambda-style functions and the managed services around them.

Every model follows the runner convention (:mod:`labkit.core.runner`): a configuration, a run
returning a result with ``.records`` and ``.summary()``.

Function instances (SimFaaS's scale-per-request model)
    FunctionsConfig, run_functions, FunctionStats; simulate_functions (the public entry point)
Concurrency and throttling (Lambda)
    LambdaScaling, InvokeDecision, LambdaBurstConfig, simulate_lambda_burst, LambdaBurstResult,
    ACCOUNT_CONCURRENCY,
    SCALING_ENVIRONMENTS_PER_10S, UNRESERVED_MINIMUM
API Gateway throttling
    TokenBucket, UsagePlan, ApiGatewayThrottle, ThrottleDecision, ACCOUNT_RATE_RPS,
    ACCOUNT_BURST
CDN in front, and the edge
    zipf_popularity, cdn_hit_ratio, origin_load, CdnConfig, run_cdn, CdnResult;
    oac_bucket_policy, s3_get_allowed, WafConfig, run_waf, WafResult
High availability built in
    AzOutageConfig, run_az_outage, AzOutageResult
DynamoDB capacity
    write_units, read_units, provisioned_table, on_demand_table, demand_spike, DynamoDbConfig,
    run_dynamodb_table, DynamoDbResult
Authentication (Cognito-style JWTs)
    UserPool, TokenVerifier, InvalidToken, AuthorizedApi, ApiResponse
Pricing
    load_serverless_prices, lambda_monthly_cost, LambdaBill, provisioned_share,
    lambda_cost_curve, break_even_with_containers, api_gateway_monthly_cost
Stream processing (Kinesis -> Lambda event source mapping)
    EventSourceMapping, StreamConfig, simulate_stream, StreamRun, iterator_age_series
Batch processing (S3 events -> transform -> DuckDB)
    Bucket, s3_event, make_raw_orders, transform_orders_handler, query_processed,
    BatchConfig, run_batch, BatchRun
Orchestrated ETL (States Language)
    etl_definition, EtlConfig, run_etl_job, EtlFaults, EtlRun, warehouse_table,
    warehouse_duplicates; its steps read_raw, validate_raw, glue_transform (Glue ApplyMapping +
    Filter), verify_staged, load_warehouse (Redshift COPY into a staging table, then merge)

Deprecated former names (they warn and name the replacement): simulate_cdn, run_lambda_burst,
run_stream_processing, run_batch_demo, run_etl.

The SimFaaS validation data are in :mod:`labkit.serverless.experiments` and the figures in
:mod:`labkit.serverless.plots`; import them where needed.
"""

from labkit.serverless.auth import ApiResponse, AuthorizedApi, InvalidToken, TokenVerifier, UserPool
from labkit.serverless.availability import AzOutageConfig, AzOutageResult, run_az_outage
from labkit.serverless.batch import (
    BatchConfig,
    BatchRun,
    Bucket,
    make_raw_orders,
    query_processed,
    run_batch,
    run_batch_demo,
    s3_event,
    transform_orders_handler,
)
from labkit.serverless.cdn import (
    CdnConfig,
    CdnResult,
    cdn_hit_ratio,
    origin_load,
    run_cdn,
    simulate_cdn,
    zipf_popularity,
)
from labkit.serverless.concurrency import (
    ACCOUNT_CONCURRENCY,
    SCALING_ENVIRONMENTS_PER_10S,
    UNRESERVED_MINIMUM,
    InvokeDecision,
    LambdaBurstConfig,
    LambdaBurstResult,
    LambdaScaling,
    run_lambda_burst,
    simulate_lambda_burst,
)
from labkit.serverless.dynamodb import (
    DynamoDbConfig,
    DynamoDbResult,
    demand_spike,
    on_demand_table,
    provisioned_table,
    read_units,
    run_dynamodb_table,
    write_units,
)
from labkit.serverless.edge import (
    AccessDecision,
    WafConfig,
    WafResult,
    oac_bucket_policy,
    run_waf,
    s3_get_allowed,
)
from labkit.serverless.etl import (
    EtlConfig,
    EtlFaults,
    EtlRun,
    etl_definition,
    glue_transform,
    load_warehouse,
    run_etl,
    run_etl_job,
    warehouse_duplicates,
    warehouse_table,
)
from labkit.serverless.functions import (
    FunctionsConfig,
    FunctionStats,
    run_functions,
    simulate_functions,
)
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
    api_gateway_monthly_cost,
    break_even_with_containers,
    lambda_cost_curve,
    lambda_monthly_cost,
    load_serverless_prices,
    provisioned_share,
)
from labkit.serverless.streams import (
    EventSourceMapping,
    StreamConfig,
    StreamRun,
    iterator_age_series,
    run_stream_processing,
    simulate_stream,
)

__all__ = [
    # Function instances
    "simulate_functions", "FunctionStats", "FunctionsConfig", "run_functions",
    # Concurrency and throttling
    "LambdaScaling", "InvokeDecision", "LambdaBurstConfig", "LambdaBurstResult",
    "simulate_lambda_burst", "run_lambda_burst", "ACCOUNT_CONCURRENCY",
    "SCALING_ENVIRONMENTS_PER_10S", "UNRESERVED_MINIMUM",
    # API Gateway throttling
    "TokenBucket", "UsagePlan", "ApiGatewayThrottle", "ThrottleDecision", "ACCOUNT_RATE_RPS",
    "ACCOUNT_BURST",
    # CDN
    "zipf_popularity", "cdn_hit_ratio", "origin_load", "CdnConfig", "CdnResult", "run_cdn",
    "simulate_cdn",
    # The edge
    "oac_bucket_policy", "s3_get_allowed", "AccessDecision", "WafConfig", "WafResult", "run_waf",
    # High availability
    "AzOutageConfig", "AzOutageResult", "run_az_outage",
    # DynamoDB
    "write_units", "read_units", "provisioned_table", "on_demand_table", "demand_spike",
    "DynamoDbConfig", "DynamoDbResult", "run_dynamodb_table",
    # Authentication
    "UserPool", "TokenVerifier", "InvalidToken", "AuthorizedApi", "ApiResponse",
    # Pricing
    "load_serverless_prices", "lambda_monthly_cost", "LambdaBill", "provisioned_share",
    "lambda_cost_curve", "break_even_with_containers", "api_gateway_monthly_cost",
    # Stream processing
    "EventSourceMapping", "StreamConfig", "simulate_stream", "StreamRun", "iterator_age_series",
    "run_stream_processing",
    # Batch processing
    "Bucket", "s3_event", "make_raw_orders", "transform_orders_handler", "query_processed",
    "BatchConfig", "run_batch", "BatchRun", "run_batch_demo",
    # Orchestrated ETL
    "etl_definition", "EtlConfig", "run_etl_job", "EtlFaults", "EtlRun", "warehouse_table",
    "warehouse_duplicates", "glue_transform", "load_warehouse", "run_etl",
]
