"""Behaviour of the States Language executor against the Step Functions reference."""

from __future__ import annotations

import json

import pytest

from labkit.workflows import (
    InvalidDefinition,
    TaskFailed,
    TaskOutcome,
    retry_delay,
    run_state_machine,
)


def task(resource="work", **fields):
    state = {"Type": "Task", "Resource": resource}
    state.update(fields)
    if "Next" not in state:
        state.setdefault("End", True)
    return state


def machine(*pairs, start=None):
    states = dict(pairs)
    return {"StartAt": start or pairs[0][0], "States": states}


def scripted(outcomes):
    """A task callable that plays back outcomes: an exception to raise or a value to return."""
    outcomes = list(outcomes)
    calls = []

    def fn(payload):
        calls.append(payload)
        outcome = outcomes.pop(0) if outcomes else {"ok": True}
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    fn.calls = calls
    return fn


def events(run, state=None):
    h = run.history
    if state is not None:
        h = h[h["state"] == state]
    return list(zip(h["event"], h["time_s"], strict=True))


# --- Retry -------------------------------------------------------------------------------

def test_default_retrier_waits_1_2_4_then_gives_up():
    fn = scripted([TaskFailed("Busy")] * 4)
    d = machine(("T", task(Retry=[{"ErrorEquals": ["Busy"]}])))
    run = run_state_machine(d, {}, {"work": fn})
    assert run.status == "FAILED" and run.error == "Busy"
    waits = run.history.query("event == 'retry_wait'")["duration_s"].tolist()
    assert waits == [1.0, 2.0, 4.0]
    assert len(fn.calls) == 4  # MaxAttempts 3 -> 3 retries, 4 executions
    assert run.duration_s == 7.0


def test_doc_example_interval_3_rate_1_5():
    fn = scripted([TaskFailed("E")] * 5)
    d = machine(("T", task(Retry=[{"ErrorEquals": ["E"], "IntervalSeconds": 3,
                                    "MaxAttempts": 2, "BackoffRate": 1.5}])))
    run = run_state_machine(d, {}, {"work": fn})
    assert run.history.query("event == 'retry_wait'")["duration_s"].tolist() == [3.0, 4.5]
    assert len(fn.calls) == 3


def test_backoff_then_cap_then_full_jitter_is_seeded():
    r = {"ErrorEquals": ["E"], "IntervalSeconds": 2, "BackoffRate": 3.0, "MaxDelaySeconds": 10,
         "MaxAttempts": 5}
    assert [retry_delay(r, k) for k in range(1, 6)] == [2.0, 6.0, 10.0, 10.0, 10.0]
    rj = dict(r, JitterStrategy="FULL")
    fn = scripted([TaskFailed("E")] * 6)
    d = machine(("T", task(Retry=[rj])))
    a = run_state_machine(d, {}, {"work": scripted([TaskFailed("E")] * 6)}, seed=3)
    b = run_state_machine(d, {}, {"work": fn}, seed=3)
    c = run_state_machine(d, {}, {"work": scripted([TaskFailed("E")] * 6)}, seed=4)
    wa = a.history.query("event == 'retry_wait'")["duration_s"].to_numpy()
    wb = b.history.query("event == 'retry_wait'")["duration_s"].to_numpy()
    wc = c.history.query("event == 'retry_wait'")["duration_s"].to_numpy()
    assert (wa == wb).all() and not (wa == wc).all()
    caps = [2.0, 6.0, 10.0, 10.0, 10.0]
    assert all(0.0 <= w <= cap for w, cap in zip(wa, caps, strict=True))


def test_full_jitter_matches_uniform_draws_in_order():
    import numpy as np

    r = {"ErrorEquals": ["E"], "IntervalSeconds": 4, "MaxAttempts": 2, "JitterStrategy": "FULL"}
    run = run_state_machine(machine(("T", task(Retry=[r]))), {},
                            {"work": scripted([TaskFailed("E")] * 3)}, seed=11)
    rng = np.random.default_rng(11)
    expected = [rng.uniform(0, 4.0), rng.uniform(0, 8.0)]
    got = run.history.query("event == 'retry_wait'")["duration_s"].tolist()
    assert got == pytest.approx(expected, abs=0)


