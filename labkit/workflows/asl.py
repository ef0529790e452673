"""An executor for Amazon States Language with simulated time.

:func:`run_state_machine` validates a definition (see :mod:`labkit.workflows.validate`), then
runs it: Task, Choice, Parallel, Map, Wait, Pass, Succeed and Fail states; Retry (first matching
retrier only, one counter per retrier, backoff then cap then seeded jitter) and Catch;
``TimeoutSeconds``; ``InputPath``/``Parameters``/``ResultSelector``/``ResultPath``/``OutputPath``.

Time is simulated: a task callable's plain return takes no time, a
:class:`~labkit.workflows.errors.TaskOutcome` takes its ``duration_s``; retry waits and Wait
states advance the clock. Parallel branches and Map iterations run concurrently in simulated
time (events interleave by time; the first failing branch stops the others).

The result is an :class:`Execution` whose ``history`` is a DataFrame with one row per event:
``time_s``, ``state``, ``event`` (``entered``, ``attempt``, ``succeeded``, ``failed``,
``retry_wait``, ``caught``, ``exited``), ``attempt``, ``error``, plus ``cause``,
``duration_s`` (attempt length or retry delay) and ``scope`` (which branch or Map item).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np

from labkit.core.rng import make_rng
from labkit.core.validation import check_limit
from labkit.workflows.choice import _parse_timestamp, evaluate_rule
from labkit.workflows.errors import TERMINAL_ERRORS, TaskFailed, TaskOutcome
from labkit.workflows.paths import PathNotFound, apply_template, copy_json, place_result, read_path
from labkit.workflows.retry import delay_before_retry, find_catcher, find_retrier
from labkit.workflows.validate import validate_definition

__all__ = ["EXECUTION_START", "Execution", "HistoryEvent", "StateMachine", "run_executions",
           "run_state_machine", "seconds_since_start"]

#: Wall-clock instant that simulated time 0 stands for (for Timestamp waits and ``$$`` times).
EXECUTION_START = datetime(2024, 1, 1, tzinfo=UTC)
_DEFAULT_TIMEOUT = 99_999_999
EVENTS = ("entered", "attempt", "succeeded", "failed", "retry_wait", "caught", "exited")
HISTORY_COLUMNS = ("time_s", "state", "event", "attempt", "error", "cause", "duration_s", "scope")


class HistoryEvent(NamedTuple):
    """One row of an execution's history."""

    time_s: float
    state: str
    event: str
    attempt: int | None
    error: str | None
    cause: str | None
    duration_s: float | None
    scope: str


@dataclass(frozen=True)
class Execution:
    """The outcome of :func:`run_state_machine`.

    ``status`` is ``"SUCCEEDED"`` or ``"FAILED"``; ``output`` is the final output (None when
    failed); ``error``/``cause`` say why it failed; ``events`` is the history as tuples and
    ``history`` the same as a DataFrame; ``duration_s`` is the simulated run time.
    """

    status: str
    output: Any
    error: str | None
    cause: str | None
    duration_s: float
    events: tuple[HistoryEvent, ...] = field(repr=False)

    @cached_property
    def history(self):  # -> pandas.DataFrame
        import pandas as pd

        frame = pd.DataFrame(self.events, columns=list(HISTORY_COLUMNS))
        frame["attempt"] = frame["attempt"].astype("Int64")
        frame["duration_s"] = frame["duration_s"].astype("float64")
        return frame

    def to_frame(self):  # -> pandas.DataFrame
        """The history DataFrame (same as ``.history``)."""
        return self.history

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"


class _Failure(Exception):
    def __init__(self, error: str | None, cause: str | None = "") -> None:
        super().__init__(error, cause)
        self.error, self.cause, self.logged = error, cause, False


def _timestamp(t: float) -> str:
    return (EXECUTION_START + timedelta(seconds=t)).isoformat().replace("+00:00", "Z")


def seconds_since_start(timestamp: str) -> float:
    """Simulated seconds of a context timestamp (``$$.State.EnteredTime``), for task callables
    that need the clock.

    >>> seconds_since_start("2024-01-01T00:00:02.500000Z")
    2.5
    """
    return (_parse_timestamp(timestamp) - EXECUTION_START).total_seconds()


