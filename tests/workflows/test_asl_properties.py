"""Property tests: random state machines driven by random failure scripts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.workflows import TaskFailed, TaskOutcome, error_matches, retry_delay, run_state_machine

ERRORS = ["ErrA", "ErrB", "States.Timeout"]
RETRIERS = st.lists(
    st.fixed_dictionaries({
        "ErrorEquals": st.sampled_from([["ErrA"], ["ErrB"], ["ErrA", "ErrB"], ["States.Timeout"],
                                        ["States.TaskFailed"]]),
        "IntervalSeconds": st.integers(1, 5),
        "MaxAttempts": st.integers(0, 3),
        "BackoffRate": st.sampled_from([1.0, 1.5, 2.0]),
    }, optional={"MaxDelaySeconds": st.integers(1, 6),
                 "JitterStrategy": st.sampled_from(["NONE", "FULL"])}),
    max_size=3)
CATCH_ERRORS = st.sampled_from([["ErrA"], ["States.TaskFailed"], ["States.Timeout"],
                                ["States.ALL"]])
OUTCOMES = st.lists(st.one_of(
    st.just("ok"), st.sampled_from(ERRORS), st.floats(0.0, 8.0, allow_nan=False)), max_size=40)


@st.composite
def machines(draw):
    n = draw(st.integers(1, 5))
    names = [f"S{i}" for i in range(n)]
    states = {}
    for i, name in enumerate(names):
        later = names[i + 1:] + ["Done", "Bad"]
        kind = draw(st.sampled_from(["Task", "Task", "Pass", "Wait", "Choice"]))
        nxt = later[0]
        if kind == "Task":
            s = {"Type": "Task", "Resource": "work", "TimeoutSeconds": draw(st.integers(1, 6)),
                 "Next": nxt}
            retry = draw(RETRIERS)
            if retry:
                s["Retry"] = retry
            catches = draw(st.lists(st.builds(lambda e, t: {"ErrorEquals": e, "Next": t},
                                              CATCH_ERRORS, st.sampled_from(later)), max_size=2))
            catches = [c for c in catches if c["ErrorEquals"] != ["States.ALL"]] + \
                [c for c in catches if c["ErrorEquals"] == ["States.ALL"]][:1]
            if catches:
                s["Catch"] = catches
        elif kind == "Pass":
            s = {"Type": "Pass", "Next": nxt}
        elif kind == "Wait":
            s = {"Type": "Wait", "Seconds": draw(st.integers(0, 5)), "Next": nxt}
        else:
            s = {"Type": "Choice", "Choices": [{"Variable": "$.flag", "BooleanEquals": True,
                                                "Next": draw(st.sampled_from(later))}],
                 "Default": nxt}
        states[name] = s
    states["Done"] = {"Type": "Succeed"}
    states["Bad"] = {"Type": "Fail", "Error": "Compensated"}
    definition = {"StartAt": "S0", "States": states}
    # drop unreachable states (Bad and later ones may be unreachable)
    reached, todo = {"S0"}, ["S0"]
    while todo:
        s = states[todo.pop()]
        targets = [s.get("Next"), s.get("Default")] + [c["Next"] for c in s.get("Choices", [])] \
            + [c["Next"] for c in s.get("Catch", [])]
        for t in targets:
            if t and t not in reached:
                reached.add(t)
                todo.append(t)
    definition["States"] = {k: v for k, v in states.items() if k in reached}
    return definition


def player(outcomes, log):
    outcomes = list(outcomes)

    def fn(payload):
        log.append(len(log))
        o = outcomes.pop(0) if outcomes else "ok"
        if o == "ok":
            return payload
        if isinstance(o, float):
            return TaskOutcome(payload, o)
        raise TaskFailed(o, "scripted")

    return fn


@settings(max_examples=300, deadline=None)
@given(machines(), OUTCOMES, st.booleans(), st.integers(0, 3))
def test_executor_invariants(definition, outcomes, flag, seed):
    calls: list[int] = []
    run = run_state_machine(definition, {"flag": flag}, {"work": player(outcomes, calls)},
                            seed=seed)
    h = run.history
    rows = list(h.itertuples(index=False))
    times = [r.time_s for r in rows]
    assert times == sorted(times)
    # one callable call per attempt
    assert len(calls) == int((h["event"] == "attempt").sum())
    # nothing runs after a terminal state or an uncaught failure
    states = definition["States"]
    for k, r in enumerate(rows):
        kind = states[r.state]["Type"]
        terminal = (kind == "Succeed" and r.event == "exited") or \
            (kind == "Fail" and r.event == "failed") or \
            (r.event == "exited" and states[r.state].get("End") is True)
        if terminal:
            assert k == len(rows) - 1
        if r.event == "failed" and (k + 1 == len(rows) or rows[k + 1].event not in
                                    ("retry_wait", "caught")):
            assert k == len(rows) - 1 and run.status == "FAILED"
    last = rows[-1]
    assert (run.status == "SUCCEEDED") == (last.event == "exited")
    # retries: first matching retrier only, counted per retrier per state entry, exact delays
    counts: dict[int, int] = {}
    for k, r in enumerate(rows):
        if r.event == "entered":
            counts = {}
        if r.event == "retry_wait":
            retriers = states[r.state]["Retry"]
            i = next(i for i, rt in enumerate(retriers)
                     if any(error_matches(n, r.error) for n in rt["ErrorEquals"]))
            counts[i] = counts.get(i, 0) + 1
            assert counts[i] <= retriers[i]["MaxAttempts"]
            nominal = retry_delay(dict(retriers[i], JitterStrategy="NONE"), counts[i])
            if retriers[i].get("JitterStrategy") == "FULL":
                assert 0.0 <= r.duration_s <= nominal
            else:
                assert r.duration_s == nominal
            assert rows[k + 1].time_s == r.time_s + r.duration_s
        if r.event == "failed" and r.error == "States.Timeout" and r.cause != "scripted":
            assert r.duration_s == states[r.state]["TimeoutSeconds"]


BRANCH_SCRIPTS = st.lists(
    st.lists(st.tuples(st.floats(0.0, 5.0, allow_nan=False), st.booleans()), min_size=1,
             max_size=3),
    min_size=1, max_size=4)


@settings(max_examples=200, deadline=None)
@given(BRANCH_SCRIPTS)
def test_parallel_branches_run_concurrently_and_a_failure_stops_the_rest(branches):
    """Each branch is a chain of tasks (duration, fails?). Without failures the output is in
    branch order and the state takes as long as the slowest branch; with failures the earliest
    failure (in simulated time) fails the state and no task starts after it."""
    calls: list[tuple[int, int]] = []

    def make(b, k, duration, fails):
        def fn(payload):
            calls.append((b, k))
            if fails:
                raise TaskFailed("Boom", f"{b}/{k}", duration_s=duration)
            return TaskOutcome([b, k], duration)
        return fn

    tasks, defs = {}, []
    for b, chain in enumerate(branches):
        states = {}
        for k, (duration, fails) in enumerate(chain):
            name = f"B{b}T{k}"
            tasks[name] = make(b, k, duration, fails)
            states[name] = {"Type": "Task", "Resource": name}
            if k + 1 < len(chain):
                states[name]["Next"] = f"B{b}T{k + 1}"
            else:
                states[name]["End"] = True
        defs.append({"StartAt": f"B{b}T0", "States": states})
    d = {"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": defs, "End": True}}}
    run = run_state_machine(d, {}, tasks)
    task_rows = run.history[run.history["state"] != "P"]
    assert len(calls) == int((task_rows["event"] == "attempt").sum())
    ends = []
    fail_times = []
    for chain in branches:
        t = 0.0
        for duration, fails in chain:
            t += duration
            if fails:
                fail_times.append(t)
                break
        ends.append(t)
    h = run.history
    assert h["time_s"].is_monotonic_increasing
    if not fail_times:
        assert run.status == "SUCCEEDED"
        assert run.output == [[b, len(chain) - 1] for b, chain in enumerate(branches)]
        assert run.duration_s == pytest.approx(max(ends))
    else:
        assert run.status == "FAILED" and run.error == "Boom"
        assert run.duration_s == pytest.approx(min(fail_times))
        starts = task_rows[task_rows["event"] == "attempt"]["time_s"]
        assert (starts <= min(fail_times) + 1e-9).all()
        assert h["time_s"].max() == pytest.approx(min(fail_times))
