"""Workflows: an Amazon States Language executor and the saga pattern built on it.

Executor
    run_state_machine, Execution, HistoryEvent, TaskFailed, TaskOutcome
Definitions
    validate_definition, InvalidDefinition
Retry and Catch
    retry_delay, find_retrier, find_catcher, error_matches
"""

from labkit.workflows.asl import Execution, HistoryEvent, run_state_machine
from labkit.workflows.errors import InvalidDefinition, TaskFailed, TaskOutcome, error_matches
from labkit.workflows.retry import find_catcher, find_retrier, retry_delay
from labkit.workflows.validate import validate_definition

__all__ = [
    # Executor
    "run_state_machine", "Execution", "HistoryEvent", "TaskFailed", "TaskOutcome",
    # Definitions
    "validate_definition", "InvalidDefinition",
    # Retry and Catch
    "retry_delay", "find_retrier", "find_catcher", "error_matches",
]