def test_only_first_matching_retrier_applies_even_when_exhausted():
    retry = [{"ErrorEquals": ["States.Timeout"], "MaxAttempts": 0},
             {"ErrorEquals": ["States.ALL"]}]
    timeout_fn = scripted([TaskFailed("States.Timeout")] * 5)
    run = run_state_machine(machine(("T", task(Retry=retry))), {}, {"work": timeout_fn})
    assert run.error == "States.Timeout" and len(timeout_fn.calls) == 1
    other = scripted([TaskFailed("Boom")] * 2)
    run = run_state_machine(machine(("T", task(Retry=retry))), {}, {"work": other})
    assert run.status == "SUCCEEDED" and len(other.calls) == 3


def test_retrier_counter_is_shared_by_its_error_names_and_persists():
    retry = [{"ErrorEquals": ["ErrorA", "ErrorB"], "MaxAttempts": 2, "IntervalSeconds": 1,
              "BackoffRate": 2.0},
             {"ErrorEquals": ["ErrorC"], "MaxAttempts": 5, "IntervalSeconds": 10}]
    fn = scripted([TaskFailed("ErrorA"), TaskFailed("ErrorC"), TaskFailed("ErrorB"),
                   TaskFailed("ErrorC"), TaskFailed("ErrorA")])
    run = run_state_machine(machine(("T", task(Retry=retry))), {}, {"work": fn})
    # A -> retrier 0 k=1 (1 s); C -> retrier 1 k=1 (10 s); B -> retrier 0 k=2 (2 s);
    # C -> retrier 1 k=2 (20 s); A -> retrier 0 exhausted: fail.
    waits = run.history.query("event == 'retry_wait'")["duration_s"].tolist()
    assert waits == [1.0, 10.0, 2.0, 20.0]
    assert run.status == "FAILED" and run.error == "ErrorA" and len(fn.calls) == 5


def test_counters_start_fresh_when_the_state_is_entered_again():
    d = {"StartAt": "T", "States": {
        "T": task(Retry=[{"ErrorEquals": ["E"], "MaxAttempts": 1}], Next="Again"),
        "Again": {"Type": "Choice", "Choices": [
            {"Variable": "$.n", "NumericLessThan": 2, "Next": "Count"}], "Default": "Done"},
        "Count": task("count", Next="T"),
        "Done": {"Type": "Succeed"}}}
    n = {"v": 0}

    def count(payload):
        n["v"] += 1
        return {"n": n["v"]}

    fn = scripted([TaskFailed("E"), {"n": 0}, TaskFailed("E"), {"n": 1}, TaskFailed("E"),
                   {"n": 2}])
    run = run_state_machine(d, {"n": 0}, {"work": fn, "count": count})
    assert run.status == "SUCCEEDED"
    assert run.history.query("state == 'T' and event == 'retry_wait'").shape[0] == 3


def test_timeout_is_not_task_failed():
    d = machine(("T", task(TimeoutSeconds=5,
                           Retry=[{"ErrorEquals": ["States.TaskFailed"]}],
                           Catch=[{"ErrorEquals": ["States.TaskFailed"], "Next": "Caught"}])),
                ("Caught", {"Type": "Succeed"}))
    fn = scripted([TaskOutcome({"late": True}, 9.0)])
    run = run_state_machine(d, {}, {"work": fn})
    assert run.status == "FAILED" and run.error == "States.Timeout"
    assert len(fn.calls) == 1
    failed = run.history.query("event == 'failed'").iloc[0]
    assert failed["time_s"] == 5.0 and failed["duration_s"] == 5.0


def test_raising_states_timeout_counts_as_timeout_and_all_catches_it():
    d = machine(("T", task(Catch=[{"ErrorEquals": ["States.TaskFailed"], "Next": "A"},
                                  {"ErrorEquals": ["States.ALL"], "Next": "B"}])),
                ("A", {"Type": "Pass", "Result": "task-failed", "End": True}),
                ("B", {"Type": "Pass", "Result": "timeout", "End": True}))
    run = run_state_machine(d, {}, {"work": scripted([TaskFailed("States.Timeout", "slow")])})
    assert run.output == "timeout"
    run = run_state_machine(d, {}, {"work": scripted([TaskFailed("Oops")])})
    assert run.output == "task-failed"


