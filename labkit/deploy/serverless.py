"""Serverless stacks: the web stack (notebook 06), stream and batch processing (notebook 07)
and per-workload concurrency with priority queues (notebook 11).

Built from the lab's objects: :class:`labkit.serverless.ApiGatewayThrottle` (stage throttle and
usage plans), :class:`labkit.serverless.EventSourceMapping` (the Kinesis trigger's settings),
:func:`labkit.serverless.etl_definition` (the ETL state machine the notebook runs) and
:class:`labkit.resilience.LambdaFunction` (reserved concurrency per workload). Concurrency is
refused when the reservations would leave less than the unreserved minimum of the account.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from labkit.core.validation import check_int
from labkit.deploy.limits import NotDeployable, aws_limit, require_at_most
from labkit.deploy.template import Template, get_att, items_of, logical_id, ref
from labkit.deploy.workflows import state_machine_resources

__all__ = ["bulkhead_template", "check_reservations", "serverless_web_template",
           "stream_processing_template"]


def check_reservations(reserved: dict[str, int], *, account_limit: int | None = None) -> int:
    """Refuse reservations that leave the account's unreserved pool below its minimum; return
    the concurrency left unreserved.

    >>> check_reservations({"orders": 300, "reports": 200})
    500
    >>> check_reservations({"orders": 950})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    labkit.deploy.limits.NotDeployable: reserved concurrency totals 950 of an account limit ...
    """
    limit = int(aws_limit("lambda_account_concurrency_default").value
                if account_limit is None else check_int("account_limit", account_limit,
                                                         minimum=1))
    total = 0
    for name, value in reserved.items():
        total += check_int(f"reserved[{name!r}]", value, minimum=0)
    floor = aws_limit("lambda_unreserved_concurrency_min")
    left = limit - total
    if left < floor.value:
        raise NotDeployable(f"reserved concurrency totals {total} of an account limit of "
                            f"{limit}, leaving {left} unreserved", floor)
    return left


def _function(code: str, *, memory_mb: int = 512, timeout_s: int = 10,
              reserved: int | None = None, **extra: Any) -> dict[str, Any]:
    props: dict[str, Any] = {"Runtime": "python3.12", "Handler": "app.handler",
                             "CodeUri": f"functions/{code}/", "MemorySize": memory_mb,
                             "Timeout": timeout_s, "Architectures": ["arm64"]}
    if reserved is not None:
        props["ReservedConcurrentExecutions"] = reserved
    props.update(extra)
    return {"Type": "AWS::Serverless::Function", "Properties": props}


def serverless_web_template(throttle: Any = None, *, memory_mb: int = 512, timeout_s: int = 10,
                            reserved: int | None = None, provisioned: int = 0,
                            account_limit: int | None = None) -> Template:
    """API Gateway (REST, Cognito authorizer, stage throttle, usage plans) in front of a Lambda
    function with reserved and provisioned concurrency, and a DynamoDB table on demand.

    ``throttle`` is a :class:`labkit.serverless.ApiGatewayThrottle`: its stage rate and burst
    become the stage's method throttle and each of its usage plans an ``AWS::ApiGateway::UsagePlan``
    (refused above the account throttle). ``provisioned`` environments are kept warm on the
    ``live`` alias and must fit within ``reserved`` when both are set.

    >>> from labkit.serverless import ApiGatewayThrottle, UsagePlan
    >>> gw = ApiGatewayThrottle(stage_rate_rps=100, stage_burst=50,
    ...                         plans={"k1": UsagePlan("basic", rate_rps=5, burst=10)})
    >>> t = serverless_web_template(gw, reserved=50, provisioned=5)
    >>> t.resources["Api"]["Properties"]["MethodSettings"][0]["ThrottlingRateLimit"]
    100
    >>> t.resources["ApiFunction"]["Properties"]["ProvisionedConcurrencyConfig"]
    {'ProvisionedConcurrentExecutions': 5}
    """
    from labkit.serverless import ApiGatewayThrottle

    throttle = ApiGatewayThrottle() if throttle is None else throttle
    if not isinstance(throttle, ApiGatewayThrottle):
        raise TypeError(f"throttle must be an ApiGatewayThrottle, got {type(throttle).__name__}")
    memory = check_int("memory_mb", memory_mb, minimum=128, maximum=10_240)
    timeout = check_int("timeout_s", timeout_s, minimum=1, maximum=900)
    provisioned = check_int("provisioned", provisioned, minimum=0)
    if reserved is not None:
        check_reservations({"api": reserved}, account_limit=account_limit)
        if provisioned > reserved:
            raise NotDeployable(f"provisioned concurrency {provisioned} exceeds the function's "
                                f"reserved concurrency {reserved}: Lambda refuses provisioned "
                                "concurrency above the reservation")
    method: dict[str, Any] = {"ResourcePath": "/*", "HttpMethod": "*", "MetricsEnabled": True}
    if throttle.stage_rate_rps is not None:
        method["ThrottlingRateLimit"] = require_at_most(
            "stage_rate_rps", throttle.stage_rate_rps, "apigateway_account_throttle_rps")
        method["ThrottlingBurstLimit"] = int(require_at_most(
            "stage_burst", throttle.stage_burst, "apigateway_account_burst"))
    fn_extra: dict[str, Any] = {
        "Environment": {"Variables": {"TABLE": ref("Table")}},
        "Policies": [{"DynamoDBCrudPolicy": {"TableName": ref("Table")}}],
        "Events": {"Proxy": {"Type": "Api", "Properties": {
            "RestApiId": ref("Api"), "Path": "/{proxy+}", "Method": "ANY"}}}}
    if provisioned:
        fn_extra["AutoPublishAlias"] = "live"
        fn_extra["ProvisionedConcurrencyConfig"] = {"ProvisionedConcurrentExecutions":
                                                    provisioned}
    res: dict[str, Any] = {
        "UserPool": {"Type": "AWS::Cognito::UserPool", "Properties": {
            "UserPoolName": "shop-users", "UsernameAttributes": ["email"],
            "AutoVerifiedAttributes": ["email"]}},
        "UserPoolClient": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {
            "UserPoolId": ref("UserPool"), "GenerateSecret": False,
            "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            "AccessTokenValidity": 60, "IdTokenValidity": 60,
            "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes"}}},
        "Api": {"Type": "AWS::Serverless::Api", "Properties": {
            "StageName": "prod", "MethodSettings": [method],
            "Auth": {"DefaultAuthorizer": "Cognito",
                     "ApiKeyRequired": bool(throttle.require_api_key),
                     "Authorizers": {"Cognito": {"UserPoolArn": get_att("UserPool", "Arn")}}}}},
        "ApiFunction": _function("api", memory_mb=memory, timeout_s=timeout, reserved=reserved,
                                 **fn_extra),
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}},
    }
    for key, plan in throttle.plans.items():
        lid = logical_id(plan.name, "Plan")
        props: dict[str, Any] = {
            "UsagePlanName": plan.name,
            "ApiStages": [{"ApiId": ref("Api"), "Stage": ref("ApiprodStage")}],
            "Throttle": {"RateLimit": require_at_most(f"plans[{key!r}].rate_rps", plan.rate_rps,
                                                      "apigateway_account_throttle_rps"),
                         "BurstLimit": plan.burst}}
        if plan.quota is not None:
            props["Quota"] = {"Limit": plan.quota,
                              "Period": "MONTH" if plan.period == "MONTH" else plan.period}
        res[lid] = {"Type": "AWS::ApiGateway::UsagePlan", "Properties": props}
        kid = logical_id(key, "ApiKey")
        res[kid] = {"Type": "AWS::ApiGateway::ApiKey", "DependsOn": ["ApiprodStage"],
                    "Properties": {"Enabled": True, "StageKeys": [
                        {"RestApiId": ref("Api"), "StageName": "prod"}]}}
        res[kid + "InPlan"] = {"Type": "AWS::ApiGateway::UsagePlanKey", "Properties": {
            "KeyId": ref(kid), "KeyType": "API_KEY", "UsagePlanId": ref(lid)}}
    return Template(
        "serverless-web",
        "Serverless web stack: API Gateway (Cognito authorizer, throttling, usage plans), a "
        "Lambda function with reserved/provisioned concurrency, DynamoDB on demand. Generated "
        "by labkit.deploy.",
        res, sam=True,
        outputs={"ApiUrl": {"Value": {"Fn::Sub": "https://${Api}.execute-api.${AWS::Region}."
                                                 "amazonaws.com/prod"}}},
        cost_drivers=(
            "API Gateway REST API: per million requests (throttled requests are not billed)",
            f"Lambda: per request and GB-second at {memory} MB"
            + (f"; {provisioned} provisioned environments billed per GB-second all the time"
               if provisioned else ""),
            "DynamoDB on demand: per million read and write request units",
            "Cognito: per monthly active user above the free tier",
        ))


def stream_processing_template(mapping: Any = None, *, shards: int = 1,
                               transform_retries: int = 3) -> Template:
    """Kinesis stream -> Lambda (the event source mapping's batch size, window, parallelization,
    bisect on error, retries, record age and on-failure destination), and the S3-triggered ETL
    orchestrated by the state machine the notebook runs (:func:`labkit.serverless.etl_definition`).

    >>> from labkit.serverless import EventSourceMapping
    >>> t = stream_processing_template(EventSourceMapping(batch_size=10, bisect_on_error=True,
    ...     maximum_retries=2, on_failure_destination=True), shards=2)
    >>> ev = t.resources["StreamConsumer"]["Properties"]["Events"]["Shards"]["Properties"]
    >>> ev["BatchSize"], ev["BisectBatchOnFunctionError"], ev["MaximumRetryAttempts"]
    (10, True, 2)
    """
    from labkit.serverless import EventSourceMapping, etl_definition

    mapping = EventSourceMapping() if mapping is None else mapping
    if not isinstance(mapping, EventSourceMapping):
        raise TypeError(f"mapping must be an EventSourceMapping, got {type(mapping).__name__}")
    shards = check_int("shards", shards, minimum=1, maximum=10_000)
    event: dict[str, Any] = {
        "Stream": get_att("Stream", "Arn"), "StartingPosition": "LATEST",
        "BatchSize": mapping.batch_size,
        "MaximumBatchingWindowInSeconds": int(math.ceil(mapping.batching_window_s)),
        "ParallelizationFactor": mapping.parallelization_factor,
        "BisectBatchOnFunctionError": mapping.bisect_on_error,
        "MaximumRetryAttempts": mapping.maximum_retries,
        "MaximumRecordAgeInSeconds": int(mapping.maximum_record_age_s),
    }
    res: dict[str, Any] = {
        "Stream": {"Type": "AWS::Kinesis::Stream", "Properties": {
            "ShardCount": shards, "RetentionPeriodHours": 24,
            "StreamModeDetails": {"StreamMode": "PROVISIONED"},
            "StreamEncryption": {"EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"}}},
    }
    consumer_policies: list[Any] = []
    if mapping.on_failure_destination:
        res["FailedRecords"] = {"Type": "AWS::SQS::Queue", "Properties": {
            "MessageRetentionPeriod": 1_209_600, "SqsManagedSseEnabled": True}}
        event["DestinationConfig"] = {"OnFailure": {"Destination": get_att("FailedRecords",
                                                                           "Arn")}}
        consumer_policies.append({"SQSSendMessagePolicy": {
            "QueueName": get_att("FailedRecords", "QueueName")}})
    res["StreamConsumer"] = _function("stream-consumer", Events={"Shards": {
        "Type": "Kinesis", "Properties": event}}, **({"Policies": consumer_policies}
                                                     if consumer_policies else {}))
    res["RawBucket"] = {"Type": "AWS::S3::Bucket", "Properties": {
        "NotificationConfiguration": {"EventBridgeConfiguration": {
            "EventBridgeEnabled": True}}}}
    res.update(state_machine_resources(etl_definition(transform_retries=transform_retries),
                                       name="EtlStateMachine"))
    res["EtlOnUpload"] = {"Type": "AWS::Events::Rule", "Properties": {
        "EventPattern": {"source": ["aws.s3"], "detail-type": ["Object Created"],
                         "detail": {"bucket": {"name": [ref("RawBucket")]}}},
        "Targets": [{"Id": "etl", "Arn": ref("EtlStateMachine"),
                     "RoleArn": get_att("EtlStartRole", "Arn")}]}}
    res["EtlStartRole"] = {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sts:AssumeRole"}]},
        "Policies": [{"PolicyName": "start-etl", "PolicyDocument": {
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "states:StartExecution",
                "Resource": ref("EtlStateMachine")}]}}]}}
    return Template(
        "serverless-data-processing",
        "Kinesis stream consumed by Lambda (event source mapping with bisect and an on-failure "
        "destination) and an S3-triggered ETL state machine. Generated by labkit.deploy.",
        res, sam=True,
        cost_drivers=(
            f"Kinesis Data Streams (provisioned): {shards} shard-hour(s) every hour, plus PUT "
            "payload units",
            f"Lambda: one invocation per batch of up to {mapping.batch_size} records, "
            f"{mapping.parallelization_factor} concurrent batch(es) per shard",
            "Step Functions Standard: per state transition of each ETL run",
            "S3: storage and requests; EventBridge: S3 events on the bus are billed as AWS opt-in "
            "data events (only AWS management events are free)",
        ))


def bulkhead_template(functions: Sequence[Any], *, account_limit: int | None = None,
                      high_priority_consumers: int = 2, low_priority_consumers: int = 4
                      ) -> Template:
    """One Lambda function per workload with its reserved concurrency (the bulkhead), and a
    high- and a low-priority queue whose consumers are capped separately (the event source
    mapping's maximum concurrency, 2 to 1,000), so a flood of low-priority work cannot take
    the high-priority consumers.

    ``functions`` are :class:`labkit.resilience.LambdaFunction` objects (name and reserved
    concurrency, ``None`` for the shared pool). Refused: reservations that leave less than the
    unreserved minimum.

    >>> from labkit.resilience import LambdaFunction
    >>> t = bulkhead_template([LambdaFunction("checkout", 10, 0.1, reserved=200),
    ...                        LambdaFunction("reports", 5, 1.0, reserved=100)])
    >>> t.resources["CheckoutFunction"]["Properties"]["ReservedConcurrentExecutions"]
    200
    """
    from labkit.resilience import LambdaFunction

    functions = items_of("functions", functions, LambdaFunction)
    check_reservations({f.name: f.reserved for f in functions if f.reserved is not None},
                       account_limit=account_limit)
    high = check_int("high_priority_consumers", high_priority_consumers, minimum=2,
                     maximum=1000)
    low = check_int("low_priority_consumers", low_priority_consumers, minimum=2, maximum=1000)
    res: dict[str, Any] = {}
    for f in functions:
        lid = logical_id(f.name, "Function")
        timeout = max(1, math.ceil(f.duration_s * 3))
        res[lid] = _function(f.name, timeout_s=min(timeout, 900), reserved=f.reserved)
    for name, consumers in (("High", high), ("Low", low)):
        res[f"{name}PriorityQueue"] = {"Type": "AWS::SQS::Queue", "Properties": {
            "VisibilityTimeout": 60, "SqsManagedSseEnabled": True}}
        res[f"{name}PriorityConsumer"] = _function(
            f"{name.lower()}-priority-consumer", timeout_s=10,
            Events={"Queue": {"Type": "SQS", "Properties": {
                "Queue": get_att(f"{name}PriorityQueue", "Arn"), "BatchSize": 10,
                "ScalingConfig": {"MaximumConcurrency": consumers}}}})
    reserved_total = sum(f.reserved or 0 for f in functions)
    return Template(
        "bulkheads",
        "Bulkheads on Lambda: reserved concurrency per workload, and separate high- and "
        "low-priority queues with capped consumers. Generated by labkit.deploy.",
        res, sam=True,
        cost_drivers=(
            f"Reserved concurrency ({reserved_total} in all) costs nothing by itself; it caps "
            "each function and removes that capacity from the shared pool",
            "Lambda: per request and GB-second of each workload",
            "SQS: per million requests (consumers poll with long polling)",
        ))
