"""An order aggregate kept as events, and the repository that loads and saves it.

The order's state is never stored; it is a left fold of its events (:func:`apply_event`, in
version order). Commands (:meth:`OrderRepository.place`, ``add_item``, ``pay``, ``ship``,
``cancel``) load the order, check the business rules against its current state, and append new
events with ``expected_version`` set to the version they loaded, so a concurrent writer's change
is detected instead of overwritten.

Loading can start from the latest snapshot (every ``snapshot_every`` versions) and replay only the
tail; :attr:`LoadedOrder.events_replayed` says how many events a load applied, the replay cost the
notebook measures. ``as_of`` loads the order as it was at a past time (time travel).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from labkit.core.validation import check_finite, check_int, check_nonnegative
from labkit.eventstore.store import EventStore, NewEvent, RecordedEvent

__all__ = ["LoadedOrder", "OrderError", "OrderRepository", "OrderState", "apply_event",
           "replay"]

STATUSES = ("new", "placed", "paid", "shipped", "cancelled")


class OrderError(ValueError):
    """A command that the order's current state does not allow."""


@dataclass(frozen=True)
class OrderState:
    """An order as its events say it is."""

    order_id: str = ""
    version: int = 0
    status: str = "new"
    customer: str = ""
    lines: dict[str, list] = field(default_factory=dict)  # sku -> [quantity, unit_price_usd]
    total_usd: float = 0.0
    updated_at: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> OrderState:
        return cls(**data)


def _total(lines: dict[str, list]) -> float:
    return round(sum(q * p for q, p in lines.values()), 2)


def apply_event(state: OrderState, event: RecordedEvent) -> OrderState:
    """Return the state after ``event``; the event's version must be exactly one more.

    >>> e = RecordedEvent(1, "o-1", 1, "OrderPlaced", {"customer": "ana"}, 0.0)
    >>> apply_event(OrderState(), e).status
    'placed'
    """
    if event.version != state.version + 1:
        raise ValueError(f"event version {event.version} does not follow state version "
                         f"{state.version} (events must be applied in order, without gaps)")
    if state.order_id and event.stream_id != state.order_id:
        raise ValueError(f"event for {event.stream_id!r} applied to order {state.order_id!r}")
    d = event.data
    lines = {k: list(v) for k, v in state.lines.items()}
    status, customer = state.status, state.customer
    if event.type == "OrderPlaced":
        status, customer = "placed", d["customer"]
    elif event.type == "ItemAdded":
        qty, price = lines.get(d["sku"], [0, d["unit_price_usd"]])
        lines[d["sku"]] = [qty + d["quantity"], d["unit_price_usd"]]
    elif event.type == "ItemRemoved":
        lines.pop(d["sku"], None)
    elif event.type == "OrderPaid":
        status = "paid"
    elif event.type == "OrderShipped":
        status = "shipped"
    elif event.type == "OrderCancelled":
        status = "cancelled"
    else:
        raise ValueError(f"unknown order event type {event.type!r}")
    return OrderState(event.stream_id, event.version, status, customer, lines, _total(lines),
                      event.recorded_at)


def replay(events: list[RecordedEvent], start: OrderState | None = None) -> OrderState:
    """Fold ``events`` over ``start`` (a snapshot's state, or a new order)."""
    state = start or OrderState()
    for e in events:
        state = apply_event(state, e)
    return state


@dataclass(frozen=True)
class LoadedOrder:
    """An order's state plus how it was loaded (for the replay-cost comparison)."""

    state: OrderState
    events_replayed: int
    from_snapshot_version: int