def _resources(machine: dict[str, Any], found: dict[str, str]) -> dict[str, str]:
    for name, state in machine["States"].items():
        if state["Type"] == "Task":
            found.setdefault(state["Resource"], name)
        for branch in state.get("Branches", []):
            _resources(branch, found)
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                _resources(state[key], found)
    return found


class _Run:
    def __init__(self, tasks: Mapping[str, Callable[[Any], Any]], rng: np.random.Generator,
                 execution_input: Any, max_transitions: int, start_s: float = 0.0) -> None:
        self.tasks = tasks
        self.rng = rng
        self.start_s = start_s
        self.now = start_s
        self.events: list[HistoryEvent] = []
        self.execution_input = execution_input
        self.transitions = 0
        self.max_transitions = max_transitions

    def log(self, state: str, event: str, scope: str, attempt: int | None = None,
            error: str | None = None, cause: str | None = None,
            duration_s: float | None = None) -> None:
        self.events.append(HistoryEvent(self.now, state, event, attempt, error, cause,
                                        duration_s, scope))

    def context(self, name: str, entered: float, retry_count: int = 0,
                item: tuple[int, Any] | None = None) -> dict[str, Any]:
        ctx = {
            "Execution": {"Input": self.execution_input, "Name": "labkit-execution",
                          "StartTime": _timestamp(self.start_s)},
            "State": {"Name": name, "EnteredTime": _timestamp(entered), "RetryCount": retry_count},
            "StateMachine": {"Name": "labkit-state-machine"},
        }
        if item is not None:
            ctx["Map"] = {"Item": {"Index": item[0], "Value": item[1]}}
        return ctx

    # -- paths (errors become the States Language error names) ---------------------------
    @staticmethod
    def select(document: Any, path: str | None, field_name: str) -> Any:
        if path is None:
            return {}
        try:
            return read_path(document, path)
        except PathNotFound as exc:
            raise _Failure("States.Runtime", f"{field_name}: {exc}") from None

    @staticmethod
    def template(template: Any, document: Any, context: Any) -> Any:
        try:
            return apply_template(template, document, context)
        except PathNotFound as exc:
            raise _Failure("States.ParameterPathFailure", str(exc)) from None

    @staticmethod
    def place(raw: Any, result_path: str | None, result: Any) -> Any:
        try:
            return place_result(raw, result_path, result)
        except PathNotFound as exc:
            raise _Failure("States.ResultPathMatchFailure", str(exc)) from None

    # -- machines and states ---------------------------------------------------------------
    def machine(self, machine: dict[str, Any], data: Any, scope: str,
                item: tuple[int, Any] | None = None) -> Generator[float, None, Any]:
        states = machine["States"]
        name = machine["StartAt"]
        while True:
            self.transitions += 1
            if self.transitions > self.max_transitions:
                raise _Failure("States.Runtime",
                               f"more than {self.max_transitions} state transitions")
            state = states[name]
            self.log(name, "entered", scope)
            try:
                nxt, data = yield from self.state(name, state, data, scope, item)
            except _Failure as failure:
                if not failure.logged:
                    self.log(name, "failed", scope, error=failure.error, cause=failure.cause)
                    failure.logged = True
                raise
            self.log(name, "exited", scope)
            if nxt is None:
                return data
            name = nxt

    def state(self, name: str, state: dict[str, Any], raw: Any, scope: str,
              item: tuple[int, Any] | None) -> Generator[float, None, tuple[str | None, Any]]:
        kind = state["Type"]
        entered = self.now
        nxt = state.get("Next")
        if kind == "Fail":
            raise _Failure(state.get("Error"), state.get("Cause"))
        effective = self.select(raw, state.get("InputPath", "$"), "InputPath")
        if kind == "Succeed":
            return None, self.select(effective, state.get("OutputPath", "$"), "OutputPath")
        if kind == "Choice":
            nxt = self.choose(name, state, effective, self.context(name, entered, item=item))
            return nxt, self.select(effective, state.get("OutputPath", "$"), "OutputPath")
        if kind == "Wait":
            yield self.now + self.wait_seconds(state, effective)
            return nxt, self.select(effective, state.get("OutputPath", "$"), "OutputPath")
        if kind == "Pass":
            if "Parameters" in state:
                effective = self.template(state["Parameters"], effective,
                                          self.context(name, entered, item=item))
            result = copy_json(state["Result"]) if "Result" in state else effective
            out = self.place(raw, state.get("ResultPath", "$"), result)
            return nxt, self.select(out, state.get("OutputPath", "$"), "OutputPath")
        return (yield from self.attempts(name, state, raw, effective, scope, item, entered))

    @staticmethod
    def choose(name: str, state: dict[str, Any], effective: Any, context: Any) -> str:
        """The Next of the first Choice rule that holds, else the Default."""
        for rule in state["Choices"]:
            try:
                hit = evaluate_rule(rule, effective, context)
            except PathNotFound as exc:
                raise _Failure("States.Runtime", f"Choice: {exc}") from None
            if hit:
                return rule["Next"]
        if "Default" not in state:
            raise _Failure("States.NoChoiceMatched",
                           f"no choice rule matched and {name!r} has no Default")
        return state["Default"]

    def attempts(self, name: str, state: dict[str, Any], raw: Any, effective: Any, scope: str,
                 item: tuple[int, Any] | None,
                 entered: float) -> Generator[float, None, tuple[str | None, Any]]:
        """Task, Parallel, Map: attempts with Retry and Catch."""
        kind = state["Type"]
        retriers = state.get("Retry", [])
        counts = [0] * len(retriers)
        attempt = 0
        while True:
            attempt += 1
            self.log(name, "attempt", scope, attempt=attempt)
            started = self.now
            took: list[float] = []
            try:
                context = None
                if "Parameters" in state or "ResultSelector" in state or kind == "Map":
                    context = self.context(name, entered, sum(counts), item)
                if "Parameters" in state:
                    effective_now = self.template(state["Parameters"], effective, context)
                else:
                    effective_now = effective
                result = yield from getattr(self, "_" + kind.lower())(
                    name, state, effective_now, scope, context, took)
                if "ResultSelector" in state:
                    result = self.template(state["ResultSelector"], result, context)
                out = self.place(raw, state.get("ResultPath", "$"), result)
            except _Failure as failure:
                self.log(name, "failed", scope, attempt=attempt, error=failure.error,
                         cause=failure.cause, duration_s=took[0] if took else self.now - started)
                failure.logged = True
                if failure.error in TERMINAL_ERRORS:
                    raise
                delay = self.retry_delay(retriers, counts, failure)
                if delay is not None:
                    self.log(name, "retry_wait", scope, attempt=attempt, error=failure.error,
                             duration_s=delay)
                    yield self.now + delay
                    continue
                return self.catch(name, state, raw, scope, attempt, failure)
            self.log(name, "succeeded", scope, attempt=attempt,
                     duration_s=took[0] if took else self.now - started)
            return state.get("Next"), self.select(out, state.get("OutputPath", "$"), "OutputPath")

    def retry_delay(self, retriers: list[dict[str, Any]], counts: list[int],
                    failure: _Failure) -> float | None:
        """The wait before the next retry of ``failure``, or None when no retrier has one left."""
        i = find_retrier(retriers, failure.error)
        if i is None or counts[i] >= retriers[i].get("MaxAttempts", 3):
            return None
        counts[i] += 1
        self.transitions += 1  # a retry is work too: it counts toward the bound
        if self.transitions > self.max_transitions:
            raise _Failure("States.Runtime", f"more than {self.max_transitions} "
                           "state transitions and retries") from None
        try:
            return delay_before_retry(retriers[i], counts[i], self.rng)
        except ValueError as exc:  # an uncapped backoff past what a float holds
            raise _Failure("States.Runtime", str(exc)) from None

    def catch(self, name: str, state: dict[str, Any], raw: Any, scope: str, attempt: int,
              failure: _Failure) -> tuple[str, Any]:
        """Hand ``failure`` to the first matching catcher (or re-raise it)."""
        catchers = state.get("Catch", [])
        j = find_catcher(catchers, failure.error)
        if j is None:
            raise failure
        self.log(name, "caught", scope, attempt=attempt, error=failure.error,
                 cause=failure.cause)
        catcher = catchers[j]
        error_output = {"Error": failure.error, "Cause": failure.cause}
        try:
            out = place_result(raw, catcher.get("ResultPath", "$"), error_output)
        except PathNotFound as exc:
            refused = _Failure("States.ResultPathMatchFailure", str(exc))
            self.log(name, "failed", scope, error=refused.error, cause=refused.cause)
            refused.logged = True
            raise refused from None
        return catcher["Next"], out

    def wait_seconds(self, state: dict[str, Any], effective: Any) -> float:
        if "Seconds" in state:
            return float(state["Seconds"])
        if "SecondsPath" in state:
            value = self.select(effective, state["SecondsPath"], "SecondsPath")
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 \
                    or not math.isfinite(value):
                raise _Failure("States.Runtime",
                               f"SecondsPath must select a number >= 0, got {value!r}")
            return float(value)
        if "Timestamp" in state:
            stamp = state["Timestamp"]
        else:
            stamp = self.select(effective, state["TimestampPath"], "TimestampPath")
        when = _parse_timestamp(stamp)
        if when is None:
            raise _Failure("States.Runtime", f"not an RFC 3339 timestamp: {stamp!r}")
        return max(0.0, (when - EXECUTION_START).total_seconds() - self.now)

    def _task(self, name: str, state: dict[str, Any], effective: Any, scope: str,
              context: dict[str, Any], took: list[float]) -> Generator[float, None, Any]:
        fn = self.tasks[state["Resource"]]
        timeout = float(state.get("TimeoutSeconds", _DEFAULT_TIMEOUT))
        failure: _Failure | None = None
        try:
            value = fn(copy_json(effective))
        except TaskFailed as exc:
            failure, duration = _Failure(exc.error, exc.cause), exc.duration_s
        except Exception as exc:  # an unhandled error in the function, as Lambda reports it
            failure, duration = _Failure(type(exc).__name__, str(exc)), 0.0
        else:
            if isinstance(value, TaskOutcome):
                value, duration = value.output, value.duration_s
            else:
                duration = 0.0
        took.append(min(duration, timeout))
        if duration > timeout:
            yield self.now + timeout
            raise _Failure("States.Timeout",
                           f"task {state['Resource']!r} ran past TimeoutSeconds={timeout:g}")
        if duration > 0:
            yield self.now + duration
        if failure is not None:
            raise failure
        return copy_json(value)

    def _concurrently(self, makers: list[Callable[[], Generator[float, None, Any]]],
                      limit: int) -> Generator[float, None, list[Any]]:
        results: list[Any] = [None] * len(makers)
        running: dict[int, list[Any]] = {}
        pending = 0

        def start(i: int) -> None:
            running[i] = [makers[i](), self.now]

        while pending < len(makers) and (limit == 0 or len(running) < limit):
            start(pending)
            pending += 1
        while running:
            i = min(running, key=lambda k: (running[k][1], k))
            gen, wake = running[i]
            if wake > self.now:
                yield wake
                self.now = max(self.now, wake)
            try:
                running[i][1] = next(gen)
            except StopIteration as stop:
                results[i] = stop.value
                del running[i]
                if pending < len(makers):
                    start(pending)
                    pending += 1
            except _Failure:
                for k, (other, _) in list(running.items()):
                    if k != i:
                        other.close()
                raise
        return results

    def _parallel(self, name: str, state: dict[str, Any], effective: Any, scope: str,
                  context: dict[str, Any], took: list[float]) -> Generator[float, None, list[Any]]:
        prefix = f"{scope}/" if scope else ""
        makers = [
            (lambda b=b, i=i: self.machine(b, copy_json(effective), f"{prefix}{name}[{i}]"))
            for i, b in enumerate(state["Branches"])
        ]
        return (yield from self._concurrently(makers, 0))

    def _map(self, name: str, state: dict[str, Any], effective: Any, scope: str,
             context: dict[str, Any], took: list[float]) -> Generator[float, None, list[Any]]:
        items = self.select(effective, state.get("ItemsPath", "$"), "ItemsPath")
        if not isinstance(items, list):
            raise _Failure("States.Runtime", f"ItemsPath must select an array, got "
                                             f"{type(items).__name__}")
        processor = state.get("ItemProcessor") or state["Iterator"]
        selector = state.get("ItemSelector", state.get("Parameters"))
        prefix = f"{scope}/" if scope else ""

        def maker(i: int, value: Any) -> Callable[[], Generator[float, None, Any]]:
            def run() -> Generator[float, None, Any]:
                if selector is not None:
                    ctx = dict(context, Map={"Item": {"Index": i, "Value": value}})
                    item_input = self.template(selector, effective, ctx)
                else:
                    item_input = copy_json(value)
                return (yield from self.machine(processor, item_input, f"{prefix}{name}[{i}]",
                                                (i, value)))
            return run

        makers = [maker(i, v) for i, v in enumerate(items)]
        return (yield from self._concurrently(makers, state.get("MaxConcurrency", 0)))


