"""Errors and task results of the States Language executor.

- :class:`TaskFailed`: raised by a task callable to fail its Task state with an error name
  (what retriers and catchers match) and a cause.
- :class:`TaskOutcome`: returned by a task callable that takes simulated time.
- :class:`InvalidDefinition`: a state machine definition that Step Functions would refuse.
- :func:`error_matches`: does an ``ErrorEquals`` name match an error (``States.ALL``,
  ``States.TaskFailed`` and ``States.Timeout`` wildcards included)?
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BUILTIN_ERRORS",
    "InvalidDefinition",
    "TaskFailed",
    "TaskOutcome",
    "error_matches",
]

#: Error names Step Functions defines (all start with ``States.``).
BUILTIN_ERRORS = frozenset({
    "States.ALL", "States.DataLimitExceeded", "States.Runtime", "States.HeartbeatTimeout",
    "States.Timeout", "States.TaskFailed", "States.Permissions", "States.ResultPathMatchFailure",
    "States.ParameterPathFailure", "States.BranchFailed", "States.NoChoiceMatched",
    "States.IntrinsicFailure", "States.ExceedToleratedFailureThreshold",
    "States.ItemReaderFailed", "States.ResultWriterFailed", "States.QueryEvaluationError",
})

#: Terminal errors: no retrier or catcher ever matches them, not even ``States.ALL``.
TERMINAL_ERRORS = frozenset({"States.Runtime", "States.DataLimitExceeded"})

_TIMEOUT_ERRORS = frozenset({"States.Timeout", "States.HeartbeatTimeout"})


class TaskFailed(Exception):
    """Raise from a task callable to fail the attempt with ``error`` and ``cause``.

    ``duration_s`` is the simulated time the failed attempt took (default 0). Raising
    ``TaskFailed("States.Timeout", ...)`` counts as a timeout for retriers and catchers.

    >>> e = TaskFailed("PaymentDeclined", "card expired")
    >>> (e.error, e.cause)
    ('PaymentDeclined', 'card expired')
    """

    def __init__(self, error: str, cause: str = "", *, duration_s: float = 0.0) -> None:
        if not isinstance(error, str) or not error:
            raise TypeError(f"error must be a non-empty string, got {error!r}")
        if not isinstance(cause, str):
            raise TypeError(f"cause must be a string, got {type(cause).__name__}")
        _check_duration(duration_s)
        super().__init__(error, cause)
        self.error = error
        self.cause = cause
        self.duration_s = float(duration_s)

    def __str__(self) -> str:
        return f"{self.error}: {self.cause}" if self.cause else self.error


@dataclass(frozen=True)
class TaskOutcome:
    """A task result that took ``duration_s`` of simulated time.

    If ``duration_s`` exceeds the state's ``TimeoutSeconds`` the attempt fails with
    ``States.Timeout`` when the timeout expires (the work itself may already have happened).

    >>> TaskOutcome({"ok": True}, 2.5).duration_s
    2.5
    """

    output: Any
    duration_s: float = 0.0

    def __post_init__(self) -> None:
        _check_duration(self.duration_s)


def _check_duration(duration_s: object) -> None:
    if isinstance(duration_s, bool) or not isinstance(duration_s, (int, float)):
        raise TypeError(f"duration_s must be a real number, got {duration_s!r}")
    if not math.isfinite(duration_s) or duration_s < 0:
        raise ValueError(f"duration_s must be in [0, inf), got {duration_s!r}")


class InvalidDefinition(ValueError):
    """A States Language definition that fails validation; ``problems`` lists every finding.

    >>> str(InvalidDefinition(["state 'A': missing 'Next' or 'End'"]))
    "invalid state machine definition: state 'A': missing 'Next' or 'End'"
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("invalid state machine definition: " + "; ".join(self.problems))


def error_matches(name: str, error: str) -> bool:
    """Return True if the ``ErrorEquals`` entry ``name`` matches the raised ``error``.

    ``States.ALL`` matches everything except the terminal ``States.Runtime`` and
    ``States.DataLimitExceeded``; ``States.TaskFailed`` matches any error except a timeout;
    ``States.Timeout`` also covers a missed heartbeat. Other names match exactly
    (case-sensitive).

    >>> error_matches("States.TaskFailed", "States.Timeout")
    False
    >>> error_matches("States.ALL", "States.Timeout")
    True
    """
    if not (isinstance(name, str) and isinstance(error, str)):
        label, value = ("name", name) if not isinstance(name, str) else ("error", error)
        raise TypeError(f"{label} must be an error name (a string), got "
                        f"{type(value).__name__} {value!r}")
    if error in TERMINAL_ERRORS:
        return False
    if name == "States.ALL":
        return True
    if name == "States.TaskFailed":
        return error not in _TIMEOUT_ERRORS
    if name == "States.Timeout":
        return error in _TIMEOUT_ERRORS
    return name == error
