"""State machines as templates: the order saga (notebook 05), the circuit breaker that keeps its
state in a DynamoDB table (notebook 10), and any States Language definition the lab runs.

The definition in the template is the lab's own definition, checked by
:func:`labkit.workflows.validate_definition` and refused over the Step Functions definition size
quota. Each Lambda ARN a Task state names becomes a function in the template, wired in through
``DefinitionSubstitutions``, so cfn-lint checks the definition's structure with its own States
Language schema.
"""

from __future__ import annotations

import copy
import json
import math
import re
from typing import Any

from labkit.core.validation import check_choice
from labkit.deploy.limits import require_at_most
from labkit.deploy.template import Template, get_att, logical_id, ref

__all__ = ["breaker_definition", "breaker_template", "saga_template", "state_machine_resources"]

_LAMBDA_ARN = re.compile(r"arn:aws:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]+)")
BREAKER_FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


def _walk_tasks(states: dict[str, Any]):
    for name, state in states.items():
        yield name, state
        for branch in state.get("Branches", []):
            yield from _walk_tasks(branch["States"])
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                yield from _walk_tasks(state[key]["States"])


def definition_size_bytes(definition: dict[str, Any]) -> int:
    """Bytes of the definition as compact JSON (UTF-8), the size the quota counts."""
    return len(json.dumps(definition, separators=(",", ":")).encode())


def state_machine_resources(definition: dict[str, Any] | str, *, name: str,
                            workflow_type: str = "STANDARD",
                            extra_policy: list[dict] | None = None,
                            substitutions: dict[str, Any] | None = None) -> dict[str, Any]:
    """The resources for one state machine: the machine, its role and a SAM function per
    Lambda function its Task states call (logical id ``<FunctionName>Function``). A Task
    ``Resource`` that is not an ARN (a name the lab's executor maps to a Python callable, such
    as ``etl:validate``) becomes a function too (``EtlValidateFunction``).

    Refused before anything is written: an invalid definition (the lab's validator) and one
    over the definition size quota.
    """
    from labkit.workflows import validate_definition

    workflow_type = check_choice("workflow_type", workflow_type, ("STANDARD", "EXPRESS"))
    definition = copy.deepcopy(validate_definition(definition))
    require_at_most(f"state machine {name!r}: definition size (bytes)",
                    definition_size_bytes(definition), "stepfunctions_definition_max_bytes")
    res: dict[str, Any] = {}
    subs: dict[str, Any] = dict(substitutions or {})
    functions: list[str] = []
    for _, state in _walk_tasks(definition["States"]):
        if state.get("Type") != "Task":
            continue
        # A Lambda ARN as the Resource, or as FunctionName of the lambda:invoke integration.
        holder, key = state, "Resource"
        params = state.get("Parameters")
        if state["Resource"].startswith("arn:aws:states:::lambda:invoke") and \
                isinstance(params, dict) and isinstance(params.get("FunctionName"), str):
            holder, key = params, "FunctionName"
        m = _LAMBDA_ARN.fullmatch(holder[key])
        if m:
            fn = m.group(1)
        elif not holder[key].startswith("arn:"):
            # A name the lab's executor resolves (e.g. "etl:validate"): on AWS, a function.
            fn = "-".join(p for p in re.split(r"[^A-Za-z0-9]+", holder[key]) if p)
        else:
            continue
        fid = logical_id(fn, "Function")
        holder[key] = f"${{{fid}Arn}}"
        if fid not in subs:
            subs[fid + "Arn"] = get_att(fid, "Arn")
            functions.append(fid)
            res[fid] = {"Type": "AWS::Serverless::Function", "Properties": {
                "Runtime": "python3.12", "Handler": "app.handler",
                "CodeUri": f"functions/{fn}/", "Timeout": 30}}
    statements = []
    if functions:
        statements.append({"Effect": "Allow", "Action": "lambda:InvokeFunction",
                           "Resource": [get_att(f, "Arn") for f in functions]})
    statements += list(extra_policy or [])
    role = f"{name}Role"
    res[role] = {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"},
            "Action": "sts:AssumeRole"}]},
        "Policies": [{"PolicyName": "run-tasks", "PolicyDocument": {
            "Version": "2012-10-17", "Statement": statements}}]}}
    props: dict[str, Any] = {"StateMachineType": workflow_type, "Definition": definition,
                             "RoleArn": get_att(role, "Arn")}
    if subs:
        props["DefinitionSubstitutions"] = subs
    res[name] = {"Type": "AWS::StepFunctions::StateMachine", "Properties": props}
    return res