def test_unmatched_error_goes_straight_to_catchers_without_delay():
    d = machine(("T", task(Retry=[{"ErrorEquals": ["Busy"]}],
                           Catch=[{"ErrorEquals": ["States.ALL"], "Next": "C"}])),
                ("C", {"Type": "Succeed"}))
    fn = scripted([TaskFailed("Declined", "no funds")])
    run = run_state_machine(d, {"x": 1}, {"work": fn})
    assert len(fn.calls) == 1 and run.duration_s == 0.0
    assert run.output == {"Error": "Declined", "Cause": "no funds"}
    assert [e for e, _ in events(run, "T")] == ["entered", "attempt", "failed", "caught",
                                                 "exited"]


def test_catch_result_path_keeps_input():
    d = machine(("T", task(Catch=[{"ErrorEquals": ["States.ALL"], "Next": "C",
                                   "ResultPath": "$.error"}])),
                ("C", {"Type": "Succeed"}))
    run = run_state_machine(d, {"order": 1}, {"work": scripted([TaskFailed("X", "why")])})
    assert run.output == {"order": 1, "error": {"Error": "X", "Cause": "why"}}


def test_other_exceptions_fail_with_their_class_name():
    def broken(payload):
        raise KeyError("sku")

    run = run_state_machine(machine(("T", task())), {}, {"work": broken})
    assert run.status == "FAILED" and run.error == "KeyError"


# --- time ----------------------------------------------------------------------------------

def test_task_outcome_and_waits_advance_the_clock():
    d = machine(("A", task(Next="W")), ("W", {"Type": "Wait", "Seconds": 10, "Next": "B"}),
                ("B", task(TimeoutSeconds=3)))
    fn = scripted([TaskOutcome({"a": 1}, 2.5), TaskOutcome({"b": 2}, 3.0)])
    run = run_state_machine(d, {}, {"work": fn})
    assert run.status == "SUCCEEDED" and run.duration_s == 15.5  # 3.0 is not past 3 s
    assert events(run, "W") == [("entered", 2.5), ("exited", 12.5)]


def test_wait_seconds_path_and_timestamp():
    d = machine(("W", {"Type": "Wait", "SecondsPath": "$.delay", "Next": "T"}),
                ("T", {"Type": "Wait", "Timestamp": "2024-01-01T00:01:00Z", "End": True}))
    run = run_state_machine(d, {"delay": 20}, {})
    assert run.duration_s == 60.0
    bad = run_state_machine(d, {"delay": "soon"}, {})
    assert bad.status == "FAILED" and bad.error == "States.Runtime"


def test_execution_timeout():
    d = machine(("W", {"Type": "Wait", "Seconds": 100, "End": True}))
    d["TimeoutSeconds"] = 30
    run = run_state_machine(d, {}, {})
    assert run.status == "FAILED" and run.error == "States.Timeout" and run.duration_s == 30.0


# --- data flow -----------------------------------------------------------------------------

def test_input_parameters_result_selector_result_output_paths():
    d = machine(("T", task(InputPath="$.order", Parameters={"id.$": "$.id", "kind": "charge",
                                                           "exec.$": "$$.Execution.Input.tag"},
                           ResultSelector={"paid.$": "$.amount"}, ResultPath="$.payment",
                           OutputPath="$.payment")))
    seen = []

    def fn(payload):
        seen.append(payload)
        return {"amount": 42, "noise": True}

    run = run_state_machine(d, {"order": {"id": 7, "total": 42}, "tag": "t"}, {"work": fn})
    assert seen == [{"id": 7, "kind": "charge", "exec": "t"}]
    assert run.output == {"paid": 42}


def test_result_path_null_discards_result_and_match_failure():
    d = machine(("T", task(ResultPath=None)))
    run = run_state_machine(d, {"a": 1}, {"work": scripted([{"b": 2}])})
    assert run.output == {"a": 1}
    d = machine(("T", task(ResultPath="$.a.b")))
    run = run_state_machine(d, {"a": 5}, {"work": scripted([{"b": 2}])})
    assert run.error == "States.ResultPathMatchFailure"


