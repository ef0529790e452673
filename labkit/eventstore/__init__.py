"""Event sourcing and CQRS: an SQLite event store, an order aggregate, projections, read lag.

Event store (write side, SQLite standing in for RDS)
    EventStore, NewEvent, RecordedEvent, Snapshot, ConcurrencyError
Order aggregate
    OrderRepository, OrderState, LoadedOrder, OrderError, apply_event, replay
Projections (read side)
    Projection, OrderSummaryProjection, order_summary_handler
CQRS scenarios (write side in SQLite, Kinesis-like stream, read model with lag)
    CqrsConfig, simulate_cqrs, ContentionConfig, simulate_contention, read_scaling,
    replay_cost (run_cqrs, run_contention, CqrsRun: former names, kept one release)
Kinesis as the store, projections fan-out
    StreamReplayConfig, simulate_stream_replay (labkit.eventstore.kinesis_store),
    FanOutConfig, simulate_projection_fanout (labkit.eventstore.fanout); figures in
    labkit.eventstore.plots, explorer callbacks in labkit.eventstore.explorers
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
    "ContentionConfig", "ContentionResult", "CqrsConfig", "CqrsResult", "CqrsRun",
    "read_scaling", "replay_cost", "run_contention", "run_cqrs", "simulate_contention",
    "simulate_cqrs",
]

_LAZY = {"CqrsConfig", "CqrsResult", "CqrsRun", "read_scaling", "replay_cost", "run_cqrs",
         "simulate_cqrs"}
_LAZY_CONTENTION = {"ContentionConfig", "ContentionResult", "run_contention",
                    "simulate_contention"}


def __getattr__(name: str):
    """Import the CQRS scenarios (pandas, SimPy) only when first used."""
    if name in _LAZY:
        from labkit.eventstore import cqrs

        return getattr(cqrs, name)
    if name in _LAZY_CONTENTION:
        from labkit.eventstore import contention

        return getattr(contention, name)
    raise AttributeError(f"module 'labkit.eventstore' has no attribute {name!r}")
