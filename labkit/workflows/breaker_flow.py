"""The circuit breaker as AWS builds it without a library: Step Functions + Lambda + DynamoDB.

Every call to the protected dependency is one execution of :func:`breaker_flow_definition`
(Amazon States Language, run by :func:`~labkit.workflows.asl.run_state_machine`, or, for many
concurrent callers sharing one table, :func:`~labkit.workflows.asl.run_executions`). The
breaker's state is one item of a DynamoDB-like table (:class:`~labkit.workflows.statetable.
ItemTable`) with a ``version`` attribute for optimistic locking, shared by every caller:

1. ``ReadClock`` (Pass) stamps the entry time; ``GetCircuitState`` reads the item
   (``dynamodb:getItem``, strongly consistent).
2. ``IsCircuitOpen`` (Choice): open and not yet expired → ``Rejected`` (fail fast); open and
   expired → ``ClaimTrialCall``, a conditional ``dynamodb:updateItem`` (``version = :v``) that
   sets ``half_open``: exactly one caller wins the trial, the others are refused by the
   condition and rejected; ``half_open`` (another caller is probing) → ``Rejected``; closed →
   ``CallDependency``.
3. ``CallDependency`` (Lambda, ``TimeoutSeconds``) calls the dependency. Success → a Choice
   skips the write when the item is already closed with no failures, else ``RecordSuccess``
   (conditional update to closed). Failure → ``RecordFailure``, a Lambda that counts the failure
   and opens the circuit (``open_until`` = now + ``wait_in_open_s``) at ``failure_threshold``
   consecutive failures or after a failed trial, with a conditional write; a writer that lost
   the race re-reads the item and tries again, so no failure is lost.

This follows the AWS circuit-breaker workflow (Step Functions reads the circuit status from a
DynamoDB table and fails fast while it is open,
https://serverlessland.com/workflows/circuit-breaker-workflow, and the prescriptive guidance,
https://docs.aws.amazon.com/prescriptive-guidance/latest/cloud-design-patterns/circuit-breaker.html)
with the failure counting of pybreaker's consecutive-failure breaker.

:class:`BreakerFlowConfig` → :func:`simulate_breaker_flow` → :class:`BreakerFlowResult` (one
row per call: outcome, latency, state transitions, table reads/writes, Lambda time) follows the
runner convention; :func:`breaker_flow_cost` prices a million calls from the facts tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from labkit.core.rng import spawn_rngs
from labkit.core.runner import Config, Result
from labkit.core.validation import check_int, check_nonnegative, check_positive, check_window
from labkit.core.workloads import poisson_arrivals
from labkit.workflows.asl import (
    EXECUTION_START,
    StateMachine,
    run_executions,
    seconds_since_start,
)
from labkit.workflows.errors import TaskOutcome
from labkit.workflows.statetable import CONDITION_FAILED, ItemTable

__all__ = ["BreakerFlowConfig", "BreakerFlowResult", "GET_ITEM", "RECORD_FAILURE",
           "SERVICE_FUNCTION", "UPDATE_ITEM", "breaker_flow_cost", "breaker_flow_definition",
           "breaker_flow_tasks", "simulate_breaker_flow"]

GET_ITEM = "arn:aws:states:::dynamodb:getItem"
UPDATE_ITEM = "arn:aws:states:::dynamodb:updateItem"
SERVICE_FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:CallDependency"
RECORD_FAILURE = "arn:aws:lambda:us-east-1:123456789012:function:RecordFailure"
TABLE = "CircuitState"
OUTCOMES = ("succeeded", "failed", "rejected")
MAX_EXPECTED_CALLS = 20_000


def _key() -> dict[str, str]:
    return {"service.$": "$.service"}


def _read_circuit_state(*, next_state: str) -> dict[str, Any]:
    """A Task state reading the breaker's item (strongly consistent) into ``$.circuit``."""
    return {"Type": "Task", "Resource": GET_ITEM, "ResultPath": "$.circuit",
            "Parameters": {"TableName": TABLE, "Key": _key(), "ConsistentRead": True},
            "ResultSelector": {"state.$": "$.Item.state", "version.$": "$.Item.version",
                               "failures.$": "$.Item.failures",
                               "open_until.$": "$.Item.open_until"},
            "Next": next_state}


