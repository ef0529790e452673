"""Fuzzing the workflows family: random definitions, retriers, error names and saga
arguments either run within their bounds or are refused with a documented error."""

from __future__ import annotations

from fuzzing import FUZZ, deeply_nested, json_documents, junk_numbers, runs_or_refuses
from hypothesis import given
from hypothesis import strategies as st

from labkit.workflows import (
    FaultPlan,
    InvalidDefinition,
    Order,
    ScriptedFaults,
    Shop,
    TaskFailed,
    error_matches,
    retry_delay,
    run_orchestrated,
    run_state_machine,
    validate_definition,
)
from labkit.workflows.experiments import run_sagas

_types = st.sampled_from(["Task", "Pass", "Wait", "Choice", "Succeed", "Fail", "Parallel", "Map",
                          "Bogus"])
_state = st.fixed_dictionaries({"Type": _types}, optional={
    "Next": st.sampled_from(["A", "B", "C", "Z"]), "End": st.booleans(),
    "Resource": st.just("call"), "Seconds": junk_numbers, "TimeoutSeconds": junk_numbers,
    "Retry": st.lists(st.fixed_dictionaries({"ErrorEquals": st.lists(
        st.sampled_from(["States.ALL", "Busy", "States.Timeout", "States.Bogus", ""]),
        max_size=2)}, optional={"IntervalSeconds": junk_numbers, "MaxAttempts": junk_numbers,
                                "BackoffRate": junk_numbers, "MaxDelaySeconds": junk_numbers,
                                "JitterStrategy": st.sampled_from(["FULL", "NONE", "x"])}),
        max_size=2),
    "Catch": st.lists(st.fixed_dictionaries({"ErrorEquals": st.just(["States.ALL"]),
                                             "Next": st.sampled_from(["A", "B", "Z"])}),
                      max_size=1),
    "Choices": json_documents, "Default": st.sampled_from(["A", "B"]),
    "Result": json_documents, "ResultPath": st.one_of(st.none(), st.text(max_size=5)),
    "Branches": json_documents, "Iterator": json_documents})
_definitions = st.fixed_dictionaries(
    {"StartAt": st.sampled_from(["A", "B", "Z"]),
     "States": st.dictionaries(st.sampled_from(["A", "B", "C"]), _state, min_size=1,
                               max_size=3)})


def _flaky(payload):
    raise TaskFailed("Busy", "always busy")


@FUZZ
@given(definition=st.one_of(_definitions, json_documents, st.text(max_size=20)),
       data=json_documents)
def test_random_definitions_run_or_are_refused(definition, data):
    ok, machine = runs_or_refuses(validate_definition, definition)
    if ok:
        ok, execution = runs_or_refuses(run_state_machine, definition, data, {"call": _flaky})
        if ok:
            assert execution.status in ("SUCCEEDED", "FAILED")


def test_endless_loops_and_retries_are_bounded():
    loop = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"},
                                       "B": {"Type": "Pass", "Next": "A"}}}
    ok, _ = runs_or_refuses(run_state_machine, loop, {}, {}, max_transitions=10**7)
    assert not ok
    ok, execution = runs_or_refuses(run_state_machine, loop, {}, {}, budget_s=5.0)
    assert ok and execution.error == "States.Runtime"
    forever = {"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "call", "End": True,
        "Retry": [{"ErrorEquals": ["Busy"], "MaxAttempts": 99_999_999,
                   "MaxDelaySeconds": 1}]}}}
    ok, execution = runs_or_refuses(run_state_machine, forever, {}, {"call": _flaky},
                                    budget_s=5.0)
    assert ok and execution.error == "States.Runtime"
    uncapped = {"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "call", "End": True,
        "Retry": [{"ErrorEquals": ["Busy"], "MaxAttempts": 5000, "BackoffRate": 2.0}]}}}
    ok, execution = runs_or_refuses(run_state_machine, uncapped, {}, {"call": _flaky},
                                    budget_s=5.0)
    assert ok and execution.error == "States.Runtime"
    ok, error = runs_or_refuses(validate_definition, deeply_nested(3000))
    assert not ok and isinstance(error, InvalidDefinition)
    text = '{"a": ' * 3000 + "1" + "}" * 3000
    ok, error = runs_or_refuses(validate_definition, text)
    assert not ok and isinstance(error, InvalidDefinition)