def test_parameter_path_failure_is_catchable():
    d = machine(("T", task(Parameters={"x.$": "$.missing"},
                           Catch=[{"ErrorEquals": ["States.ALL"], "Next": "C"}])),
                ("C", {"Type": "Succeed"}))
    run = run_state_machine(d, {}, {"work": scripted([])})
    assert run.status == "SUCCEEDED" and run.output["Error"] == "States.ParameterPathFailure"


def test_pass_result_and_input_path_null():
    d = machine(("P", {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.r", "Next": "Q"}),
                ("Q", {"Type": "Pass", "InputPath": None, "End": True}))
    assert run_state_machine(d, {"a": 1}, {}).output == {}


# --- Choice, Fail, Succeed ----------------------------------------------------------------

def choice_machine(default=True):
    c = {"Type": "Choice", "Choices": [
        {"Variable": "$.total", "NumericGreaterThan": 100, "Next": "Big"},
        {"And": [{"Variable": "$.vip", "IsPresent": True},
                 {"Variable": "$.vip", "BooleanEquals": True}], "Next": "Vip"}]}
    if default:
        c["Default"] = "Small"
    return machine(("C", c), ("Big", {"Type": "Pass", "Result": "big", "End": True}),
                   ("Vip", {"Type": "Pass", "Result": "vip", "End": True}),
                   ("Small", {"Type": "Pass", "Result": "small", "End": True}))


def test_choice_first_match_and_default():
    d = choice_machine()
    assert run_state_machine(d, {"total": 150, "vip": True}, {}).output == "big"
    assert run_state_machine(d, {"total": 50, "vip": True}, {}).output == "vip"
    assert run_state_machine(d, {"total": 50}, {}).output == "small"
    assert run_state_machine(d, {"total": "150"}, {}).output == "small"  # type mismatch: false


def test_choice_without_default_and_missing_variable():
    d = choice_machine(default=False)
    d["States"]["Small"]["Type"] = "Pass"
    d["States"]["C"]["Choices"].append({"Variable": "$.x", "StringEquals": "s",
                                         "Next": "Small"})
    run = run_state_machine(d, {"total": 5, "x": "t"}, {})
    assert run.error == "States.NoChoiceMatched"
    run = run_state_machine(d, {"vip": False}, {})
    assert run.error == "States.Runtime"


def test_string_matches_and_timestamps():
    d = machine(("C", {"Type": "Choice", "Choices": [
        {"Variable": "$.f", "StringMatches": "log-*.txt", "Next": "A"},
        {"Variable": "$.t", "TimestampLessThan": "2024-06-01T00:00:00Z", "Next": "B"}],
        "Default": "D"}),
        ("A", {"Type": "Succeed"}), ("B", {"Type": "Succeed"}), ("D", {"Type": "Succeed"}))
    assert events(run_state_machine(d, {"f": "log-1.txt"}, {}), "A")
    assert events(run_state_machine(d, {"f": "x", "t": "2024-01-01T00:00:00Z"}, {}), "B")
    assert events(run_state_machine(d, {"f": "x", "t": "2024-01-01t00:00:00z"}, {}), "D")


def test_fail_state():
    d = machine(("F", {"Type": "Fail", "Error": "OrderFailed", "Cause": "compensated"}))
    run = run_state_machine(d, {}, {})
    assert (run.status, run.error, run.cause, run.output) == ("FAILED", "OrderFailed",
                                                               "compensated", None)


def test_states_runtime_is_not_caught_by_states_all():
    d = machine(("T", task(InputPath="$.nope",
                           Catch=[{"ErrorEquals": ["States.ALL"], "Next": "C"}])),
                ("C", {"Type": "Succeed"}))
    run = run_state_machine(d, {}, {"work": scripted([])})
    assert run.error == "States.Runtime"


# --- Parallel and Map ----------------------------------------------------------------------

def branch(name, resource):
    return {"StartAt": name, "States": {name: task(resource)}}


def test_parallel_outputs_in_branch_order_and_time_is_the_max():
    d = machine(("P", {"Type": "Parallel", "Branches": [branch("Slow", "slow"),
                                                         branch("Fast", "fast")], "End": True}))
    run = run_state_machine(d, {"x": 1}, {"slow": scripted([TaskOutcome("s", 5.0)]),
                                          "fast": scripted([TaskOutcome("f", 2.0)])})
    assert run.output == ["s", "f"] and run.duration_s == 5.0
    fast_exit = run.history.query("state == 'Fast' and event == 'exited'")["time_s"].item()
    assert fast_exit == 2.0
    assert run.history["time_s"].is_monotonic_increasing


def test_parallel_branch_failure_stops_the_others():
    b1 = {"StartAt": "Boom", "States": {"Boom": task("boom")}}
    b2 = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 10, "Next": "Late"},
                                     "Late": task("late")}}
    d = machine(("P", {"Type": "Parallel", "Branches": [b1, b2], "End": True,
                       "Catch": [{"ErrorEquals": ["Bad"], "Next": "C", "ResultPath": "$.err"}]}),
                ("C", {"Type": "Succeed"}))
    late = scripted([])
    run = run_state_machine(d, {}, {"boom": scripted([TaskFailed("Bad", "b",
                                                                 duration_s=1.0)]),
                                    "late": late})
    assert late.calls == [] and run.output == {"err": {"Error": "Bad", "Cause": "b"}}
    assert run.duration_s == 1.0