def breaker_flow_definition(*, timeout_s: int = 1) -> dict[str, Any]:
    """The breaker flow as Amazon States Language (the thresholds live in the Lambda).

    >>> d = breaker_flow_definition()
    >>> d["StartAt"], d["States"]["ClaimTrialCall"]["Catch"][0]["ErrorEquals"]
    ('ReadClock', ['DynamoDB.ConditionalCheckFailedException'])
    """
    timeout = check_int("timeout_s", timeout_s, minimum=1)
    conflict = [{"ErrorEquals": [CONDITION_FAILED], "ResultPath": None}]
    return {
        "Comment": "Circuit breaker: state in DynamoDB with optimistic locking, shared by callers",
        "StartAt": "ReadClock",
        "States": {
            "ReadClock": {"Type": "Pass", "Next": "GetCircuitState",
                          "Parameters": {"service.$": "$.service", "call_id.$": "$.call_id",
                                         "now.$": "$$.State.EnteredTime"}},
            "GetCircuitState": _read_circuit_state(next_state="IsCircuitOpen"),
            "IsCircuitOpen": {"Type": "Choice", "Default": "CallDependency", "Choices": [
                {"And": [{"Variable": "$.circuit.state", "StringEquals": "open"},
                         {"Variable": "$.circuit.open_until",
                          "TimestampGreaterThanPath": "$.now"}],
                 "Next": "Rejected"},
                {"Variable": "$.circuit.state", "StringEquals": "open",
                 "Next": "ClaimTrialCall"},
                {"Variable": "$.circuit.state", "StringEquals": "half_open",
                 "Next": "Rejected"}]},
            "ClaimTrialCall": {
                "Type": "Task", "Resource": UPDATE_ITEM, "ResultPath": "$.circuit",
                "Parameters": {"TableName": TABLE, "Key": _key(),
                               "UpdateExpression": "SET state = :half, version = version + :one",
                               "ConditionExpression": "version = :v",
                               "ExpressionAttributeValues": {":half": "half_open", ":one": 1,
                                                             ":v.$": "$.circuit.version"},
                               "ReturnValues": "ALL_NEW"},
                "ResultSelector": {"state.$": "$.Attributes.state",
                                   "version.$": "$.Attributes.version",
                                   "failures.$": "$.Attributes.failures",
                                   "open_until.$": "$.Attributes.open_until"},
                "Catch": [dict(conflict[0], Next="Rejected")],
                "Next": "CallDependency"},
            "CallDependency": {
                "Type": "Task", "Resource": SERVICE_FUNCTION, "TimeoutSeconds": timeout,
                "Parameters": {"service.$": "$.service", "call_id.$": "$.call_id",
                               "sent_at.$": "$$.State.EnteredTime"},
                "ResultPath": "$.result",
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error",
                           "Next": "RecordFailure"}],
                "Next": "NeedsReset"},
            "NeedsReset": {"Type": "Choice", "Default": "RecordSuccess", "Choices": [
                {"And": [{"Variable": "$.circuit.state", "StringEquals": "closed"},
                         {"Variable": "$.circuit.failures", "NumericEquals": 0}],
                 "Next": "Succeeded"}]},
            "RecordSuccess": {
                "Type": "Task", "Resource": UPDATE_ITEM, "ResultPath": None,
                "Parameters": {"TableName": TABLE, "Key": _key(),
                               "UpdateExpression": "SET state = :closed, failures = :zero, "
                                                   "version = version + :one",
                               "ConditionExpression": "version = :v",
                               "ExpressionAttributeValues": {":closed": "closed", ":zero": 0,
                                                             ":one": 1,
                                                             ":v.$": "$.circuit.version"}},
                "Catch": [dict(conflict[0], Next="Succeeded")],
                "Next": "Succeeded"},
            "RecordFailure": {
                "Type": "Task", "Resource": RECORD_FAILURE, "ResultPath": None,
                "Parameters": {"service.$": "$.service", "now.$": "$.now",
                               "circuit.$": "$.circuit"},
                "Catch": [dict(conflict[0], Next="RereadAfterConflict")],
                "Next": "Failed"},
            "RereadAfterConflict": _read_circuit_state(next_state="RecordFailure"),
            "Rejected": {"Type": "Pass", "Result": "rejected", "ResultPath": "$.outcome",
                         "End": True},
            "Succeeded": {"Type": "Pass", "Result": "succeeded", "ResultPath": "$.outcome",
                          "End": True},
            "Failed": {"Type": "Pass", "Result": "failed", "ResultPath": "$.outcome",
                       "End": True},
        },
    }