class StateMachine:
    """A validated definition that can run many times without re-validating.

    >>> sm = StateMachine({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    >>> sm.run({"a": 1}, {}).output
    {'a': 1}
    """

    def __init__(self, definition: dict[str, Any] | str) -> None:
        self.definition = validate_definition(definition)
        self.resources = _resources(self.definition, {})

    def run(self, input: Any, tasks: Mapping[str, Callable[[Any], Any]], *,
            seed: int | np.random.Generator = 0, max_transitions: int = 10_000) -> Execution:
        """Run on ``input``; see :func:`run_state_machine`."""
        return run_state_machine(self, input, tasks, seed=seed, max_transitions=max_transitions)


#: Most state entries plus retries one execution may make on this lab.
MAX_TRANSITIONS = 100_000


def run_state_machine(definition: dict[str, Any] | str | StateMachine, input: Any,
                      tasks: Mapping[str, Callable[[Any], Any]], *, seed: int = 0,
                      max_transitions: int = 10_000) -> Execution:
    """Run a States Language ``definition`` on ``input`` and return the :class:`Execution`.

    Parameters
    ----------
    definition
        Amazon States Language, as a dict or JSON text; validated first
        (:class:`~labkit.workflows.errors.InvalidDefinition` lists every problem). A
        :class:`StateMachine` is accepted too (validated once, for many runs).
    input
        The execution input (JSON-like: dicts, lists, strings, numbers, booleans, None).
    tasks
        Maps each Task state's ``Resource`` string to a callable ``(input) -> output``. Raise
        :class:`~labkit.workflows.errors.TaskFailed` to fail; any other exception fails the
        attempt with the exception's class name as the error. Return
        :class:`~labkit.workflows.errors.TaskOutcome` to take simulated time.
    seed
        Seeds the jitter of retriers with ``JitterStrategy: FULL``.
    max_transitions
        Guard against endless loops: the execution fails with ``States.Runtime`` after this
        many state entries plus retries (1 to 100,000 on this lab).

    Examples
    --------
    >>> definition = {"StartAt": "Charge", "States": {"Charge": {
    ...     "Type": "Task", "Resource": "charge", "ResultPath": "$.payment",
    ...     "Retry": [{"ErrorEquals": ["Busy"], "IntervalSeconds": 2}], "End": True}}}
    >>> calls = []
    >>> def charge(order):
    ...     calls.append(order["id"])
    ...     if len(calls) < 3:
    ...         raise TaskFailed("Busy", "try later")
    ...     return {"charged": order["total"]}
    >>> run = run_state_machine(definition, {"id": 7, "total": 30}, {"charge": charge})
    >>> run.status, run.output, run.duration_s
    ('SUCCEEDED', {'id': 7, 'total': 30, 'payment': {'charged': 30}}, 6.0)
    >>> run.history["event"].tolist()[:4]
    ['entered', 'attempt', 'failed', 'retry_wait']
    """
    machine = definition if isinstance(definition, StateMachine) else StateMachine(definition)
    definition = machine.definition
    _check_tasks(machine, tasks)
    max_transitions = check_limit("max_transitions", max_transitions, MAX_TRANSITIONS, minimum=1)
    rng = make_rng(seed)
    run = _Run(tasks, rng, copy_json(input), max_transitions)
    limit = float(definition.get("TimeoutSeconds", math.inf))
    gen = run.machine(definition, copy_json(input), "")
    try:
        while True:
            wake = next(gen)
            if wake > limit:
                gen.close()
                run.now = limit
                raise _Failure("States.Timeout",
                               f"execution ran past TimeoutSeconds={definition['TimeoutSeconds']}")
            run.now = max(run.now, wake)
    except StopIteration as stop:
        return Execution("SUCCEEDED", stop.value, None, None, run.now, tuple(run.events))
    except _Failure as failure:
        return Execution("FAILED", None, failure.error, failure.cause, run.now, tuple(run.events))