@FUZZ
@given(retrier=st.fixed_dictionaries({"ErrorEquals": st.just(["Busy"])}, optional={
    "IntervalSeconds": junk_numbers, "BackoffRate": junk_numbers, "MaxDelaySeconds": junk_numbers,
    "MaxAttempts": junk_numbers}), k=junk_numbers)
def test_retry_delay_is_a_finite_nonnegative_wait_or_refused(retrier, k):
    ok, delay = runs_or_refuses(retry_delay, retrier, k)
    if ok:
        assert 0.0 <= delay < float("inf")


def test_retry_delay_cases_from_the_issue():
    for retrier, k in (({"ErrorEquals": ["X"], "IntervalSeconds": -1}, 1),
                       ({"ErrorEquals": ["X"], "BackoffRate": float("nan")}, 1),
                       ({"ErrorEquals": ["X"], "BackoffRate": float("inf")}, 1),
                       ({"ErrorEquals": ["X"]}, 10**6)):
        ok, _ = runs_or_refuses(retry_delay, retrier, k)
        assert not ok
    for rate in (float("nan"), float("inf")):
        definition = {"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": "call", "End": True,
            "Retry": [{"ErrorEquals": ["Busy"], "BackoffRate": rate}]}}}
        ok, error = runs_or_refuses(validate_definition, definition)
        assert not ok and "BackoffRate" in str(error)
    assert retry_delay({"ErrorEquals": ["X"], "MaxDelaySeconds": 5}, 10**6) == 5.0


@FUZZ
@given(name=st.one_of(st.text(max_size=12), junk_numbers),
       error=st.one_of(st.text(max_size=12), junk_numbers))
def test_error_matches_answers_or_refuses(name, error):
    ok, result = runs_or_refuses(error_matches, name, error)
    if ok:
        assert isinstance(result, bool)
    else:
        assert not (isinstance(name, str) and isinstance(error, str))


@FUZZ
@given(rates=st.dictionaries(st.sampled_from(["reserve", "charge", "bogus"]), junk_numbers,
                             max_size=2),
       kinds=st.dictionaries(st.sampled_from(["transient", "timeout", "nope"]), junk_numbers,
                             max_size=2),
       compensation_rate=junk_numbers,
       script=st.dictionaries(st.sampled_from(["charge", "refund", "bogus"]),
                              st.lists(st.sampled_from([None, "transient", "timeout",
                                                        "permanent", "weird"]), max_size=12),
                              max_size=2))
def test_fault_plans_run_or_are_refused(rates, kinds, compensation_rate, script):
    for make in (lambda: FaultPlan(rates, kinds=kinds, compensation_rate=compensation_rate),
                 lambda: ScriptedFaults(script)):
        ok, faults = runs_or_refuses(make)
        if ok:
            shop = Shop.create()
            ok, (run, _) = runs_or_refuses(run_orchestrated, shop,
                                           Order("o1", "customer-0", "sku-0", 1, 10), faults)
            assert ok and run.outcome in ("completed", "compensated", "stuck")
            assert (run.outcome == "stuck") == bool(shop.order_violations("o1"))


@FUZZ
@given(n_orders=junk_numbers, style=st.sampled_from(["orchestration", "choreography", "no saga",
                                                     "other"]),
       faults=st.one_of(st.none(), st.just(FaultPlan({"charge": 0.5})), st.text(max_size=3)))
def test_run_sagas_runs_or_refuses(n_orders, style, faults):
    if isinstance(n_orders, int) and not isinstance(n_orders, bool) and 0 < n_orders <= 100_000:
        n_orders = min(n_orders, 20)  # keep the valid runs short
    runs_or_refuses(run_sagas, n_orders, style=style, faults=faults)