def test_map_order_concurrency_and_retry_reruns_all_items():
    proc = {"StartAt": "Item", "States": {"Item": task("item")}}
    calls = []

    def item(payload):
        calls.append(payload["v"])
        return TaskOutcome(payload["v"] * 10, float(payload["v"]))

    def run(mc):
        d = machine(("M", {"Type": "Map", "ItemsPath": "$.xs", "MaxConcurrency": mc,
                           "ItemSelector": {"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index"},
                           "ItemProcessor": proc, "ResultPath": "$.ys", "End": True}))
        return run_state_machine(d, {"xs": [3, 1, 2]}, {"item": item})

    r0, r1, r2 = run(0), run(1), run(2)
    assert r0.output["ys"] == [30, 10, 20] == r1.output["ys"] == r2.output["ys"]
    assert (r0.duration_s, r1.duration_s, r2.duration_s) == (3.0, 6.0, 3.0)
    calls.clear()
    flaky = {"n": 0}

    def sometimes(payload):
        flaky["n"] += 1
        calls.append(payload)
        if flaky["n"] == 2:
            raise TaskFailed("Flaky")
        return payload

    d = machine(("M", {"Type": "Map", "Iterator": proc,
                       "Retry": [{"ErrorEquals": ["Flaky"]}], "End": True}))
    out = run_state_machine(d, [1, 2, 3], {"item": sometimes})
    assert out.output == [1, 2, 3] and calls == [1, 2, 1, 2, 3]


def test_fail_inside_branch_is_catchable_at_the_parallel():
    b = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Inner"}}}
    d = machine(("P", {"Type": "Parallel", "Branches": [b], "Next": "S",
                       "Catch": [{"ErrorEquals": ["Inner"], "Next": "S"}]}),
                ("S", {"Type": "Succeed"}))
    assert run_state_machine(d, {}, {}).output == {"Error": "Inner", "Cause": None}


# --- validation and arguments ---------------------------------------------------------------