#: Most executions one call of :func:`run_executions` may interleave on this lab.
MAX_EXECUTIONS = 100_000


def _check_tasks(machine: StateMachine, tasks: Any) -> None:
    if not isinstance(tasks, Mapping):
        raise TypeError(f"tasks must be a mapping of Resource -> callable, got "
                        f"{type(tasks).__name__}")
    for resource, state_name in machine.resources.items():
        if resource not in tasks:
            raise ValueError(f"tasks has no callable for Resource {resource!r} "
                             f"(used by state {state_name!r})")
        if not callable(tasks[resource]):
            raise TypeError(f"tasks[{resource!r}] must be callable")


def run_executions(definition: dict[str, Any] | str | StateMachine,
                   starts: list[tuple[float, Any]], tasks: Mapping[str, Callable[[Any], Any]],
                   *, seed: int | np.random.Generator = 0,
                   max_transitions: int = 10_000) -> list[Execution]:
    """Many executions of one definition, started at the given simulated times and
    interleaved in time order, as concurrent executions are on Step Functions.

    ``starts`` holds ``(start_s, input)`` pairs (1 to 100,000). Each execution runs as in
    :func:`run_state_machine` (same states, retries and history), but a task callable of one
    execution runs exactly when the shared clock reaches it, so callables that share state
    (a table, a counter) see the other executions' effects in time order. The histories' times
    are on the shared clock; each ``Execution.duration_s`` is its own run time.

    >>> counter = {"n": 0}
    >>> def bump(_):
    ...     counter["n"] += 1
    ...     return TaskOutcome({"seen": counter["n"]}, 1.0)
    >>> d = {"StartAt": "Bump", "States": {"Bump": {"Type": "Task", "Resource": "bump",
    ...                                             "End": True}}}
    >>> runs = run_executions(d, [(0.0, {}), (0.5, {}), (0.2, {})], {"bump": bump})
    >>> [r.output["seen"] for r in runs], [r.duration_s for r in runs]
    ([1, 3, 2], [1.0, 1.0, 1.0])
    """
    import heapq

    machine = definition if isinstance(definition, StateMachine) else StateMachine(definition)
    _check_tasks(machine, tasks)
    if not isinstance(starts, list | tuple):
        raise TypeError("starts must be a list of (start_s, input) pairs")
    check_limit("starts", len(starts), MAX_EXECUTIONS, minimum=1)
    max_transitions = check_limit("max_transitions", max_transitions, MAX_TRANSITIONS, minimum=1)
    rng = make_rng(seed)
    runs: list[_Run] = []
    heap: list[tuple[float, int]] = []
    gens = []
    for i, pair in enumerate(starts):
        if not (isinstance(pair, tuple | list) and len(pair) == 2):
            raise TypeError(f"starts[{i}] must be a (start_s, input) pair")
        start = float(pair[0])
        if not math.isfinite(start) or start < 0:
            raise ValueError(f"starts[{i}] start_s must be a finite time >= 0, got {pair[0]!r}")
        run = _Run(tasks, rng, copy_json(pair[1]), max_transitions, start)
        runs.append(run)
        gens.append(None)
        heapq.heappush(heap, (start, i))
    results: list[Execution | None] = [None] * len(runs)
    while heap:
        wake, i = heapq.heappop(heap)
        run = runs[i]
        run.now = max(run.now, wake)
        if gens[i] is None:
            gens[i] = run.machine(machine.definition, copy_json(run.execution_input), "")
        try:
            heapq.heappush(heap, (next(gens[i]), i))
        except StopIteration as stop:
            results[i] = Execution("SUCCEEDED", stop.value, None, None, run.now - run.start_s,
                                   tuple(run.events))
        except _Failure as failure:
            results[i] = Execution("FAILED", None, failure.error, failure.cause,
                                   run.now - run.start_s, tuple(run.events))
    return [r for r in results if r is not None]

