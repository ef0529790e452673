"""Workflows: an Amazon States Language executor and the saga pattern built on it.

Executor
    run_state_machine, run_executions (many concurrent executions), Execution, HistoryEvent,
    TaskFailed, TaskOutcome
Definitions
    validate_definition, InvalidDefinition
Retry and Catch
    retry_delay, find_retrier, find_catcher, error_matches
Saga (orchestration)
    order_saga_definition, run_orchestrated, SagaRun, needs_attention, repair_order,
    perform_step
Saga (choreography)
    ChoreographedSaga, EventBus
Services and ledgers
    Shop, Order, Inventory, Payments, Fulfilment, Orders, Violation
Fault injection
    FaultPlan, ScriptedFaults

Many-order experiments (pandas) are in :mod:`labkit.workflows.experiments`, the circuit
breaker built from Step Functions, Lambda and a DynamoDB-like table in
:mod:`labkit.workflows.breaker_flow` (its table: :mod:`labkit.workflows.statetable`), the figures
(matplotlib) in :mod:`labkit.workflows.plots` and the explorer in
:mod:`labkit.workflows.explorers`; import them where needed.
"""

from labkit.workflows.asl import (
    Execution,
    HistoryEvent,
    StateMachine,
    run_executions,
    run_state_machine,
)
from labkit.workflows.choreography import ChoreographedSaga, EventBus
from labkit.workflows.errors import InvalidDefinition, TaskFailed, TaskOutcome, error_matches
from labkit.workflows.faults import FaultPlan, ScriptedFaults
from labkit.workflows.retry import find_catcher, find_retrier, retry_delay
from labkit.workflows.saga import (
    SagaRun,
    needs_attention,
    order_saga_definition,
    perform_step,
    repair_order,
    run_orchestrated,
)
from labkit.workflows.services import (
    Fulfilment,
    Inventory,
    Order,
    Orders,
    Payments,
    Shop,
    Violation,
)
from labkit.workflows.validate import validate_definition

__all__ = [
    # Executor
    "run_state_machine", "run_executions", "StateMachine", "Execution", "HistoryEvent",
    "TaskFailed",
    "TaskOutcome",
    # Definitions
    "validate_definition", "InvalidDefinition",
    # Retry and Catch
    "retry_delay", "find_retrier", "find_catcher", "error_matches",
    # Saga (orchestration)
    "order_saga_definition", "run_orchestrated", "SagaRun", "needs_attention", "repair_order",
    "perform_step",
    # Saga (choreography)
    "ChoreographedSaga", "EventBus",
    # Services and ledgers
    "Shop", "Order", "Inventory", "Payments", "Fulfilment", "Orders", "Violation",
    # Fault injection
    "FaultPlan", "ScriptedFaults",
]