def saga_template(definition: dict[str, Any] | str | None = None) -> Template:
    """The orchestrated order saga: its state machine (a Standard workflow) and one Lambda
    function per step and compensation.

    ``definition`` defaults to :func:`labkit.workflows.order_saga_definition` (the definition
    the notebook's executor runs), so the Retry and Catch settings explored there are the
    ones deployed.

    >>> t = saga_template()
    >>> sm = t.resources["OrderSaga"]["Properties"]
    >>> sm["Definition"]["States"]["ChargePayment"]["Resource"]
    '${ChargePaymentFunctionArn}'
    >>> len(t.resources_of_type("AWS::Serverless::Function"))
    8
    """
    from labkit.workflows import order_saga_definition

    definition = order_saga_definition() if definition is None else definition
    res = state_machine_resources(definition, name="OrderSaga")
    n = len(res["OrderSaga"]["Properties"]["Definition"]["States"])
    return Template(
        "order-saga",
        "Orchestrated order saga on Step Functions (Standard) with its step and compensation "
        "functions. Generated by labkit.deploy from the definition the lab's executor runs.",
        res, sam=True,
        outputs={"StateMachineArn": {"Value": ref("OrderSaga")}},
        cost_drivers=(
            f"Step Functions Standard: per state transition ({n} states; every retry attempt "
            "is a transition too)",
            "Lambda: one invocation per step attempt, billed per request and GB-second",
        ))


def breaker_definition(breaker: Any, *, table: str = "${CircuitTable}",
                       call_timeout_s: float | None = None) -> dict[str, Any]:
    """The circuit breaker as a Step Functions workflow, from a
    :class:`labkit.resilience.CircuitBreaker`'s settings.

    The workflow reads the circuit's item from DynamoDB; while the item says ``open`` and its
    ``open_until`` time is later than now, the call is refused at once (``CircuitOpen``).
    Otherwise it calls the protected service with ``TimeoutSeconds`` = ``call_timeout_s``
    (default: the breaker's ``slow_call_duration_s``, so a call slower than that is cut off and
    counted as a failure, stricter than resilience4j, which counts it as slow). Every outcome
    goes to a recorder function that keeps the sliding window and moves the state with a
    conditional write; the breaker's thresholds travel to it as parameters.

    >>> from labkit.resilience import CircuitBreaker
    >>> d = breaker_definition(CircuitBreaker(failure_rate_threshold=40, wait_in_open_s=10))
    >>> d["States"]["RecordFailure"]["Parameters"]["Payload"]["settings"]["failureRateThreshold"]
    40.0
    >>> d["States"]["CallService"]["TimeoutSeconds"]
    60
    """
    from labkit.resilience import CircuitBreaker

    if not isinstance(breaker, CircuitBreaker):
        raise TypeError(f"breaker must be a CircuitBreaker, got {type(breaker).__name__}")
    timeout = breaker.slow_call_duration_s if call_timeout_s is None else call_timeout_s
    timeout_s = max(1, math.ceil(timeout))
    settings = {
        "failureRateThreshold": float(breaker.failure_rate_threshold),
        "slowCallRateThreshold": float(breaker.slow_call_rate_threshold),
        "slowCallDurationSeconds": float(breaker.slow_call_duration_s),
        "windowType": breaker.window_type, "windowSize": breaker.window_size,
        "minimumCalls": breaker.minimum_calls,
        "halfOpenCalls": breaker.half_open_calls,
        "waitInOpenSeconds": float(breaker.wait_in_open_s),
    }

    def record(outcome: str, nxt: str) -> dict[str, Any]:
        return {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": BREAKER_FUNCTION_ARN + "BreakerRecorder",
                               "Payload": {"circuit.$": "$.circuit", "outcome": outcome,
                                           "time.$": "$.clock.time",
                                           "settings": settings}},
                "ResultPath": None, "Next": nxt}

    return {
        "Comment": "Circuit breaker: refuse calls while the circuit is open, record outcomes",
        "StartAt": "ReadClock",
        "States": {
            "ReadClock": {"Type": "Pass", "Parameters": {"time.$": "$$.State.EnteredTime"},
                          "ResultPath": "$.clock", "Next": "GetCircuitState"},
            "GetCircuitState": {
                "Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {"TableName": table,
                               "Key": {"circuit": {"S.$": "$.circuit"}},
                               "ConsistentRead": True},
                "ResultPath": "$.circuitState", "Next": "HasCircuitState"},
            # No item yet (a circuit never opened): GetItem returns no Item, and a Choice rule
            # on a missing path is a runtime error, so presence is tested on its own first.
            "HasCircuitState": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.circuitState.Item", "IsPresent": True,
                             "Next": "IsCircuitOpen"}],
                "Default": "CallService"},
            "IsCircuitOpen": {
                "Type": "Choice",
                "Choices": [{"And": [
                    {"Variable": "$.circuitState.Item.state.S", "StringEquals": "open"},
                    {"Variable": "$.circuitState.Item.open_until.S",
                     "TimestampGreaterThanPath": "$.clock.time"}],
                    "Next": "CircuitOpen"}],
                "Default": "CallService"},
            "CircuitOpen": {"Type": "Fail", "Error": "CircuitOpen",
                            "Cause": "the circuit is open: the call was not made"},
            "CallService": {
                "Type": "Task", "Resource": BREAKER_FUNCTION_ARN + "ProtectedService",
                "InputPath": "$.request", "ResultPath": "$.response",
                "TimeoutSeconds": timeout_s,
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error",
                           "Next": "RecordFailure"}],
                "Next": "RecordSuccess"},
            "RecordSuccess": record("success", "Done"),
            "RecordFailure": record("failure", "ServiceFailed"),
            "Done": {"Type": "Succeed"},
            "ServiceFailed": {"Type": "Fail", "Error": "ServiceFailed",
                              "Cause": "the protected call failed; the failure was recorded"},
        },
    }