@dataclass(frozen=True)
class BreakerFlowConfig(Config):
    """Many callers, one shared breaker item, a dependency that fails for a while.

    ``arrival_rate`` calls per second (Poisson) for ``horizon_s`` (at most 20,000 expected
    calls); the dependency hangs (no answer) from ``incident_start_s`` to ``incident_end_s``
    and otherwise answers in a log-normal time with median ``service_median_s``. The flow
    opens after ``failure_threshold`` consecutive failures, stays open ``wait_in_open_s``, and
    the Lambda that calls the dependency times out after ``timeout_s`` (whole seconds, as
    ``TimeoutSeconds``). ``table_latency_s`` is the time of one DynamoDB call and
    ``record_failure_s`` the run time of the RecordFailure function.
    """

    arrival_rate: float = 20.0
    horizon_s: float = 120.0
    incident_start_s: float = 30.0
    incident_end_s: float = 75.0
    failure_threshold: int = 5
    wait_in_open_s: float = 10.0
    timeout_s: int = 1
    service_median_s: float = 0.05
    table_latency_s: float = 0.005
    record_failure_s: float = 0.02
    seed: int = 0

    def validate(self) -> None:
        lam = check_positive("arrival_rate", self.arrival_rate)
        horizon = check_positive("horizon_s", self.horizon_s)
        if lam * horizon > MAX_EXPECTED_CALLS:
            raise ValueError(f"arrival_rate * horizon_s must be at most {MAX_EXPECTED_CALLS:,} "
                             f"expected calls on this lab, got {lam * horizon:,.0f}")
        check_window("incident", self.incident_start_s, self.incident_end_s, horizon)
        check_int("failure_threshold", self.failure_threshold, minimum=1)
        check_positive("wait_in_open_s", self.wait_in_open_s)
        check_int("timeout_s", self.timeout_s, minimum=1)
        check_positive("service_median_s", self.service_median_s)
        check_nonnegative("table_latency_s", self.table_latency_s)
        check_nonnegative("record_failure_s", self.record_failure_s)
        check_int("seed", self.seed, minimum=0)


def _timestamp_after(timestamp: str, seconds: float) -> str:
    t = EXECUTION_START + timedelta(seconds=seconds_since_start(timestamp) + seconds)
    return t.isoformat().replace("+00:00", "Z")


def breaker_flow_tasks(table: ItemTable, config: BreakerFlowConfig, rng: np.random.Generator,
                       lambda_s: list[float]) -> dict[str, Any]:
    """The Task resources of the flow: the two DynamoDB integrations and the two Lambdas.

    ``lambda_s`` collects each Lambda invocation's run time (for its duration charge).
    """
    wait, threshold = config.wait_in_open_s, config.failure_threshold
    start, end = config.incident_start_s, config.incident_end_s
    db = config.table_latency_s
    service = np.exp(rng.normal(math.log(config.service_median_s), 0.3, 65_536))
    drawn = [0]

    def get_item(params: dict[str, Any]) -> TaskOutcome:
        return TaskOutcome({"Item": table.get_item(params["Key"])}, db)

    def update_item(params: dict[str, Any]) -> TaskOutcome:
        item = table.update_item(params["Key"], params["UpdateExpression"],
                                 condition=params.get("ConditionExpression"),
                                 values=params.get("ExpressionAttributeValues"))
        return TaskOutcome({"Attributes": item} if params.get("ReturnValues") == "ALL_NEW"
                           else {}, db)

    def call_dependency(params: dict[str, Any]) -> TaskOutcome:
        now = seconds_since_start(params["sent_at"])
        if start <= now < end:  # the dependency hangs: the Lambda runs until its timeout
            lambda_s.append(float(config.timeout_s))
            return TaskOutcome({"ok": False}, 30.0)
        took = float(service[drawn[0] % len(service)])
        drawn[0] += 1
        lambda_s.append(took)
        return TaskOutcome({"ok": True}, took)

    def record_failure(params: dict[str, Any]) -> TaskOutcome:
        lambda_s.append(config.record_failure_s)
        circuit = params["circuit"]
        failures = int(circuit["failures"]) + 1
        if circuit["state"] in ("half_open", "open") or failures >= threshold:
            update = ("SET state = :s, failures = :zero, open_until = :until, "
                      "version = version + :one")
            values = {":s": "open", ":zero": 0, ":one": 1, ":v": circuit["version"],
                      ":until": _timestamp_after(params["now"], wait)}
        else:
            update = "SET failures = :f, version = version + :one"
            values = {":f": failures, ":one": 1, ":v": circuit["version"]}
        table.update_item({"service": params["service"]}, update, condition="version = :v",
                          values=values)
        return TaskOutcome({}, config.record_failure_s)

    return {GET_ITEM: get_item, UPDATE_ITEM: update_item, SERVICE_FUNCTION: call_dependency,
            RECORD_FAILURE: record_failure}


