"""Event sourcing and CQRS: an SQLite event store, an order aggregate, projections, read lag.

Event store (write side, SQLite standing in for RDS)
    EventStore, NewEvent, RecordedEvent, Snapshot, ConcurrencyError
Order aggregate
    OrderRepository, OrderState, LoadedOrder, OrderError, apply_event, replay
Projections (read side)
    Projection, OrderSummaryProjection, order_summary_handler
CQRS scenarios (write side in SQLite, Kinesis-like stream, read model with lag)
    run_cqrs, CqrsRun, run_contention, read_scaling, replay_cost, plus plots in
    labkit.eventstore.plots
"""

from labkit.eventstore.orders import (
    LoadedOrder,
    OrderError,
    OrderRepository,
    OrderState,
    apply_event,
    replay,
)
from labkit.eventstore.projections import (
    OrderSummaryProjection,
    Projection,
    order_summary_handler,
)
from labkit.eventstore.store import (
    ConcurrencyError,
    EventStore,
    NewEvent,
    RecordedEvent,
    Snapshot,
)

__all__ = [
    # event store
    "ConcurrencyError", "EventStore", "NewEvent", "RecordedEvent", "Snapshot",
    # order aggregate
    "LoadedOrder", "OrderError", "OrderRepository", "OrderState", "apply_event", "replay",
    # projections
    "OrderSummaryProjection", "Projection", "order_summary_handler",
    # CQRS scenarios
    "CqrsRun", "read_scaling", "replay_cost", "run_contention", "run_cqrs",
]

_LAZY = {"CqrsRun", "read_scaling", "replay_cost", "run_contention", "run_cqrs"}


def __getattr__(name: str):
    """Import the CQRS scenarios (pandas, SimPy) only when first used."""
    if name in _LAZY:
        from labkit.eventstore import cqrs

        return getattr(cqrs, name)
    raise AttributeError(f"module 'labkit.eventstore' has no attribute {name!r}")