class OrderRepository:
    """Commands on orders stored as events in an :class:`EventStore`.

    Examples
    --------
    >>> repo = OrderRepository(EventStore(), snapshot_every=0)
    >>> repo.place("o-1", "ana", now=0)
    >>> repo.add_item("o-1", "book", 2, 12.5, now=1)
    >>> repo.pay("o-1", now=2)
    >>> o = repo.load("o-1").state
    >>> (o.status, o.total_usd, o.version)
    ('paid', 25.0, 3)
    >>> repo.load("o-1", as_of=1.5).state.status  # time travel
    'placed'
    """

    def __init__(self, store: EventStore, *, snapshot_every: int = 0):
        self.store = store
        self.snapshot_every = check_int("snapshot_every", snapshot_every, minimum=0)

    def load(self, order_id: str, *, as_of: float | None = None,
             use_snapshots: bool = True) -> LoadedOrder:
        """Rebuild an order from its latest usable snapshot plus later events."""
        up_to = None
        if as_of is not None:
            check_finite("as_of", as_of)
            known = self.store.read_stream(order_id, as_of=as_of)
            up_to = known[-1].version if known else 0
            self.store.events_read -= len(known)  # bookkeeping query, not replay
        snap = (self.store.latest_snapshot(order_id, up_to_version=up_to)
                if use_snapshots and self.snapshot_every else None)
        start = OrderState.from_dict(snap.state) if snap else OrderState()
        events = self.store.read_stream(order_id, after_version=start.version,
                                        up_to_version=up_to)
        return LoadedOrder(replay(events, start), len(events), snap.version if snap else 0)

    def _save(self, order_id: str, state: OrderState, events: list[NewEvent],
              now: float) -> None:
        recorded = self.store.append(order_id, events,
                                     expected_version=state.version, now=now)
        if self.snapshot_every:
            current = state
            for e in recorded:
                current = apply_event(current, e)
                if e.version % self.snapshot_every == 0:
                    self.store.save_snapshot(e.stream_id, e.version, current.to_dict(), now)

    def _decide(self, order_id: str, expected: OrderState | None) -> OrderState:
        return expected if expected is not None else self.load(order_id).state

    # -- commands (``based_on`` lets a caller act on a state it loaded earlier) ---------------
    def place(self, order_id: str, customer: str, *, now: float) -> None:
        """Start an order; fails if the order already exists."""
        if not isinstance(customer, str) or not customer:
            raise ValueError("customer must be a non-empty string")
        state = self.load(order_id).state
        if state.version:
            raise OrderError(f"order {order_id!r} already exists")
        self._save(order_id, state, [NewEvent("OrderPlaced", {"customer": customer})], now)

    def add_item(self, order_id: str, sku: str, quantity: int, unit_price_usd: float, *,
                 now: float, based_on: OrderState | None = None) -> None:
        """Add ``quantity`` of ``sku``; only while the order is placed (not paid)."""
        check_int("quantity", quantity, minimum=1)
        check_nonnegative("unit_price_usd", unit_price_usd)
        state = self._decide(order_id, based_on)
        if state.status != "placed":
            raise OrderError(f"cannot add items to an order that is {state.status}")
        self._save(order_id, state, [NewEvent("ItemAdded", {"sku": sku, "quantity": quantity,
                                                  "unit_price_usd": unit_price_usd})], now)

    def remove_item(self, order_id: str, sku: str, *, now: float,
                    based_on: OrderState | None = None) -> None:
        """Remove a line; only while the order is placed."""
        state = self._decide(order_id, based_on)
        if state.status != "placed" or sku not in state.lines:
            raise OrderError(f"cannot remove {sku!r} from an order that is {state.status}")
        self._save(order_id, state, [NewEvent("ItemRemoved", {"sku": sku})], now)

    def pay(self, order_id: str, *, now: float, based_on: OrderState | None = None) -> None:
        """Pay a placed order that has at least one item."""
        state = self._decide(order_id, based_on)
        if state.status != "placed" or not state.lines:
            raise OrderError(f"cannot pay an order that is {state.status} with "
                             f"{len(state.lines)} lines")
        self._save(order_id, state, [NewEvent("OrderPaid", {"amount_usd": state.total_usd})], now)

    def ship(self, order_id: str, *, now: float, based_on: OrderState | None = None) -> None:
        """Ship a paid order."""
        state = self._decide(order_id, based_on)
        if state.status != "paid":
            raise OrderError(f"cannot ship an order that is {state.status}")
        self._save(order_id, state, [NewEvent("OrderShipped", {})], now)

    def cancel(self, order_id: str, *, now: float, based_on: OrderState | None = None) -> None:
        """Cancel an order that has not shipped."""
        state = self._decide(order_id, based_on)
        if state.status in ("shipped", "cancelled", "new"):
            raise OrderError(f"cannot cancel an order that is {state.status}")
        self._save(order_id, state, [NewEvent("OrderCancelled", {})], now)
