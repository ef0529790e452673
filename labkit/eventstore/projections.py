"""Projections: read models built by following the event store's global positions.

A :class:`Projection` holds a read model (a dict of rows, the DynamoDB stand-in) and a tracking
position: the last global position it applied. :meth:`Projection.catch_up` applies every later
event exactly once, so re-running it is harmless; :meth:`Projection.rebuild` throws the read model
away and replays the whole store, which must give the same result (the tests check this with
hypothesis).

:class:`OrderSummaryProjection` is the read model the notebooks query: one row per order with its
status, customer, line count and total.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable

from labkit.eventstore.store import EventStore, RecordedEvent

__all__ = ["OrderSummaryProjection", "Projection", "order_summary_handler"]

Handler = Callable[[dict, RecordedEvent], None]


class Projection:
    """A read model updated by ``handler(rows, event)`` from events in position order.

    Examples
    --------
    >>> from labkit.eventstore.store import NewEvent
    >>> store = EventStore()
    >>> _ = store.append("a", [NewEvent("Ping", {})], expected_version=0, now=0)
    >>> def count(rows, e):
    ...     rows[e.type] = rows.get(e.type, 0) + 1
    >>> counts = Projection("counts", count)
    >>> counts.catch_up(store), counts.catch_up(store), counts.rows
    (1, 0, {'Ping': 1})
    """

    def __init__(self, name: str, handler: Handler):
        if not isinstance(name, str) or not name:
            raise ValueError("name must be a non-empty string")
        if not callable(handler):
            raise TypeError("handler must be callable (rows, event) -> None")
        self.name = name
        self.handler = handler
        self.rows: dict = {}
        self.position = 0

    def apply(self, events: Iterable[RecordedEvent]) -> int:
        """Apply events past the tracking position, in order; return how many were applied."""
        applied = 0
        for e in events:
            if e.position <= self.position:
                continue  # already applied: at-least-once delivery becomes exactly-once effect
            if e.position != self.position + 1:
                raise ValueError(f"projection {self.name!r} at position {self.position} got "
                                 f"position {e.position}: events must arrive in order")
            self.handler(self.rows, e)
            self.position = e.position
            applied += 1
        return applied

    def catch_up(self, store: EventStore, *, as_of: float | None = None) -> int:
        """Apply everything the store has after the tracking position."""
        return self.apply(store.read_all(after_position=self.position, as_of=as_of))

    def rebuild(self, store: EventStore) -> int:
        """Forget the read model and replay the whole store."""
        self.rows, self.position = {}, 0
        return self.catch_up(store)

    def snapshot_rows(self) -> dict:
        """A deep copy of the read model (to compare two projections)."""
        return copy.deepcopy(self.rows)


def order_summary_handler(rows: dict, e: RecordedEvent) -> None:
    """Keep one summary row per order: status, customer, lines, total, last version."""
    row = rows.setdefault(e.stream_id, {"status": "new", "customer": "", "lines": {},
                                        "total_usd": 0.0, "version": 0})
    d = e.data
    if e.type == "OrderPlaced":
        row["status"], row["customer"] = "placed", d["customer"]
    elif e.type == "ItemAdded":
        qty = row["lines"].get(d["sku"], [0, d["unit_price_usd"]])[0]
        row["lines"][d["sku"]] = [qty + d["quantity"], d["unit_price_usd"]]
    elif e.type == "ItemRemoved":
        row["lines"].pop(d["sku"], None)
    elif e.type == "OrderPaid":
        row["status"] = "paid"
    elif e.type == "OrderShipped":
        row["status"] = "shipped"
    elif e.type == "OrderCancelled":
        row["status"] = "cancelled"
    row["total_usd"] = round(sum(q * p for q, p in row["lines"].values()), 2)
    row["version"] = e.version


class OrderSummaryProjection(Projection):
    """The order-summary read model (one row per order)."""

    def __init__(self, name: str = "order-summary"):
        super().__init__(name, order_summary_handler)
