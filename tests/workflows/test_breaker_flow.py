"""The Step Functions + Lambda + DynamoDB breaker: the table's conditional writes, concurrent
executions in time order, the flow's behaviour and its bill.

Rules checked: DynamoDB condition expressions refuse a write whose condition is false and change
nothing (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html);
Step Functions Standard bills each state transition, Express each request plus duration rounded
up to 100 ms (https://aws.amazon.com/step-functions/pricing/).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.core.runner import replicate
from labkit.workflows import TaskFailed, TaskOutcome, run_state_machine
from labkit.workflows.asl import run_executions
from labkit.workflows.breaker_flow import (
    PRICE_KEYS,
    BreakerFlowConfig,
    breaker_flow_cost,
    breaker_flow_definition,
    simulate_breaker_flow,
)
from labkit.workflows.statetable import CONDITION_FAILED, ItemTable

SMALL = BreakerFlowConfig(arrival_rate=10, horizon_s=60, incident_start_s=20,
                          incident_end_s=40, seed=3)


def test_a_refused_conditional_write_changes_nothing_but_is_billed():
    table = ItemTable("id")
    table.put_item({"id": 1, "n": 0, "version": 0})
    with pytest.raises(TaskFailed) as refused:
        table.update_item({"id": 1}, "SET n = n + :one", condition="version = :v",
                          values={":one": 1, ":v": 7})
    assert refused.value.error == CONDITION_FAILED
    assert table.items[1] == {"id": 1, "n": 0, "version": 0}
    assert (table.writes, table.failed_conditions) == (2, 1)
    table.put_item({"id": 2, "n": 5}, condition="attribute_not_exists(id)")
    with pytest.raises(TaskFailed):
        table.put_item({"id": 2, "n": 6}, condition="attribute_not_exists(id)")
    assert table.items[2]["n"] == 5


def test_table_refuses_what_it_cannot_read():
    table = ItemTable("id")
    with pytest.raises(ValueError, match="UpdateExpression"):
        table.update_item({"id": 1}, "REMOVE n")
    with pytest.raises(ValueError, match="ConditionExpression"):
        table.update_item({"id": 1}, "SET n = :x", condition="begins_with(n, :x)",
                          values={":x": 1})
    with pytest.raises(ValueError, match="key"):
        table.get_item({"other": 1})


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0, 5, allow_nan=False), min_size=1, max_size=25))
def test_optimistic_increments_lose_nothing_under_concurrency(starts):
    # read, then write with version = :v; a loser re-reads and retries: the counter ends at
    # exactly the number of executions, whatever the interleaving
    table = ItemTable("id")
    table.put_item({"id": "c", "n": 0, "version": 0})
    definition = {"StartAt": "Read", "States": {
        "Read": {"Type": "Task", "Resource": "read", "ResultPath": "$.item", "Next": "Write"},
        "Write": {"Type": "Task", "Resource": "write", "ResultPath": None, "End": True,
                  "Catch": [{"ErrorEquals": [CONDITION_FAILED], "ResultPath": None,
                             "Next": "Read"}]}}}

    def read(_):
        return TaskOutcome(table.get_item({"id": "c"}), 0.01)

    def write(data):
        table.update_item({"id": "c"}, "SET n = n + :one, version = version + :one",
                          condition="version = :v",
                          values={":one": 1, ":v": data["item"]["version"]})
        return TaskOutcome({}, 0.01)

    runs = run_executions(definition, [(t, {}) for t in starts], {"read": read, "write": write})
    assert all(r.succeeded for r in runs)
    assert table.items["c"]["n"] == len(starts)
    assert table.writes == len(starts) + table.failed_conditions + 1


def test_one_call_runs_on_run_state_machine_too():
    from labkit.workflows.breaker_flow import breaker_flow_tasks

    table = ItemTable("service")
    table.put_item({"service": "payments", "state": "open", "failures": 0, "version": 4,
                    "open_until": "2024-01-01T00:00:30Z"})
    tasks = breaker_flow_tasks(table, SMALL, __import__("numpy").random.default_rng(0), [])
    ex = run_state_machine(breaker_flow_definition(), {"service": "payments", "call_id": 0},
                           tasks)
    assert ex.output["outcome"] == "rejected"  # open until t = 30 s, the call came at t = 0
    assert table.reads == 1 and table.writes == 1  # the item's creation only


def test_the_flow_fails_fast_while_open_and_recovers_with_one_trial_at_a_time():
    result = simulate_breaker_flow(SMALL)
    r, s = result.records, result.summary()
    assert s["calls"] == s["succeeded"] + s["failed"] + s["rejected"]
    during = r[r.during_incident]
    assert s["calls_during_incident"] < 0.2 * len(during)  # most incident calls fail fast
    assert (r.latency_s[r.outcome == "rejected"] < 0.1).all()
    assert result.table.items["payments"]["state"] == "closed"  # recovered after the incident
    assert s["trial_calls"] >= 1
    # only one execution can win each half-open claim: trials never overlap in time
    trials = r[r.trial].sort_values("arrival_s")
    assert (trials.arrival_s.to_numpy()[1:] >= trials.end_s.to_numpy()[:-1]).all()
    again = simulate_breaker_flow(SMALL)
    assert again.records.equals(r)


def test_replications_and_the_bill():
    runs = replicate(simulate_breaker_flow, SMALL.replace(horizon_s=40, incident_end_s=30),
                     replications=3)
    assert list(runs.seed) == [3, 4, 5]
    result = simulate_breaker_flow(SMALL)
    bill = breaker_flow_cost(result)
    prices = {k: 1.0 for k in PRICE_KEYS}
    prices["sfn_express_billing_increment_ms"] = 100.0
    prices["sfn_express_memory_chunk_mb"] = 64.0
    unit = breaker_flow_cost(result, prices=prices)
    # with unit prices, Standard's transitions per call are the state entries per execution
    assert unit.loc["Step Functions Standard: state transitions", "standard"] == pytest.approx(
        result.records.state_transitions.mean() * 1e6)
    assert bill["standard"].sum() > 10 * bill["express"].sum()  # per transition vs per start
    assert (bill[["standard", "express"]] >= 0).all().all()
    with pytest.raises(ValueError, match="lambda_memory_mb"):
        breaker_flow_cost(result, lambda_memory_mb=20_000)


def test_config_checks():
    with pytest.raises(ValueError, match="incident"):
        BreakerFlowConfig(incident_start_s=50, incident_end_s=40)
    with pytest.raises(TypeError, match="timeout_s"):
        BreakerFlowConfig(timeout_s=1.5)
    with pytest.raises(ValueError, match="expected calls"):
        BreakerFlowConfig(arrival_rate=1000, horizon_s=100)