@dataclass(frozen=True)
class BreakerFlowResult(Result):
    """One run: ``records`` has one row per call — ``call_id``, ``arrival_s``, ``end_s``,
    ``latency_s``, ``outcome`` (succeeded / failed / rejected), ``reached_dependency``,
    ``during_incident``, ``state_transitions`` (states entered: what Standard workflows bill)
    and ``trial`` (the call won the half-open trial). ``table`` is the shared item table (its
    counters: reads, writes, refused conditional writes); ``lambda_s`` the run time of every
    Lambda invocation."""

    config: BreakerFlowConfig
    records: pd.DataFrame
    table: ItemTable
    lambda_s: tuple[float, ...]

    def summary(self) -> dict[str, float | int]:
        r = self.records
        n = len(r)
        return {
            "calls": n,
            "succeeded": int((r.outcome == "succeeded").sum()),
            "failed": int((r.outcome == "failed").sum()),
            "rejected": int((r.outcome == "rejected").sum()),
            "calls_during_incident": int((r.reached_dependency & r.during_incident).sum()),
            "trial_calls": int(r.trial.sum()),
            "transitions_per_call": float(r.state_transitions.mean()),
            "reads_per_call": self.table.reads / n,
            "writes_per_call": self.table.writes / n,
            "refused_writes": self.table.failed_conditions,
            "lambda_invocations_per_call": len(self.lambda_s) / n,
            "lambda_s_per_call": float(sum(self.lambda_s)) / n,
            "mean_duration_s": float(r.latency_s.mean()),
            "p99_success_latency_s": float(r.latency_s[r.outcome == "succeeded"].quantile(0.99)),
        }


_MACHINES: dict[int, StateMachine] = {}


def _machine(timeout_s: int) -> StateMachine:
    if timeout_s not in _MACHINES:
        _MACHINES[timeout_s] = StateMachine(breaker_flow_definition(timeout_s=timeout_s))
    return _MACHINES[timeout_s]


def simulate_breaker_flow(config: BreakerFlowConfig) -> BreakerFlowResult:
    """Run every call of ``config`` as a concurrent execution of the breaker flow.

    >>> result = simulate_breaker_flow(BreakerFlowConfig(arrival_rate=5, horizon_s=60,
    ...                                                  incident_start_s=20,
    ...                                                  incident_end_s=40, seed=1))
    >>> s = result.summary()
    >>> s["rejected"] > 0, s["calls_during_incident"] < s["calls"] // 3
    (True, True)
    >>> result.table.items["payments"]["state"]
    'closed'
    """
    if not isinstance(config, BreakerFlowConfig):
        raise TypeError(f"config must be a BreakerFlowConfig, got {type(config).__name__}")
    arrival_rng, service_rng = spawn_rngs(config.seed, 2)
    arrivals = poisson_arrivals(config.arrival_rate, config.horizon_s, arrival_rng)
    table = ItemTable("service")
    table.put_item({"service": "payments", "state": "closed", "failures": 0, "version": 0,
                    "open_until": EXECUTION_START.isoformat().replace("+00:00", "Z")})
    table.writes = 0  # the item's creation is not a call's write
    lambda_s: list[float] = []
    tasks = breaker_flow_tasks(table, config, service_rng, lambda_s)
    starts = [(float(t), {"service": "payments", "call_id": i}) for i, t in enumerate(arrivals)]
    executions = run_executions(_machine(config.timeout_s), starts, tasks, seed=config.seed,
                                max_transitions=1_000)
    rows = []
    for (t, _), ex in zip(starts, executions, strict=True):
        states = [e for e in ex.events if e.event == "entered"]
        names = {e.state for e in states}
        rows.append((t, t + ex.duration_s, ex.output["outcome"] if ex.output else "failed",
                     "CallDependency" in names, len(states), "ClaimTrialCall" in names
                     and "CallDependency" in names))
    frame = pd.DataFrame(rows, columns=["arrival_s", "end_s", "outcome", "reached_dependency",
                                        "state_transitions", "trial"])
    frame.insert(0, "call_id", np.arange(len(frame)))
    frame["latency_s"] = frame.end_s - frame.arrival_s
    frame["outcome"] = pd.Categorical(frame.outcome, categories=OUTCOMES)
    frame["during_incident"] = ((frame.arrival_s >= config.incident_start_s)
                                & (frame.arrival_s < config.incident_end_s))
    return BreakerFlowResult(config, frame, table, tuple(lambda_s))



