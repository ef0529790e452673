"""Validation of States Language definitions before anything runs.

:func:`validate_definition` parses JSON text or takes a dict and raises
:class:`~labkit.workflows.errors.InvalidDefinition` listing every problem, each naming its
state: unknown state types or fields, missing ``Next``/``End``, dangling transitions,
unreachable states, malformed Retry/Catch rules, paths and Choice rules. State names must be
unique across the whole machine, branches and iterators included (as in Step Functions).
"""

from __future__ import annotations

import json
import math
from typing import Any

from labkit.core.validation import check_nesting
from labkit.workflows.choice import _parse_timestamp, rule_problems
from labkit.workflows.errors import BUILTIN_ERRORS, InvalidDefinition
from labkit.workflows.paths import parse_path

__all__ = ["STATE_FIELDS", "validate_definition"]

_IO = {"InputPath", "OutputPath"}
_NEXT = {"Next", "End"}
_ERRORS = {"Retry", "Catch"}
#: Fields each state type accepts (besides ``Type`` and ``Comment``).
STATE_FIELDS: dict[str, set[str]] = {
    "Task": {"Resource", "Parameters", "ResultSelector", "ResultPath", "TimeoutSeconds",
             "HeartbeatSeconds"} | _IO | _NEXT | _ERRORS,
    "Parallel": {"Branches", "Parameters", "ResultSelector", "ResultPath"} | _IO | _NEXT | _ERRORS,
    "Map": {"Iterator", "ItemProcessor", "ItemsPath", "MaxConcurrency", "Parameters",
            "ItemSelector", "ResultSelector", "ResultPath"} | _IO | _NEXT | _ERRORS,
    "Pass": {"Result", "ResultPath", "Parameters"} | _IO | _NEXT,
    "Wait": {"Seconds", "Timestamp", "SecondsPath", "TimestampPath"} | _IO | _NEXT,
    "Choice": {"Choices", "Default"} | _IO,
    "Succeed": set(_IO),
    "Fail": {"Error", "Cause"},
}
_TOP_FIELDS = {"StartAt", "States", "Comment", "Version", "TimeoutSeconds", "QueryLanguage"}
_MAX_SECONDS = 99_999_999
_MAX_DELAY = 31_622_401


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.seen: dict[str, str] = {}

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def path(self, where: str, field: str, value: Any, *, nullable: bool = True,
             reference: bool = True) -> None:
        if value is None and nullable:
            return
        try:
            is_context, _ = parse_path(value, reference=reference)
        except (TypeError, ValueError) as exc:
            self.add(where, f"{field}: {exc}")
            return
        if is_context and field in {"ResultPath", "InputPath", "OutputPath", "ItemsPath"}:
            self.add(where, f"{field} cannot point into the context object ($$)")

    def template(self, where: str, field: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                if key.endswith(".$"):
                    if not isinstance(sub, str) or not sub.startswith("$"):
                        self.add(where, f"{field}: {key!r} must hold a path starting with '$' "
                                        "(intrinsic functions are not supported)")
                    else:
                        self.path(where, f"{field}.{key}", sub, nullable=False, reference=False)
                else:
                    self.template(where, f"{field}.{key}", sub)
        elif isinstance(value, list):
            for i, sub in enumerate(value):
                self.template(where, f"{field}[{i}]", sub)

    def error_names(self, where: str, rules: Any, kind: str) -> None:
        if not isinstance(rules, list):
            self.add(where, f"{kind} must be an array")
            return
        for i, rule in enumerate(rules):
            label = f"{kind}[{i}]"
            if not isinstance(rule, dict):
                self.add(where, f"{label} must be an object")
                continue
            names = rule.get("ErrorEquals")
            if not isinstance(names, list) or not names:
                self.add(where, f"{label}.ErrorEquals must be a non-empty array of error names")
                continue
            for name in names:
                if not isinstance(name, str) or not name:
                    self.add(where, f"{label}.ErrorEquals: {name!r} is not an error name")
                elif name.startswith("States.") and name not in BUILTIN_ERRORS:
                    self.add(where, f"{label}.ErrorEquals: unknown built-in error {name!r}")
            if "States.ALL" in names:
                if len(names) != 1:
                    self.add(where, f"{label}: States.ALL must appear alone in ErrorEquals")
                if i != len(rules) - 1:
                    self.add(where, f"{label}: States.ALL must be in the last rule of {kind}")

    def retriers(self, where: str, retry: Any) -> None:
        self.error_names(where, retry, "Retry")
        if not isinstance(retry, list):
            return
        allowed = {"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate",
                   "MaxDelaySeconds", "JitterStrategy", "Comment"}
        for i, rule in enumerate(retry):
            if not isinstance(rule, dict):
                continue
            label = f"Retry[{i}]"
            for field in sorted(set(rule) - allowed):
                self.add(where, f"{label}: unknown field {field!r}")
            v = rule.get("IntervalSeconds", 1)
            if not _is_int(v) or not 1 <= v <= _MAX_SECONDS:
                self.add(where, f"{label}.IntervalSeconds must be an integer in "
                                f"[1, {_MAX_SECONDS}], got {v!r}")
            v = rule.get("MaxAttempts", 3)
            if not _is_int(v) or not 0 <= v <= _MAX_SECONDS:
                self.add(where, f"{label}.MaxAttempts must be an integer in "
                                f"[0, {_MAX_SECONDS}], got {v!r}")
            v = rule.get("BackoffRate", 2.0)
            if not _is_number(v) or v < 1.0:
                self.add(where, f"{label}.BackoffRate must be a finite number >= 1.0, "
                                f"got {v!r}")
            if "MaxDelaySeconds" in rule:
                v = rule["MaxDelaySeconds"]
                if not _is_int(v) or not 1 <= v <= _MAX_DELAY:
                    self.add(where, f"{label}.MaxDelaySeconds must be an integer in "
                                    f"[1, {_MAX_DELAY}], got {v!r}")
            v = rule.get("JitterStrategy", "NONE")
            if v not in ("NONE", "FULL"):
                self.add(where, f"{label}.JitterStrategy must be 'NONE' or 'FULL', got {v!r}")

    def catchers(self, where: str, catch: Any, names: set[str]) -> list[str]:
        self.error_names(where, catch, "Catch")
        targets = []
        if not isinstance(catch, list):
            return targets
        for i, rule in enumerate(catch):
            if not isinstance(rule, dict):
                continue
            label = f"Catch[{i}]"
            for field in sorted(set(rule) - {"ErrorEquals", "Next", "ResultPath", "Comment"}):
                self.add(where, f"{label}: unknown field {field!r}")
            nxt = rule.get("Next")
            if not isinstance(nxt, str):
                self.add(where, f"{label} needs 'Next' naming a state")
            elif nxt not in names:
                self.add(where, f"{label}.Next {nxt!r} is not a state in this scope")
            else:
                targets.append(nxt)
            self.path(where, f"{label}.ResultPath", rule.get("ResultPath", "$"))
        return targets

    def machine(self, machine: Any, scope: str, *, top: bool) -> None:
        if not isinstance(machine, dict):
            self.add(scope, "must be an object with 'StartAt' and 'States'")
            return
        allowed = _TOP_FIELDS if top else {"StartAt", "States", "Comment", "ProcessorConfig"}
        for field in sorted(set(machine) - allowed):
            self.add(scope, f"unknown field {field!r}")
        if top and machine.get("QueryLanguage", "JSONPath") != "JSONPath":
            self.add(scope, f"QueryLanguage {machine['QueryLanguage']!r} is not supported "
                            "(labkit implements JSONPath only)")
        if top and "TimeoutSeconds" in machine:
            v = machine["TimeoutSeconds"]
            if not _is_int(v) or not 1 <= v <= _MAX_SECONDS:
                self.add(scope, f"TimeoutSeconds must be an integer in [1, {_MAX_SECONDS}]")
        states = machine.get("States")
        if not isinstance(states, dict) or not states:
            self.add(scope, "'States' must be a non-empty object")
            return
        start = machine.get("StartAt")
        if not isinstance(start, str):
            self.add(scope, "'StartAt' must name a state")
        elif start not in states:
            self.add(scope, f"StartAt {start!r} is not a state in this scope")
        names = set(states)
        edges: dict[str, list[str]] = {}
        for name, state in states.items():
            where = f"state {name!r}"
            if not name or len(name) > 80:
                self.add(where, "state names must be 1 to 80 characters long")
            if name in self.seen:
                self.add(where, f"name already used in {self.seen[name]} (names must be unique)")
            self.seen[name] = scope
            edges[name] = self.state(where, state, names)
        if isinstance(start, str) and start in states:
            reached, todo = {start}, [start]
            while todo:
                for nxt in edges[todo.pop()]:
                    if nxt not in reached:
                        reached.add(nxt)
                        todo.append(nxt)
            for name in states:
                if name not in reached:
                    self.add(f"state {name!r}", f"unreachable from StartAt {start!r}")

    def state(self, where: str, state: Any, names: set[str]) -> list[str]:
        if not isinstance(state, dict):
            self.add(where, "must be an object")
            return []
        kind = state.get("Type")
        if kind not in STATE_FIELDS:
            self.add(where, f"unknown state Type {kind!r} (expected one of "
                            f"{', '.join(sorted(STATE_FIELDS))})")
            return []
        for field in sorted(set(state) - STATE_FIELDS[kind] - {"Type", "Comment"}):
            self.add(where, f"field {field!r} is not allowed in a {kind} state")
        targets: list[str] = []
        if "Next" in STATE_FIELDS[kind]:
            has_next, end = "Next" in state, state.get("End")
            if "End" in state and end is not True:
                self.add(where, "'End' must be true when present")
            if has_next and end is True:
                self.add(where, "has both 'Next' and 'End'")
            elif not has_next and end is not True:
                self.add(where, "missing 'Next' or 'End'")
            if has_next:
                nxt = state["Next"]
                if not isinstance(nxt, str) or nxt not in names:
                    self.add(where, f"Next {nxt!r} is not a state in this scope")
                else:
                    targets.append(nxt)
        for field in ("InputPath", "OutputPath", "ResultPath", "ItemsPath"):
            if field in state:
                self.path(where, field, state[field], nullable=field != "ItemsPath")
        for field in ("Parameters", "ResultSelector", "ItemSelector"):
            if field in state:
                self.template(where, field, state[field])
        if "Retry" in state:
            self.retriers(where, state["Retry"])
        if "Catch" in state:
            targets += self.catchers(where, state["Catch"], names)
        getattr(self, f"_{kind.lower()}")(where, state, names, targets)
        return targets

    def _task(self, where: str, state: dict, names: set[str], targets: list[str]) -> None:
        resource = state.get("Resource")
        if not isinstance(resource, str) or not resource:
            self.add(where, "a Task needs 'Resource' (a non-empty string)")
        timeout = state.get("TimeoutSeconds", _MAX_SECONDS)
        if not _is_int(timeout) or not 1 <= timeout <= _MAX_SECONDS:
            self.add(where, f"TimeoutSeconds must be an integer in [1, {_MAX_SECONDS}], "
                            f"got {timeout!r}")
        if "HeartbeatSeconds" in state:
            beat = state["HeartbeatSeconds"]
            if not _is_int(beat) or beat < 1 or (_is_int(timeout) and beat >= timeout):
                self.add(where, f"HeartbeatSeconds must be an integer >= 1 and < TimeoutSeconds, "
                                f"got {beat!r}")

    def _parallel(self, where: str, state: dict, names: set[str], targets: list[str]) -> None:
        branches = state.get("Branches")
        if not isinstance(branches, list) or not branches:
            self.add(where, "a Parallel state needs 'Branches' (a non-empty array)")
            return
        for i, branch in enumerate(branches):
            self.machine(branch, f"{where} branch {i}", top=False)

    def _map(self, where: str, state: dict, names: set[str], targets: list[str]) -> None:
        has_iter, has_proc = "Iterator" in state, "ItemProcessor" in state
        if has_iter == has_proc:
            self.add(where, "a Map state needs exactly one of 'ItemProcessor' and 'Iterator'")
        else:
            self.machine(state["ItemProcessor" if has_proc else "Iterator"],
                         f"{where} item processor", top=False)
        if "Parameters" in state and "ItemSelector" in state:
            self.add(where, "use 'ItemSelector' or 'Parameters', not both")
        mc = state.get("MaxConcurrency", 0)
        if not _is_int(mc) or mc < 0:
            self.add(where, f"MaxConcurrency must be an integer >= 0, got {mc!r}")

    def _pass(self, where: str, state: dict, names: set[str], targets: list[str]) -> None:
        pass

    def _wait(self, where: str, state: dict, names: set[str], targets: list[str]) -> None:
        given = [f for f in ("Seconds", "Timestamp", "SecondsPath", "TimestampPath") if f in state]
        if len(given) != 1:
            self.add(where, "a Wait state needs exactly one of Seconds, Timestamp, SecondsPath, "
                            f"TimestampPath (got {given or 'none'})")
            return
        (field,) = given
        value = state[field]
        if field == "Seconds" and (not _is_int(value) or not 0 <= value <= _MAX_SECONDS):
            self.add(where, f"Seconds must be an integer in [0, {_MAX_SECONDS}], got {value!r}")
        elif field == "Timestamp" and _parse_timestamp(value) is None:
            self.add(where, f"Timestamp must be RFC 3339 (uppercase T and Z), got {value!r}")
        elif field.endswith("Path"):
            self.path(where, field, value, nullable=False)

    def _choice(self, where: str, state: dict, names: set[str], targets: list[str]) -> None:
        choices = state.get("Choices")
        if not isinstance(choices, list) or not choices:
            self.add(where, "a Choice state needs 'Choices' (a non-empty array of rules)")
            choices = []
        for i, rule in enumerate(choices):
            for p in rule_problems(rule, f"Choices[{i}]", top_level=True):
                self.add(where, p)
            if isinstance(rule, dict) and "Next" in rule:
                if rule["Next"] not in names:
                    self.add(where, f"Choices[{i}].Next {rule['Next']!r} is not a state in "
                                    "this scope")
                else:
                    targets.append(rule["Next"])
        if "Default" in state:
            if state["Default"] not in names:
                self.add(where, f"Default {state['Default']!r} is not a state in this scope")
            else:
                targets.append(state["Default"])

    def _succeed(self, where: str, state: dict, names: set[str], targets: list[str]) -> None:
        pass

    def _fail(self, where: str, state: dict, names: set[str], targets: list[str]) -> None:
        for field in ("Error", "Cause"):
            if field in state and not isinstance(state[field], str):
                self.add(where, f"{field} must be a string")


#: Deepest nesting of objects and arrays a definition may have on this lab (Parallel and Map
#: states nested inside each other add about four levels each).
MAX_DEFINITION_DEPTH = 200


def retrier_problems(retrier: Any) -> list[str]:
    """What is wrong with one ``Retry`` rule (empty list when it is valid).

    >>> retrier_problems({"ErrorEquals": ["X"], "BackoffRate": float("nan")})
    ['retrier: Retry[0].BackoffRate must be a finite number >= 1.0, got nan']
    """
    checker = _Checker()
    if not isinstance(retrier, dict):
        raise TypeError(f"retrier must be a dict (one Retry rule), got {type(retrier).__name__}")
    checker.retriers("retrier", [retrier])
    return checker.problems


def validate_definition(definition: dict[str, Any] | str) -> dict[str, Any]:
    """Return the definition as a dict if it is valid; raise ``InvalidDefinition`` otherwise.

    >>> validate_definition('{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}')["StartAt"]
    'A'
    >>> try:
    ...     validate_definition({"StartAt": "A", "States": {"A": {"Type": "Pass"}}})
    ... except InvalidDefinition as exc:
    ...     exc.problems
    ["state 'A': missing 'Next' or 'End'"]
    """
    if isinstance(definition, str):
        try:
            definition = json.loads(definition)
        except json.JSONDecodeError as exc:
            raise InvalidDefinition([f"definition is not valid JSON: {exc}"]) from None
        except RecursionError:
            raise InvalidDefinition([f"definition nests deeper than {MAX_DEFINITION_DEPTH} "
                                     "levels"]) from None
    if not isinstance(definition, dict):
        raise TypeError("definition must be a dict or JSON text, got "
                        f"{type(definition).__name__}")
    try:
        check_nesting("definition", definition, MAX_DEFINITION_DEPTH)
    except ValueError as exc:
        raise InvalidDefinition([str(exc)]) from None
    checker = _Checker()
    checker.machine(definition, "definition", top=True)
    if checker.problems:
        raise InvalidDefinition(checker.problems)
    return definition