def breaker_template(breaker: Any, *, call_timeout_s: float | None = None) -> Template:
    """The breaker as deployed: an Express state machine (:func:`breaker_definition`), the
    DynamoDB table that holds each circuit's state (shared by every caller: the notebook's
    "shared state" design), the protected service and the recorder function.

    Refused: a call timeout that does not fit in an Express execution (five minutes).

    >>> from labkit.resilience import CircuitBreaker
    >>> t = breaker_template(CircuitBreaker(slow_call_duration_s=2))
    >>> t.resources["Breaker"]["Properties"]["StateMachineType"]
    'EXPRESS'
    >>> breaker_template(CircuitBreaker(slow_call_duration_s=600))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    labkit.deploy.limits.NotDeployable: call timeout (s) is 600, above the AWS limit of 300 s; ...
    """
    definition = breaker_definition(breaker, call_timeout_s=call_timeout_s)
    require_at_most("call timeout (s)", definition["States"]["CallService"]["TimeoutSeconds"],
                    "stepfunctions_express_max_duration_s")
    table_policy = {"Effect": "Allow", "Action": ["dynamodb:GetItem"],
                    "Resource": get_att("CircuitTable", "Arn")}
    res: dict[str, Any] = {
        "CircuitTable": {"Type": "AWS::DynamoDB::Table", "Properties": {
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "circuit", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "circuit", "KeyType": "HASH"}]}},
        "BreakerLogs": {"Type": "AWS::Logs::LogGroup", "Properties": {
            "RetentionInDays": 14}},
    }
    res.update(state_machine_resources(
        definition, name="Breaker", workflow_type="EXPRESS", extra_policy=[
            table_policy,
            {"Effect": "Allow", "Action": [
                "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
                "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy",
                "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"],
             "Resource": "*"}],
        substitutions={"CircuitTable": ref("CircuitTable")}))
    res["Breaker"]["Properties"]["LoggingConfiguration"] = {
        "Level": "ERROR", "IncludeExecutionData": False,
        "Destinations": [{"CloudWatchLogsLogGroup": {"LogGroupArn": get_att("BreakerLogs",
                                                                            "Arn")}}]}
    recorder = res["BreakerRecorderFunction"]["Properties"]
    recorder["Environment"] = {"Variables": {"CIRCUIT_TABLE": ref("CircuitTable")}}
    recorder["Policies"] = [{"DynamoDBCrudPolicy": {"TableName": ref("CircuitTable")}}]
    return Template(
        "circuit-breaker",
        "Circuit breaker as a Step Functions Express workflow with its state in DynamoDB "
        "(shared by every caller). Generated by labkit.deploy from a CircuitBreaker's settings.",
        res, sam=True,
        cost_drivers=(
            "Step Functions Express: per request and per GB-second of execution (every call "
            "through the breaker is one execution)",
            "DynamoDB on demand: one strongly consistent read per call, writes when the "
            "recorder moves the window or the state",
            "Lambda: the protected service and the recorder, per request and GB-second",
            "CloudWatch Logs: Express execution logs (ERROR level here)",
        ))