#: The prices :func:`breaker_flow_cost` reads from the facts tables (US East (N. Virginia)).
PRICE_KEYS = ("sfn_standard_transition_price", "sfn_express_request_price",
              "sfn_express_duration_price", "sfn_express_billing_increment_ms",
              "sfn_express_memory_chunk_mb", "lambda_request_price", "lambda_duration_x86_price",
              "dynamodb_on_demand_read_price", "dynamodb_on_demand_write_price")


def breaker_flow_cost(result: BreakerFlowResult, *, lambda_memory_mb: int = 128,
                      prices: dict[str, float] | None = None) -> pd.DataFrame:
    """What a million calls through the flow cost, per component, as Standard and as Express.

    Standard bills each state entered (``state_transitions``); Express bills each execution
    plus its duration rounded up to 100 ms at one 64-MB memory chunk (this flow's definition
    and payloads are a few KB). Lambda bills each invocation and its duration (1 ms steps) at
    ``lambda_memory_mb``; DynamoDB on demand bills one read unit per strongly consistent read
    of the small item and one write unit per write, refused conditional writes included.
    ``prices`` defaults to the facts tables (:data:`PRICE_KEYS`). Free tiers are left out.

    Returns one row per component with ``per_call`` (units per call), ``unit_price_usd``, and
    ``usd_per_million_calls`` for ``standard`` and ``express``.
    """
    if not isinstance(result, BreakerFlowResult):
        raise TypeError(f"result must be a BreakerFlowResult, got {type(result).__name__}")
    memory = check_int("lambda_memory_mb", lambda_memory_mb, minimum=128)
    if memory > 10_240:
        raise ValueError(f"lambda_memory_mb must be in [128, 10240], got {memory}")
    if prices is None:
        from labkit.core.facts import fact_value

        prices = {key: float(fact_value(key)) for key in PRICE_KEYS}
    missing = [k for k in PRICE_KEYS if k not in prices]
    if missing:
        raise ValueError(f"prices is missing {missing}")
    r = result.records
    n = len(r)
    step = prices["sfn_express_billing_increment_ms"] / 1000
    billed_s = np.ceil(r.latency_s.to_numpy() / step - 1e-9) * step
    express_gb_s = float(billed_s.mean()) * prices["sfn_express_memory_chunk_mb"] / 1024
    lambda_ms = np.ceil(np.asarray(result.lambda_s) * 1000 - 1e-9)
    lambda_gb_s = float(lambda_ms.sum()) / 1000 * memory / 1024 / n
    summary = result.summary()
    rows = [
        ("Step Functions Standard: state transitions", summary["transitions_per_call"],
         prices["sfn_standard_transition_price"], "standard"),
        ("Step Functions Express: requests", 1.0, prices["sfn_express_request_price"],
         "express"),
        ("Step Functions Express: duration (GB-s)", express_gb_s,
         prices["sfn_express_duration_price"], "express"),
        ("Lambda: requests", summary["lambda_invocations_per_call"],
         prices["lambda_request_price"], "both"),
        ("Lambda: duration (GB-s)", lambda_gb_s, prices["lambda_duration_x86_price"], "both"),
        ("DynamoDB: read units", summary["reads_per_call"],
         prices["dynamodb_on_demand_read_price"], "both"),
        ("DynamoDB: write units", summary["writes_per_call"],
         prices["dynamodb_on_demand_write_price"], "both"),
    ]
    frame = pd.DataFrame(rows, columns=["component", "per_call", "unit_price_usd", "applies"])
    per_million = frame.per_call * frame.unit_price_usd * 1_000_000
    frame["standard"] = np.where(frame.applies.isin(["standard", "both"]), per_million, 0.0)
    frame["express"] = np.where(frame.applies.isin(["express", "both"]), per_million, 0.0)
    return frame.drop(columns="applies").set_index("component")