@pytest.mark.parametrize("definition, fragment", [
    ({"StartAt": "A", "States": {"A": {"Type": "Bogus"}}}, "state 'A': unknown state Type"),
    ({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True, "Colour": 1}}},
     "state 'A': field 'Colour' is not allowed"),
    ({"StartAt": "A", "States": {"A": {"Type": "Pass"}}}, "state 'A': missing 'Next' or 'End'"),
    ({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Z"}}},
     "state 'A': Next 'Z' is not a state"),
    ({"StartAt": "A", "States": {"A": {"Type": "Succeed"}, "B": {"Type": "Succeed"}}},
     "state 'B': unreachable"),
    ({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True,
                                       "Retry": [{"ErrorEquals": ["X"]}]}}},
     "state 'A': field 'Retry' is not allowed in a Pass state"),
    ({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "r", "End": True,
                                       "Retry": [{"ErrorEquals": ["States.ALL"]},
                                                 {"ErrorEquals": ["X"]}]}}},
     "States.ALL must be in the last rule"),
    ({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "r", "End": True,
                                       "Retry": [{"ErrorEquals": ["X"], "BackoffRate": 0.5,
                                                  "IntervalSeconds": 0}]}}},
     "BackoffRate must be a finite number >= 1.0"),
    ({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "r", "End": True,
                                       "Catch": [{"ErrorEquals": ["States.Bogus"],
                                                  "Next": "A"}]}}},
     "unknown built-in error 'States.Bogus'"),
    ({"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": [
        {"Variable": "$.x", "NumericEquals": "1", "Next": "A"}]}}}, "needs a number"),
    ({"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": 1, "Timestamp":
                                       "2024-01-01T00:00:00Z", "End": True}}}, "exactly one"),
    ({"StartAt": "A", "States": {"A": {"Type": "Succeed", "Next": "A"}}},
     "field 'Next' is not allowed in a Succeed state"),
    ({"StartAt": "A", "States": {"A": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}]}}}, "names must be unique"),
    ({"StartAt": "A", "States": {"A": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "B", "States": {"B": {"Type": "Pass", "Next": "A"}}}]}}},
     "state 'B': Next 'A' is not a state in this scope"),
    ({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True, "ResultPath": "x"}}},
     "must start with '$'"),
    ({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "r", "End": True,
                                       "TimeoutSeconds": 0}}}, "TimeoutSeconds"),
])
def test_validation_names_the_state(definition, fragment):
    with pytest.raises(InvalidDefinition) as info:
        run_state_machine(definition, {}, {"r": lambda x: x})
    assert fragment in str(info.value)


def test_validation_collects_every_problem_and_accepts_json_text():
    bad = {"StartAt": "A", "States": {"A": {"Type": "Pass"}, "B": {"Type": "Nope"}}}
    with pytest.raises(InvalidDefinition) as info:
        run_state_machine(json.dumps(bad), {}, {})
    assert len(info.value.problems) == 3
    with pytest.raises(InvalidDefinition, match="not valid JSON"):
        run_state_machine("{", {}, {})


def test_missing_task_callable_names_state():
    with pytest.raises(ValueError, match="Resource 'charge' .*state 'T'"):
        run_state_machine(machine(("T", task("charge"))), {}, {})
    with pytest.raises(TypeError):
        run_state_machine(machine(("T", task("charge"))), {}, {"charge": 3})
    with pytest.raises(TypeError):
        TaskOutcome(1, "2")
    with pytest.raises(ValueError):
        TaskOutcome(1, -1.0)


def test_endless_loop_is_stopped():
    d = machine(("A", {"Type": "Pass", "Next": "B"}), ("B", {"Type": "Pass", "Next": "A"}))
    run = run_state_machine(d, {}, {}, max_transitions=50)
    assert run.error == "States.Runtime"


def test_history_columns_and_determinism():
    d = machine(("T", task(Retry=[{"ErrorEquals": ["E"], "JitterStrategy": "FULL"}])))
    a = run_state_machine(d, {}, {"work": scripted([TaskFailed("E")] * 2)}, seed=5)
    b = run_state_machine(d, {}, {"work": scripted([TaskFailed("E")] * 2)}, seed=5)
    assert list(a.history.columns)[:5] == ["time_s", "state", "event", "attempt", "error"]
    assert a.history.equals(b.history)
    assert set(a.history["event"]) <= {"entered", "attempt", "succeeded", "failed",
                                       "retry_wait", "caught", "exited"}


def test_query_language_jsonpath_only():
    d = machine(("P", {"Type": "Pass", "End": True}))
    assert run_state_machine(dict(d, QueryLanguage="JSONPath"), {"a": 1}, {}).output == {"a": 1}
    with pytest.raises(InvalidDefinition, match="JSONata"):
        run_state_machine(dict(d, QueryLanguage="JSONata"), {}, {})
